#!/usr/bin/env bash
# The cross-node path against one node, side by side: the same y-webrtc load (100 rooms x 4 peers, 1 KiB,
# RATE msg/s per peer) on one node, and on two nodes over a real redis-server with every room spanning both
# (peers are spread over the two nodes round robin, so half of each message's deliveries cross the bus).
# Setups alternate run by run, so all see the same stretch of a noisy machine. Reported per run: the CPU per
# delivered message of every process involved (each node and Redis, read from /proc) and their sum, and the
# local and cross-node deliveries apart (count, latency p50/p99).
#
#   bench/compare-cluster.sh [rounds] [setup...]        default 3 rounds of: one-node two-nodes
#     setups: one-node      one node, no Redis
#             one-node-redis one node over Redis (the bus's membership costs, nothing crosses)
#             two-nodes     two nodes over Redis, every room on both
#             NAME=jar:PATH two nodes over Redis running another build (a change's before and after, side by
#                           side), e.g.  bench/compare-cluster.sh 3 before=jar:/tmp/before.jar after=jar:/tmp/after.jar
#             NAME=one-node-jar:PATH  one node, no Redis, running another build: a single-node change's before
#                           and after, e.g.  DIALECT=grpc bench/compare-cluster.sh 3 one-node before=one-node-jar:/tmp/b.jar
#             NAME=one-node-dialect:D one node, no Redis, under WebSocket dialect D's load (100 rooms x 4, RATE msg/s
#                           per peer, the same warm-up as DIALECT's): e.g. beside DIALECT=grpc, named-peer relays as
#                           many 1 KiB messages a second over as many connections as the gRPC pairs do
#   RATE=25 (default: 10,000 messages/s, 40,000 deliveries/s, 20,000 of them cross-node in two-nodes)
#   DIALECT=grpc                the same over gRPC: 200 worker/client pairs, each side sending RATE msg/s to the
#                               other; on two nodes every other pair has its worker and client on different nodes
#   SERVER_CORES=0 LOAD_CORE=1   where the servers (every node and Redis) and the generator run
#   SERVER_ARGS="..."           extra serve options for every node; JAR_B=path: a second build for node b only
#   PERF_STAT=1                 also count each process's syscalls and context switches (perf stat, 10 s from
#                               PERF_DELAY=16 s after the generator starts: inside the measured phase; PERF_EVENTS=
#                               further perf events, e.g. syscalls:sys_enter_writev,syscalls:sys_enter_futex) and report
#                               them per delivered message, and each thread's CPU over the same window
#                               (bench/thread-cpu.sh: $OUT/<setup>-<round>-threads-<process>.txt)
#   PROFILE=/path/libasyncProfiler.so  also profile every node (async-profiler, itimer, 2 ms) over the same 10 s
#                               window as PERF_STAT, attached then and detached after (bench/AttachAgent.java), so
#                               start-up and warm-up are not in it: $OUT/<setup>-<round>-prof-<process>.collapsed
#                               (thread names as root frames)
#   NODE_JVM_EXTRA="..."        extra JVM options for every node; {node} in them becomes <setup>-<round>-<node id>
#                               (e.g. -XX:StartFlightRecording=filename=/tmp/{node}.jfr, see BENCHMARKS.md)
#
# Loopback only; every run is bounded; only the processes it starts are stopped (by PID). Redis runs from a
# temporary directory outside the repository, with nothing persisted.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWITCHBOARD_MESSAGE_RATE=${SWITCHBOARD_MESSAGE_RATE:-0} # the generator is far past a client's budget
# named-peer's own limit (50 frames a second) is passed by an open-loop sender whenever a late tick sends several
# slots at once (it cut 144 of 400 peers in a run here); these runs measure the relay, so it is raised, as in
# compare-dialects.sh
export SWITCHBOARD_NAMED_PEER_RATE=${SWITCHBOARD_NAMED_PEER_RATE:-1000000}
# and its 400 logins in one namespace are 399 membership notices to each peer, past the unacknowledged-notice cap
# (256) whenever the generator answers a ping late: it dropped 260 of 400 peers in a run here
export SWITCHBOARD_MAX_UNREAD_NOTICES=${SWITCHBOARD_MAX_UNREAD_NOTICES:-0}
ROUNDS=${1:-3}; shift || true
SETUPS=("$@"); (( ${#SETUPS[@]} > 0 )) || SETUPS=(one-node two-nodes)
RATE=${RATE:-25}
SERVER_ARGS=${SERVER_ARGS:-}
OUT=bench/results/cluster-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown) ${DIALECT:-y-webrtc}${SERVER_ARGS:+ serve $SERVER_ARGS}" > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=${JAR:-target/switchboard.jar}
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
SERVER_CORES=${SERVER_CORES:-0}
LOAD_CORE=${LOAD_CORE:-1}
DIALECT=${DIALECT:-y-webrtc}
if [[ $DIALECT == grpc ]]; then
  # 60 s of warm-up: after 10 s (and on a busy machine after 30 s) the JIT was still compiling grpc-java's and
  # Netty's HTTP/2 code: its threads took up to half the node's CPU in the measured phase (BENCHMARKS.md, "The
  # gRPC relay profiled")
  LOAD=${LOAD:---dialect grpc --rooms 200 --peers 2 --payload 1024 --rate $RATE --warmup 60s --duration 15s --drain 3s}
  PERF_DELAY=${PERF_DELAY:-66}
else
  LOAD=${LOAD:---dialect $DIALECT --rooms 100 --peers 4 --payload 1024 --rate $RATE --warmup 10s --duration 15s --drain 3s}
fi
REDIS_DIR=$(mktemp -d /tmp/switchboard-bench-redis.XXXXXX)

warmup_of() { local w=${1#*--warmup }; echo "${w%% *}"; } # the --warmup value of a LOAD

source bench/lib.sh

PIDS=()
cleanup() {
  stop_all
  rm -rf "$REDIS_DIR"
  restore_damon
}
trap cleanup EXIT
# the kernel's DAMON monitor stalls both vCPUs now and then (BENCHMARKS.md); paused as compare-ywebrtc.sh does
pause_damon

start_redis() { # sets REDIS_PORT, REDIS_PID
  REDIS_PORT=$(free_port)
  taskset -c "$SERVER_CORES" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$REDIS_DIR" --daemonize no --loglevel warning > "$OUT/$name-$round-redis.log" 2>&1 &
  REDIS_PID=$!; PIDS+=("$REDIS_PID")
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping > /dev/null 2>&1 && return 0; sleep 0.1; done
  echo "redis-server did not start" >&2; return 1
}

start_node() { # $1 = node id, $2 = jar, rest = serve options; sets NODE_URL, NODE_PID
  local id=$1 jar=$2 port grpc_port=-1; shift 2
  port=$(free_port)
  [[ $dialect == grpc ]] && grpc_port=$(free_port)
  # shellcheck disable=SC2086
  local extra=${NODE_JVM_EXTRA:-}; extra=${extra//\{node\}/$name-$round-$id}
  taskset -c "$SERVER_CORES" java $SERVER_JVM $extra -jar "$jar" serve --host 127.0.0.1 \
    --port "$port" --grpc-port "$grpc_port" --io-threads 1 --node-id "$id" $SERVER_ARGS "$@" \
    > "$OUT/$name-$round-$id.log" 2>&1 &
  NODE_PID=$!; PIDS+=("$NODE_PID")
  NODE_URL="ws://127.0.0.1:$port/"; [[ $dialect == grpc ]] && NODE_URL="grpc://127.0.0.1:$grpc_port"
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && return 0; sleep 0.1; done
  echo "node $id did not become ready" >&2; return 1
}

for round in $(seq "$ROUNDS"); do
  order=("${SETUPS[@]}")
  (( round % 2 == 0 )) && order=($(printf '%s\n' "${SETUPS[@]}" | tac)) # ABBA: neither always goes first
  for setup in "${order[@]}"; do
    name=${setup%%=*}; dialect=$DIALECT; load=$LOAD
    case $setup in
      *=one-node-dialect:*)
        dialect=${setup#*=one-node-dialect:}
        load="--dialect $dialect --rooms 100 --peers 4 --payload 1024 --rate $RATE --warmup $(warmup_of "$LOAD") --duration 15s --drain 3s"
        start_node a "$JAR"; urls=$NODE_URL; pid_a=$NODE_PID; cpu="" ;;
      *=one-node-jar:*)
        start_node a "${setup#*=one-node-jar:}"; urls=$NODE_URL; pid_a=$NODE_PID; cpu="" ;;
      *=jar:*)
        jar=${setup#*=jar:}
        start_redis
        start_node a "$jar" --redis "redis://127.0.0.1:$REDIS_PORT"; urls=$NODE_URL; pid_a=$NODE_PID
        start_node b "$jar" --redis "redis://127.0.0.1:$REDIS_PORT"; urls="$urls,$NODE_URL"
        cpu="--cpu-pid node-b=$NODE_PID,redis=$REDIS_PID" ;;
      one-node)
        start_node a "$JAR"; urls=$NODE_URL; pid_a=$NODE_PID; cpu="" ;;
      one-node-redis)
        start_redis; start_node a "$JAR" --redis "redis://127.0.0.1:$REDIS_PORT"
        urls=$NODE_URL; pid_a=$NODE_PID; cpu="--cpu-pid redis=$REDIS_PID" ;;
      two-nodes)
        start_redis
        start_node a "$JAR" --redis "redis://127.0.0.1:$REDIS_PORT"; urls=$NODE_URL; pid_a=$NODE_PID
        start_node b "${JAR_B:-$JAR}" --redis "redis://127.0.0.1:$REDIS_PORT"; urls="$urls,$NODE_URL"
        cpu="--cpu-pid node-b=$NODE_PID,redis=$REDIS_PID" ;;
      *) echo "unknown setup $setup" >&2; exit 2 ;;
    esac
    # shellcheck disable=SC2086
    taskset -c "$LOAD_CORE" java $LOAD_JVM -jar "$JAR" bench --url "$urls" --server-pid "$pid_a" $cpu \
      --threads 1 --json "$OUT/$name-$round.json" $load > "$OUT/$name-$round.txt" 2>&1 &
    gen=$!; perfs=()
    if [[ ${PERF_STAT:-0} == 1 || -n ${PROFILE:-} ]]; then
      sleep "${PERF_DELAY:-16}"
      others=${cpu#--cpu-pid }
      for proc in "server=$pid_a" ${others//,/ }; do
        [[ $proc == *=* ]] || continue
        if [[ ${PERF_STAT:-0} == 1 ]]; then
          perf stat -x, -e "raw_syscalls:sys_enter,context-switches${PERF_EVENTS:+,$PERF_EVENTS}" -p "${proc#*=}" -o "$OUT/$name-$round-perf-${proc%%=*}.csv" \
            -- sleep 10 > /dev/null 2>&1 &
          perfs+=("$!")
          bench/thread-cpu.sh "${proc#*=}" 10 > "$OUT/$name-$round-threads-${proc%%=*}.txt" 2>&1 &
          perfs+=("$!")
        fi
        if [[ -n ${PROFILE:-} && $proc != redis=* ]]; then
          ( attach() { taskset -c "$LOAD_CORE" java bench/AttachAgent.java "${proc#*=}" "$PROFILE" "$1"; }
            attach start,event=itimer,interval=2ms,threads && sleep 10 \
              && attach "stop,file=$OUT/$name-$round-prof-${proc%%=*}.collapsed,collapsed" ) > /dev/null 2>&1 &
          perfs+=("$!")
        fi
      done
    fi
    wait "$gen" || true
    for p in "${perfs[@]}"; do wait "$p" || true; done
    stop_all
    python3 - "$OUT/$name-$round.json" "$name" "$round" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    procs = "  ".join(f"{p['name']} {p['cpuMicrosPerDelivery']:.2f}" for p in r["processes"])
    line = (f"round {sys.argv[3]} {sys.argv[2]:>14}: all {r['allProcessesCpuMicrosPerDelivery']:6.2f} us/delivery"
            f" ({procs})  p50 {r['p50Micros'] / 1000:.2f} ms  p99 {r['p99Micros'] / 1000:.2f} ms"
            f"  {r['deliveriesPerSecond']:,.0f}/s  missing {r['missing']}")
    import glob, os
    for f in sorted(glob.glob(sys.argv[1].replace(".json", "-perf-*.csv"))):
        counts = {l.split(",")[2]: float(l.split(",")[0]) for l in open(f) if l.count(",") > 2 and l[0].isdigit()}
        d = max(r["deliveriesPerSecond"] * 10, 1)
        proc = os.path.basename(f).rsplit("-perf-", 1)[1][:-4]
        line += (f"\n{'':>23}{proc}: {counts.get('raw_syscalls:sys_enter', -1) / d:.3f} syscalls,"
                 f" {counts.get('context-switches', -1) / d:.3f} context switches per delivery")
        extra = [(k.split(":")[-1].replace("sys_enter_", ""), v / d) for k, v in counts.items()
                 if k not in ("raw_syscalls:sys_enter", "context-switches")]
        if extra:
            line += f"\n{'':>23}{proc} per delivery: " + ", ".join(f"{k} {v:.3f}" for k, v in extra)
    for f in sorted(glob.glob(sys.argv[1].replace(".json", "-threads-*.txt"))):
        d = max(r["deliveriesPerSecond"] * 10, 1)
        proc = os.path.basename(f).rsplit("-threads-", 1)[1][:-4]
        top = [l.split(None, 1) for l in open(f) if l[0].isdigit()][:6]
        line += f"\n{'':>23}{proc} threads, us/delivery: " + ", ".join(f"{n.strip()} {float(ms) * 1e3 / d:.2f}" for ms, n in top)
    c = r.get("crossNode")
    if c:
        line += (f"\n{'':>23}local {c['localDelivered']:,} p50 {c['localP50Micros'] / 1000:.2f} p99"
                 f" {c['localP99Micros'] / 1000:.2f} ms; cross-node {c['crossDelivered']:,} p50"
                 f" {c['crossP50Micros'] / 1000:.2f} p99 {c['crossP99Micros'] / 1000:.2f} ms")
    print(line)
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"round {sys.argv[3]} {sys.argv[2]:>14}: no report ({e})")
PY
  done
done

python3 - "$OUT" "${SETUPS[@]}" <<'PY'
import json, sys, glob, statistics
out, setups = sys.argv[1], [s.split("=", 1)[0] for s in sys.argv[2:]]
def reports(name):
    rs = []
    for f in sorted(glob.glob(f"{out}/{name}-*.json")):
        try: rs.append(json.load(open(f)))
        except ValueError: pass
    return rs
def med(vals):
    vals = [v for v in vals if v is not None and v >= 0]
    return statistics.median(vals) if vals else float("nan")
base = med([r["allProcessesCpuMicrosPerDelivery"] for r in reports("one-node")]) if "one-node" in setups else float("nan")
print("\n| setup | CPU per delivery, all processes | per process | p50 / p99 | local p50 / p99 | cross-node p50 / p99 | missing | ratio |")
print("|---|---|---|---|---|---|---|---|")
for name in setups:
    rs = reports(name)
    if not rs:
        print(f"| {name} | no report | | | | | | |"); continue
    allc = med([r["allProcessesCpuMicrosPerDelivery"] for r in rs])
    names = [p["name"] for p in rs[0]["processes"]]
    per = ", ".join(f"{n} {med([p['cpuMicrosPerDelivery'] for r in rs for p in r['processes'] if p['name'] == n]):.2f}" for n in names)
    lat = f"{med([r['p50Micros'] for r in rs]) / 1000:.2f} / {med([r['p99Micros'] for r in rs]) / 1000:.2f} ms"
    cs = [r["crossNode"] for r in rs if r.get("crossNode")]
    loc = f"{med([c['localP50Micros'] for c in cs]) / 1000:.2f} / {med([c['localP99Micros'] for c in cs]) / 1000:.2f} ms" if cs else "—"
    cro = f"{med([c['crossP50Micros'] for c in cs]) / 1000:.2f} / {med([c['crossP99Micros'] for c in cs]) / 1000:.2f} ms" if cs else "—"
    first = setups[0]  # with no one-node setup, every setup is compared with the first
    ref = base if base == base else med([r["allProcessesCpuMicrosPerDelivery"] for r in reports(first)])
    ratio = f"{allc / ref:.2f}x" if ref == ref and ref > 0 and name not in ("one-node", first) else ""
    print(f"| {name} | {allc:.2f} us | {per} | {lat} | {loc} | {cro} | {med([r['missing'] for r in rs]):.0f} | {ratio} |")
print(f"\nmedians of {len(reports(setups[0]))} rounds; commit {open(out + '/commit.txt').read().strip()}; reports: {out}")
PY
