#!/bin/sh
# relay_bench.sh measures the impairment relay, in one run:
#  1. packets/s of 1316-byte datagrams through the relay (go test -bench,
#     session/impair) against the same client and sink talking directly over
#     loopback, and the ratio;
#  2. an SRT line through `srtscope relay` (seeded 3% loss, 20 ms delay):
#     srt-live-transmit caller -> relay -> srt-live-transmit listener, fed the
#     demo clip by ffmpeg, with what the relay dropped and what SRT recovered.
#     Skipped when srt-live-transmit or ffmpeg is missing.
#
# Usage: bench/relay_bench.sh [PACKETS]   (default 200000 per benchmark case)
set -eu
cd "$(dirname "$0")/.."
n=${1:-200000}

echo "== packets/s through the relay ($n datagrams of 1316 bytes per case, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
out=$(go test -run '^$' -bench 'Relay' -benchtime "${n}x" ./session/impair)
echo "$out" | grep '^Benchmark'
echo "$out" | awk '
	/^BenchmarkRelay\// {
		name = $1; sub(/^BenchmarkRelay\//, "", name); sub(/-[0-9]+$/, "", name)
		for (i = 2; i < NF; i++) if ($(i+1) == "pkts/s") pps[name] = $i
	}
	END {
		base = pps["no_relay"]
		if (base == "") { print "no baseline measured"; exit 1 }
		for (k in pps) if (k != "no_relay")
			printf "%-22s %9.0f pkts/s  %5.1f%% of plain loopback (%.0f pkts/s)\n", k, pps[k], 100 * pps[k] / base, base
	}' | sort

for tool in srt-live-transmit ffmpeg; do
	if ! command -v "$tool" >/dev/null; then
		echo "== SRT through the relay: skipped, $tool not installed"
		exit 0
	fi
done
dir=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
go build -o "$dir/srtscope" .
base=$((20000 + $$ % 20000))
lport=$base rport=$((base + 1)) uport=$((base + 2))

echo "== SRT through srtscope relay: 3% loss, 20 ms delay, seed 1, 10 s of the demo clip"
srt-live-transmit -q -t:14 -s:100 -f -pf:json -statsout:"$dir/stats.json" \
	"srt://:$lport?mode=listener&latency=200" file://con >"$dir/out.ts" &
pids="$pids $!"
"$dir/srtscope" relay --listen "127.0.0.1:$rport" --to "127.0.0.1:$lport" \
	--loss 3 --delay 20ms --seed 1 --duration 12s >"$dir/relay.txt" &
relay=$!
pids="$pids $relay"
srt-live-transmit -q -t:11 "udp://127.0.0.1:$uport" "srt://127.0.0.1:$rport?mode=caller&latency=200" &
pids="$pids $!"
ffmpeg -hide_banner -loglevel error -nostdin -re -i assets/demo.ts -c copy -f mpegts \
	"udp://127.0.0.1:$uport?pkt_size=1316"
wait "$relay"
cat "$dir/relay.txt"
wait # the srt-live-transmit peers end on their own -t timers
pids=""
last=$(tail -n 1 "$dir/stats.json")
field() { echo "$last" | grep -o "\"$1\":[0-9.]*" | tail -n 1 | cut -d: -f2; }
recv=${last#*\"recv\":}
rfield() { echo "$recv" | grep -o "\"$1\":[0-9.]*" | head -n 1 | cut -d: -f2; }
echo "srt-live-transmit listener (libsrt's view of the impaired line):"
printf '  rtt %s ms (2 x 20 ms delay expected), received %s, lost %s, retransmitted %s, dropped %s (unrecovered)\n' \
	"$(field rtt)" "$(rfield packets)" "$(rfield packetsLost)" "$(rfield packetsRetransmitted)" "$(rfield packetsDropped)"
printf '  wrote %d bytes (the clip is %d; what ffmpeg sent before the caller connected is missing)\n' \
	"$(stat -c %s "$dir/out.ts")" "$(stat -c %s assets/demo.ts)"
