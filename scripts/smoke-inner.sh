#!/usr/bin/env bash
# Runs inside xvfb-run for smoke.sh: $1 binary, $2 output folder. Each scene
# starts the app, waits for a line the app prints (not a sleep) and takes
# screenshots of the window at the sizes it sets.
set -euo pipefail
bin=$1
out=$2

# Keep the test's recordings, preferences and workspace out of the user's.
export SRTSCOPE_DATA_DIR="$out/data" HOME="$out/home" SRTSCOPE_CONFIG_DIR="$out/config"
rm -rf "$SRTSCOPE_CONFIG_DIR" "$HOME/.config/fyne"
mkdir -p "$SRTSCOPE_DATA_DIR" "$HOME" "$SRTSCOPE_CONFIG_DIR"

pids=()
cleanup() {
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null || true
    timeout 5 tail --pid="$p" -f /dev/null 2>/dev/null || kill -9 "$p" 2>/dev/null || true
  done
  pids=()
}
trap cleanup EXIT

log=
fail() {
  echo "smoke: $*; app log:" >&2
  [ -n "$log" ] && tail -n 20 "$log" >&2
  exit 1
}

# start NAME ARGS...: runs the app, waits for its window, sets $wid.
start() {
  local name=$1
  shift
  log="$out/$name.log"
  "$bin" "$@" >"$log" 2>&1 &
  pids+=("$!")
  if ! wid=$(timeout 25 xdotool search --sync --onlyvisible --name '^srtscope$' | head -n 1) || [ -z "$wid" ]; then
    fail "$name: no window titled 'srtscope' appeared within 25 s"
  fi
}

# waitfor SECONDS PATTERN: waits for a line of the app's log.
waitfor() {
  timeout "$1" grep -q -m1 "$2" <(tail -n +1 -f "$log") || fail "no '$2' within $1 s"
}

# size W H: resizes the window and waits until the app says its window
# has that size (it prints it when it changes).
size() {
  xdotool windowsize "$wid" "$1" "$2"
  timeout 20 grep -q -m1 "srtscope: window $1x$2\$" <(tail -n +1 -f "$log") ||
    fail "the window did not take the size $1x$2 (X says: $(xdotool getwindowgeometry "$wid" | tr '\n' ' '))"
}

# shoot FILE W H: screenshots the window's W x H (at the screen's top
# left), retrying (up to 10 s) until it is not one flat colour and two
# frames 0.3 s apart agree on the layout (the first frames after a resize
# may not be drawn yet).
shoot() {
  local shot=$1 w=$2 h=$3 sd=0
  for _ in $(seq 1 30); do
    timeout 0.3 tail -f /dev/null || true
    import -window root -crop "${w}x${h}+0+0" +repage "$shot"
    sd=$(convert "$shot" -colorspace Gray -format '%[fx:standard_deviation]' info:)
    if awk -v sd="$sd" 'BEGIN { exit !(sd > 0.02) }'; then
      echo "smoke: screenshot $shot (grey-level standard deviation $sd)"
      return 0
    fi
  done
  fail "the screen stayed blank (standard deviation $sd) in $shot"
}

# region FILE W H X Y: a crop of the screen.
region() { import -window root -crop "${2}x${3}+${4}+${5}" +repage "$1"; }

# --- the demo: its detail opens with no click, and its picture moves -----
start demo --demo
size 1024 700
waitfor 30 'demo feed connected'
echo "smoke: demo feed connected"
# The selected feed's tile under the list shows its picture: two crops of
# it a second apart must differ within 10 s of the feed connecting.
moved=no
for _ in $(seq 1 10); do
  region "$out/.pic-a.png" 290 120 10 560
  timeout 1 tail -f /dev/null || true
  region "$out/.pic-b.png" 290 120 10 560
  diff=$(compare -metric AE "$out/.pic-a.png" "$out/.pic-b.png" null: 2>&1 || true)
  if [ "${diff%% *}" != 0 ] && [ "${diff%%.*}" -gt 200 ] 2>/dev/null; then
    moved=yes
    break
  fi
done
rm -f "$out/.pic-a.png" "$out/.pic-b.png"
[ "$moved" = yes ] || fail "the demo's picture did not move within 10 s without a click"
echo "smoke: the demo's picture moves with no click"
waitfor 30 'demo charts hold'
shoot "$out/detail-1024x700.png" 1024 700
# The Media tab: Ctrl+2 opens the detail's second tab.
xdotool key --window "$wid" ctrl+2
shoot "$out/media-1024x700.png" 1024 700
# Esc goes back to the wall: the one feed's tile.
xdotool key --window "$wid" Escape
waitfor 20 'wall shows 1 pictures'
shoot "$out/wall-1-1024x700.png" 1024 700
size 1920 1080
shoot "$out/wall-1-1920x1080.png" 1920 1080
cleanup

# --- 4 and 16 demo feeds open on the wall ---------------------------------
for n in 4 16; do
  start "wall-$n" --demo="$n"
  size 1024 700
  waitfor 60 "wall shows $n pictures"
  shoot "$out/wall-$n-1024x700.png" 1024 700
  size 1920 1080
  shoot "$out/wall-$n-1920x1080.png" 1920 1080
  cleanup
done

# --- an encoder with the wrong passphrase ----------------------------------
# The feed comes from the workspace the window reopens at start (its
# passphrase from the environment); a second process calls it with another.
port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$SRTSCOPE_CONFIG_DIR/workspace.toml" <<TOML
[[feed]]
name = "Stage camera"
url = "srt://127.0.0.1:$port?mode=listener&latency=120"
inspect = true
media = "light"
passphrase_env = "SMOKE_PASSPHRASE"
TOML
SMOKE_PASSPHRASE=rightrightright start passphrase
size 1024 700
"$bin" send "srt://127.0.0.1:$port?passphrase=wrongwrongwrong" --demo --loop >"$out/passphrase-sender.log" 2>&1 &
pids+=("$!")
# The sender is refused; the app then names the cause (it refreshes at 4 Hz).
timeout 40 grep -q -m1 -i 'passphrase' <(tail -n +1 -f "$out/passphrase-sender.log") ||
  fail "the sender with the wrong passphrase was not rejected within 40 s"
timeout 2 tail -f /dev/null || true
shoot "$out/wrong-passphrase-1024x700.png" 1024 700
cleanup
echo "smoke: all screenshots in $out"
