#!/usr/bin/env bash
# What the unread-notice limit (--max-unread-notices, docs/design/limits.md#membership-notices) costs readers:
# N named-peer clients that read everything log in one after another (N(N-1)/2 notices, each reader asked
# for a pong once per 32 notices), against the same build with the limit at its default and off (0),
# alternating, so both see the same stretch of a noisy machine. Prints the server's CPU per notice (from
# /proc, user + system), the wall time, the notices that arrived and the pings the readers answered.
# Loopback only; only the processes this script starts are stopped, by their PIDs.
#
#   bench/notices.sh [ROUNDS] [N]     (defaults 3 and 600)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
N=${2:-600}
OUT=bench/results/notices-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt" 2>/dev/null || echo unknown > "$OUT/commit.txt"
[[ -d bench/node/node_modules/ws ]] || (cd bench/node && npm install --no-audit --no-fund --loglevel=error)
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms512m -Xmx512m}

source bench/lib.sh
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

SERVER_PID=""
cleanup() { [[ -n $SERVER_PID ]] && { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; }; }
trap cleanup EXIT

run() {  # name, extra serve options...
  local name=$1; shift
  local port; port=$(free_port)
  # shellcheck disable=SC2086
  java $SERVER_JVM -jar "$JAR" serve --host 127.0.0.1 --port "$port" --grpc-port -1 "$@" > "$OUT/$name-server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 300); do curl -sf -o /dev/null "http://127.0.0.1:$port/ready" && break; sleep 0.1; done
  local before after
  before=$(cpu_ticks "$SERVER_PID")
  timeout 300 node bench/node/notice-load.mjs "ws://127.0.0.1:$port/" "$N" 240 > "$OUT/$name.json"
  after=$(cpu_ticks "$SERVER_PID")
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
  python3 - "$OUT/$name.json" "$name" "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
name, before, after, hz = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
cpu = (after - before) / hz
r["serverCpuSeconds"] = cpu
json.dump(r, open(sys.argv[1], "w"))
print(f"{name:>12}: server CPU {cpu:6.2f} s, {cpu / max(r['notices'], 1) * 1e6:5.2f} us a notice; "
      f"{r['notices']} of {r['expected']} notices in {r['seconds']:.1f} s; {r['pings']} pings; "
      f"{r['closedEarly']} readers closed early")
PY
}

echo "N=$N readers, $ROUNDS rounds; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$ROUNDS"); do
  run "limit-$round"
  run "off-$round" --max-unread-notices 0
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
