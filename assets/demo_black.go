package assets

import _ "embed"

// DemoBlackTS is 6 s of black picture and digital silence with the same
// PIDs as DemoTS (H.264 on 256, AAC on 257). The demo switches its sender to
// it to show the black and silence alarms. Regenerate with:
//
//	ffmpeg -f lavfi -i color=black:size=1280x720:rate=25 \
//	  -f lavfi -i anullsrc=channel_layout=stereo:sample_rate=48000 -t 6 \
//	  -c:v libx264 -preset veryfast -g 25 -bf 0 -pix_fmt yuv420p \
//	  -c:a aac -b:a 64k -f mpegts assets/demo-black.ts
//
//go:embed demo-black.ts
var DemoBlackTS []byte
