#!/usr/bin/env bash
# Runs inside xvfb-run for smoke.sh: $1 binary, $2 output folder.
set -euo pipefail
bin=$1
out=$2
log="$out/app.log"

"$bin" >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  # give the app a moment to quit cleanly, then make sure
  timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
}
trap cleanup EXIT

if ! wid=$(timeout 25 xdotool search --sync --onlyvisible --name '^srtscope$' | head -n 1) || [ -z "$wid" ]; then
  echo "smoke: no window titled 'srtscope' appeared within 25 s; app log:" >&2
  tail -n 20 "$log" >&2
  exit 1
fi
echo "smoke: window $wid is up"

# The window maps before its first frame is drawn: poll the screen (up to
# 10 s) until it shows more than one flat colour.
shot="$out/main-window.png"
for _ in $(seq 1 50); do
  import -window root "$shot"
  sd=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation]' info:)
  if awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }'; then
    echo "smoke: screenshot $shot (grey-level standard deviation $sd)"
    exit 0
  fi
  sleep 0.2
done
echo "smoke: the screen stayed blank (standard deviation $sd); see $shot and $log" >&2
exit 1
