#!/usr/bin/env bash
# Runs every test of EsActors on this machine: installs what the tests need (MuJoCo from Debian, PostgreSQL
# and Chromium if missing), starts a throwaway PostgreSQL on loopback for the journal tests, runs `dotnet test` on the
# solution and stops the server again. Extra arguments go to `dotnet test` (e.g. --filter ...).
set -uo pipefail
cd "$(dirname "$0")/.."

need=()
[ -e /usr/lib/x86_64-linux-gnu/libmujoco.so.2.2.2 ] || ls /usr/lib/*/libmujoco.so.2.2.2 >/dev/null 2>&1 || need+=(libmujoco2.2.2 libmujoco-dev)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql)
command -v chromium >/dev/null || need+=(chromium)   # the dashboard's end-to-end test (headless)
command -v ip >/dev/null || need+=(iproute2)      # the partition test makes network namespaces
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Throwaway PostgreSQL on loopback (tests read ESACTORS_TEST_POSTGRES).
pgbin=/usr/lib/postgresql/15/bin
pgroot=$(mktemp -d /tmp/esactors-pg.XXXXXX)
pgport=$(( 20000 + RANDOM % 20000 ))
chmod 755 "$pgroot"
runpg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$pgroot"
stop_pg() { runpg "$pgbin/pg_ctl -D $pgroot/data -m fast -w stop" >/dev/null 2>&1; rm -rf "$pgroot"; }
trap stop_pg EXIT
if runpg "$pgbin/initdb -D $pgroot/data -U postgres --auth=trust" >/dev/null 2>&1 &&
   runpg "$pgbin/pg_ctl -D $pgroot/data -w -l $pgroot/log -o \"-c listen_addresses=127.0.0.1 -p $pgport -k $pgroot -c fsync=off\" start" >/dev/null 2>&1; then
  export ESACTORS_TEST_POSTGRES="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=postgres;Pooling=true"
  echo "PostgreSQL for tests on 127.0.0.1:$pgport"
else
  echo "error: could not start a throwaway PostgreSQL (see $pgroot/log)" >&2
  cat "$pgroot/log" >&2 2>/dev/null
  exit 1
fi

dotnet test EsActors.sln -c Release "$@"
