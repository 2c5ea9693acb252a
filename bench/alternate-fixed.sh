#!/usr/bin/env bash
# The issue's fixed load (100 rooms x 4 peers, 1 KiB, 40 msg/s per peer) against several server setups in
# turn, one run each per round, so that all of them see the same stretch of a noisy machine: the quick way
# to tell a change from the noise. Same pinning and JVM flags as compare-ywebrtc.sh. Loopback only; every
# run is bounded; only the processes it starts are stopped.
#
#   bench/alternate-fixed.sh ROUNDS SETUP...
#     SETUP is  ywebrtc  or  NAME=serve options  (quote it), or  NAME=jar:PATH serve options  to run another
#     build of the server (a change's before and after, side by side), e.g.
#   bench/alternate-fixed.sh 3 ywebrtc epoll="--transport epoll" io_uring="--transport io_uring"
#   bench/alternate-fixed.sh 3 before="jar:/tmp/before.jar" after=
#
# Prints one line per run (server CPU per delivery, p99, deliveries/s, missing) and the medians; the JSON
# reports go to bench/results/alternate-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:?rounds}; shift
(( $# > 0 )) || { echo "name at least one setup" >&2; exit 2; }
OUT=bench/results/alternate-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt" 2>/dev/null || echo unknown > "$OUT/commit.txt"
[[ -d bench/node/node_modules/y-webrtc ]] || (cd bench/node && npm install --no-audit --no-fund --loglevel=error)
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
LOAD=${LOAD:---rooms 100 --peers 4 --payload 1024 --rate 40 --warmup 10s --duration 15s}

source bench/lib.sh

SERVER_PID=""
cleanup() {
  stop_pid "$SERVER_PID"
  restore_damon
}
trap cleanup EXIT
# the kernel's DAMON monitor stalls both vCPUs now and then (see BENCHMARKS.md); paused as compare-ywebrtc.sh does
pause_damon

for round in $(seq "$ROUNDS"); do
  for setup in "$@"; do
    name=${setup%%=*}
    PORT=$(free_port)
    if [[ $setup == ywebrtc ]]; then
      (cd bench/node && PORT=$PORT exec taskset -c 0 node node_modules/y-webrtc/bin/server.js) \
        > "$OUT/$name-$round.log" 2>&1 &
      probe=/
    else
      args=""; [[ $setup == *=* ]] && args=${setup#*=}
      server_jar=$JAR
      if [[ $args == jar:* ]]; then server_jar=${args#jar:}; server_jar=${server_jar%% *}; args=${args#jar:"$server_jar"}; fi
      # shellcheck disable=SC2086
      taskset -c 0 java $SERVER_JVM -jar "$server_jar" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 \
        --io-threads 1 $args > "$OUT/$name-$round.log" 2>&1 &
      probe=/ready
    fi
    SERVER_PID=$!
    for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT$probe" && break; sleep 0.1; done
    # shellcheck disable=SC2086
    taskset -c 1 java $LOAD_JVM -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/" --server-pid "$SERVER_PID" \
      --threads 1 --json "$OUT/$name-$round.json" $LOAD > "$OUT/$name-$round.txt" 2>&1 || true
    kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
    python3 - "$OUT/$name-$round.json" "$name" "$round" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(f"round {sys.argv[3]} {sys.argv[2]:>12}: {r['serverCpuMicrosPerDelivery']:6.2f} us/delivery  "
          f"p99 {r['p99Micros'] / 1000:8.2f} ms  {r['deliveriesPerSecond']:9,.0f}/s  missing {r['missing']}")
except (OSError, ValueError, KeyError) as e:
    print(f"round {sys.argv[3]} {sys.argv[2]:>12}: no report ({e})")
PY
  done
done

python3 - "$OUT" "$@" <<'PY'
import json, sys, glob, statistics
out, setups = sys.argv[1], [s.split("=", 1)[0] for s in sys.argv[2:]]
def med(name, key):
    vals = [json.load(open(f)).get(key) for f in glob.glob(f"{out}/{name}-*.json")]
    vals = [v for v in vals if v is not None and v >= 0]
    return statistics.median(vals) if vals else float("nan")
base = med("ywebrtc", "serverCpuMicrosPerDelivery") if "ywebrtc" in setups else float("nan")
print("\nmedians:")
for name in setups:
    cpu = med(name, "serverCpuMicrosPerDelivery")
    ratio = f"  {cpu / base:.2f}x y-webrtc" if base == base and name != "ywebrtc" else ""
    print(f"{name:>12}: {cpu:6.2f} us/delivery  p99 {med(name, 'p99Micros') / 1000:8.2f} ms{ratio}")
print(f"commit {open(out + '/commit.txt').read().strip()}; reports: {out}")
PY
