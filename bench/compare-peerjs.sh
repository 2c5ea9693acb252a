#!/usr/bin/env bash
# Side-by-side: the stock PeerJS server (npm peer 1.0.2, PeerServer with the command line's defaults) and
# Switchboard's PeerJS dialect, under the same load generator (`switchboard bench --dialect peerjs`: each
# peer relays CANDIDATEs to the next of its group of four), alternating run by run (ABBA) so both see the
# same machine conditions. Pinning and JVM flags as compare-ywebrtc.sh: each server on core 0 (Node is
# single-threaded, so Switchboard gets one event loop too), the generator on core 1. Short runs, loopback
# only, every run bounded (each shorter than the 60 s alive timeout: the generator sends no HEARTBEAT).
#
#   bench/compare-peerjs.sh [rounds]        default 3 rounds
#
# Prints a markdown table of medians and ratios; raw JSON reports go to bench/results/peerjs-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The generator pushes each connection far past any real client's message budget (closed loop: hundreds of
# messages a second per connection); these runs measure the relay, so the node's budget is off. Set through
# the environment, which builds from before the option ignore.
export SWITCHBOARD_MESSAGE_RATE=${SWITCHBOARD_MESSAGE_RATE:-0}
ROUNDS=${1:-3}
OUT=bench/results/peerjs-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt" 2>/dev/null || echo unknown > "$OUT/commit.txt"
[[ -d bench/node/node_modules/peer ]] || (cd bench/node && npm install --no-audit --no-fund --loglevel=error)
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}

source bench/lib.sh

SERVER_PID=""
start_server() { # $1 = peer|switchboard ; sets SERVER_PID and PORT
  PORT=$(free_port)
  if [[ $1 == peer ]]; then
    (cd bench/node && PORT=$PORT exec taskset -c "$SERVER_CORE" node upstream-peer.mjs) > "$OUT/$1-server-$label-$round.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CORE" java $SERVER_JVM -jar "$JAR" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 \
      --io-threads 1 > "$OUT/$1-server-$label-$round.log" 2>&1 &
  fi
  SERVER_PID=$!
  # both answer GET /peerjs/id once they listen
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/peerjs/id" && return 0; sleep 0.1; done
  echo "server $1 did not start" >&2; return 1
}
stop_server() { stop_pid "$SERVER_PID"; SERVER_PID=""; }

trap 'stop_server; restore_damon' EXIT
# the kernel's DAMON monitor stalls both vCPUs now and then (see BENCHMARKS.md); paused as compare-ywebrtc.sh does
pause_damon

bench() { # $1 = server, $2 = label, rest = bench options
  local server=$1 label=$2; shift 2
  start_server "$server"
  # shellcheck disable=SC2086
  taskset -c "$LOAD_CORE" java $LOAD_JVM -jar "$JAR" bench --dialect peerjs --url "ws://127.0.0.1:$PORT/" \
    --server-pid "$SERVER_PID" --threads 1 --json "$OUT/$label-$server-$round.json" "$@" \
    > "$OUT/$label-$server-$round.txt" 2>&1 || true
  stop_server
}

for round in $(seq "$ROUNDS"); do
  order="peer switchboard"; (( round % 2 == 0 )) && order="switchboard peer"
  for server in $order; do
    # a light load both keep up with: 100 groups x 4 peers, 256 B, 2 msg/s per peer (800 relays/s)
    bench "$server" light --rooms 100 --peers 4 --payload 256 --rate 2 --warmup 10s --duration 15s
    # a heavier one: 100 x 4, 1 KiB, 10 msg/s per peer (4,000 relays/s)
    bench "$server" fixed --rooms 100 --peers 4 --payload 1024 --rate 10 --warmup 10s --duration 15s
  done
done

python3 - "$OUT" <<'PY'
import json, sys, glob, statistics
out = sys.argv[1]
def med(label, server, key):
    vals = []
    for f in glob.glob(f"{out}/{label}-{server}-*.json"):
        v = json.load(open(f)).get(key, -1)
        if v is not None and v >= 0: vals.append(v)
    return statistics.median(vals) if vals else float('nan')
rows = []
for label, load in (("light", "100 x 4, 256 B, 2 msg/s"), ("fixed", "100 x 4, 1 KiB, 10 msg/s")):
    rows += [
      (f"server CPU per relayed message (us), {load}", label, "serverCpuMicrosPerDelivery"),
      (f"p50 relay latency (us), {load}", label, "p50Micros"),
      (f"p99 relay latency (us), {load}", label, "p99Micros"),
      (f"deliveries/s, {load}", label, "deliveriesPerSecond"),
      (f"missing, {load}", label, "missing"),
    ]
print("| measure | peer 1.0.2 | Switchboard | Switchboard / peer |")
print("|---|---|---|---|")
for name, label, key in rows:
    a, b = med(label, "peer", key), med(label, "switchboard", key)
    ratio = (b / a) if a == a and a > 0 and b == b else float('nan')
    fa = "n/a" if a != a else f"{a:,.2f}"
    fb = "n/a" if b != b else f"{b:,.2f}"
    fr = "n/a" if ratio != ratio else f"{ratio:.2f}x"
    print(f"| {name} | {fa} | {fb} | {fr} |")
print(f"\ncommit {open(out + '/commit.txt').read().strip()}; raw reports: {out}")
PY
