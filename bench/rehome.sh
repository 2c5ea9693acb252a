#!/usr/bin/env bash
# Re-homing after a node dies: two nodes over a real redis-server; the victim holds VICTIM_PEERS y-webrtc peers
# and the survivor OTHER_PEERS (rooms of 4, most of them on the victim alone, some spanning both). Once every
# room's count is right on both nodes, the generator kills the victim (SIGKILL, by the PID this script started
# it with) and each of its peers connects to the survivor at once and subscribes again. Reported, from the
# kill: when every moved peer's subscription was confirmed, and when every room's count (y-webrtc's `clients`,
# the node's view of the room across the cluster) was right again on every node — which needs the survivor
# to reap the victim's registrations, after the failure timeout (--failure-timeout, 5 s, plus up to one
# --heartbeat-interval, 1 s: the failure bound). Target (issue 17): 15,000 peers consistent within the bound
# plus 10 s.
#
#   bench/rehome.sh [rounds]           default 1
#   VICTIM_PEERS=15000 OTHER_PEERS=1000 (VICTIM_PEERS a multiple of OTHER_PEERS; together under `ulimit -n`)
#   NODE_ARGS="--failure-timeout 5s"  extra serve options for both nodes
#
# Loopback only; bounded (the wait after the kill is at most 60 s); only processes it started are stopped,
# by PID. Redis runs from a temporary directory outside the repository, with nothing persisted.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-1}
VICTIM_PEERS=${VICTIM_PEERS:-15000}
OTHER_PEERS=${OTHER_PEERS:-1000}
NODE_ARGS=${NODE_ARGS:-}
(( VICTIM_PEERS % OTHER_PEERS == 0 )) || { echo "VICTIM_PEERS must be a multiple of OTHER_PEERS" >&2; exit 2; }
SHARES=$(( VICTIM_PEERS / OTHER_PEERS ))
TOTAL=$(( VICTIM_PEERS + OTHER_PEERS ))
OUT=bench/results/rehome-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)${NODE_ARGS:+ serve $NODE_ARGS}" > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=${JAR:-target/switchboard.jar}
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms1g -Xmx1g -XX:+AlwaysPreTouch}
REDIS_DIR=$(mktemp -d /tmp/switchboard-bench-redis.XXXXXX)
source bench/lib.sh
PIDS=()
trap 'stop_all; rm -rf "$REDIS_DIR"' EXIT

for round in $(seq "$ROUNDS"); do
  RPORT=$(free_port)
  taskset -c 0 redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$REDIS_DIR" \
    --daemonize no --loglevel warning > "$OUT/redis-$round.log" 2>&1 &
  PIDS+=("$!")
  for _ in $(seq 100); do redis-cli -p "$RPORT" ping > /dev/null 2>&1 && break; sleep 0.1; done
  PORTS=(); NODES=()
  for id in victim survivor; do
    P=$(free_port)
    # shellcheck disable=SC2086
    SWITCHBOARD_MAX_CONNECTIONS=1000000 taskset -c 0 java $SERVER_JVM -jar "$JAR" serve --host 127.0.0.1 --port "$P" \
      --grpc-port -1 --node-id "$id" --redis "redis://127.0.0.1:$RPORT" $NODE_ARGS > "$OUT/$id-$round.log" 2>&1 &
    NODES+=("$!"); PIDS+=("$!"); PORTS+=("$P")
  done
  for P in "${PORTS[@]}"; do
    for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$P/ready" && break; sleep 0.1; done
  done
  urls=""
  for _ in $(seq "$SHARES"); do urls+="ws://127.0.0.1:${PORTS[0]}/,"; done
  urls+="ws://127.0.0.1:${PORTS[1]}/"
  # shellcheck disable=SC2086
  taskset -c 1 java $LOAD_JVM -jar "$JAR" bench --url "$urls" --rooms "$(( TOTAL / 4 ))" --peers 4 \
    --rehome-kill "${NODES[0]}" --duration 60s --threads 1 --json "$OUT/rehome-$round.json" \
    > "$OUT/rehome-$round.txt" 2>&1 || true
  stop_all
  python3 - "$OUT/rehome-$round.json" "$round" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1])); h = r["rehome"]
    print(f"round {sys.argv[2]}: {h['moved']:,} of {h['peers']:,} peers moved; all reconnected after {h['reconnectedMillis']:,.0f} ms"
          f" (p50 {h['reconnectP50Millis']:,.0f}, p99 {h['reconnectP99Millis']:,.0f} ms); every room's count right after"
          f" {h['consistentMillis']:,.0f} ms ({h['probes']} probe rounds); errors {r['errors']}")
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"round {sys.argv[2]}: no report ({e})")
PY
done
echo "commit $(cat "$OUT/commit.txt"); reports: $OUT"
