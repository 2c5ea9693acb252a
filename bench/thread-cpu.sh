#!/usr/bin/env bash
# CPU time of each thread of a process over a window, summed by thread name (digits at the end dropped, so
# a pool's threads add up): bench/thread-cpu.sh PID SECONDS. Read from /proc/PID/task/*/stat (user + system,
# in clock ticks); prints "milliseconds name" lines, largest first. Used by compare-cluster.sh with PERF_STAT=1.
set -euo pipefail
pid=$1 secs=$2
snap() { for t in /proc/"$pid"/task/*; do
  s=$(cat "$t/stat" 2>/dev/null) || continue
  f=(${s##*) }); echo "${t##*/} $((f[11] + f[12])) $(cat "$t/comm" 2>/dev/null)"; done; }
before=$(snap); sleep "$secs"; after=$(snap)
python3 - "$before" "$after" "$(getconf CLK_TCK)" <<'PY'
import re, sys
start = {l.split()[0]: int(l.split()[1]) for l in sys.argv[1].splitlines() if l.strip()}
tick_ms, total = 1000 / int(sys.argv[3]), {}
for line in sys.argv[2].splitlines():
    tid, ticks, *name = line.split(None, 2)
    name = re.sub(r"\d+$", "", name[0].strip() if name else "?")
    total[name] = total.get(name, 0) + (int(ticks) - start.get(tid, 0)) * tick_ms
for name, ms in sorted(total.items(), key=lambda x: -x[1]):
    if ms > 0:
        print(f"{ms:.0f} {name}")
PY
