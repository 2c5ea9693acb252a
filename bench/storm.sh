#!/usr/bin/env bash
# Connection storm: how fast one node takes new clients. N connections opened as fast as CONCURRENCY allows,
# each counted once its join is confirmed (y-webrtc: the pong answered after its subscribe; named-peer: its
# login_success), with the distribution of that handshake's latency (TCP connect to confirmed join) and the
# node's and the generator's CPU per connection. The node runs with one event loop pinned to core 0, the
# generator (one thread) on core 1. Each run gets a fresh node and one generator process, which first runs the
# warm-up storms (WARM, default two storms of N: code that runs once per connection, the node's and the
# generator's alike, reaches the JIT's last tier only after some 10,000 connections, and a storm measured before
# that measures the compilers), each closed and gone from the node before the next, then the measured storm.
# A generator near 100 % of its core ("CPU / join: generator") measured itself, not the node.
#
#   bench/storm.sh [rounds] [setup...]     default 3 rounds of y-webrtc and named-peer, alternating
#     setups: a dialect name (y-webrtc, named-peer, rendezvous, radix, peerjs), or
#             NAME=jar:PATH   the same storm (DIALECT, default y-webrtc) against another build, e.g. a change's
#                             before and after side by side: bench/storm.sh 3 before=jar:/tmp/before.jar after=jar:/tmp/after.jar
#   N=10000 CONCURRENCY=256 WARM="10000 10000" SOURCES=(N x storms / 8000 + 1) SERVER_ARGS="--transport io_uring" NODE_JVM_EXTRA="..." GEN_JVM_EXTRA="..."
#
# N is bounded by `ulimit -n` (each of the node and the generator holds N descriptors). Connections come from
# 127.0.0.x source addresses, fresh ones for each generator, bound without a port (the kernel picks it at connect,
# unique for the four-tuple), so no run runs out of ports beside earlier runs' TIME_WAIT. The generator is
# always this checkout's build. Loopback only, bounded; only the processes it starts are stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; shift || true
SETUPS=("$@"); (( ${#SETUPS[@]} > 0 )) || SETUPS=(y-webrtc named-peer)
N=${N:-10000}
WARM=${WARM:-$N $N}
CONCURRENCY=${CONCURRENCY:-256}
# enough source addresses that one generator's connections (its warm-up storms and the measured one) take at
# most about 8,000 of each address's ~28,000 ephemeral ports: closed ones wait 60 s in TIME_WAIT, and a connect
# that must search a nearly full range for a port costs the generator and stalls its loop
storms=$(( $(wc -w <<< "$WARM") + 1 ))
SOURCES=${SOURCES:-$(( N * storms / 8000 + 1 ))}
SERVER_ARGS=${SERVER_ARGS:-}
OUT=bench/results/storm-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)${SERVER_ARGS:+ serve $SERVER_ARGS}" > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=${JAR:-target/switchboard.jar}
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
source bench/lib.sh
NODE=""
stop_node() { [[ -n $NODE ]] && { kill "$NODE" 2>/dev/null || true; wait "$NODE" 2>/dev/null || true; }; NODE=""; }
trap stop_node EXIT
source_no=10
# fresh source addresses for each generator: set in this shell, not in a $(...) subshell, whose count would not
# carry over (each generator got 127.0.0.11 alone until that was found: its ports ran out into TIME_WAIT)
next_sources() { # sets SOURCE_LIST to SOURCES addresses not used by the generators before (up to 240 of them)
  SOURCE_LIST=
  for _ in $(seq "$SOURCES"); do
    source_no=$(( source_no % 240 + 1 ))
    SOURCE_LIST+=${SOURCE_LIST:+,}127.0.0.$(( source_no + 10 ))
  done
}

storm() { # $1 = output prefix, rest = further bench options; the warm-up storms first, in the same process
  local out=$1; shift
  local warm=${WARM// /,}
  next_sources
  # shellcheck disable=SC2086
  taskset -c 1 java $LOAD_JVM ${GEN_JVM_EXTRA:-} -jar "$JAR" bench --dialect "$dialect" --url "ws://127.0.0.1:$PORT/" --storm "$N" \
    ${warm:+--storm-warmup "$warm"} --concurrency "$CONCURRENCY" --rooms "$(( N / 4 ))" --peers 4 --threads 1 --hold 0s \
    --source "$SOURCE_LIST" "$@" > "$out.txt" 2>&1 || true
}

for round in $(seq "$ROUNDS"); do
  order=("${SETUPS[@]}"); (( round % 2 == 0 )) && order=($(printf '%s\n' "${SETUPS[@]}" | tac))
  for setup in "${order[@]}"; do
    name=${setup%%=*}; jar=$JAR; dialect=$setup
    if [[ $setup == *=jar:* ]]; then jar=${setup#*=jar:}; dialect=${DIALECT:-y-webrtc}; fi
    PORT=$(free_port)
    # the node's own connection limit keeps descriptors back for Redis and the ops port: lifted, as capacity.sh does
    # shellcheck disable=SC2086
    SWITCHBOARD_MAX_CONNECTIONS=1000000 SWITCHBOARD_MESSAGE_RATE=0 taskset -c 0 java $SERVER_JVM ${NODE_JVM_EXTRA:-} -jar "$jar" serve \
      --host 127.0.0.1 --port "$PORT" --grpc-port -1 --io-threads 1 $SERVER_ARGS > "$OUT/$name-$round-node.log" 2>&1 &
    NODE=$!
    for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done
    storm "$OUT/$name-$round" --server-pid "$NODE" --json "$OUT/$name-$round.json"
    stop_node
    grep -h "^server CPU over the storm by thread" "$OUT/$name-$round.txt" | sed "s/^/round $round $name: /" || true
    python3 - "$OUT/$name-$round.json" "$name" "$round" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1])); h = r["handshakes"]
    gen = r["generatorCpuSeconds"] * 1e6 / max(1, h["completed"])
    print(f"round {sys.argv[3]} {sys.argv[2]:>10}: {r['connectsPerSecond']:8,.0f} joins/s  handshake p50 {h['p50Micros']/1000:6.1f} ms"
          f"  p99 {h['p99Micros']/1000:6.1f} ms  max {h['maxMicros']/1000:6.1f} ms  server CPU {r['serverCpuMicrosPerConnect']:5.0f} us/connect"
          f"  generator {gen:4.0f} us/join ({100 * r['generatorCpuSeconds'] / r['seconds']:3.0f}% of its core)"
          f"  {h['completed']} of {r['connections']}, errors {r['errors']}")
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"round {sys.argv[3]} {sys.argv[2]:>10}: no report ({e})")
PY
  done
done

python3 - "$OUT" "${SETUPS[@]%%=*}" <<'PY'
import json, sys, glob, statistics
out, dialects = sys.argv[1], sys.argv[2:]
print("\n| setup | joins per second | handshake p50 | p99 | max | server CPU per connect | generator CPU per join | rounds |")
print("|---|---|---|---|---|---|---|---|")
for d in dialects:
    rs = []
    for f in glob.glob(f"{out}/{d}-[0-9]*.json"):
        try: rs.append(json.load(open(f)))
        except ValueError: pass
    if not rs: print(f"| {d} | no report | | | | | | |"); continue
    m = lambda f: statistics.median(f(r) for r in rs)
    print(f"| {d} | {m(lambda r: r['connectsPerSecond']):,.0f} | {m(lambda r: r['handshakes']['p50Micros'])/1000:.1f} ms"
          f" | {m(lambda r: r['handshakes']['p99Micros'])/1000:.1f} ms | {m(lambda r: r['handshakes']['maxMicros'])/1000:.1f} ms"
          f" | {m(lambda r: r['serverCpuMicrosPerConnect']):.0f} us"
          f" | {m(lambda r: r['generatorCpuSeconds'] * 1e6 / max(1, r['handshakes']['completed'])):.0f} us | {len(rs)} |")
print(f"\nmedians; commit {open(out + '/commit.txt').read().strip()}; reports: {out}")
PY
