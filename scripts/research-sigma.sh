#!/usr/bin/env bash
# The sigma experiments of docs/research.md: on Pendulum-v1 and Acrobot-v1 (OpenAI-ES presets), five seeds each of
# one sigma (the preset), sigma per layer with a schedule (Question 2) and a learnt sigma per parameter (Aside 3).
# Each arm is a sweep: runs/<name>/report.md, report.csv, curve.png. Journals stay in runs/ (not in git).
# Usage: scripts/research-sigma.sh [seeds]   (default 0-4; needs a Release build)
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-0-4}
node=${ESACTORS_NODE_DLL:-src/EsActors.Node/bin/Release/net10.0/EsActors.Node.dll}
for env in Pendulum-v1 Acrobot-v1; do
  task=$(echo "${env%-v1}" | tr '[:upper:]' '[:lower:]')
  single=(); [ -f "docs/research/$task-single.conf" ] && single=(--config "docs/research/$task-single.conf")
  dotnet "$node" sweep --env "$env" --seeds "$seeds" --out runs --name "sigma-$task-single" "${single[@]}"
  dotnet "$node" sweep --env "$env" --seeds "$seeds" --out runs --name "sigma-$task-layers" --config "docs/research/$task-layer-sigma.conf"
  dotnet "$node" sweep --env "$env" --seeds "$seeds" --out runs --name "sigma-$task-learnt" --config "docs/research/$task-learnt-sigma.conf"
done
