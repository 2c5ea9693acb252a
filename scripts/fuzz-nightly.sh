#!/usr/bin/env bash
# The long fuzzing run (docs/design/fuzzing.md): each fuzz target for SECONDS (default 600) in a JVM of its own,
# one after the other, growing the corpus under fuzz/.cifuzz-corpus/ (keep that folder between nights, e.g. as
# a CI cache). A finding is written by Jazzer as crash-<sha1> next to the target's seeds under
# fuzz/src/test/resources/; the script lists the findings and exits 1 when there are any, so a finding becomes a
# failing test of the normal build once committed.
#   scripts/fuzz-nightly.sh [SECONDS] [TARGET...]     TARGET: an execution id's tail, e.g. Utf8, JsonObjectScan
# Prints each target's executions and time; logs in fuzz/target/fuzz-nightly/.
set -uo pipefail
seconds=${1:-600}
shift || true
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo" || exit 1
mvn=(mvn -B)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(sed -n 's/.*<id>fuzz-\([A-Za-z0-9]*\)<\/id>.*/\1/p' fuzz/pom.xml)
fi
logs=fuzz/target/fuzz-nightly
"${mvn[@]}" -q install -DskipTests -pl fuzz -am || exit 1
mkdir -p "$logs"
failed=0
before=$(find fuzz/src/test/resources -name 'crash-*' -o -name 'timeout-*' | sort)
for t in "${targets[@]}"; do
  start=$(date +%s)
  "${mvn[@]}" -pl fuzz surefire:test@"fuzz-$t" -Dfuzz -Dfuzz.seconds="$seconds" > "$logs/$t.log" 2>&1
  status=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
  if [ -z "$runs" ]; then
    status=1 # no fuzzing happened: not a target's name, or the JVM failed before
  fi
  [ $status -eq 0 ] || failed=1
  echo "$t: ${runs:-no} executions in $(( $(date +%s) - start )) s, $([ $status -eq 0 ] && echo passed || echo "FAILED (see $logs/$t.log)")"
done
after=$(find fuzz/src/test/resources -name 'crash-*' -o -name 'timeout-*' | sort)
new=$(comm -13 <(echo "$before") <(echo "$after") | sed '/^$/d')
if [ -n "$new" ]; then
  echo "findings (each is now a failing regression input of mvn verify; fix the decoder, keep the file):"
  echo "$new"
  exit 1
fi
[ $failed -eq 0 ] || exit 1
echo "no findings"
