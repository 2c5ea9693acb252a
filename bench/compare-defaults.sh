#!/usr/bin/env bash
# Out of the box: servers started the way users start them — no pinning, no JVM flags beyond the launcher's own
# — under the issue's fixed load (100 rooms x 4 peers, 1 KiB, 40 msg/s per peer), measured by two generators
# that share no code: an independent Node `ws` client (bench/node/ws-load.mjs: one message per write, as
# browsers send, open loop) and the project's own (`switchboard bench`). Every setup runs once per round under
# each generator, rounds alternating the order, so all see the same stretch of a noisy machine. Loopback only;
# every run is bounded; only the processes it starts are stopped.
#
#   bench/compare-defaults.sh ROUNDS SETUP...
#     SETUP is  ywebrtc  (the stock server, npm y-webrtc 10.3.0),  bare  (bench/BareRelay.java: y-webrtc's relay on
#     plain Netty, one loop, no parse, no limits: what a relay costs without Switchboard's own work),  or
#     NAME=[jar:PATH] [jvm:JVM FLAGS --] serve options
#     (jar:PATH runs another build, e.g. a copy of target/switchboard.jar made before a change)
#   bench/compare-defaults.sh 3 ywebrtc default= io1="--io-threads 1" tuned="jvm:-Xms1g -Xmx1g -- --io-threads 1"
#   bench/compare-defaults.sh 3 ywebrtc before=jar:/tmp/before.jar after=
#   GENERATORS=node bench/compare-defaults.sh 3 ywebrtc default=       only the Node generator
#   GEN_CPU_QUOTA=55 GENERATORS=node bench/compare-defaults.sh 3 ...      the Node generator held to 55% of a core
#     (a cgroup v1 cpu quota; needs root): it reads late and its sends come in bursts, so a server falls behind and
#     works through a backlog, as on a busy machine (BENCHMARKS.md, "io_uring's lost deliveries")
#
# Each line also counts the connections the server dropped as slow consumers (Switchboard's /metrics).
#
# Prints one line per run and the medians per generator; the JSON reports go to bench/results/defaults-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:?rounds}; shift
(( $# > 0 )) || { echo "name at least one setup" >&2; exit 2; }
GENERATORS=${GENERATORS:-node project}
# the project's generator drives the same load; its own JVM is sized as in the other scripts
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m}
ROOMS=${ROOMS:-100} PEERS=${PEERS:-4} PAYLOAD=${PAYLOAD:-1024} RATE=${RATE:-40} WARMUP=${WARMUP:-10} DURATION=${DURATION:-15}
OUT=bench/results/defaults-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt" 2>/dev/null || echo unknown > "$OUT/commit.txt"
[[ -d bench/node/node_modules/ws ]] || (cd bench/node && npm ci --no-audit --no-fund --loglevel=error)
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests -pl cli -am package
JAR=target/switchboard.jar

source bench/lib.sh

SERVER_PID=""
GEN_CGROUP=""
if [[ -n ${GEN_CPU_QUOTA:-} ]]; then
  # inside this script's own cpu cgroup, so the generator keeps whatever share the run was given
  GEN_CGROUP=/sys/fs/cgroup/cpu$(awk -F: '$2 ~ /(^|,)cpu(,|$)/ {print $3}' /proc/self/cgroup)
  GEN_CGROUP=${GEN_CGROUP%/}/switchboard-bench-gen-$$
  mkdir "$GEN_CGROUP"
  echo 100000 > "$GEN_CGROUP/cpu.cfs_period_us"; echo $(( GEN_CPU_QUOTA * 1000 )) > "$GEN_CGROUP/cpu.cfs_quota_us"
fi
cleanup() {
  stop_pid "$SERVER_PID"
  [[ -n $GEN_CGROUP ]] && rmdir "$GEN_CGROUP" 2>/dev/null || true
}
trap cleanup EXIT

run() { # $1 setup, $2 generator, $3 round
  local setup=$1 gen=$2 round=$3 name=${1%%=*} probe=/ready
  PORT=$(free_port)
  if [[ $setup == ywebrtc ]]; then
    (cd bench/node && PORT=$PORT exec node node_modules/y-webrtc/bin/server.js) > "$OUT/$name-$gen-$round.log" 2>&1 &
    probe=/
  elif [[ $setup == bare ]]; then
    java -cp "$JAR" bench/BareRelay.java "$PORT" > "$OUT/$name-$gen-$round.log" 2>&1 &
    probe=/
  else
    local args="" jvm="" jar=$JAR
    [[ $setup == *=* ]] && args=${setup#*=}
    if [[ $args == jar:* ]]; then jar=${args%% *}; jar=${jar#jar:}; [[ $args == *" "* ]] && args=${args#* } || args=""; fi
    if [[ $args == jvm:* ]]; then
      args="$args " # so that a "--" with no serve options after it ends the JVM flags too
      jvm=${args#jvm:}; jvm=${jvm%% -- *}; args=${args#*" -- "}; [[ $args == jvm:* ]] && args=""
    fi
    # what ./switchboard serve runs (the launcher adds only the exit on OutOfMemoryError)
    # shellcheck disable=SC2086
    java -XX:+ExitOnOutOfMemoryError $jvm -jar "$jar" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 $args \
      > "$OUT/$name-$gen-$round.log" 2>&1 &
  fi
  SERVER_PID=$!
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$PORT$probe" && break; sleep 0.1; done
  local report=$OUT/$name-$gen-$round.json
  if [[ $gen == node ]]; then
    ([[ -n $GEN_CGROUP ]] && echo $BASHPID > "$GEN_CGROUP/tasks"; cd bench/node && exec node ws-load.mjs --url "ws://127.0.0.1:$PORT/" --server-pid "$SERVER_PID" --rooms "$ROOMS" \
      --peers "$PEERS" --payload "$PAYLOAD" --rate "$RATE" --warmup "$WARMUP" --duration "$DURATION" \
      --json "../../$report") > "$OUT/$name-$gen-$round.txt" 2>&1 || true
  else
    # shellcheck disable=SC2086
    java $LOAD_JVM -jar "$JAR" bench --url "ws://127.0.0.1:$PORT/" --server-pid "$SERVER_PID" --threads 1 \
      --rooms "$ROOMS" --peers "$PEERS" --payload "$PAYLOAD" --rate "$RATE" --warmup "${WARMUP}s" \
      --duration "${DURATION}s" --json "$report" > "$OUT/$name-$gen-$round.txt" 2>&1 || true
  fi
  local dropped=""
  if [[ $setup != ywebrtc && $setup != bare ]]; then
    dropped=$(curl -sf "http://127.0.0.1:$PORT/metrics" \
      | awk '/^switchboard_closes_total\{reason="slow_consumer"\}/ {n = $2} END {printf "%d", n}' || true)
  fi
  kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  python3 - "$report" "$name" "$gen" "$round" "$dropped" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    dropped = f"  slow consumers dropped {sys.argv[5]}" if sys.argv[5] else ""
    print(f"round {sys.argv[4]} {sys.argv[3]:>7} {sys.argv[2]:>12}: {r['serverCpuMicrosPerDelivery']:6.2f} us/delivery  "
          f"p99 {r['p99Micros'] / 1000:8.2f} ms  {r['deliveriesPerSecond']:9,.0f}/s  missing {r['missing']}{dropped}")
except (OSError, ValueError, KeyError) as e:
    print(f"round {sys.argv[4]} {sys.argv[3]:>7} {sys.argv[2]:>12}: no report ({e})")
PY
}

setups=("$@")
for round in $(seq "$ROUNDS"); do
  order=("${setups[@]}")
  if (( round % 2 == 0 )); then # every other round in reverse, so no setup always runs first
    order=(); for (( i=${#setups[@]}-1; i>=0; i-- )); do order+=("${setups[i]}"); done
  fi
  for gen in $GENERATORS; do
    for setup in "${order[@]}"; do run "$setup" "$gen" "$round"; done
  done
done

python3 - "$OUT" "$GENERATORS" "$@" <<'PY'
import json, sys, glob, statistics
out, gens, setups = sys.argv[1], sys.argv[2].split(), [s.split("=", 1)[0] for s in sys.argv[3:]]
def med(name, gen, key):
    vals = []
    for f in glob.glob(f"{out}/{name}-{gen}-*.json"):
        v = json.load(open(f)).get(key)
        if v is not None and v >= 0:
            vals.append(v)
    return statistics.median(vals) if vals else float("nan")
for gen in gens:
    base = med("ywebrtc", gen, "serverCpuMicrosPerDelivery") if "ywebrtc" in setups else float("nan")
    print(f"\nmedians, {gen} generator:")
    for name in setups:
        cpu = med(name, gen, "serverCpuMicrosPerDelivery")
        ratio = f"  {cpu / base:.2f}x y-webrtc" if base == base and name != "ywebrtc" else ""
        print(f"{name:>12}: {cpu:6.2f} us/delivery  p99 {med(name, gen, 'p99Micros') / 1000:8.2f} ms{ratio}")
print(f"commit {open(out + '/commit.txt').read().strip()}; reports: {out}")
PY
