package media

import (
	"math"
	"os"
	"slices"
	"testing"
)

// adtsFrames splits an ADTS stream into frames.
func adtsFrames(t *testing.T, b []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(b) >= 7 {
		h, err := ParseADTSHeader(b)
		if err != nil || h.FrameLen > len(b) {
			t.Fatalf("bad ADTS stream at %d bytes from the end: %v", len(b), err)
		}
		out = append(out, b[:h.FrameLen])
		b = b[h.FrameLen:]
	}
	return out
}

func TestADTSFrameSilent(t *testing.T) {
	tests := []struct {
		fixture    string
		wantSilent bool
		channels   int
		rate       int
	}{
		{"silence.aac", true, 2, 48000},
		{"mono.aac", true, 1, 44100},
		{"tone.aac", false, 2, 48000},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			data, err := os.ReadFile(genFixture(t, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			frames := adtsFrames(t, data)
			if len(frames) < 40 {
				t.Fatalf("only %d frames", len(frames))
			}
			silent := 0
			for i, f := range frames {
				s, h, err := ADTSFrameSilent(f)
				if err != nil {
					t.Fatalf("frame %d: %v", i, err)
				}
				if h.Channels != tc.channels || h.SampleRate != tc.rate {
					t.Fatalf("header %+v", h)
				}
				if s {
					silent++
				}
			}
			// The encoder's first frame may carry priming; allow one odd frame.
			if tc.wantSilent && silent < len(frames)-1 {
				t.Errorf("%d of %d frames silent, want all", silent, len(frames))
			}
			if !tc.wantSilent && silent > 1 {
				t.Errorf("%d of %d tone frames read as silent", silent, len(frames))
			}
		})
	}
}

func TestMP2FrameLevel(t *testing.T) {
	tests := []struct {
		fixture  string
		channels int
		peak     float64 // expected peak estimate, dBFS
		rms      float64
	}{
		{"tone.mp2", 1, -17, -20},
		{"silence.mp2", 2, FloorDB, FloorDB},
	}
	for _, tc := range tests {
		t.Run(tc.fixture, func(t *testing.T) {
			b, err := os.ReadFile(genFixture(t, tc.fixture))
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for len(b) >= 4 {
				h, lv, err := MP2FrameLevel(b)
				if err != nil {
					t.Fatalf("frame %d: %v", n, err)
				}
				if h.Channels != tc.channels || h.SampleRate != 48000 {
					t.Fatalf("header %+v", h)
				}
				b = b[h.FrameLen:]
				n++
				if n <= 2 || len(b) < h.FrameLen { // encoder ramp-up and tail
					continue
				}
				for ch := range h.Channels {
					if math.Abs(lv.PeakdB[ch]-tc.peak) > 2.5 || math.Abs(lv.RMSdB[ch]-tc.rms) > 2.5 {
						t.Errorf("frame %d ch%d: peak %.1f rms %.1f, want about %.0f / %.0f",
							n, ch, lv.PeakdB[ch], lv.RMSdB[ch], tc.peak, tc.rms)
					}
				}
				if (tc.peak == FloorDB) != lv.Silent() {
					t.Errorf("frame %d: Silent() = %v", n, lv.Silent())
				}
			}
			if n < 30 {
				t.Errorf("only %d frames", n)
			}
		})
	}
}

func TestBitstreamAnalyser(t *testing.T) {
	tests := []struct {
		name     string
		fixture  string
		want     []span
		absent   []string
		levels   bool
		toneRMS  float64
		tonePeak float64
	}{
		{"aac digital silence", "bbs.ts", []span{{KindSilence, 2, 5}}, []string{KindBlack, KindFreeze}, false, 0, 0},
		{"aac tone is not silence", "freeze.ts", nil, []string{KindSilence}, false, 0, 0},
		{"mp2 silence and levels", "mp2.ts", []span{{KindSilence, 2, 5}}, nil, true, -20, -17},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := genFixture(t, tc.fixture)
			var levels []Levels
			ev, err := AnalyseFileBitstream(path, Config{OnLevels: func(l Levels) { levels = append(levels, l) }})
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, ev, tc.want, tc.absent)
			if !tc.levels {
				return
			}
			if len(levels) < 50 {
				t.Fatalf("%d level readings for 7 s, want about 10 a second", len(levels))
			}
			for _, l := range levels {
				tone := (l.TimeS > 0.3 && l.TimeS < 1.8) || (l.TimeS > 5.3 && l.TimeS < 6.8)
				quiet := l.TimeS > 2.3 && l.TimeS < 4.7
				for ch := range l.PeakdB {
					switch {
					case tone && (math.Abs(l.RMSdB[ch]-tc.toneRMS) > 2.5 || math.Abs(l.PeakdB[ch]-tc.tonePeak) > 2.5):
						t.Errorf("t=%.2f ch%d rms %.1f peak %.1f, want about %.0f / %.0f",
							l.TimeS, ch, l.RMSdB[ch], l.PeakdB[ch], tc.toneRMS, tc.tonePeak)
					case quiet && l.PeakdB[ch] > -60:
						t.Errorf("t=%.2f ch%d peak %.1f in the silence", l.TimeS, ch, l.PeakdB[ch])
					}
				}
			}
		})
	}
}

// TestBitstreamAnalyserChunking feeds the same stream whole and in awkward
// chunk sizes: the events must not depend on how the bytes arrive.
func TestBitstreamAnalyserChunking(t *testing.T) {
	data, err := os.ReadFile(genFixture(t, "mp2.ts"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(chunk int) []Event {
		var got []Event
		b := NewBitstreamAnalyser(Config{OnEvent: func(e Event) { got = append(got, e) }})
		for rest := data; len(rest) > 0; {
			n := min(chunk, len(rest))
			_, _ = b.Write(rest[:n])
			rest = rest[n:]
		}
		b.Finish()
		return got
	}
	want := run(len(data))
	if len(want) != 2 {
		t.Fatalf("whole stream gave %+v, want a silence start and end", want)
	}
	for _, chunk := range []int{1, 7, 188, 1316, 4096} {
		if got := run(chunk); !slices.Equal(got, want) {
			t.Errorf("chunks of %d: %+v, want %+v", chunk, got, want)
		}
	}
}
