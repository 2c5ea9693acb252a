#!/usr/bin/env bash
# Side-by-side: the stock y-webrtc signaling server (npm y-webrtc 10.3.0, bin/server.js) and Switchboard, under
# the same load generator, alternating run by run so both see the same machine conditions. Each server is
# pinned to core 0 (Node is single-threaded, so Switchboard gets one event loop too) and the generator to
# core 1. Loopback only; every run is bounded.
#
#   bench/compare-ywebrtc.sh [rounds]        default 3 rounds
#   SERVER_ARGS="--transport io_uring" bench/compare-ywebrtc.sh 3     extra `serve` options for Switchboard
#
# Prints a markdown table of medians and ratios; raw JSON reports go to bench/results/<time>/.
#
# Both JVMs (server and generator) get a fixed, pre-touched heap: on this VM the first touch of a heap page is
# slow, and the first young collections that touch new pages paused for 40-190 ms. The server's young generation
# is kept small: its SerialGC young pauses took ~9 ms at the default size for a 1 GiB heap, ~1-3 ms at 64 MiB.
# If the kernel's DAMON monitor runs (it stalled both vCPUs for 5-20 ms about twice a second here), it is
# paused for the run when this user may do so and restored on exit; KEEP_DAMON=1 leaves it running.
# damon.txt in the results says which it was.
set -euo pipefail
cd "$(dirname "$0")/.."
# The generator pushes each connection far past any real client's message budget (closed loop: hundreds of
# messages a second per connection); these runs measure the relay, so the node's budget is off. Set through
# the environment, which builds from before the option ignore.
export SWITCHBOARD_MESSAGE_RATE=${SWITCHBOARD_MESSAGE_RATE:-0}
ROUNDS=${1:-3}
OUT=bench/results/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
SERVER_ARGS=${SERVER_ARGS:-}
echo "$COMMIT${SERVER_ARGS:+ serve $SERVER_ARGS}" > "$OUT/commit.txt"
[[ -d bench/node/node_modules/y-webrtc ]] || (cd bench/node && npm install --no-audit --no-fund --loglevel=error)
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
# the memory run measures RSS growth, which a pre-touched heap would hide
SERVER_JVM_IDLE=${SERVER_JVM_IDLE:--Xmx1g}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}

source bench/lib.sh

SERVER_PID=""
start_server() { # $1 = ywebrtc|switchboard ; sets SERVER_PID and PORT
  PORT=$(free_port)
  if [[ $1 == ywebrtc ]]; then
    (cd bench/node && PORT=$PORT exec taskset -c "$SERVER_CORE" node node_modules/y-webrtc/bin/server.js) > "$OUT/$1-server-$label-$round.log" 2>&1 &
  else
    local jvm=$SERVER_JVM; [[ $label == idle ]] && jvm=$SERVER_JVM_IDLE
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CORE" java $jvm -jar "$JAR" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 --io-threads 1 \
      $SERVER_ARGS > "$OUT/$1-server-$label-$round.log" 2>&1 &
  fi
  SERVER_PID=$!
  # the y-webrtc server answers any HTTP GET; Switchboard says when it is ready
  local probe=/ready; [[ $1 == ywebrtc ]] && probe=/
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT$probe" && return 0; sleep 0.1; done
  echo "server $1 did not start" >&2; return 1
}
stop_server() { stop_pid "$SERVER_PID"; SERVER_PID=""; }

trap 'stop_server; restore_damon' EXIT
pause_damon "$OUT/damon.txt"
[[ -f $OUT/damon.txt ]] || echo "no DAMON monitor running" > "$OUT/damon.txt"

bench() { # $1 = server, $2 = label, rest = bench options
  local server=$1 label=$2; shift 2
  start_server "$server"
  # shellcheck disable=SC2086
  taskset -c "$LOAD_CORE" java $LOAD_JVM -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/" --server-pid "$SERVER_PID" \
    --threads 1 --json "$OUT/$label-$server-$round.json" "$@" > "$OUT/$label-$server-$round.txt" 2>&1 || true
  stop_server
}

for round in $(seq "$ROUNDS"); do
  # ABBA: the server that goes first alternates, so neither always runs on a machine just warmed or disturbed
  order="ywebrtc switchboard"; (( round % 2 == 0 )) && order="switchboard ywebrtc"
  for server in $order; do
    # the issue's workload: 100 rooms x 4 peers, 1 KiB, 40 msg/s per peer
    bench "$server" fixed --rooms 100 --peers 4 --payload 1024 --rate 40 --warmup 10s --duration 15s
    # saturation: closed loop, every message delivered (the generator waits for each echo)
    bench "$server" max --rooms 100 --peers 4 --payload 256 --rate 0 --window 16 --warmup 5s --duration 10s
    # memory: 5,000 idle subscribed connections
    bench "$server" idle --idle 5000 --rooms 1000 --hold 5s
  done
done

python3 - "$OUT" <<'PY'
import json, sys, glob, statistics, os
out = sys.argv[1]
def med(label, server, key):
    vals = []
    for f in glob.glob(f"{out}/{label}-{server}-*.json"):
        r = json.load(open(f))
        v = r["generatorCpuSeconds"] / r["seconds"] if key == "generatorCpuShare" else r.get(key, -1)
        if v is not None and v >= 0: vals.append(v)
    return statistics.median(vals) if vals else float('nan')
rows = [
  ("server CPU per delivered message (us), fixed load", "fixed", "serverCpuMicrosPerDelivery", "lower"),
  ("p99 relay latency (us), fixed load", "fixed", "p99Micros", "lower"),
  ("p50 relay latency (us), fixed load", "fixed", "p50Micros", "lower"),
  ("p99 latency from the schedule (us), fixed load", "fixed", "scheduledP99Micros", "lower"),
  ("generator send lag p99 (us), fixed load", "fixed", "sendLagP99Micros", "lower"),
  ("max sustained deliveries/s, all delivered", "max", "deliveriesPerSecond", "higher"),
  ("missing deliveries at max", "max", "missing", "lower"),
  ("generator CPU at max (s per measured s)", "max", "generatorCpuShare", "lower"),
  ("server RSS per idle connection (bytes)", "idle", "rssBytesPerConnection", "lower"),
  ("server heap per idle connection (bytes, JVM only)", "idle", "heapBytesPerConnection", "lower"),
]
print(f"| measure | y-webrtc | Switchboard | Switchboard / y-webrtc |")
print(f"|---|---|---|---|")
for name, label, key, better in rows:
    a, b = med(label, "ywebrtc", key), med(label, "switchboard", key)
    ratio = (b / a) if a and a == a and a > 0 and b == b else float('nan')
    fa = "n/a" if a != a else f"{a:,.2f}"
    fb = "n/a" if b != b else f"{b:,.2f}"
    fr = "n/a" if ratio != ratio else f"{ratio:.2f}x"
    print(f"| {name} | {fa} | {fb} | {fr} |")
print(f"\ncommit {open(out + '/commit.txt').read().strip()}; DAMON: {open(out + '/damon.txt').read().strip()}; raw reports: {out}")
PY
