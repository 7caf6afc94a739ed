#!/usr/bin/env bash
# watch_cpu.sh: CPU seconds of `srtscope watch` vs `srt-live-transmit`
# (libsrt) receiving the same loopback SRT stream, in one run.
#
# For each rate (default 20 and 50 Mbit/s) ffmpeg makes a constant-bitrate
# TS (muxrate), and `srtscope send` calls each receiver in turn with it:
# `watch` without the arrival tap (--arrival-tap=false), `watch` with it
# (--arrival-tap=true) and srt-live-transmit, so the tap's cost is the
# difference of the two ratios taken in the same run. The sender is paced
# by the PCR and loops. Each receiver listens on 127.0.0.1 with the
# default 120 ms latency for DURATION seconds; its CPU is the user+system
# time of its process (bash `time`). srt-live-transmit writes the TS to
# /dev/null, watch has no sink (as without --inspect); both print about one
# statistics record per second. The figure that counts is the ratio within
# one run: the machine may be shared, so run the script more than once and
# compare the ratios. Also prints the rate each receiver saw and its lost
# (recovered + unrecovered) and dropped (never delivered) packets.
#
# SENDER=ffmpeg sends with ffmpeg's libsrt (-re, paced by the clip's
# timestamps, as an encoder sends) instead of `srtscope send` (gosrt, which
# paces by the PCR and hands SRT bursts of about 20 packets): the tap's cost
# depends on how the datagrams arrive, so the note of a run names its sender.
#
# ROUNDS=N repeats the three receivers N times in turn (no tap, tap,
# libsrt, no tap, ...) and adds up each one's CPU and packets, so that load
# from other processes falls on all three alike; each row's load is the
# 1-minute load average when its first round started.
#
# Usage: bench/watch_cpu.sh [DURATION_S]   (default 20; RATES="20 50" to choose;
# ROUNDS=3 to alternate; SENDER=ffmpeg for a libsrt sender; SRTSCOPE=path/to/srtscope measures that build
# instead of building this tree)
# Needs go, ffmpeg, srt-live-transmit and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-20}
RATES=${RATES:-20 50}
ROUNDS=${ROUNDS:-1}
SENDER_KIND=${SENDER:-srtscope}
case $SENDER_KIND in srtscope | ffmpeg) ;; *) echo "watch_cpu.sh: SENDER=$SENDER_KIND: want srtscope or ffmpeg" >&2; exit 2 ;; esac
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
  if [ "$SENDER_KIND" = ffmpeg ]; then
    (sleep 0.3; exec ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$1" -c copy -muxrate "${RATE}M" -f mpegts \
      "srt://127.0.0.1:$2?mode=caller&pkt_size=1316" >"$WORK/send.log" 2>&1) &
  else
    (sleep 0.3; exec "$WORK/srtscope" send "srt://127.0.0.1:$2" --file "$1" --loop >"$WORK/send.log" 2>&1) &
  fi
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

# add_row NAME CPU MBPS PKTS LOST DROP LOAD: adds a round's figures to the
# totals of receiver NAME (Mbit/s averaged over rounds, load from round 1).
declare -A TOT
add_row() {
  local name=$1
  if [ -z "${TOT[$name]:-}" ]; then
    TOT[$name]="$2 $3 $4 $5 $6 $7 1"
  else
    TOT[$name]=$(awk -v a="${TOT[$name]}" -v c="$2" -v m="$3" -v p="$4" -v l="$5" -v d="$6" 'BEGIN {
      split(a, t, " "); printf "%.2f %.2f %d %d %d %s %d", t[1] + c, t[2] + m, t[3] + p, t[4] + l, t[5] + d, t[6], t[7] + 1 }')
  fi
}
# print_row LABEL NAME
print_row() {
  read -r c m p l d ld n <<<"${TOT[$2]}"
  printf '%-6s %-19s %7s %8s %9s %6s %8s  %s\n' "${RATE}M" "$1" "$c" "$(awk -v m="$m" -v n="$n" 'BEGIN { printf "%.2f", m / n }')" "$p" "$l" "$d" "$ld"
}
cpu_total() { read -r c _ <<<"${TOT[$1]}"; echo "$c"; }

echo "== CPU of the receiving process, ${DURATION} s per receiver, ${ROUNDS} round(s), sender ${SENDER_KIND}, $(nproc) cores, $(date -u +%FT%TZ)"
printf '%-6s %-19s %7s %8s %9s %6s %8s  %s\n' rate receiver cpu_s Mbit/s packets lost dropped load
for RATE in $RATES; do
  TS="$WORK/cbr$RATE.ts"
  ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -c:v libx264 -preset ultrafast \
    -b:v $((RATE * 850))k -maxrate $((RATE * 850))k -bufsize ${RATE}M -muxrate ${RATE}M -f mpegts "$TS"
  PKTS_PER_S=$((RATE * 1000000 / 8 / 1316))
  TOT=()
  for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do

  # srtscope watch, without and with the arrival tap
  for TAP in false true; do
    LOAD=$(cut -d' ' -f1 /proc/loadavg)
    PORT=$(free_port)
    start_sender "$TS" "$PORT"
    CPU=$(cpu_of "$WORK/watch$RATE$TAP.json" "$WORK/watch$RATE$TAP.err" "$WORK/srtscope" watch "srt://127.0.0.1:$PORT?mode=listener" \
      --arrival-tap="$TAP" --duration "${DURATION}s" --format json)
    stop_sender
    read -r MBPS PKTS LOST DROP < <(python3 - "$WORK/watch$RATE$TAP.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = lines[-1]["summary"] if lines and "summary" in lines[-1] else None
if not s or s["connected_s"] <= 0:
    print("0 0 ? ?")
else:
    print("%.2f %d %d %d" % (s["bytes_recv"] * 8 / s["connected_s"] / 1e6, s["pkts_recv"], s["pkts_lost"], s["pkts_dropped"]))
PY
)
    add_row "tap$TAP" "$CPU" "$MBPS" "$PKTS" "$LOST" "$DROP" "$LOAD"
  done

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

  add_row libsrt "$LIBSRT" "$S_MBPS" "$S_PKTS" "$S_LOST" "$S_DROP" "$LOAD_SLT"
  done

  ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
  print_row "watch, no tap" tapfalse
  print_row "watch, arrival tap" taptrue
  print_row "srt-live-transmit" libsrt
  printf '%-6s %-19s %7s\n' "${RATE}M" "ratio no tap/libsrt" "$(ratio "$(cpu_total tapfalse)" "$(cpu_total libsrt)")"
  printf '%-6s %-19s %7s\n' "${RATE}M" "ratio tap/libsrt" "$(ratio "$(cpu_total taptrue)" "$(cpu_total libsrt)")"
  printf '%-6s %-19s %7s\n' "${RATE}M" "ratio tap/no tap" "$(ratio "$(cpu_total taptrue)" "$(cpu_total tapfalse)")"
done
