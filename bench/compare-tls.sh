#!/usr/bin/env bash
# Side-by-side: Switchboard in plaintext (ws://), over TLS with OpenSSL (BoringSSL, netty-tcnative) and over TLS
# with the JDK's provider (wss://), under the same load generator, the setups taking turns within each round
# (the first one rotates) so all see the same stretch of a noisy machine. Same pinning and JVM flags as
# compare-ywebrtc.sh: the server on core 0 with one event loop, the generator on core 1. Loopback only; every
# run is bounded and short (the machine is shared); only the processes it starts are stopped.
#
#   bench/compare-tls.sh [rounds]        default 1 round
#
# Workloads: a fixed load (100 rooms x 4 peers, 1 KiB, RATE msg/s per peer, default 5: 8,000 deliveries/s, which a
# busy shared machine still sustains in all three setups; the issue's 40 is RATE=40), for server CPU per delivered
# message, saturation (closed loop, window 16, 256 B: deliveries per second, every one delivered) and
# connects (3,000 connections opened at most 256 at a time: TCP, a full TLS handshake each with wss://, the
# upgrade; connects per second and the server's CPU per connect). The certificate is a throwaway ECDSA P-256
# one from a CA made for the run with the openssl command line; the generator trusts that CA (--tls-ca).
# The server gets --handshake-timeout 60s: with 256 connections handshaking at once on a busy shared core, a TLS
# handshake and the upgrade after it can take longer than the default 10 s, and the node would (rightly) close them.
# Prints a markdown table of medians; raw JSON reports go to bench/results/tls-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
# The generator pushes each connection far past any real client's message budget (closed loop: hundreds of
# messages a second per connection); these runs measure the relay, so the node's budget is off. Set through
# the environment, which builds from before the option ignore.
export SWITCHBOARD_MESSAGE_RATE=${SWITCHBOARD_MESSAGE_RATE:-0}
ROUNDS=${1:-1}
OUT=bench/results/tls-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"
git rev-parse --short HEAD > "$OUT/commit.txt" 2>/dev/null || echo unknown > "$OUT/commit.txt"
[[ -f target/switchboard.jar ]] || mvn -B -q -DskipTests package
JAR=target/switchboard.jar
SERVER_JVM=${SERVER_JVM:--Xms1g -Xmx1g -Xmn64m -XX:+AlwaysPreTouch}
LOAD_JVM=${LOAD_JVM:--Xms512m -Xmx512m -XX:+AlwaysPreTouch}
SERVER_CORE=${SERVER_CORE:-0}
LOAD_CORE=${LOAD_CORE:-1}
RATE=${RATE:-5}
echo "fixed load: $RATE msg/s per peer" >> "$OUT/commit.txt"

# a CA and a certificate for localhost, for this run only
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=bench-ca \
  -keyout "$OUT/ca.key" -out "$OUT/ca.crt" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost \
  -keyout "$OUT/node.key" -out "$OUT/node.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' > "$OUT/node.ext"
openssl x509 -req -in "$OUT/node.csr" -CA "$OUT/ca.crt" -CAkey "$OUT/ca.key" -CAcreateserial -days 1 \
  -extfile "$OUT/node.ext" -out "$OUT/node.crt" 2>/dev/null

source bench/lib.sh

SERVER_PID=""
start_server() { # $1 = plain|openssl|jdk ; sets SERVER_PID, PORT and URL
  PORT=$(free_port)
  local tls=() scheme=ws probe=http
  if [[ $1 != plain ]]; then
    tls=(--tls-cert "$OUT/node.crt" --tls-key "$OUT/node.key" --tls-provider "$1"); scheme=wss; probe=https
  fi
  # shellcheck disable=SC2086
  taskset -c "$SERVER_CORE" java $SERVER_JVM -jar "$JAR" serve --host 127.0.0.1 --port "$PORT" --grpc-port -1 \
    --io-threads 1 --handshake-timeout 60s "${tls[@]}" > "$OUT/$1-server-$label-$round.log" 2>&1 &
  SERVER_PID=$!
  URL="$scheme://localhost:$PORT/"
  for _ in $(seq 150); do
    curl -sf --cacert "$OUT/ca.crt" -o /dev/null "$probe://localhost:$PORT/ready" && return 0; sleep 0.1
  done
  echo "server $1 did not start" >&2; return 1
}
stop_server() { stop_pid "$SERVER_PID"; SERVER_PID=""; }
trap stop_server EXIT

bench() { # $1 = setup, $2 = label, rest = bench options
  local setup=$1 label=$2; shift 2
  start_server "$setup"
  # shellcheck disable=SC2086
  taskset -c "$LOAD_CORE" java $LOAD_JVM -jar "$JAR" bench --url "$URL" --tls-ca "$OUT/ca.crt" \
    --server-pid "$SERVER_PID" --threads 1 --json "$OUT/$label-$setup-$round.json" "$@" \
    > "$OUT/$label-$setup-$round.txt" 2>&1 || true
  stop_server
}

SETUPS=(plain openssl jdk)
for round in $(seq "$ROUNDS"); do
  shift_by=$(( (round - 1) % 3 ))
  order=("${SETUPS[@]:shift_by}" "${SETUPS[@]:0:shift_by}")
  for setup in "${order[@]}"; do
    bench "$setup" fixed --rooms 100 --peers 4 --payload 1024 --rate "$RATE" --warmup 4s --duration 6s
    bench "$setup" max --rooms 100 --peers 4 --payload 256 --rate 0 --window 16 --warmup 3s --duration 5s
    bench "$setup" connect --idle 3000 --rooms 750 --hold 1s
  done
done
grep -h "provider\|TLS with" "$OUT"/openssl-server-fixed-1.log "$OUT"/jdk-server-fixed-1.log | head -4 > "$OUT/providers.txt" || true

python3 - "$OUT" <<'PY'
import json, sys, glob, statistics
out = sys.argv[1]
def med(label, setup, key):
    vals = []
    for f in glob.glob(f"{out}/{label}-{setup}-*.json"):
        v = json.load(open(f)).get(key, -1)
        if v is not None and v >= 0: vals.append(v)
    return statistics.median(vals) if vals else float('nan')
rows = [
  ("server CPU per delivered message (us), fixed load", "fixed", "serverCpuMicrosPerDelivery"),
  ("missing deliveries, fixed load", "fixed", "missing"),
  ("p99 relay latency (us), fixed load", "fixed", "p99Micros"),
  ("max sustained deliveries/s, all delivered", "max", "deliveriesPerSecond"),
  ("missing deliveries at max", "max", "missing"),
  ("server CPU per delivered message (us), at max", "max", "serverCpuMicrosPerDelivery"),
  ("connects/s (TCP + TLS handshake + upgrade), 3,000 connections", "connect", "connectsPerSecond"),
  ("server CPU per connect (us)", "connect", "serverCpuMicrosPerConnect"),
  ("server RSS per idle connection (bytes)", "connect", "rssBytesPerConnection"),
]
fmt = lambda v: "n/a" if v != v else f"{v:,.2f}"
print("| measure | ws:// | wss://, OpenSSL | wss://, JDK | OpenSSL / ws | JDK / ws |")
print("|---|---|---|---|---|---|")
for name, label, key in rows:
    p, o, j = (med(label, s, key) for s in ("plain", "openssl", "jdk"))
    r = lambda v: "n/a" if not (p == p and p > 0 and v == v) else f"{v / p:.2f}x"
    print(f"| {name} | {fmt(p)} | {fmt(o)} | {fmt(j)} | {r(o)} | {r(j)} |")
print(f"\ncommit {open(out + '/commit.txt').read().strip()}; raw reports: {out}")
PY
