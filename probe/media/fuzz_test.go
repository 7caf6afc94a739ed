package media

import (
	"os"
	"testing"
)

// seedFrames adds the first frames of a generated stream to the corpus.
func seedFrames(f *testing.F, fixture string, frameLen func([]byte) int) {
	if !Available() {
		return
	}
	b, err := os.ReadFile(genFixture(f, fixture))
	if err != nil {
		f.Fatal(err)
	}
	for i := 0; i < 3 && len(b) > 0; i++ {
		n := frameLen(b)
		if n <= 0 || n > len(b) {
			return
		}
		f.Add(b[:n])
		b = b[n:]
	}
}

func FuzzAACSilence(f *testing.F) {
	f.Add([]byte{0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc, 0x21, 0x00, 0x49, 0x90, 0x02, 0x19, 0x00, 0x23, 0x80})
	f.Add([]byte{0xff, 0xf0, 0x4c, 0x80, 0x01, 0x3f, 0xfc})
	adtsLen := func(b []byte) int {
		h, err := ParseADTSHeader(b)
		if err != nil {
			return 0
		}
		return h.FrameLen
	}
	seedFrames(f, "silence.aac", adtsLen)
	seedFrames(f, "tone.aac", adtsLen)
	f.Fuzz(func(t *testing.T, b []byte) {
		silent, h, err := ADTSFrameSilent(b)
		if err != nil && silent {
			t.Fatalf("silent with error %v", err)
		}
		if err == nil && (h.FrameLen > len(b) || h.FrameLen < h.HeaderLen() || h.SampleRate == 0) {
			t.Fatalf("accepted bad header %+v for %d bytes", h, len(b))
		}
	})
}

func FuzzMP2Level(f *testing.F) {
	f.Add([]byte{0xff, 0xfd, 0x84, 0x04, 0x00, 0x00, 0x00, 0x00})
	f.Add([]byte{0xff, 0xfc, 0xa4, 0xc0, 0x12, 0x34, 0x56, 0x78, 0x9a})
	mp2Len := func(b []byte) int {
		h, err := ParseMP2Header(b)
		if err != nil {
			return 0
		}
		return h.FrameLen
	}
	seedFrames(f, "tone.mp2", mp2Len)
	seedFrames(f, "silence.mp2", mp2Len)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, lv, err := MP2FrameLevel(b)
		if err != nil {
			return
		}
		if len(lv.PeakdB) != h.Channels || len(lv.RMSdB) != h.Channels || h.FrameLen <= 4 {
			t.Fatalf("header %+v levels %+v", h, lv)
		}
		for ch := range h.Channels {
			// scalefactor 0 is 2.0 (+6 dB); the RMS sum of 32 subbands can add 15 dB.
			if lv.PeakdB[ch] < FloorDB || lv.PeakdB[ch] > 6.1 || lv.RMSdB[ch] < FloorDB || lv.RMSdB[ch] > 22 {
				t.Fatalf("level out of range: %+v", lv)
			}
		}
	})
}

// FuzzBitstreamTS feeds arbitrary bytes, with a valid PAT and PMT in front,
// to the pure-Go analyser: it must never panic.
func FuzzBitstreamTS(f *testing.F) {
	if Available() {
		b, err := os.ReadFile(genFixture(f, "mp2.ts"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 188*40)])
	}
	f.Add([]byte{0x47, 0x41, 0x01, 0x10, 0, 0, 1, 0xc0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1, 0xff, 0xfd})
	f.Fuzz(func(t *testing.T, b []byte) {
		a := NewBitstreamAnalyser(Config{})
		_, _ = a.Write(psiHeader)
		_, _ = a.Write(b)
		a.Finish()
		for _, e := range a.Events() {
			if e.EndS != 0 && e.EndS < e.StartS {
				t.Fatalf("event ends before it starts: %+v", e)
			}
		}
	})
}
