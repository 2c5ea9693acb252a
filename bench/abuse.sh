#!/usr/bin/env bash
# Each abuse of issue 13 ("Survive hostile clients") against one node with the budgets on (the defaults), and
# what it does to a well-behaved bystander: a small y-webrtc relay load (`switchboard bench`, 10 rooms x 2
# peers, 256 B, 10 msg/s per peer, open loop) whose round-trip p99 is measured while the abuse runs, one abuse
# after another, with a no-abuse baseline at the start and at the end of the same run (the machine is shared
# and noisy: compare with those, not with other runs). Loopback only; every step is bounded in time; only the
# processes this script starts are stopped, by their PIDs.
#
#   bench/abuse.sh [SECONDS] [ROUNDS]   seconds of bystander measurement per abuse (default 15), rounds of
#                                       the whole sequence (default 1); medians over the rounds at the end
#   MODES="pings logins" bench/abuse.sh   only some abuses
#
# The abuses (bench/abuse.py; rows of the issue's table): pings (1), pipelined (2), topics (3), publish (6),
# deflate (7, the node runs with --compression true), logins (12), halfmsg (13). Row 9 (gRPC streams) needs a
# gRPC client and is covered by the tests only. Results: bench/results/abuse-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER=${1:-15}
ROUNDS=${2:-1}
MODES=${MODES:-pings pipelined topics publish deflate logins halfmsg}
OUT=bench/results/abuse-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt" 2>/dev/null || echo unknown > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
# the README's heap for a node
SERVER_JVM=${SERVER_JVM:--Xmx512m -XX:+ExitOnOutOfMemoryError}

source bench/lib.sh

NODE=""
ABUSER=""
cleanup() {
  for p in $ABUSER $NODE; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT

PORT=$(free_port)
# shellcheck disable=SC2086
java $SERVER_JVM -jar "$JAR" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 --compression true \
  > "$OUT/node.log" 2>&1 &
NODE=$!
for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$PORT/ready" && break; sleep 0.1; done

heap_mib() {
  curl -s "http://127.0.0.1:$PORT/metrics" | python3 -c '
import sys
print(round(sum(float(l.rsplit(" ", 1)[1]) for l in sys.stdin if l.startswith("jvm_memory_used_bytes{area=\"heap\"")) / 2**20))'
}

run() {  # name, abuse mode or "none"
  local name=$1 mode=$2
  if [[ $mode != none ]]; then
    # the abuse starts 3 s before the measurement and ends with it (it stops by itself, or is stopped here)
    python3 bench/abuse.py "$mode" "$PORT" "$((SECONDS_PER + 6))" > "$OUT/$name-abuser.txt" 2>&1 &
    ABUSER=$!
    sleep 3
  fi
  local peak=0
  ( while kill -0 "$NODE" 2>/dev/null; do heap_mib; sleep 0.5; done ) > "$OUT/$name-heap.txt" 2>/dev/null &
  local sampler=$!
  java -Xmx256m -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/" --rooms 10 --peers 2 --payload 256 --rate 10 \
    --threads 1 --warmup 2s --duration "${SECONDS_PER}s" --json "$OUT/$name.json" > "$OUT/$name.txt" 2>&1 || true
  kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
  if [[ -n $ABUSER ]]; then kill "$ABUSER" 2>/dev/null || true; wait "$ABUSER" 2>/dev/null || true; ABUSER=""; fi
  peak=$(sort -n "$OUT/$name-heap.txt" | tail -1)
  kill -0 "$NODE" 2>/dev/null || { echo "the node died during $name: see $OUT/node.log" >&2; exit 1; }
  python3 - "$OUT/$name.json" "$name" "${peak:-?}" "$OUT/$name-abuser.txt" <<'PY'
import json, sys
name, peak = sys.argv[2], sys.argv[3]
try:
    r = json.load(open(sys.argv[1]))
    line = (f"{name:>10}: bystander p50 {r['p50Micros'] / 1000:7.2f} ms  p99 {r['p99Micros'] / 1000:7.2f} ms  "
            f"max {r['maxMicros'] / 1000:7.1f} ms  missing {r['missing']}  node heap peak {peak} MiB")
except (OSError, ValueError, KeyError) as e:
    line = f"{name:>10}: no report ({e})"
try:
    line += "  | " + open(sys.argv[4]).read().strip()
except OSError:
    pass
print(line)
PY
  # let the node settle (closed abusers, their leaves told) before the next
  sleep 2
}

for round in $(seq "$ROUNDS"); do
  echo "== round $round"
  run "baseline-$round" none
  for mode in $MODES; do run "$mode-$round" "$mode"; done
done
run "baseline-end" none
python3 - "$OUT" baseline $MODES <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
print("\nmedians over the rounds (bystander round trip):")
for name in sys.argv[2:]:
    runs = [json.load(open(f)) for f in sorted(glob.glob(f"{out}/{name}-*.json"))]
    if runs:
        p99 = statistics.median(r["p99Micros"] for r in runs) / 1000
        mx = statistics.median(r["maxMicros"] for r in runs) / 1000
        print(f"{name:>10}: p99 {p99:7.2f} ms  max {mx:7.1f} ms  ({len(runs)} runs)")
PY
grep -h "closes_total\|refused_total\|upgrades_refused" <(curl -s "http://127.0.0.1:$PORT/metrics") > "$OUT/metrics-after.txt" || true
echo "commit $(cat "$OUT/commit.txt"); node -Xmx512m, budgets at their defaults; reports: $OUT"
