package assets

import _ "embed"

// DemoBlackTS is 6 s of black picture and digital silence with the same
// PIDs and the same 600 kbit/s mux rate as DemoTS (H.264 on 256, AAC on
// 257, PCR every 20 ms), so switching the demo's sender to it raises the
// black, freeze and silence alarms and nothing else. Regenerate with:
//
//	ffmpeg -f lavfi -i color=black:size=1280x720:rate=25 \
//	  -f lavfi -i anullsrc=channel_layout=stereo:sample_rate=48000 -t 6 \
//	  -c:v libx264 -threads 1 -preset veryfast -g 25 -bf 0 -pix_fmt yuv420p \
//	  -flags +bitexact -fflags +bitexact -c:a aac -b:a 64k \
//	  -f mpegts -muxrate 600000 -pcr_period 20 -mpegts_flags +resend_headers \
//	  -mpegts_service_id 1 -mpegts_pmt_start_pid 4096 -mpegts_start_pid 256 \
//	  assets/demo-black.ts
//
//go:embed demo-black.ts
var DemoBlackTS []byte
