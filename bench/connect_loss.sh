#!/bin/bash
# connect_loss.sh: how long a caller takes to get data through to a listener
# through 15% loss each way (20 ms delay each way), for 8 relay seeds:
# srtscope's caller (`srtscope send`) against srt-live-transmit's caller
# (libsrt 1.5.1, which repeats its handshake every 250 ms), both sending the
# same TS file to a srt-live-transmit listener through `srtscope relay` with
# the same seed. Time to first data is from starting the caller to the first
# byte the listener writes out (ffmpeg paces the libsrt caller, and its
# start-up counts against it). Prints a table and the ratio of the medians.
#
# Usage: bench/connect_loss.sh [SEEDS] [LOSS] [TIMEOUT_S]
#        (default "1 2 3 4 5 6 7 8", 15, 15)
set -eu
cd "$(dirname "$0")/.."
seeds=${1:-1 2 3 4 5 6 7 8}
loss=${2:-15}
limit=${3:-15}
for tool in srt-live-transmit ffmpeg bc; do
	command -v "$tool" >/dev/null || { echo "connect_loss: $tool not installed"; exit 1; }
done

dir=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

go build -o "$dir/srtscope" .
ffmpeg -nostdin -loglevel error -f lavfi -i testsrc2=size=320x240:rate=25 -t 20 -c:v libx264 -b:v 500k -f mpegts "$dir/feed.ts"

# run_one CALLER SEED: prints seconds to first data, or "-" past the limit.
run_one() {
	local caller=$1 seed=$2 port relay out start now elapsed
	port=$((20000 + RANDOM % 20000))
	relay=$((port + 1))
	out="$dir/out.$caller.$seed"
	: >"$out"
	srt-live-transmit -q "srt://127.0.0.1:$port?mode=listener" file://con >"$out" 2>/dev/null &
	local lpid=$!
	"$dir/srtscope" relay --listen "127.0.0.1:$relay" --to "127.0.0.1:$port" --loss "$loss" --delay 20ms --seed "$seed" \
		--duration "$((limit + 5))s" >/dev/null 2>&1 &
	local rpid=$!
	pids="$lpid $rpid"
	# Both are up once their UDP ports are bound.
	for _ in $(seq 100); do
		ss -Hlun "sport = :$port" | grep -q . && ss -Hlun "sport = :$relay" | grep -q . && break
		sleep 0.02
	done
	start=$(date +%s.%N)
	if [ "$caller" = srtscope ]; then
		"$dir/srtscope" send "srt://127.0.0.1:$relay" --file "$dir/feed.ts" --duration "${limit}s" >"$dir/send.$seed.log" 2>&1 &
	else
		# Paced like srtscope's sender: srt-live-transmit ends at the end of
		# an unpaced file before it has connected. ffmpeg's start-up counts
		# against libsrt here (about 0.1 s unloaded).
		setsid bash -c "ffmpeg -nostdin -loglevel error -re -i '$dir/feed.ts' -c copy -f mpegts - |
			srt-live-transmit -q file://con 'srt://127.0.0.1:$relay?mode=caller'" >/dev/null 2>&1 &
	fi
	local cpid=$!
	pids="$lpid $rpid $cpid"
	elapsed="-"
	while :; do
		now=$(date +%s.%N)
		if [ -s "$out" ]; then
			elapsed=$(printf '%.2f' "$(echo "$now - $start" | bc)")
			break
		fi
		if [ "$(echo "$now - $start > $limit" | bc)" = 1 ]; then break; fi
		sleep 0.02
	done
	kill -- -"$cpid" 2>/dev/null || kill "$cpid" 2>/dev/null || true
	kill $lpid $rpid 2>/dev/null || true
	wait $cpid $lpid $rpid 2>/dev/null || true
	pids=""
	echo "$elapsed"
}

echo "== time to first data through ${loss}% loss each way, 20 ms delay each way; listener srt-live-transmit; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-6s %-22s %-22s %s\n" seed "srtscope caller (s)" "srt-live-transmit (s)" "srtscope handshake"
a=() b=()
for seed in $seeds; do
	x=$(run_one srtscope "$seed")
	y=$(run_one slt "$seed")
	hs=$(grep -o 'connected: .*' "$dir/send.$seed.log" | grep -o '(handshake [^)]*)' | head -1 || true)
	att=$(grep -c 'event connecting: calling' "$dir/send.$seed.log" || true)
	printf "%-6s %-22s %-22s %s\n" "$seed" "$x" "$y" "attempts $att $hs"
	a+=("${x/-/$limit}") b+=("${y/-/$limit}")
done
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ma=$(median "${a[@]}") mb=$(median "${b[@]}")
echo "median: srtscope ${ma} s, srt-live-transmit ${mb} s, ratio $(echo "scale=2; $ma / $mb" | bc) (a failed run counts as ${limit} s)"
