#!/usr/bin/env bash
# scale.sh: one `srtscope serve` receiving N feeds (default 16) at RATE
# Mbit/s (default 8; 16 x 8 = 128 Mbit/s) for DURATION seconds (default 60)
# from N senders outside its process, with inspection and light media
# analysis on every feed (issue 15: fits 2 cores with 25% to spare, 0 drops).
#
# Reports, over the measured window once every feed is connected:
#   - CPU of serve alone and of serve with its ffmpeg children, as a share
#     of one core (100% = one core) and of the machine's cores;
#   - per-feed CPU against one srt-live-transmit (libsrt) receiving one feed
#     at the same rate, measured in the same run (ratio > 1: srtscope costs
#     more per feed; it also inspects and analyses, libsrt only receives);
#   - packets dropped and sink bytes skipped (both must be 0), from /metrics;
#   - memory: serve's peak and current resident set;
#   - where serve's time goes: the top of its CPU profile (--cpu-profile).
# The senders (srtscope send, paced by PCR) share the machine: their CPU is
# printed too. On a shared machine run it more than once.
#
# Usage: bench/scale.sh [N] [RATE_MBPS] [DURATION_S]
# SRTSCOPE=path/to/srtscope measures that build instead of building this tree.
# Needs go, ffmpeg, srt-live-transmit, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-16}
RATE=${2:-8}
DURATION=${3:-60}
for tool in go ffmpeg srt-live-transmit curl python3; do
  command -v "$tool" >/dev/null || { echo "scale.sh: $tool is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d)
PIDS=()
SERVE=""
SPID=""
cleanup() {
  local rc=$?
  if [ "$rc" != 0 ] && [ -f "$WORK/serve.log" ]; then echo "scale.sh: failed ($rc); serve's log ends:" >&2; tail -15 "$WORK/serve.log" >&2; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$SPID" ]; then kill "$SPID" 2>/dev/null || true; fi
  if [ -n "$SERVE" ]; then kill "$SERVE" 2>/dev/null || true; wait "$SERVE" 2>/dev/null || true; fi
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

if [ -n "${SRTSCOPE:-}" ]; then
  cp "$SRTSCOPE" "$WORK/srtscope-bench"
else
  go build -o "$WORK/srtscope-bench" .
fi

free_udp() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
free_tcp() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# tree_ticks PID...: user+system clock ticks of each PID and its descendants.
tree_ticks() {
  python3 - "$@" <<'PY'
import os, sys
roots = {int(a) for a in sys.argv[1:]}
stats = {}
for d in os.listdir("/proc"):
    if d.isdigit():
        try:
            s = open(f"/proc/{d}/stat").read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        stats[int(d)] = (int(f[1]), int(f[11]) + int(f[12]))  # ppid, utime+stime
keep, grew = set(roots), True
while grew:
    grew = False
    for pid, (ppid, _) in stats.items():
        if ppid in keep and pid not in keep:
            keep.add(pid); grew = True
print(sum(stats[p][1] for p in keep if p in stats))
PY
}
ticks() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); print f[12] + f[13] }' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# An RATE Mbit/s constant-bitrate TS: 720p25 H.264 with AAC, 10 s.
TS="$WORK/cbr$RATE.ts"
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=1280x720:rate=25 -f lavfi -i sine=frequency=1000:sample_rate=48000 \
  -t 10 -c:v libx264 -preset ultrafast -g 25 -b:v $((RATE * 850))k -maxrate $((RATE * 850))k -bufsize ${RATE}M \
  -c:a aac -b:a 128k -muxrate ${RATE}M -f mpegts "$TS"

# The workspace: N listeners, inspected, light media analysis.
WS="$WORK/workspace.toml"
PORTS=()
for i in $(seq 1 "$N"); do
  p=$(free_udp)
  PORTS+=("$p")
  printf '[[feed]]\nname = "feed%02d"\nurl = "srt://127.0.0.1:%s?mode=listener&latency=200"\ninspect = true\nmedia = "light"\n\n' "$i" "$p" >>"$WS"
done
HTTP=127.0.0.1:$(free_tcp)
SRTSCOPE_DATA_DIR="$WORK/data" "$WORK/srtscope-bench" serve --config "$WS" --http "$HTTP" --cpu-profile "$WORK/cpu.pprof" >"$WORK/serve.log" 2>&1 &
SERVE=$!
for _ in $(seq 1 300); do
  curl -sf "http://$HTTP/api/v1/service" >/dev/null && break
  kill -0 "$SERVE" 2>/dev/null || break
  sleep 0.1
done
curl -sf "http://$HTTP/api/v1/service" >/dev/null || { echo "scale.sh: serve did not start:" >&2; cat "$WORK/serve.log" >&2; exit 1; }
# $! may be a shell wrapping serve (bash keeps one when traps are set): the
# process that matters is the one listening on $HTTP.
SPID=$(pgrep -f -- "serve --config $WS --http $HTTP" | head -1)

SENDERS=()
for p in "${PORTS[@]}"; do
  "$WORK/srtscope-bench" send "srt://127.0.0.1:$p" --file "$TS" --loop >>"$WORK/send.log" 2>&1 &
  PIDS+=("$!"); SENDERS+=("$!")
done

metric_sum() { { curl -sf "http://$HTTP/metrics" || true; } | awk -v m="$1" '$1 ~ "^"m"({|$)" { s += $2 } END { printf "%.0f\n", s }'; }
for _ in $(seq 1 300); do
  [ "$(metric_sum srtscope_feed_up)" = "$N" ] && break
  sleep 0.1
done
UP=$(metric_sum srtscope_feed_up)
[ "$UP" = "$N" ] || { echo "scale.sh: only $UP of $N feeds connected; serve log:" >&2; tail -20 "$WORK/serve.log" >&2; exit 1; }

LOAD0=$(cut -d' ' -f1 /proc/loadavg)
S0=$(ticks "$SPID"); T0=$(tree_ticks "$SPID"); SND0=$(tree_ticks "${SENDERS[@]}")
PK0=$(metric_sum srtscope_received_packets_total)
START=$(date +%s.%N)
sleep "$DURATION" # the measured window
S1=$(ticks "$SPID"); T1=$(tree_ticks "$SPID"); SND1=$(tree_ticks "${SENDERS[@]}")
END=$(date +%s.%N)
PK1=$(metric_sum srtscope_received_packets_total)
LOAD1=$(cut -d' ' -f1 /proc/loadavg)
DROPPED=$(metric_sum srtscope_dropped_packets_total)
SKIPPED=$(metric_sum srtscope_sink_skipped_bytes_total)
LOST=$(metric_sum srtscope_lost_packets_total)
RSS_NOW=$(awk '/^VmRSS/ { print $2 }' "/proc/$SPID/status")
RSS_PEAK=$(awk '/^VmHWM/ { print $2 }' "/proc/$SPID/status")
ANALYSIS=$(curl -sf "http://$HTTP/api/v1/feeds" | python3 -c 'import json,sys; print(",".join(sorted({f.get("media_state",{}).get("analysis","off") for f in json.load(sys.stdin)})))')

for p in "${SENDERS[@]}"; do kill "$p" 2>/dev/null || true; done
kill -TERM "$SPID"; wait "$SERVE" || true; SERVE=""; SPID=""

# One srt-live-transmit receiving one feed at the same rate, same window length.
SLT_WINDOW=$(( DURATION < 30 ? DURATION : 30 ))
PORT=$(free_udp)
PKTS_PER_S=$((RATE * 1000000 / 8 / 1316))
srt-live-transmit -q -a:no -t:$((SLT_WINDOW + 15)) -s:"$PKTS_PER_S" -pf:json -f -statsout:"$WORK/slt.json" "srt://127.0.0.1:$PORT?mode=listener&latency=200" file://con >/dev/null 2>"$WORK/slt.err" &
SLT=$!
"$WORK/srtscope-bench" send "srt://127.0.0.1:$PORT" --file "$TS" --loop >>"$WORK/send.log" 2>&1 &
PIDS+=("$!")
sleep 3 # its connection
SLT_PID=$(pgrep -f -- "statsout:$WORK/slt.json" | head -1)
L0=$(ticks "$SLT_PID"); LS=$(date +%s.%N)
sleep "$SLT_WINDOW"
L1=$(ticks "$SLT_PID"); LE=$(date +%s.%N)
kill "$SLT_PID" 2>/dev/null || true
wait "$SLT" 2>/dev/null || true

python3 - <<PY
n, rate, hz, cores = $N, $RATE, $HZ, $(nproc)
secs = $END - $START
serve = ($S1 - $S0) / hz / secs * 100
tree = ($T1 - $T0) / hz / secs * 100
senders = ($SND1 - $SND0) / hz / secs * 100
slt = ($L1 - $L0) / hz / ($LE - $LS) * 100
mbps = ($PK1 - $PK0) * 1316 * 8 / secs / 1e6
print(f"== bench/scale.sh: {n} feeds x {rate} Mbit/s, {secs:.0f} s window, {cores} cores, load {'$LOAD0'} -> {'$LOAD1'}")
print(f"received               {mbps:8.1f} Mbit/s in all (want {n*rate})")
print(f"serve CPU              {serve:8.1f} % of one core ({serve/cores:.1f} % of the machine)")
print(f"serve + ffmpeg CPU     {tree:8.1f} % of one core ({tree/cores:.1f} % of the machine; target <= {cores*75} %)")
print(f"per feed (serve+ffmpeg){tree/n:8.2f} % of one core; srt-live-transmit, one feed: {slt:.2f} % -> ratio {(tree/n)/slt if slt > 0 else float('nan'):.1f}x")
print(f"per feed (serve only)  {serve/n:8.2f} % of one core -> ratio {(serve/n)/slt if slt > 0 else float('nan'):.1f}x")
print(f"senders (outside)      {senders:8.1f} % of one core")
print(f"media analysis         {'$ANALYSIS'}")
print(f"packets dropped        {$DROPPED:8d}   (must be 0)")
print(f"sink bytes skipped     {$SKIPPED:8d}   (must be 0)")
print(f"packets lost (recovered or not) {$LOST}")
print(f"serve memory           {$RSS_NOW/1024:8.1f} MiB resident, peak {$RSS_PEAK/1024:.1f} MiB")
PY
SLT_MBPS=$(python3 -c 'import json,sys
last = None
for line in open(sys.argv[1]):
    if line.startswith("{"):
        try: last = json.loads(line)
        except ValueError: pass
print("%.2f" % (last["recv"]["mbitRate"] if last else 0))' "$WORK/slt.json" 2>/dev/null || echo "?")
echo "srt-live-transmit received $SLT_MBPS Mbit/s (libsrt's Mbit/s) while measured"
prof() { go tool pprof -nodecount=400 "$@" "$WORK/srtscope-bench" "$WORK/cpu.pprof" 2>/dev/null; }
echo "== where serve's time goes: by package, flat share of serve's CPU (go tool pprof)"
prof -top | awk '$1 ~ /s$/ && $2 ~ /%$/ && NF >= 6 { fn = $6; if (match(fn, /^([^ ]*\/)?[^.\/]+/)) fn = substr(fn, RSTART, RLENGTH); v = $2; sub(/%/, "", v); s[fn] += v } END { for (k in s) printf "%6.1f%%  %s\n", s[k], k }' | sort -rn | head -12
echo "== cumulative: the srtscope and gosrt functions that hold the most time"
prof -top -cum | awk '$1 ~ /s$/ && $2 ~ /%$/ && NF >= 6 && $6 ~ /srtscope|gosrt/' | head -15
if [ -n "${KEEP_PROFILE:-}" ]; then cp "$WORK/cpu.pprof" "$KEEP_PROFILE.pprof"; cp "$WORK/srtscope-bench" "$KEEP_PROFILE.bin"; echo "profile kept in $KEEP_PROFILE.pprof (binary $KEEP_PROFILE.bin)"; fi
