#!/usr/bin/env bash
# Runs inside xvfb-run for smoke.sh: $1 binary, $2 output folder.
# Opens the app with the live demo feed, waits until the demo reports
# connected (a line the app prints, not a sleep), screenshots the feed list,
# clicks into the feed and screenshots the detail view.
set -euo pipefail
bin=$1
out=$2
log="$out/app.log"

# Keep the test's recordings and preferences out of the user's folders.
export SRTSCOPE_DATA_DIR="$out/data" HOME="$out/home"
mkdir -p "$SRTSCOPE_DATA_DIR" "$HOME"

"$bin" --demo >"$log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
}
trap cleanup EXIT

fail() {
  echo "smoke: $*; app log:" >&2
  tail -n 20 "$log" >&2
  exit 1
}

if ! wid=$(timeout 25 xdotool search --sync --onlyvisible --name '^srtscope$' | head -n 1) || [ -z "$wid" ]; then
  fail "no window titled 'srtscope' appeared within 25 s"
fi
echo "smoke: window $wid is up"

# Wait for the app to say the demo feed is connected and receiving.
if ! timeout 30 grep -q -m1 'demo feed connected' <(tail -n +1 -f "$log"); then
  fail "the demo feed did not connect within 30 s"
fi
echo "smoke: demo feed connected"

# shoot FILE: screenshot the screen, retrying (up to 10 s) until it shows
# more than one flat colour; the first frame may not be drawn yet.
shoot() {
  local shot=$1 sd=0
  for _ in $(seq 1 50); do
    import -window root "$shot"
    sd=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation]' info:)
    if awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }'; then
      echo "smoke: screenshot $shot (grey-level standard deviation $sd)"
      return 0
    fi
    sleep 0.2
  done
  fail "the screen stayed blank (standard deviation $sd) in $shot"
}

shoot "$out/feed-list.png"

# Click the first feed row (under the menu bar and toolbar, at the left).
xdotool mousemove --window "$wid" 150 105 click 1
# The detail replaces a one-line placeholder: wait (up to 20 s) until the
# right-hand side is busy with the header and the four charts, and until the
# charts hold several samples (the right side keeps changing until then).
detail_sd() {
  import -window root "$out/detail.png"
  convert "$out/detail.png" -crop 65%x70%+420+200 -colorspace Gray -format '%[fx:standard_deviation]' info:
}
shown=no
for _ in $(seq 1 40); do
  if awk -v sd="$(detail_sd)" 'BEGIN { exit !(sd > 0.15) }'; then
    shown=yes
    break
  fi
  sleep 0.5
done
[ "$shown" = yes ] || fail "clicking the feed did not show its detail with charts (see $out/detail.png)"
# The app says when the selected demo feed's charts hold enough samples to
# draw lines rather than dots; take the final shot after that.
if ! timeout 30 grep -q -m1 'demo charts hold' <(tail -n +1 -f "$log"); then
  fail "the demo feed's charts did not fill within 30 s"
fi
shoot "$out/detail.png"
