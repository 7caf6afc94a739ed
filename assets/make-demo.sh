#!/usr/bin/env bash
# Regenerates assets/demo.ts, the bars-and-tone clip embedded in srtscope
# (assets.DemoTS). See assets/README.md for what the clip contains.
#
# Usage: assets/make-demo.sh [OUTPUT]   (default: assets/demo.ts next to this script)
#
# Needs ffmpeg with libx264, the native AAC encoder and the lavfi sources
# smptehdbars, color and sine. A running timecode is burnt in with drawtext
# when ffmpeg has drawtext and a monospace font is found; otherwise the clip
# is made without it (the script says so).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-"$here/demo.ts"}

command -v ffmpeg >/dev/null || { echo "make-demo.sh: ffmpeg not found; install it (apt-get install ffmpeg)" >&2; exit 1; }

# 10.24 s = 256 video frames at 25 fps = 480 AAC frames of 1024 samples at
# 48 kHz: both streams end on a frame boundary, so the clip loops without a
# gap or overlap. GOP 32 frames (1.28 s) divides 256: every loop starts on a
# keyframe and ends on a complete, closed GOP.
frames=256
rate=25
dur=10.24
gop=32

# Bitrates: H.264 CBR 420 kbit/s + AAC 96 kbit/s stereo, padded by the muxer
# to a constant 600 kbit/s transport stream (null packets on PID 0x1FFF).
vrate=420k
arate=96k
muxrate=600000

font=""
for f in \
	"$(fc-match -f '%{file}' 'DejaVu Sans Mono:bold' 2>/dev/null || true)" \
	/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf \
	/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf \
	/usr/share/fonts/truetype/liberation/LiberationMono-Bold.ttf \
	/Library/Fonts/Courier\ New\ Bold.ttf \
	/System/Library/Fonts/Menlo.ttc; do
	if [ -n "$f" ] && [ -f "$f" ]; then font=$f; break; fi
done

# A 192x192 white square sweeps across the lower part so the picture is never
# frozen: freezedetect (n=-45 dB) flags static bars whose only change is the
# timecode digits, and still flagged them with a 64 px square.
vf="[0:v][1:v]overlay=x='mod(t*480\,W-192)':y=H*0.70:eval=frame:shortest=1"
filters=$(ffmpeg -hide_banner -filters 2>/dev/null || true)
if [ -n "$font" ] && grep -q ' drawtext ' <<<"$filters"; then
	esc=${font//:/\\:}
	vf="$vf,drawtext=fontfile='$esc':timecode='00\:00\:00\:00':rate=$rate:fontsize=72:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw=12:x=(w-tw)/2:y=h*0.08"
	vf="$vf,drawtext=fontfile='$esc':text='srtscope demo  1 kHz -18 dBFS':fontsize=32:fontcolor=white:box=1:boxcolor=black@0.7:boxborderw=8:x=(w-tw)/2:y=h*0.08+100"
	echo "make-demo.sh: burning in timecode with $font"
else
	echo "make-demo.sh: no drawtext or no monospace font: making the clip without timecode" >&2
fi
# The sine source is mono: copy it to both channels at full level.
vf="$vf,format=yuv420p[v];[2:a]pan=stereo|c0=c0|c1=c0[a]"

tmp="$out.tmp.ts"
trap 'rm -f "$tmp"' EXIT

# -bitexact and one encoder thread keep the output byte-identical between runs
# of the same ffmpeg build.
ffmpeg -hide_banner -loglevel error -y \
	-f lavfi -i "smptehdbars=size=1280x720:rate=$rate:duration=$dur" \
	-f lavfi -i "color=c=white:size=192x192:rate=$rate:duration=$dur" \
	-f lavfi -i "sine=frequency=1000:sample_rate=48000:samples_per_frame=1024:duration=$dur" \
	-filter_complex "$vf" \
	-map '[v]' -map '[a]' \
	-c:v libx264 -threads 1 -preset medium -profile:v main -level:v 3.1 \
	-b:v "$vrate" -minrate "$vrate" -maxrate "$vrate" -bufsize "$vrate" \
	-g "$gop" -keyint_min "$gop" -sc_threshold 0 -bf 2 \
	-x264-params "nal-hrd=cbr:force-cfr=1:open-gop=0:scenecut=0" \
	-flags +cgop+bitexact -fflags +bitexact \
	-c:a aac -b:a "$arate" -ar 48000 \
	-f mpegts -muxrate "$muxrate" -mpegts_flags +resend_headers \
	-mpegts_service_id 1 -mpegts_pmt_start_pid 4096 -mpegts_start_pid 256 \
	-metadata service_provider=srtscope -metadata service_name="srtscope demo" \
	"$tmp"

mv "$tmp" "$out"
size=$(wc -c <"$out")
echo "make-demo.sh: wrote $out ($size bytes)"
if [ "$size" -ge 1048576 ]; then
	echo "make-demo.sh: $out is $size bytes, over the 1 MB budget" >&2
	exit 1
fi
