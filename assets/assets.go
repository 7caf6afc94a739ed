// Package assets embeds srtscope's icon and demo media. It is a leaf: it
// imports nothing of the project.
package assets

import _ "embed"

// IconPNG is the 512x512 application icon (source: icon.svg).
//
//go:embed icon.png
var IconPNG []byte

// DemoTS is the built-in demo feed: 10.24 s of SMPTE HD bars with a burnt-in
// running timecode and a 1 kHz stereo tone, H.264 + AAC in a constant
// 600 kbit/s MPEG-TS that loops cleanly (see README.md and make-demo.sh).
//
//go:embed demo.ts
var DemoTS []byte
