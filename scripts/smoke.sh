#!/usr/bin/env bash
# Real-window smoke test: starts the real binary under Xvfb and screenshots
# the wall with 1, 4 and 16 demo feeds at 1024x700 and 1920x1080, the demo
# feed's detail and Media tab at 1024x700, and the detail of a feed whose
# encoder uses the wrong passphrase. Checks each picture is not blank, and
# that the demo's picture moves within 10 s with no click.
# Usage: scripts/smoke.sh [BINARY] [OUTDIR]
# Fails (never hangs) within about 3 minutes at worst; always stops what it
# started. Look at the screenshots: they are for people.
set -euo pipefail
bin=${1:-bin/srtscope}
out=${2:-build/screenshots}
if [ ! -x "$bin" ]; then
  echo "smoke: no executable at $bin (run 'make build' first)" >&2
  exit 1
fi
for tool in xvfb-run xdotool import convert compare; do
  command -v "$tool" >/dev/null || { echo "smoke: $tool is missing (run scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
# One X screen as big as the largest shot; each scene sizes its window.
# The outer timeout is the last guard; the inner script has its own limits.
timeout -k 5 170 xvfb-run -a -s '-screen 0 1920x1080x24' \
  bash "$(dirname "$0")/smoke-inner.sh" "$(realpath "$bin")" "$(realpath "$out")"
