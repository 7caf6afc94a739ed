// Package assets embeds srtscope's icon and demo media. It is a leaf: it
// imports nothing of the project.
package assets

import _ "embed"

// IconPNG is the 512x512 application icon (source: icon.svg).
//
//go:embed icon.png
var IconPNG []byte
