#!/usr/bin/env bash
# watch_cpu.sh: CPU seconds of `srtscope watch` vs `srt-live-transmit`
# (libsrt) receiving the same loopback SRT stream, in one run.
#
# For each rate (default 20 and 50 Mbit/s) ffmpeg makes a constant-bitrate
# TS (muxrate), and `srtscope send` calls each receiver in turn with it,
# paced by its PCR and looping. Each receiver listens on 127.0.0.1 with the
# default 120 ms latency for DURATION seconds; its CPU is the user+system
# time of its process (bash `time`). srt-live-transmit writes the TS to
# /dev/null, watch has no sink (as without --inspect); both print about one
# statistics record per second. The figure that counts is the ratio within
# one run: the machine may be shared, so run the script more than once and
# compare the ratios. Also prints the rate each receiver saw and its lost
# (recovered + unrecovered) and dropped (never delivered) packets.
#
# Usage: bench/watch_cpu.sh [DURATION_S]   (default 20; RATES="20 50" to choose;
# SRTSCOPE=path/to/srtscope measures that build instead of building this tree)
# Needs go, ffmpeg, srt-live-transmit and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
RATES=${RATES:-20 50}
for tool in go ffmpeg srt-live-transmit python3; do
  command -v "$tool" >/dev/null || { echo "watch_cpu.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d)
SENDER=""
stop_sender() {
  if [ -n "$SENDER" ]; then
    kill "$SENDER" 2>/dev/null || true
    wait "$SENDER" 2>/dev/null || true
    SENDER=""
  fi
}
cleanup() { stop_sender; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

if [ -n "${SRTSCOPE:-}" ]; then
  cp "$SRTSCOPE" "$WORK/srtscope"
else
  go build -o "$WORK/srtscope" .
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_sender TS PORT: srtscope calls 127.0.0.1:PORT with TS, looping,
# a moment after the receiver started listening (it would retry anyway,
# but a failed first attempt costs seconds of the measured window).
start_sender() {
  (sleep 0.3; exec "$WORK/srtscope" send "srt://127.0.0.1:$2" --file "$1" --loop >"$WORK/send.log" 2>&1) &
  SENDER=$!
}

# cpu_of OUT ERR CMD...: runs CMD with stdout to OUT and stderr to ERR;
# prints its user+sys CPU seconds.
cpu_of() {
  local out=$1 err=$2; shift 2
  local TIMEFORMAT='%U %S' t
  t=$( { time "$@" >"$out" 2>"$err" ; } 2>&1 ) || true
  awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.2f\n", a[1] + a[2] }'
}

echo "== CPU of the receiving process, ${DURATION} s per receiver, $(nproc) cores, $(date -u +%FT%TZ)"
printf '%-6s %-19s %7s %8s %9s %6s %8s  %s\n' rate receiver cpu_s Mbit/s packets lost dropped load
for RATE in $RATES; do
  TS="$WORK/cbr$RATE.ts"
  ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -c:v libx264 -preset ultrafast \
    -b:v $((RATE * 850))k -maxrate $((RATE * 850))k -bufsize ${RATE}M -muxrate ${RATE}M -f mpegts "$TS"
  PKTS_PER_S=$((RATE * 1000000 / 8 / 1316))

  # srtscope watch
  LOAD_OURS=$(cut -d' ' -f1 /proc/loadavg)
  PORT=$(free_port)
  start_sender "$TS" "$PORT"
  OURS=$(cpu_of "$WORK/watch$RATE.json" "$WORK/watch$RATE.err" "$WORK/srtscope" watch "srt://127.0.0.1:$PORT?mode=listener" --duration "${DURATION}s" --format json)
  stop_sender
  read -r O_MBPS O_PKTS O_LOST O_DROP < <(python3 - "$WORK/watch$RATE.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = lines[-1]["summary"] if lines and "summary" in lines[-1] else None
if not s or s["connected_s"] <= 0:
    print("0 0 ? ?")
else:
    print("%.2f %d %d %d" % (s["bytes_recv"] * 8 / s["connected_s"] / 1e6, s["pkts_recv"], s["pkts_lost"], s["pkts_dropped"]))
PY
)

  # srt-live-transmit
  LOAD_SLT=$(cut -d' ' -f1 /proc/loadavg)
  PORT=$(free_port)
  start_sender "$TS" "$PORT"
  LIBSRT=$(cpu_of /dev/null "$WORK/slt$RATE.err" srt-live-transmit -q -a:no -t:"$DURATION" -s:"$PKTS_PER_S" -pf:json -f -statsout:"$WORK/slt$RATE.json" \
    "srt://127.0.0.1:$PORT?mode=listener" file://con)
  stop_sender
  read -r S_MBPS S_PKTS S_LOST S_DROP < <(python3 - "$WORK/slt$RATE.json" <<'PY'
import json, sys
last = None
for line in open(sys.argv[1]):
    line = line.strip()
    if line.startswith("{"):
        try:
            last = json.loads(line)
        except ValueError:
            pass
if not last or last["time"] <= 0:
    print("0 0 ? ?")
else:
    r = last["recv"]
    print("%.2f %d %d %d" % (r["bytes"] * 8 / (last["time"] / 1000) / 1e6, r["packets"], r["packetsLost"], r["packetsDropped"]))
PY
)

  RATIO=$(awk -v a="$OURS" -v b="$LIBSRT" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  printf '%-6s %-19s %7s %8s %9s %6s %8s  %s\n' "${RATE}M" "srtscope watch" "$OURS" "$O_MBPS" "$O_PKTS" "$O_LOST" "$O_DROP" "$LOAD_OURS"
  printf '%-6s %-19s %7s %8s %9s %6s %8s  %s\n' "${RATE}M" "srt-live-transmit" "$LIBSRT" "$S_MBPS" "$S_PKTS" "$S_LOST" "$S_DROP" "$LOAD_SLT"
  printf '%-6s %-19s %7s\n' "${RATE}M" "ratio watch/libsrt" "$RATIO"
done
