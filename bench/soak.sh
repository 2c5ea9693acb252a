#!/usr/bin/env bash
# Soak: a long run at a moderate steady load with connections joining and leaving all the time, on a cluster of
# two nodes over a real redis-server. The generator (`switchboard bench --churn`) spreads ROOMS x PEERS y-webrtc
# peers over both nodes (every room spans them), each publishing RATE msg/s, and beside them opens CHURN further
# connections a second that subscribe (half to those rooms, half to rooms of their own) and leave 10 s later,
# half with a close frame, half by dropping the socket. It counts every measured message sent and delivered.
# Every SAMPLE seconds the script forces a full GC in each node (jcmd GC.run) and records its heap in use
# after it (/metrics), its RSS, its open connections, Redis's memory and the load average. The nodes run Netty's
# leak detection at LEAK_LEVEL; their logs are searched for LEAK reports at the end.
#
#   bench/soak.sh                       one hour (DURATION=3600 s measured after WARMUP=60 s)
#   DURATION=30 WARMUP=5 SAMPLE=5 bench/soak.sh      a short run of the same machinery
#   ROOMS=50 PEERS=4 RATE=4 PAYLOAD=512 CHURN=10     the load (default: 3,200 measured deliveries/s)
#   LEAK_LEVEL=advanced (paranoid tracks every buffer: on a shared 2-core machine it starved the nodes)        SERVER_JVM="-Xmx512m ..."  NODE_ARGS="..." extra serve options
#
# Writes $OUT/samples.tsv (one line per sample and node), the generator's report, the nodes' logs and a summary
# (summary.md) with a table of the samples, the totals and the leak search. Exits non-zero if a message went
# missing, the generator saw an error, or a node logged a leak. Loopback only; bounded (the generator stops by
# itself; the script waits at most DURATION + WARMUP + 3 minutes for it); only the processes it starts are
# stopped, by PID. Redis runs from a temporary directory outside the repository, with nothing persisted.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-3600}
WARMUP=${WARMUP:-60}
SAMPLE=${SAMPLE:-60}
ROOMS=${ROOMS:-50}
PEERS=${PEERS:-4}
RATE=${RATE:-4}
PAYLOAD=${PAYLOAD:-512}
CHURN=${CHURN:-10}
LEAK_LEVEL=${LEAK_LEVEL:-advanced}
NODE_ARGS=${NODE_ARGS:-}
OUT=${OUT:-bench/results/soak-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)${NODE_ARGS:+ serve $NODE_ARGS}" > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=${JAR:-target/switchboard.jar}
SERVER_JVM=${SERVER_JVM:--Xmx512m -XX:+ExitOnOutOfMemoryError}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m}
REDIS_DIR=$(mktemp -d /tmp/switchboard-bench-redis.XXXXXX)
source bench/lib.sh
PIDS=()
stop_all() { # the generator and nodes first (the nodes deregister from Redis as they stop), Redis last
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; wait "${PIDS[i]}" 2>/dev/null || true; done
  PIDS=()
}
trap 'stop_all; rm -rf "$REDIS_DIR"' EXIT

RPORT=$(free_port)
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$REDIS_DIR" --daemonize no \
  --loglevel warning > "$OUT/redis.log" 2>&1 &
REDIS_PID=$!; PIDS+=("$REDIS_PID")
for _ in $(seq 100); do redis-cli -p "$RPORT" ping > /dev/null 2>&1 && break; sleep 0.1; done
NAMES=(a b); NODES=(); PORTS=()
for id in "${NAMES[@]}"; do
  P=$(free_port)
  # shellcheck disable=SC2086
  java $SERVER_JVM -jar "$JAR" serve --host 127.0.0.1 --port "$P" --grpc-port -1 --node-id "$id" \
    --redis "redis://127.0.0.1:$RPORT" --leak-detection "$LEAK_LEVEL" $NODE_ARGS > "$OUT/node-$id.log" 2>&1 &
  NODES+=("$!"); PIDS+=("$!"); PORTS+=("$P")
done
for P in "${PORTS[@]}"; do
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$P/ready" && break; sleep 0.1; done
done

# one line per node: seconds since the generator started, node, heap after a full GC, RSS, connections, Redis memory, load
sample() {
  local t=$1 i heap rss conns redis_mem load metrics
  redis_mem=$(redis-cli -p "$RPORT" info memory 2>/dev/null | awk -F: '/^used_memory:/ {print $2+0}')
  load=$(cut -d' ' -f1 /proc/loadavg)
  for i in "${!NAMES[@]}"; do
    kill -0 "${NODES[i]}" 2>/dev/null || { printf '%s\t%s\tdead\n' "$t" "${NAMES[i]}" >> "$OUT/samples.tsv"; continue; }
    jcmd "${NODES[i]}" GC.run > /dev/null 2>&1 || true
    metrics=""
    for _ in 1 2 3; do metrics=$(curl -sf --max-time 20 "http://127.0.0.1:${PORTS[i]}/metrics") && break; sleep 1; done
    heap=$(awk '/^jvm_memory_used_bytes\{/ && /area="heap"/ {s += $NF} END {printf "%d", s}' <<< "$metrics")
    conns=$(awk '/^switchboard_connections\{/ {s += $NF} END {printf "%d", s}' <<< "$metrics")
    [[ -n $metrics ]] || heap=""
    rss=$(awk '/^VmRSS:/ {print $2 * 1024}' "/proc/${NODES[i]}/status")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "${NAMES[i]}" "$heap" "$rss" "$conns" "${redis_mem:-0}" "$load" >> "$OUT/samples.tsv"
  done
}
printf 'seconds\tnode\theap_bytes\trss_bytes\tconnections\tredis_used_bytes\tload1\n' > "$OUT/samples.tsv"
sample 0
URLS="ws://127.0.0.1:${PORTS[0]}/,ws://127.0.0.1:${PORTS[1]}/"
# shellcheck disable=SC2086
java $LOAD_JVM -jar "$JAR" bench --url "$URLS" --rooms "$ROOMS" --peers "$PEERS" --payload "$PAYLOAD" --rate "$RATE" \
  --churn "$CHURN" --warmup "${WARMUP}s" --duration "${DURATION}s" --drain 5s --threads 1 \
  --server-pid "${NODES[0]}" --cpu-pid "node-b=${NODES[1]},redis=$REDIS_PID" --json "$OUT/generator.json" \
  > "$OUT/generator.txt" 2>&1 &
GEN=$!; PIDS+=("$GEN")
START=$(date +%s)
DEADLINE=$(( START + DURATION + WARMUP + 180 ))
NEXT=$(( START + SAMPLE ))
while kill -0 "$GEN" 2>/dev/null && (( $(date +%s) < DEADLINE )); do
  if (( $(date +%s) >= NEXT )); then
    sample $(( $(date +%s) - START ))
    NEXT=$(( NEXT + SAMPLE ))
  fi
  sleep 1
done
GEN_RC=0
if kill -0 "$GEN" 2>/dev/null; then
  echo "the generator overran its bound: stopped" >&2; GEN_RC=1
else
  wait "$GEN" || GEN_RC=$?
fi
sample $(( $(date +%s) - START ))
stop_all
LEAKS=$(cat "$OUT"/node-*.log | grep -c 'LEAK' || true)
grep -h -A3 'LEAK' "$OUT"/node-*.log > "$OUT/leaks.txt" || true

python3 - "$OUT" "$WARMUP" "$GEN_RC" "$LEAKS" "$LEAK_LEVEL" <<'PY' | tee "$OUT/summary.md"
import json, sys, csv
out, warmup, gen_rc, leaks, level = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = list(csv.DictReader(open(f"{out}/samples.tsv"), delimiter="\t"))
by_t = {}
for r in rows:
    by_t.setdefault(int(r["seconds"]), {})[r["node"]] = r
mib = lambda v: f"{int(v) / 1048576:.1f}" if v not in (None, "", "dead") else "—"
print("| minute | node a heap after GC (MiB) | node a RSS (MiB) | node b heap after GC (MiB) | node b RSS (MiB) | connections a / b | Redis used (MiB) | load |")
print("|---|---|---|---|---|---|---|---|")
for t in sorted(by_t):
    a, b = by_t[t].get("a", {}), by_t[t].get("b", {})
    print(f"| {t / 60:.1f} | {mib(a.get('heap_bytes'))} | {mib(a.get('rss_bytes'))} | {mib(b.get('heap_bytes'))} | {mib(b.get('rss_bytes'))}"
          f" | {a.get('connections', '—')} / {b.get('connections', '—')} | {mib(a.get('redis_used_bytes') or b.get('redis_used_bytes'))} | {a.get('load1') or b.get('load1', '—')} |")
# flat after warm-up: the samples from the first one past the warm-up to the last one taken under load
for node in ("a", "b"):
    pts = [(t, int(v[node]["heap_bytes"]), int(v[node]["rss_bytes"])) for t, v in sorted(by_t.items())
           if t > warmup and node in v and v[node].get("heap_bytes") not in (None, "", "dead")]
    if len(pts) >= 3:
        under_load = pts[:-1]  # the last sample follows the generator's end (connections closed)
        first, last = under_load[0], under_load[-1]
        print(f"\nnode {node}: after warm-up (minute {first[0] / 60:.1f} to {last[0] / 60:.1f}) heap {first[1] / 1048576:.1f} → {last[1] / 1048576:.1f} MiB"
              f" (max {max(p[1] for p in under_load) / 1048576:.1f}), RSS {first[2] / 1048576:.1f} → {last[2] / 1048576:.1f} MiB"
              f" (max {max(p[2] for p in under_load) / 1048576:.1f}); after the run: heap {pts[-1][1] / 1048576:.1f} MiB")
try:
    r = json.load(open(f"{out}/generator.json")); c = r.get("churn") or {}
    print(f"\nmeasured {r['seconds']:.0f} s: sent {r['sent']:,}, delivered {r['delivered']:,} of {r['expected']:,} expected "
          f"({r['deliveriesPerSecond']:,.0f}/s), missing {r['missing']:,}, errors {r['errors']}; p50 {r['p50Micros'] / 1000:.2f} ms, "
          f"p99 {r['p99Micros'] / 1000:.2f} ms, max {r['maxMicros'] / 1000:.1f} ms")
    if c:
        print(f"churn {c['perSecond']}/s, each for {c['lifeSeconds']:.0f} s: {c['opened']:,} opened, {c['joined']:,} joined, "
              f"{c['left']:,} left, {c['cut']:,} cut before joining, {c['failed']:,} failed; join p50 {c['joinP50Micros'] / 1000:.1f} ms, p99 {c['joinP99Micros'] / 1000:.1f} ms")
    for p in r.get("processes", []):
        print(f"CPU {p['name']}: {p['cpuSeconds']:.0f} s ({p['cpuMicrosPerDelivery']:.1f} us per measured delivery)")
    ok = r["missing"] == 0 and r["errors"] == 0
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"\nno generator report ({e})"); ok = False
print(f"leak detection {level}: {leaks} LEAK lines in the nodes' logs; generator exit {gen_rc}")
print(f"commit {open(out + '/commit.txt').read().strip()}; samples: {out}/samples.tsv")
sys.exit(0 if ok and leaks == "0" and gen_rc == 0 else 1)
PY
