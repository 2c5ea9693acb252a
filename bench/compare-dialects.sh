#!/usr/bin/env bash
# The one-to-one relay dialects against the y-webrtc room broadcast on the same node, side by side: what a relay
# of one message to one peer costs against a delivery of a room's broadcast. One node per run
# (`serve --io-threads 1`, pinned like compare-ywebrtc.sh: the node on core 0, the generator on core 1), the same
# generator (`switchboard bench --dialect ...`), 1 KiB messages, setups alternating run by run (ABBA).
#
#   bench/compare-dialects.sh [rounds] [setup...]
#     default 3 rounds of: y-webrtc y-webrtc-x4 named-peer rendezvous peerjs radix
#     y-webrtc      100 rooms x 4 peers, RATE/4 msg/s per peer: each message goes to the room's 4 members, so
#                   RATE x 400 deliveries/s, as many as each relay setup makes
#     y-webrtc-x4   the same at RATE msg/s per peer: as many messages in as each relay setup, 4x the deliveries
#     y-webrtc-pairs 200 rooms x 2 peers, RATE/2 msg/s per peer: the same deliveries/s, each message read for two
#                   deliveries instead of four; beside y-webrtc it splits a delivery's cost into the inbound
#                   message's share and the outbound frame's (BENCHMARKS.md, "what a relay must cost")
#     named-peer, rendezvous, peerjs
#                   100 groups x 4 peers, RATE msg/s per peer, each message relayed to one other peer
#     radix         200 wallet/extension pairings, RATE msg/s per side, each relayed to the other side
#     SETUP@TAG=jar:PATH
#                   SETUP's load against another build (a change's before and after side by side), e.g.
#                   rendezvous@before=jar:/tmp/before.jar; its ratio is to y-webrtc@TAG when that runs too
#   RATE=40 (default: 16,000 relayed messages/s, 16,000 deliveries/s)
#   SERVER_ARGS="..."            extra serve options; SERVER_CORE=0 LOAD_CORE=1
#   NODE_JVM_EXTRA="..."         extra JVM options for the node (e.g. a profiler agent); {node} in them becomes
#                                <setup>-<round>
#
# Reported: the node's CPU per delivered message, each setup's ratio to y-webrtc at the same deliveries/s (and
# to y-webrtc-x4), p50/p99, deliveries/s, missing, and the load average when each run started. Run it under
# `nice -n -15` on a shared machine. Loopback only; every run is bounded (each shorter than PeerJS's 60 s alive
# timeout: the generator sends no HEARTBEAT); only the processes it starts are stopped (by PID).
set -euo pipefail
cd "$(dirname "$0")/.."
export SWITCHBOARD_MESSAGE_RATE=${SWITCHBOARD_MESSAGE_RATE:-0} # the generator is far past a client's budget
# named-peer's own limit (50 frames a second, upstream's) is passed by an open-loop sender at 40 msg/s whenever
# a late tick sends two slots in one second; these runs measure the relay, so it is raised too
export SWITCHBOARD_NAMED_PEER_RATE=${SWITCHBOARD_NAMED_PEER_RATE:-1000000}
ROUNDS=${1:-3}; shift || true
SETUPS=("$@"); (( ${#SETUPS[@]} > 0 )) || SETUPS=(y-webrtc y-webrtc-x4 named-peer rendezvous peerjs radix)
RATE=${RATE:-40}
(( RATE % 4 == 0 )) || { echo "RATE must be a multiple of 4 (y-webrtc sends RATE/4)" >&2; exit 2; }
SERVER_ARGS=${SERVER_ARGS:-}
OUT=bench/results/dialects-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown); RATE=$RATE${SERVER_ARGS:+; serve $SERVER_ARGS}" > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
TIMING=(--payload 1024 --warmup 10s --duration 15s --drain 3s)

load_of() { # $1 = setup (SETUP or SETUP@TAG=jar:PATH): the generator's load options
  local setup=${1%%=*}; setup=${setup%%@*}
  case $setup in
    y-webrtc) echo "--dialect y-webrtc --rooms 100 --peers 4 --rate $((RATE / 4))" ;;
    y-webrtc-x4) echo "--dialect y-webrtc --rooms 100 --peers 4 --rate $RATE" ;;
    y-webrtc-pairs) echo "--dialect y-webrtc --rooms 200 --peers 2 --rate $((RATE / 2))" ;;
    named-peer|rendezvous|peerjs) echo "--dialect $setup --rooms 100 --peers 4 --rate $RATE" ;;
    radix) echo "--dialect radix --rooms 200 --peers 2 --rate $RATE" ;;
    *) echo "unknown setup $setup" >&2; return 2 ;;
  esac
}
for s in "${SETUPS[@]}"; do load_of "$s" > /dev/null; done

source bench/lib.sh
SERVER_PID=""
stop_server() { [[ -z $SERVER_PID ]] || { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }; SERVER_PID=""; }
cleanup() {
  stop_server
  restore_damon
}
trap cleanup EXIT
# the kernel's DAMON monitor stalls both vCPUs now and then (BENCHMARKS.md); paused as compare-ywebrtc.sh does
pause_damon

for round in $(seq "$ROUNDS"); do
  order=("${SETUPS[@]}")
  (( round % 2 == 0 )) && order=($(printf '%s\n' "${SETUPS[@]}" | tac)) # ABBA: none always goes first
  for setup in "${order[@]}"; do
    name=${setup%%=*}; jar=$JAR
    [[ $setup == *=jar:* ]] && jar=${setup#*=jar:}
    PORT=$(free_port)
    extra=${NODE_JVM_EXTRA:-}; extra=${extra//\{node\}/$name-$round}
    # shellcheck disable=SC2086
    taskset -c "$SERVER_CORE" java $SERVER_JVM $extra -jar "$jar" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 \
      --io-threads 1 $SERVER_ARGS > "$OUT/$name-$round-server.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done
    cut -d' ' -f1-3 /proc/loadavg > "$OUT/$name-$round-loadavg.txt"
    # shellcheck disable=SC2046
    taskset -c "$LOAD_CORE" java $LOAD_JVM -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/" --server-pid "$SERVER_PID" \
      --threads 1 --json "$OUT/$name-$round.json" $(load_of "$setup") "${TIMING[@]}" > "$OUT/$name-$round.txt" 2>&1 || true
    stop_server
    python3 - "$OUT/$name-$round.json" "$name" "$round" "$(cat "$OUT/$name-$round-loadavg.txt")" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(f"round {sys.argv[3]} {sys.argv[2]:>12}: {r['serverCpuMicrosPerDelivery']:6.2f} us/delivery"
          f"  p50 {r['p50Micros'] / 1000:.2f} ms  p99 {r['p99Micros'] / 1000:.2f} ms  {r['deliveriesPerSecond']:,.0f}/s"
          f"  missing {r['missing']}  load average {sys.argv[4]}")
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"round {sys.argv[3]} {sys.argv[2]:>12}: no report ({e})")
PY
  done
done

python3 - "$OUT" "${SETUPS[@]%%=*}" <<'PY'
import json, sys, glob, statistics
out, setups = sys.argv[1], sys.argv[2:]
def reports(name):
    rs = []
    for f in sorted(glob.glob(f"{out}/{name}-[0-9]*.json")):
        try: rs.append(json.load(open(f)))
        except ValueError: pass
    return rs
def med(vals):
    vals = [v for v in vals if v is not None and v >= 0]
    return statistics.median(vals) if vals else float("nan")
def cpu(name):
    return med([r["serverCpuMicrosPerDelivery"] for r in reports(name)])
def ratio(a, b):
    return f"{a / b:.2f}x" if a == a and b == b and b > 0 else "—"
def base(name, ref): # y-webrtc of the same build: REF@TAG for SETUP@TAG when it ran, else REF
    tag = name.partition("@")[2]
    return cpu(f"{ref}@{tag}") if tag and f"{ref}@{tag}" in setups else cpu(ref)
print("\n| setup | node CPU per delivery | vs y-webrtc, same deliveries/s | vs y-webrtc, same messages/s | p50 / p99 | deliveries/s | missing | load average |")
print("|---|---|---|---|---|---|---|---|")
for name in setups:
    rs = reports(name)
    if not rs:
        print(f"| {name} | no report | | | | | | |"); continue
    c = cpu(name)
    loads = ", ".join(open(f).read().split()[0] for f in sorted(glob.glob(f"{out}/{name}-[0-9]*-loadavg.txt")))
    print(f"| {name} | {c:.2f} us | {ratio(c, base(name, 'y-webrtc'))} | {ratio(c, base(name, 'y-webrtc-x4'))} |"
          f" {med([r['p50Micros'] for r in rs]) / 1000:.2f} / {med([r['p99Micros'] for r in rs]) / 1000:.2f} ms |"
          f" {med([r['deliveriesPerSecond'] for r in rs]):,.0f} | {med([r['missing'] for r in rs]):.0f} | {loads} |")
print(f"\nmedians of {len(reports(setups[0]))} rounds; commit {open(out + '/commit.txt').read().strip()}; reports: {out}")
PY
