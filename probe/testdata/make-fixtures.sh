#!/bin/sh
# make-fixtures.sh regenerates the MPEG-TS fixture corpus of package probe with
# ffmpeg. Run it from anywhere; it writes next to itself. The ground truth of
# every file is in README.md beside it, and the tests read that table.
#
# Small pictures, low bitrates and short durations keep the corpus < 2 MB.
set -eu
cd "$(dirname "$0")"
root=$(cd ../.. && pwd)

ff() { ffmpeg -hide_banner -loglevel error -nostdin -y "$@"; }
# Common output options: bit-exact muxing, default PIDs (PMT 0x1000, ES from 0x100).
ts="-fflags +bitexact -f mpegts"
x264="-c:v libx264 -preset veryfast -threads 1 -g 25 -bf 0 -pix_fmt yuv420p"

# 1. SMPTE bars + 1 kHz tone, H.264 High / AAC-LC 48 kHz stereo, 4 s.
ff -f lavfi -i smptebars=s=320x240:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -t 4 $x264 -profile:v high -level:v 3.0 -b:v 150k -c:a aac -b:a 64k -ac 2 $ts bars_tone.ts

# 2. Black picture + digital silence, 4 s.
ff -f lavfi -i color=black:s=320x240:r=25 -f lavfi -i anullsrc=r=48000:cl=stereo \
   -t 4 $x264 -profile:v main -level:v 3.0 -b:v 100k -c:a aac -b:a 64k $ts black_silence.ts

# 3. Bars + tone with black picture and silence from 2 s to 4 s, 6 s long.
ff -f lavfi -i smptebars=s=320x240:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -t 6 -vf "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(t,2,4)'" \
   -af "volume=volume=0:enable='between(t,2,4)'" \
   $x264 -profile:v high -level:v 3.0 -b:v 150k -c:a aac -b:a 64k -ac 2 $ts gap_black_silence.ts

# 4. Moving test pattern frozen from 2 s (frame 50) to the end, 6 s long.
#    300 kbit/s: at 150 kbit/s every keyframe of the still picture comes out
#    different enough to break freezedetect's default n=-45 dB.
ff -f lavfi -i testsrc2=s=320x240:r=25 -f lavfi -i sine=f=440:sample_rate=48000 \
   -t 6 -filter_complex "[0:v]split[a][b];[a][b]freezeframes=first=50:last=149:replace=50[v]" \
   -map "[v]" -map 1:a $x264 -profile:v high -level:v 3.0 -b:v 300k -c:a aac -b:a 64k -ac 2 $ts frozen.ts

# 5. Audio only: AAC-LC 44.1 kHz mono, 4 s.
ff -f lavfi -i sine=f=440:sample_rate=44100 -t 4 -c:a aac -b:a 48k -ac 1 $ts audio_only.ts

# 6. HEVC Main 320x240 25 fps + AAC, 3 s.
ff -f lavfi -i testsrc2=s=320x240:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -t 3 -c:v libx265 -preset ultrafast -x265-params log-level=error:keyint=25:pools=1 \
   -profile:v main -pix_fmt yuv420p -b:v 150k -c:a aac -b:a 64k -ac 2 $ts hevc.ts

# 7. Interlaced 576i (720x576, 25 frames/s top field first) H.264 + MPEG-1 Layer II 48 kHz stereo, 2 s.
ff -f lavfi -i smptebars=s=720x576:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -t 2 -vf setfield=tff -flags +ildct+ilme $x264 -x264-params tff=1 -profile:v main -level:v 3.0 \
   -b:v 300k -c:a mp2 -b:a 128k -ac 2 $ts interlaced_576i.ts

# 8. Bars + AC-3 5.1 (48 kHz, 6 channels), 3 s.
ff -f lavfi -i smptebars=s=320x240:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -t 3 $x264 -profile:v high -level:v 3.0 -b:v 150k \
   -af "pan=5.1|c0=c0|c1=c0|c2=c0|c3=c0|c4=c0|c5=c0" -c:a ac3 -b:a 384k $ts ac3_51.ts

# 9. Two-program MPTS: program 1 bars + AAC, program 2 test pattern + MP2, 3 s.
ff -f lavfi -i smptebars=s=320x240:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -f lavfi -i testsrc2=s=320x240:r=25 -f lavfi -i sine=f=440:sample_rate=48000 \
   -t 3 -map 0:v -map 1:a -map 2:v -map 3:a \
   $x264 -profile:v high -level:v 3.0 -b:v 120k \
   -c:a:0 aac -b:a:0 64k -ac:a:0 2 -c:a:1 mp2 -b:a:1 96k -ac:a:1 1 \
   -program program_num=1:title=one:st=0:st=1 -program program_num=2:title=two:st=2:st=3 \
   $ts mpts.ts

# 10. bars_tone.ts with known packets removed (CC errors) and duplicated (legal).
(cd "$root" && go run ./probe/testdata/ccdamage probe/testdata/bars_tone.ts probe/testdata/cc_errors.ts)

# 11. bars_tone.ts with an SCTE-35 PID and cue sections at known splice times.
(cd "$root" && go run ./probe/testdata/scte35cues probe/testdata/bars_tone.ts probe/testdata/scte35_cues.ts)

# 12. Short dropouts (issue 16): bars + tone, 7 s, with black picture and
#     silence over [1, 1.6) (0.6 s) and [3, 4.5) (1.5 s), then a fade to black
#     from 5 s and back from 6 s: only about 0.2 s of it (5.92..6.12) is dark
#     enough for blackdetect, so with the 0.5 s minimum it is not an event.
ff -f lavfi -i smptebars=s=320x240:r=25 -f lavfi -i sine=f=1000:sample_rate=48000 \
   -t 7 -vf "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='between(t,1,1.6-0.001)+between(t,3,4.5-0.001)',fade=t=out:st=5:d=1:enable='between(t,5,6)',fade=t=in:st=6:d=1:enable='gte(t,6)'" \
   -af "volume=volume=0:enable='between(t,1,1.6)+between(t,3,4.5)'" \
   $x264 -profile:v high -level:v 3.0 -b:v 150k -c:a aac -b:a 64k -ac 2 $ts short_gaps.ts

# 13. Loudness (issue 16): audio only, a stereo 1 kHz sine at -23 dBFS peak
#     (amplitude 10^(-23/20)) on both channels, AAC-LC 48 kHz 128 kbit/s, 5 s.
#     EBU Tech 3341 test 1: such a sine measures -23.0 LUFS.
ff -f lavfi -i "aevalsrc=0.0707946*sin(2*PI*1000*t)|0.0707946*sin(2*PI*1000*t):s=48000:d=5" \
   -c:a aac -b:a 128k $ts tone_23lufs.ts

ls -l *.ts
du -ch *.ts | tail -1
