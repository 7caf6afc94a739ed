#!/usr/bin/env bash
# fanout.sh: CPU of `srtscope watch --forward` fanning one 8 Mbit/s feed out
# to 4 SRT caller outputs and a TS recording (--record, 10 s segments), per output, against srt-live-transmit (libsrt)
# relaying the same stream to one output, in one run.
#
# ffmpeg makes a constant-bitrate 8 Mbit/s TS (muxrate); `srtscope send`
# calls the relay under test with it, paced by its PCR and looping. Every
# output goes to its own srt-live-transmit listening on loopback, writing
# the TS to /dev/null with its statistics as JSON. Three runs of DURATION
# seconds each:
#   1. srtscope watch, listening for the input, --forward to 4 SRT callers
#      and --record to a folder (its segments are counted and checked);
#   2. srtscope watch alone (the input's own cost, for the marginal figure);
#   3. srt-live-transmit relaying the input to one SRT caller.
# CPU is the user+system time of the relaying process (bash `time`). The
# per-output ratio is srtscope's CPU divided by 4 against the libsrt relay's
# (one input, one output); the marginal one is srtscope's CPU above its bare
# watch, divided by 4, against the same libsrt relay (whose figure includes
# its input: conservative for srtscope). Also checks that the input and
# every output dropped 0 packets: the input's pkts_dropped, each output's
# pkts_send_dropped and skipped_bytes, and each downstream receiver's
# packetsDropped. The machine may be shared: compare ratios within one run,
# and note the load average printed beside them.
#
# Usage: bench/fanout.sh [DURATION_S]   (default 30; SRTSCOPE=path/to/srtscope
# measures that build instead of building this tree)
# Needs go, ffmpeg, srt-live-transmit and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-30}
RATE=8
OUTPUTS=4
for tool in go ffmpeg srt-live-transmit python3; do
  command -v "$tool" >/dev/null || { echo "fanout.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d)
PIDS=()
stop_all() {
  for p in "${PIDS[@]:-}"; do
    [ -n "$p" ] || continue
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

if [ -n "${SRTSCOPE:-}" ]; then
  cp "$SRTSCOPE" "$WORK/srtscope"
else
  go build -o "$WORK/srtscope" .
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

PKTS_PER_S=$((RATE * 1000000 / 8 / 1316))

# receiver NAME PORT: srt-live-transmit listening on PORT, TS to /dev/null,
# cumulative JSON statistics about once a second.
receiver() {
  srt-live-transmit -q -a:yes -s:"$PKTS_PER_S" -pf:json -f -statsout:"$WORK/$1.json" \
    "srt://127.0.0.1:$2?mode=listener" file://con >/dev/null 2>"$WORK/$1.err" &
  PIDS+=($!)
}

# sender PORT: srtscope sends the TS to 127.0.0.1:PORT, looping, a moment
# after the relay under test started listening.
sender() {
  (sleep 0.3; exec "$WORK/srtscope" send "srt://127.0.0.1:$1" --file "$TS" --loop >"$WORK/send.log" 2>&1) &
  PIDS+=($!)
}

# cpu_of OUT ERR CMD...: runs CMD with stdout to OUT and stderr to ERR;
# prints its user+sys CPU seconds.
cpu_of() {
  local out=$1 err=$2; shift 2
  local TIMEFORMAT='%U %S' t
  t=$( { time "$@" >"$out" 2>"$err" ; } 2>&1 ) || true
  awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.2f\n", a[1] + a[2] }'
}

# slt_stats FILE: packets received and dropped in srt-live-transmit's last record.
slt_stats() {
  python3 - "$1" <<'PY'
import json, sys
last = None
try:
    for line in open(sys.argv[1]):
        line = line.strip().rstrip(",")
        if line.startswith("{"):
            try:
                last = json.loads(line)
            except ValueError:
                pass
except OSError:
    pass
if not last:
    print("0 ?")
else:
    r = last["recv"]
    print("%d %d" % (r["packets"], r["packetsDropped"]))
PY
}

TS="$WORK/cbr$RATE.ts"
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=25 -t 10 -c:v libx264 -preset ultrafast \
  -b:v $((RATE * 850))k -maxrate $((RATE * 850))k -bufsize ${RATE}M -muxrate ${RATE}M -f mpegts "$TS"

echo "== fan-out of one ${RATE} Mbit/s feed, ${DURATION} s per run, $(nproc) cores, $(date -u +%FT%TZ)"

# 1. srtscope watch --forward x4
FORWARDS=()
for i in $(seq 1 $OUTPUTS); do
  P=$(free_port)
  receiver "out$i" "$P"
  FORWARDS+=(--forward "srt://127.0.0.1:$P")
done
sleep 0.5
IN=$(free_port)
sender "$IN"
LOAD_FWD=$(cut -d' ' -f1 /proc/loadavg)
CPU_FWD=$(cpu_of "$WORK/fwd.json" "$WORK/fwd.err" "$WORK/srtscope" watch "srt://127.0.0.1:$IN?mode=listener" \
  --duration "${DURATION}s" --format json "${FORWARDS[@]}" --record "$WORK/rec" --segment 10s)
sleep 1 # the receivers' last records
stop_all
read -r IN_PKTS IN_DROP OUT_SUMMARY < <(python3 - "$WORK/fwd.json" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
s = lines[-1].get("summary") if lines else None
if not s:
    print("0 ? -")
else:
    rows = []
    for o in s.get("outputs", []):
        if o.get("kind") == "record":
            rows.append("record:bytes=%d,send_dropped=0,skipped=%d" % (o.get("bytes", 0), o.get("skipped_bytes", 0)))
        else:
            rows.append("%s:sent=%d,retrans=%d,send_dropped=%d,skipped=%d" % (o["url"].split("?")[0], o["pkts_sent"], o["pkts_retrans_sent"], o["pkts_send_dropped"], o["skipped_bytes"]))
    outs = ";".join(rows)
    print(s["pkts_recv"], s["pkts_dropped"], outs)
PY
)

# 2. srtscope watch alone
IN=$(free_port)
sender "$IN"
LOAD_WATCH=$(cut -d' ' -f1 /proc/loadavg)
CPU_WATCH=$(cpu_of "$WORK/watch.json" "$WORK/watch.err" "$WORK/srtscope" watch "srt://127.0.0.1:$IN?mode=listener" --duration "${DURATION}s" --format json)
stop_all

# 3. srt-live-transmit relaying to one output
P=$(free_port)
receiver slt_out "$P"
sleep 0.5
IN=$(free_port)
sender "$IN"
LOAD_SLT=$(cut -d' ' -f1 /proc/loadavg)
CPU_SLT=$(cpu_of /dev/null "$WORK/slt_relay.err" srt-live-transmit -q -a:no -t:"$DURATION" -s:"$PKTS_PER_S" -pf:json -f -statsout:"$WORK/slt_relay.json" \
  "srt://127.0.0.1:$IN?mode=listener" "srt://127.0.0.1:$P")
sleep 1
stop_all

printf '%-34s %7s %6s\n' run cpu_s load
printf '%-34s %7s %6s\n' "srtscope watch + $OUTPUTS SRT + record" "$CPU_FWD" "$LOAD_FWD"
printf '%-34s %7s %6s\n' "srtscope watch alone" "$CPU_WATCH" "$LOAD_WATCH"
printf '%-34s %7s %6s\n' "srt-live-transmit relay, 1 output" "$CPU_SLT" "$LOAD_SLT"
awk -v f="$CPU_FWD" -v w="$CPU_WATCH" -v s="$CPU_SLT" -v n="$OUTPUTS" 'BEGIN {
  if (s <= 0) { print "ratio: n/a (no libsrt CPU)"; exit }
  printf "per output: srtscope %.2f s (whole process / %d) vs libsrt relay %.2f s: ratio %.2f (target <= 1.5)\n", f / n, n, s, f / n / s
  printf "marginal per output: srtscope %.2f s ((with outputs - watch alone) / %d) vs libsrt relay %.2f s: ratio %.2f\n", (f - w) / n, n, s, (f - w) / n / s
}'

FAIL=0
SEGS=$(find "$WORK/rec" -name '*.ts' | wc -l)
SEG_BYTES=$(find "$WORK/rec" -name '*.ts' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "recording: $SEGS finished segments, $SEG_BYTES bytes"
[ "$SEGS" -ge 1 ] || FAIL=1
echo "input: received $IN_PKTS packets, dropped $IN_DROP"
[ "$IN_DROP" = "0" ] || FAIL=1
echo "outputs (srtscope's view): ${OUT_SUMMARY//;/ | }"
case "$OUT_SUMMARY" in *send_dropped=[1-9]*|*skipped=[1-9]*|-) FAIL=1 ;; esac
for i in $(seq 1 $OUTPUTS); do
  read -r R D < <(slt_stats "$WORK/out$i.json")
  echo "downstream receiver $i (srt-live-transmit): received $R, dropped $D"
  [ "$D" = "0" ] && [ "$R" -gt 0 ] || FAIL=1
done
read -r R D < <(slt_stats "$WORK/slt_out.json")
echo "libsrt relay's downstream receiver: received $R, dropped $D"
if [ "$FAIL" = 0 ]; then
  echo "drops: none on the input or any output"
else
  echo "drops: SOME (see above)"
  exit 1
fi
