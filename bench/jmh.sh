#!/usr/bin/env bash
# Runs the JMH benchmarks of the hot paths (frame decode, JSON relay rewrite, fan-out); they live in the server
# module's tests.
#   bench/jmh.sh                 all of them
#   bench/jmh.sh YWebrtcRelay    those whose name matches a regex; further arguments go to JMH
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q -DskipTests -pl server -am test-compile
mvn -B -q -pl server dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/jmh.classpath >/dev/null
cd server
exec java -cp "target/test-classes:target/classes:$(cat target/jmh.classpath)" org.openjdk.jmh.Main "${@:-.*Benchmark.*}"
