#!/usr/bin/env bash
# Runs the README's test command N times in a row on a fresh clone of this repository's HEAD, as CI would,
# and stops at the first failure: the check that the suite fails only for bugs.
#   scripts/repeat-suite.sh [N]      default 10; logs in the clone's folder, printed at the end
set -uo pipefail
N=${1:-10}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/switchboard-repeat.XXXXXX)
git clone -q "$repo" "$work/clone" || exit 1
cd "$work/clone" || exit 1
echo "commit $(git rev-parse --short HEAD); logs in $work"
for i in $(seq "$N"); do
  start=$(date +%s)
  if ./switchboard test > "$work/run-$i.log" 2>&1; then
    echo "run $i: pass in $(( $(date +%s) - start )) s"
  else
    echo "run $i: FAIL in $(( $(date +%s) - start )) s"
    grep -E "<<< (FAILURE|ERROR)" "$work/run-$i.log" | head -5
    exit 1
  fi
done
echo "$N runs in a row passed"
