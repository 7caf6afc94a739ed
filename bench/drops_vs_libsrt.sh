#!/usr/bin/env bash
# drops_vs_libsrt.sh: the dropped-packet table of issue 17. libsrt's
# receiver (srt-live-transmit) against srtscope's (`srtscope watch`), each
# fed by the same libsrt sender (ffmpeg, libsrt 1.5.1, calling with a
# ~1 Mbit/s TS paced with -re) through the same seeded relay (`srtscope
# relay`, 20 ms each way so 40 ms RTT, random loss in both directions,
# --srt-seq so both runs lose the same original packets, retransmissions
# and NAKs: the k-th request for a packet meets the same fate behind both).
#
# For each loss (default 10 20 30 %) and RTT multiple (default 4 8 12; the
# latency is that times 41 ms, the RTT seen through the relay) it runs
# srt-live-transmit, then srtscope, DURATION seconds each, one after the
# other (never in parallel: load changes gosrt's behaviour under loss),
# and prints one row:
#   libsrt_drop    srt-live-transmit's pktRcvDrop
#   ours           srtscope's pkts_dropped + pkts_at_risk (late, at_risk shown apart),
#                  at its last sample while the stream flowed: libsrt's
#                  figures are its last statistics record, written every
#                  50 packets received, so drops after the stream's end
#                  (holes the sender quit before repairing) are not in it
#   min_margin     srtscope's smallest recovery margin over the run, ms
#   verdict        ok when ours is within 40% (or 6 packets) of libsrt,
#                  and 0 where libsrt has 0
# The load average is printed per row: re-run a suspicious cell.
#
# OUTAGE="5s 200ms" adds an outage of the path (both directions) every 5 s
# for 200 ms to the relay (LOSSES=0 for outages alone): libsrt drops
# nothing after an outage when no later packet was due during it, and
# srtscope must agree.
#
# Usage: bench/drops_vs_libsrt.sh [DURATION_S]   (default 45; LOSSES, MULTS,
# SEED, RTT_MS, OUTAGE to choose; SRTSCOPE=path uses that build)
# Needs go, ffmpeg (with SRT), srt-live-transmit and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-45}
LOSSES=${LOSSES:-10 20 30}
MULTS=${MULTS:-4 8 12}
SEED=${SEED:-17}
RTT_MS=${RTT_MS:-41}
OUTAGE=${OUTAGE:-}
OUTAGE_ARGS=()
if [ -n "$OUTAGE" ]; then
  read -r EVERY FOR <<<"$OUTAGE"
  OUTAGE_ARGS=(--outage-every "$EVERY" --outage-for "$FOR")
fi
for tool in go ffmpeg srt-live-transmit python3; do
  command -v "$tool" >/dev/null || { echo "drops_vs_libsrt.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d)
PIDS=()
stop_all() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() { stop_all; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

if [ -n "${SRTSCOPE:-}" ]; then
  cp "$SRTSCOPE" "$WORK/srtscope"
else
  go build -o "$WORK/srtscope" .
fi
CLIP="$WORK/clip.ts"
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=640x360:rate=25 -t 10 -c:v libx264 -preset ultrafast \
  -b:v 800k -maxrate 800k -bufsize 400k -muxrate 1000k -f mpegts "$CLIP"

free_port() {
  python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# relay_and_send LOSS LATENCY_MS DEST_PORT: the seeded relay in front of
# DEST_PORT and ffmpeg sending through it for DURATION s; returns when
# ffmpeg is done.
relay_and_send() {
  local rport
  rport=$(free_port)
  "$WORK/srtscope" relay --listen "127.0.0.1:$rport" --to "127.0.0.1:$3" --loss "$1" --delay 20ms \
    --seed "$SEED" --srt-seq ${OUTAGE_ARGS[@]+"${OUTAGE_ARGS[@]}"} --duration "$((DURATION + 15))s" >"$WORK/relay.log" 2>&1 &
  PIDS+=($!)
  sleep 0.5
  ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i "$CLIP" -c copy -t "$DURATION" -f mpegts \
    "srt://127.0.0.1:$rport?mode=caller&latency=$(($2 * 1000))&pkt_size=1316" >"$WORK/ffmpeg.log" 2>&1 || true
}

echo "== drops: libsrt receiver vs srtscope, ${DURATION} s per run, relay 20 ms each way${OUTAGE:+, outage every ${OUTAGE/ / for }}, seed $SEED, $(nproc) cores, $(date -u +%FT%TZ)"
printf '%-5s %-4s %-7s | %8s %11s | %6s %5s %7s %5s %10s %10s | %-7s %s\n' \
  loss mult latency libsrt_pkts libsrt_drop ours late at_risk unrec pkts min_marg verdict load
for LOSS in $LOSSES; do
  for MULT in $MULTS; do
    LAT=$((MULT * RTT_MS))
    LOAD=$(cut -d' ' -f1 /proc/loadavg)

    # (a) srt-live-transmit as the listening receiver.
    PORT=$(free_port)
    rm -f "$WORK/slt.json"
    srt-live-transmit -q -a no -s 50 -f -pf json -statsout "$WORK/slt.json" \
      "srt://127.0.0.1:$PORT?mode=listener&latency=$LAT" file://con >/dev/null 2>"$WORK/slt.err" &
    SLT=$!
    PIDS+=($SLT)
    sleep 0.3
    relay_and_send "$LOSS" "$LAT" "$PORT"
    sleep 3 # the last statistics record, and the tail of the buffer played out
    stop_all
    read -r L_PKTS L_DROP L_RTT < <(python3 - "$WORK/slt.json" <<'PY'
import json, sys
pk = dr = 0
rtt = 0.0
for line in open(sys.argv[1], errors="replace"):
    line = line.strip().rstrip(",")
    try:
        o = json.loads(line)
        r = o["recv"]
    except Exception:
        continue
    pk, dr = r.get("packets", pk), r.get("packetsDropped", dr)
    rtt = o.get("link", {}).get("rtt", rtt)
print(pk, dr, "%.1f" % rtt)
PY
)

    # (b) srtscope watch as the listening receiver (--arrival-tap: on by
    # default now, explicit for builds from before).
    PORT=$(free_port)
    "$WORK/srtscope" watch "srt://127.0.0.1:$PORT?mode=listener&latency=$LAT" --arrival-tap --duration "$((DURATION + 5))s" \
      --format json >"$WORK/watch.json" 2>"$WORK/watch.err" &
    W=$!
    PIDS+=($W)
    sleep 0.3
    relay_and_send "$LOSS" "$LAT" "$PORT"
    wait "$W" 2>/dev/null || true
    stop_all
    python3 - "$WORK/watch.json" "$LOSS" "$MULT" "$LAT" "$L_PKTS" "$L_DROP" "$LOAD" "$L_RTT" <<'PY'
import json, sys
path, loss, mult, lat, lpk, ldr, load, lrtt = sys.argv[1:]
lpk, ldr = int(lpk), int(ldr)
summary, flowing, minm, rtt = {}, None, None, 0.0
for line in open(path):
    try:
        o = json.loads(line)
    except Exception:
        continue
    if "summary" in o:
        summary = o["summary"]
        continue
    if o.get("state") == "connected" and o.get("rtt_ms"):
        rtt = o["rtt_ms"]
    if o.get("state") == "connected" and o.get("pkts_recv") and o.get("since_last_packet_ms", 1e9) < 250:
        flowing = o
    m = o.get("recovery_margin_min_ms")
    if m is not None and (minm is None or m < minm):
        minm = m
# Judged while the stream flowed: srt-live-transmit writes statistics
# every 50 packets it receives, so its last record comes before the
# stream's end, and what a libsrt receiver drops after that (the holes
# left when the sender quits before retransmitting them, skipped once the
# packets after them are due) is never reported. srtscope's last sample
# while packets still came is the same point in the stream.
counts = flowing or summary
drop, risk, late = counts.get("pkts_dropped", 0), counts.get("pkts_at_risk", 0), counts.get("pkts_late", 0)
ours = drop + risk
ok = (ours == 0) if ldr == 0 else abs(ours - ldr) <= max(0.4 * ldr, 6)
mm = "-" if minm is None else "%.1f" % minm
print("%-5s %-4s %-7s | %8d %11d | %6d %5d %7d %5d %10d %10s | %-7s %s" % (
    loss + "%", "%sx" % mult, "%sms" % lat, lpk, ldr, ours, late, risk, drop - late,
    counts.get("pkts_recv", 0), mm, "ok" if ok else "OFF", load))
tail = (summary.get("pkts_dropped", 0) + summary.get("pkts_at_risk", 0)) - ours
if tail:
    print("      after the stream ended: %d more (libsrt's statistics stop with the stream)" % tail, file=sys.stderr)
print("      rtt ms: libsrt %s, srtscope %.1f" % (lrtt, rtt), file=sys.stderr)
hist = summary.get("recovery_margins")
if hist:
    print("      margins(ms) <" + " <".join(str(e) for e in hist["edges_ms"]) + " >=: " + " ".join(str(p) for p in hist["pkts"]), file=sys.stderr)
PY
  done
done
