package media

import (
	"context"
	"path/filepath"
	"testing"
)

// TestAnalyserFromStart: a live feed that is black and silent from its
// first byte (probe/testdata/black_silence.ts) is reported from 0 s when
// FromStart keeps ffmpeg's probe packets. With -fflags +nobuffer ffmpeg
// reading a pipe drops them and starts at the second GOP (1.02 s of
// picture, 0.36 s of sound with ffmpeg 5.1).
func TestAnalyserFromStart(t *testing.T) {
	needFFmpeg(t)
	a, err := New(Config{FromStart: true, ThumbnailWidth: -1})
	if err != nil {
		t.Fatal(err)
	}
	feedFile(t, a, filepath.Join("..", "testdata", "black_silence.ts"))
	a.CloseInput()
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, a.Events(), []span{{KindBlack, 0, 4}, {KindSilence, 0, 4}}, []string{KindGap})
}
