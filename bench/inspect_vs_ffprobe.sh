#!/bin/sh
# inspect_vs_ffprobe.sh times `srtscope inspect --no-ffmpeg` against
# `ffprobe -show_packets` on the same 60 s 1080p 8 Mbit/s TS file, in the same
# run, and prints the ratio. It makes the file with ffmpeg if it is missing.
#
# Usage: bench/inspect_vs_ffprobe.sh [FILE.ts]
set -eu
cd "$(dirname "$0")/.."
file=${1:-${TMPDIR:-/tmp}/srtscope-bench-1080p-8M-60s.ts}
if [ ! -f "$file" ]; then
	echo "making $file (60 s 1080p25 H.264 8 Mbit/s + AAC)..."
	ffmpeg -hide_banner -loglevel error -nostdin -y \
		-f lavfi -i testsrc2=s=1920x1080:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
		-t 60 -c:v libx264 -preset ultrafast -b:v 8M -maxrate 8M -bufsize 4M -g 50 \
		-c:a aac -b:a 128k -f mpegts "$file.part.ts"
	mv "$file.part.ts" "$file"
fi
bin=$(mktemp -d)/srtscope
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" .
cat "$file" > /dev/null # warm the page cache for both tools

now() { date +%s.%N; }
best() { # best of 3 wall-clock seconds of "$@"
	b=
	for _ in 1 2 3; do
		t0=$(now)
		"$@" > /dev/null
		t=$(echo "$(now) - $t0" | bc -l)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
	done
	echo "$b"
}
mb=$(echo "$(stat -c %s "$file") / 1000000" | bc -l)
ts=$(best "$bin" inspect --no-ffmpeg --format json "$file")
tf=$(best ffprobe -v error -show_packets -of compact "$file")
printf 'file: %s (%.1f MB)\n' "$file" "$mb"
printf 'srtscope inspect --no-ffmpeg  %6.3f s  %7.0f MB/s  (whole process: start, read, analyse, print)\n' "$ts" "$(echo "$mb / $ts" | bc -l)"
printf 'ffprobe -show_packets         %6.3f s  %7.0f MB/s\n' "$tf" "$(echo "$mb / $tf" | bc -l)"
printf 'ratio: srtscope is %.1fx faster than ffprobe -show_packets\n' "$(echo "$tf / $ts" | bc -l)"
