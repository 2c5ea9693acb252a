#!/usr/bin/env bash
# Idle-connection capacity, on loopback only, bounded in time:
#   1. one node holding N idle y-webrtc connections (default 19,000: `ulimit -n` is 20,000 here and cannot be
#      raised) — reports the node's live heap (after a full GC) and RSS per connection;
#   2. three nodes over a private redis-server holding M connections each (default 15,000 = 45,000 in all),
#      and, while they are held, a relay run across the nodes (100 rooms x 4 peers, 1 KiB, ${RATE:-10} msg/s
#      per peer; seven processes share the machine's two cores here, so the rate is kept modest). The relay
#      peers are spread over the three nodes, so every room spans nodes and its deliveries cross Redis.
# Connections come from several 127.0.0.x source addresses so no single address runs out of ports, and
# from one generator process per node so no process runs out of descriptors.
#
#   bench/capacity.sh [N] [M]        M=0 skips the cluster part
#   JAR=/tmp/before.jar bench/capacity.sh 19000 0   measures another build of the server (before/after a change)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-19000}
M=${2:-15000}
OUT=bench/results/capacity-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse HEAD > "$OUT/commit.txt" 2>/dev/null || true
JAR=${JAR:-target/switchboard.jar}
[[ -f $JAR ]] || mvn -B -q -DskipTests package
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
source bench/lib.sh
wait_http() { for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$1/ready" && return 0; sleep 0.1; done; return 1; }

echo "== one node, $N idle connections"
PORT=$(free_port)
# The node's default --max-connections keeps a tenth of the descriptor limit (at most 1,000) back for the ops port
# and Redis; this measurement wants the node to take every connection the limit allows. Set through the
# environment, which builds from before the option ignore.
SWITCHBOARD_MAX_CONNECTIONS=1000000 \
  java -Xmx2g -jar "$JAR" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 > "$OUT/single-node.log" 2>&1 &
NODE=$!; PIDS+=("$NODE")
wait_http "$PORT"
# four peers to a room, as y-webrtc apps hold them
java -Xmx2g -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/" --idle "$N" --rooms "$((N / 4))" --hold 10s \
  --source 127.0.0.2,127.0.0.3 --server-pid "$NODE" --json "$OUT/single-node.json" | tee "$OUT/single-node.txt"
kill "$NODE"; wait "$NODE" 2>/dev/null || true

(( M > 0 )) || exit 0
echo "== three nodes over Redis, $M idle connections each, then relaying"
RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no --loglevel warning \
  > "$OUT/redis.log" 2>&1 &
PIDS+=("$!")
sleep 0.5
NODE_PORTS=(); NODE_PIDS=()
for i in 1 2 3; do
  P=$(free_port)
  SWITCHBOARD_MAX_CONNECTIONS=1000000 java -Xmx2g -jar "$JAR" serve --host 127.0.0.1 --port "$P" --grpc-port -1 --node-id "cap$i" --redis "redis://127.0.0.1:$RPORT" \
    > "$OUT/node$i.log" 2>&1 &
  NODE_PIDS+=("$!"); PIDS+=("$!"); NODE_PORTS+=("$P")
done
for P in "${NODE_PORTS[@]}"; do wait_http "$P"; done
HOLDERS=()
for i in 0 1 2; do
  # one room per connection, named like the relay run's rooms: r0..r99 get one idle subscriber per node
  java -Xmx2g -jar "$JAR" bench --url "ws://127.0.0.1:${NODE_PORTS[$i]}/" --idle "$M" --rooms "$M" --hold 90s \
    --source "127.0.1.$((i + 1)),127.0.2.$((i + 1))" --server-pid "${NODE_PIDS[$i]}" \
    --json "$OUT/cluster-idle-node$((i + 1)).json" > "$OUT/cluster-idle-node$((i + 1)).txt" 2>&1 &
  HOLDERS+=("$!"); PIDS+=("$!")
done
for _ in $(seq 120); do
  TOTAL=0
  for P in "${NODE_PORTS[@]}"; do
    C=$(curl -s "http://127.0.0.1:$P/health" | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientCount"])')
    TOTAL=$((TOTAL + C))
  done
  [[ $TOTAL -ge $((3 * M)) ]] && break
  sleep 1
done
echo "connections held across the cluster: $TOTAL"
echo "$TOTAL" > "$OUT/cluster-total.txt"
if [[ $TOTAL -lt $((3 * M)) ]]; then echo "the cluster holds $TOTAL, not $((3 * M))" >&2; exit 1; fi
URLS="ws://127.0.0.1:${NODE_PORTS[0]}/,ws://127.0.0.1:${NODE_PORTS[1]}/,ws://127.0.0.1:${NODE_PORTS[2]}/"
java -jar "$JAR" bench --url "$URLS" --rooms 100 --peers 4 --payload 1024 --rate "${RATE:-10}" \
  --warmup 5s --duration 15s --server-pid "${NODE_PIDS[0]}" --json "$OUT/cluster-relay.json" | tee "$OUT/cluster-relay.txt"
for h in "${HOLDERS[@]}"; do wait "$h" || true; done
cat "$OUT"/cluster-idle-node*.txt
echo "results: $OUT"
