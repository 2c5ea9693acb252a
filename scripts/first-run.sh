#!/usr/bin/env bash
# Times what a new user does first: a fresh clone, `./switchboard serve` (which builds the jar), and the README's
# first command against it (GET /health), then stops the node by its PID; then a second `./switchboard serve` in
# the same clone (nothing left to build) until /health answers. The README's quick start quotes the result.
#   scripts/first-run.sh [REPOSITORY]      (default: this clone)    PORT and SWITCHBOARD_GRPC_PORT choose the ports
# Maven uses its usual local repository; MAVEN_OPTS=-Dmaven.repo.local=DIR makes the launcher's mvn use another,
# e.g. an empty one (a first run that downloads every dependency and plugin), without touching ~/.m2.
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
port=${PORT:-8080}
work=$(mktemp -d)
node=""
cleanup() {
  if [[ -n $node ]]; then kill "$node" 2>/dev/null || true; wait "$node" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

start=$(date +%s.%N)
git clone -q "$repo" "$work/switchboard"
cloned=$(date +%s.%N)
cd "$work/switchboard"
serve_until_health() {
  PORT=$port ./switchboard serve >"$work/serve.log" 2>&1 &
  node=$!
  until curl -fs "http://127.0.0.1:$port/health" >"$work/health.json" 2>/dev/null; do
    kill -0 "$node" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    sleep 0.2
  done
}
serve_until_health
answered=$(date +%s.%N)
cat "$work/health.json"; echo
kill "$node"; wait "$node" 2>/dev/null || true; node=""
again=$(date +%s.%N)
serve_until_health
answered_again=$(date +%s.%N)
printf 'clone %.1f s, ./switchboard serve to the first /health answer %.1f s, total %.1f s; again, nothing to build: %.1f s (commit %s, %s cores, load average %s, %s)\n' \
  "$(echo "$cloned - $start" | bc)" "$(echo "$answered - $cloned" | bc)" "$(echo "$answered - $start" | bc)" \
  "$(echo "$answered_again - $again" | bc)" "$(git rev-parse --short HEAD)" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" "$(java -version 2>&1 | head -1)"
