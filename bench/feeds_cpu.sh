#!/usr/bin/env bash
# CPU and UI responsiveness of the window with 1 and with N demo feeds open
# at once (issue 5: "8 demo-rate feeds keep the window responsive").
#
# Each demo feed is a full path inside the app: srtscope's looping sender,
# the impairment relay (2% loss, 15 ms each way), the listener feed with
# its probe, and one ffmpeg media analyser. CPU is that of the app and its
# ffmpeg children together, over WINDOW seconds once every feed is live,
# as a share of one core. UI lag is how late work queued on Fyne's UI
# goroutine ran (the app prints it with SRTSCOPE_UI_LAG=1): what a click
# would wait. Both depend on what else the machine runs: each row ends with
# the 1-minute load average at the start and the end of its window (16
# demo feeds alone keep it near 4 on 2 cores; well above that, other work
# takes CPU from the app, its CPU share falls and its lag grows), so compare
# binaries in the same run (SRTSCOPE below), not with figures taken another
# time.
#
# Usage: bench/feeds_cpu.sh [N] [WINDOW_S]   (default 8 feeds, 30 s; needs xvfb-run, ffmpeg)
# SRTSCOPE=path/to/srtscope measures that binary instead of building this
# tree (to compare with an older commit in the same run). With two or more
# feeds the window opens on the wall (the older window showed the list).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-8}
WINDOW=${2:-30}
WORK=$(mktemp -d)
APP_PID=
cleanup() {
  if [ -n "$APP_PID" ]; then stop_app "$APP_PID"; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ -n "${SRTSCOPE:-}" ]; then
  cp "$SRTSCOPE" "$WORK/srtscope"
else
  go build -o "$WORK/srtscope" .
fi

# tree_ticks PID: user+system clock ticks of PID and all its descendants.
tree_ticks() {
  python3 - "$1" <<'PY'
import os, sys
root = int(sys.argv[1])
stats = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            s = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        stats[int(d)] = (int(f[1]), int(f[11]) + int(f[12]))  # ppid, utime+stime
keep, total, grew = {root}, 0, True
while grew:
    grew = False
    for pid, (ppid, _) in stats.items():
        if ppid in keep and pid not in keep:
            keep.add(pid); grew = True
print(sum(stats[p][1] for p in keep if p in stats))
PY
}

# stop_app PID: SIGTERM, then SIGKILL to the app and its ffmpegs if it is
# still there after 15 s (they hold the caller's file descriptors, such as
# a flock(1) lock around this script, until they go).
stop_app() {
  local pids
  pids="$1 $(pgrep -P "$1" | tr '\n' ' ')"
  kill "$1" 2>/dev/null || true
  if ! timeout 15 tail --pid="$1" -f /dev/null; then
    echo "feeds_cpu: the app did not stop 15 s after SIGTERM; killing it" >&2
    # shellcheck disable=SC2086
    kill -9 $pids 2>/dev/null || true
  fi
}

# measure FEEDS: runs the app with FEEDS demo feeds under Xvfb and prints
# "cpu_pct lag_line".
measure() {
  local feeds=$1 log="$WORK/app-$1.log"
  mkdir -p "$WORK/home-$feeds" "$WORK/data-$feeds"
  HOME="$WORK/home-$feeds" SRTSCOPE_DATA_DIR="$WORK/data-$feeds" SRTSCOPE_UI_LAG=1 \
    xvfb-run -a -s "-screen 0 1280x800x24" "$WORK/srtscope" --demo="$feeds" >"$log" 2>&1 &
  local xvfb_pid=$!
  # xvfb-run's child is the app
  local app=
  for _ in $(seq 1 100); do
    app=$(pgrep -P "$xvfb_pid" -x srtscope || pgrep -f "^$WORK/srtscope --demo=$feeds" | head -n1 || true)
    [ -n "$app" ] && break
    timeout 0.1 tail -f /dev/null || true
  done
  [ -n "$app" ] || { echo "feeds_cpu: the app did not start" >&2; cat "$log" >&2; exit 1; }
  APP_PID=$app
  # every feed live: wait for the demo's line, then one full lag report
  timeout 60 grep -q -m1 'demo feed connected' <(tail -n +1 -f "$log") || { echo "feeds_cpu: demo did not connect" >&2; exit 1; }
  timeout 60 grep -q -m1 'ui lag' <(tail -n +1 -f "$log") || { echo "feeds_cpu: no ui lag report" >&2; exit 1; }
  local hz t0 t1 c0 c1 l0 l1
  hz=$(getconf CLK_TCK)
  l0=$(cut -d' ' -f1 /proc/loadavg)
  c0=$(tree_ticks "$app"); t0=$(date +%s.%N)
  timeout "$WINDOW" tail -f /dev/null || true
  c1=$(tree_ticks "$app"); t1=$(date +%s.%N)
  l1=$(cut -d' ' -f1 /proc/loadavg)
  local lag
  lag=$(grep 'ui lag' "$log" | tail -n1 | sed 's/^srtscope: ui lag //')
  stop_app "$app"
  wait "$xvfb_pid" 2>/dev/null || true
  APP_PID=
  awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v lag="$lag" -v l0="$l0" -v l1="$l1" \
    'BEGIN { printf "%.1f\t%s\tload %s -> %s\n", (c1 - c0) / hz / (t1 - t0) * 100, lag, l0, l1 }'
}

printf 'feeds\tcpu_%%_of_one_core\tui_lag_last_10s\tload_1m\n'
one=$(measure 1)
printf '1\t%s\n' "$one"
many=$(measure "$N")
printf '%s\t%s\n' "$N" "$many"
awk -v a="${one%%	*}" -v b="${many%%	*}" -v n="$N" 'BEGIN { printf "ratio %d feeds / 1 feed: %.2fx (%.2fx per feed)\n", n, b / a, b / a / n }'
