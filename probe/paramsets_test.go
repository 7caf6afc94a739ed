package probe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// stripSPS turns every H.264 SPS NAL unit (start code, then type 7) and
// HEVC SPS (type 33) into a type the codec parser skips, as an encoder
// that sent its parameter sets only before the receiver joined.
func stripSPS(ts []byte, hevc bool) []byte {
	out := bytes.Clone(ts)
	for i := 0; i+4 < len(out); i++ {
		if out[i] != 0 || out[i+1] != 0 || out[i+2] != 1 {
			continue
		}
		switch {
		case !hevc && out[i+3]&0x1f == 7:
			out[i+3] = out[i+3]&0xe0 | 12 // filler data
		case hevc && (out[i+3]>>1)&0x3f == 33:
			out[i+3] = out[i+3]&0x81 | 38<<1 // filler data
		}
	}
	return out
}

// A video stream whose SPS never comes says so; one with an SPS does not.
func TestNoParameterSets(t *testing.T) {
	tests := []struct {
		file  string
		strip bool
		want  bool
	}{
		{"bars_tone.ts", false, false},
		{"bars_tone.ts", true, true},
		{"hevc.ts", false, false},
		{"hevc.ts", true, true},
	}
	for _, tt := range tests {
		raw, err := os.ReadFile(filepath.Join("testdata", tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if tt.strip {
			raw = stripSPS(raw, tt.file == "hevc.ts")
		}
		r, err := Inspect(context.Background(), bytes.NewReader(raw), Options{DetectPES: 20}, 0)
		if err != nil {
			t.Fatal(err)
		}
		seen := false
		for _, p := range r.Programs {
			for _, s := range p.Streams {
				if s.Kind != KindVideo {
					continue
				}
				seen = true
				if s.NoParameterSets != tt.want {
					t.Errorf("%s stripped=%v: NoParameterSets=%v, want %v (%s)", tt.file, tt.strip, s.NoParameterSets, tt.want, s.Details(false))
				}
				if tt.want && s.Width != 0 {
					t.Errorf("%s: resolution %dx%d without an SPS", tt.file, s.Width, s.Height)
				}
			}
		}
		if !seen {
			t.Errorf("%s: no video stream", tt.file)
		}
	}
}
