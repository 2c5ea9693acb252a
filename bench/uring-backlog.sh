#!/usr/bin/env bash
# The reproduction of io_uring's dropped readers (BENCHMARKS.md, "io_uring's lost deliveries, explained"): one
# node, as users start it, under the Node generator held to a share of a core, so that it reads late and sends in
# bursts and the node works through a backlog. Node and generator each run in a cgroup v1 cpu group with
# cpu.shares 4096 (ahead of other work on a shared machine; needs root), the generator's with a CPU quota.
# Prints one line per run: CPU per delivery, latency, missing deliveries and the readers dropped as slow
# consumers; samples the sockets' queues (ss) every 0.5 s into the results directory. Loopback only.
#
#   bench/uring-backlog.sh RUNS GEN_PERCENT SETUP...      SETUP is NAME=[jar:PATH] [serve options]
#   bench/uring-backlog.sh 3 55 before="jar:/tmp/before.jar --transport io_uring" after="--transport io_uring" epoll=
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:?runs}; PERCENT=${2:?generator CPU percent}; shift 2
WARMUP=${WARMUP:-5} DURATION=${DURATION:-10}
OUT=bench/results/uring-backlog-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
[[ -d bench/node/node_modules/ws ]] || (cd bench/node && npm ci --no-audit --no-fund --loglevel=error)
CG=/sys/fs/cgroup/cpu/switchboard-backlog-$$
mkdir -p "$CG/node" "$CG/gen"
echo 4096 > "$CG/node/cpu.shares"; echo 4096 > "$CG/gen/cpu.shares"
echo 100000 > "$CG/gen/cpu.cfs_period_us"; echo $(( PERCENT * 1000 )) > "$CG/gen/cpu.cfs_quota_us"
NODE=""
cleanup() {
  [[ -n $NODE ]] && { kill "$NODE" 2>/dev/null || true; wait "$NODE" 2>/dev/null || true; }
  rmdir "$CG/node" "$CG/gen" "$CG" 2>/dev/null || true
}
trap cleanup EXIT

for run in $(seq "$RUNS"); do
  for setup in "$@"; do
    name=${setup%%=*} args=${setup#*=} jar=target/switchboard.jar
    if [[ $args == jar:* ]]; then jar=${args%% *}; jar=${jar#jar:}; [[ $args == *" "* ]] && args=${args#* } || args=""; fi
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    # shellcheck disable=SC2086
    sh -c "echo \$\$ > $CG/node/tasks; exec java -XX:+ExitOnOutOfMemoryError -jar $jar serve --host 127.0.0.1 \
      --port $port --grpc-port -1 $args" > "$OUT/$name-$run.log" 2>&1 &
    NODE=$!
    for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && break; sleep 0.1; done
    (for _ in $(seq $(( (WARMUP + DURATION + 10) * 2 ))); do
       echo "at $(date +%s.%N)"
       ss -tnH state established "( sport = :$port )" | awk '{r += $1; s += $2} END {print "node: unread", r + 0, "unsent", s + 0}'
       ss -tnH state established "( dport = :$port )" | awk '{r += $1} END {print "generator: unread", r + 0}'
       sleep 0.5
     done) > "$OUT/$name-$run.ss" 2>&1 &
    sampler=$!
    (echo $BASHPID > "$CG/gen/tasks"; cd bench/node && exec node ws-load.mjs --url "ws://127.0.0.1:$port/" \
      --server-pid "$NODE" --warmup "$WARMUP" --duration "$DURATION" --json "../../$OUT/$name-$run.json") \
      > "$OUT/$name-$run.txt" 2>&1 || true
    kill "$sampler" 2>/dev/null || true
    dropped=$(curl -sf "http://127.0.0.1:$port/metrics" \
      | awk '/^switchboard_closes_total\{reason="slow_consumer"\}/ {n = $2} END {printf "%d", n}' || true)
    kill "$NODE" 2>/dev/null || true; wait "$NODE" 2>/dev/null || true; NODE=""
    python3 - "$OUT/$name-$run.json" "$name" "$run" "$dropped" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    print(f"run {sys.argv[3]} {sys.argv[2]:>10}: {r['serverCpuMicrosPerDelivery']:6.2f} us/delivery  p50 "
          f"{r['p50Micros'] / 1000:8.1f} ms  p99 {r['p99Micros'] / 1000:8.1f} ms  missing {r['missing']:>7}  "
          f"readers dropped {sys.argv[4]}")
except (OSError, ValueError, KeyError) as e:
    print(f"run {sys.argv[3]} {sys.argv[2]:>10}: no report ({e})")
PY
  done
done
echo "reports: $OUT"
