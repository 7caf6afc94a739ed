#!/usr/bin/env bash
# Real-window smoke test: starts the real binary under Xvfb, waits for its
# window by title, screenshots the screen and checks the picture is not blank.
# Usage: scripts/smoke.sh [BINARY] [OUTDIR]
# Fails (never hangs) within about 30 s when the binary is missing or the
# window never appears; always stops what it started.
set -euo pipefail
bin=${1:-bin/srtscope}
out=${2:-build/screenshots}
if [ ! -x "$bin" ]; then
  echo "smoke: no executable at $bin (run 'make build' first)" >&2
  exit 1
fi
for tool in xvfb-run xdotool import convert; do
  command -v "$tool" >/dev/null || { echo "smoke: $tool is missing (run scripts/setup.sh)" >&2; exit 1; }
done
mkdir -p "$out"
# The outer timeout is the last guard; the inner script has its own limits.
timeout -k 5 120 xvfb-run -a -s '-screen 0 1280x800x24' \
  bash "$(dirname "$0")/smoke-inner.sh" "$(realpath "$bin")" "$(realpath "$out")"
