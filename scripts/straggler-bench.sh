#!/usr/bin/env bash
# Mean generation time of a 3-node Hopper run whose third node is CPU-limited (cpulimit), with or without
# backup copies: ./scripts/straggler-bench.sh <backup-after> <tag> <port> [slow]
# (pass "slow" as 4th argument to add the CPU-limited worker; needs `apt-get install -y cpulimit`).
# Build first: dotnet build src/EsActors.Node -c Release. Compare tags over the same generations.
set -u
D=$(cd "$(dirname "$0")/.." && pwd)/src/EsActors.Node/bin/Release/net10.0/EsActors.Node.dll
backup=$1; tag=$2; port=$3; slow=${4:-}
dir=/tmp/esactors-straggler/$tag; rm -rf "$dir"; mkdir -p "$dir"
echo "esactors.dispatch.backup-after = $backup" > "$dir/c.conf"
dotnet "$D" train --env Hopper-v4 --run-id s --out "$dir" --journal "$dir/j.db" --generations 150 --population 80 \
  --target-return 1e9 --port "$port" --slots 1 --config "$dir/c.conf" > "$dir/t.log" 2>&1 & tp=$!
sleep 1
dotnet "$D" worker --seed-nodes "127.0.0.1:$port" --slots 1 --journal "$dir/j.db" --config "$dir/c.conf" > "$dir/w1.log" 2>&1 & w1=$!
w2=""
if [ "$slow" = slow ]; then
  cpulimit -l 15 -f -- dotnet "$D" worker --seed-nodes "127.0.0.1:$port" --slots 1 --journal "$dir/j.db" --config "$dir/c.conf" > "$dir/w2.log" 2>&1 & w2=$!
fi
wait $tp
kill $w1 ${w2:+$w2} 2>/dev/null; wait 2>/dev/null
python3 - "$dir/s/progress.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
walls, previous = [], 0.0
for r in rows:
    elapsed = float(r["elapsed_seconds"]); wall = elapsed - previous; previous = elapsed
    if int(r["generation"]) > 8: walls.append(wall)
print(f"generations 9-{rows[-1]['generation']}: mean {1000 * sum(walls) / len(walls):.0f} ms per generation")
PY
md5sum "$dir/s/policy.bin"
