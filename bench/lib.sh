# Shared by the bench scripts, sourced after they cd to the repository's root (`source bench/lib.sh`): the small
# pieces every one of them needs. Loopback only; a process is only ever stopped by the PID its script started.

# A free TCP port on 127.0.0.1 (the kernel's pick; nothing holds it afterwards, so use it at once).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# Stops one process this script started, by PID, and reaps it; a no-op for an empty PID.
stop_pid() { [[ -n ${1:-} ]] || return 0; kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }

# Stops every PID in the array PIDS, last started first (nodes before the Redis they deregister from), and
# empties it.
stop_all() {
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
  PIDS=()
}

# The kernel's DAMON memory monitor stalls both vCPUs for 5-20 ms about twice a second on these machines
# (BENCHMARKS.md, Machine): pause_damon pauses it for the run where this user may (not with KEEP_DAMON=1),
# saying what it did in the file $1 if given; restore_damon (from the script's EXIT trap) turns back on what was
# paused.
PAUSED_DAMON=()
pause_damon() {
  local log=${1:-/dev/null} s
  for s in /sys/kernel/mm/damon/admin/kdamonds/*/state; do
    [[ -f $s && $(cat "$s" 2>/dev/null) == on ]] || continue
    if [[ ${KEEP_DAMON:-0} == 1 ]]; then echo "running: $s (KEEP_DAMON=1)" >> "$log"
    elif echo off > "$s" 2>/dev/null; then PAUSED_DAMON+=("$s"); echo "paused for the run: $s" >> "$log"
    else echo "running (could not pause): $s" >> "$log"; fi
  done
}
restore_damon() {
  local s
  for s in "${PAUSED_DAMON[@]}"; do echo on > "$s" 2>/dev/null || echo "could not restore $s" >&2; done
}
