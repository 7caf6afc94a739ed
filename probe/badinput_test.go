package probe

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func analyse(b []byte) Report {
	a := NewAnalyzer(context.Background(), Options{})
	_, _ = a.Write(b)
	a.Flush()
	return a.Report()
}

// mapPackets rewrites the 188-byte packets of b; f returns nil to drop one.
func mapPackets(b []byte, f func(i int, p []byte) []byte) []byte {
	var out []byte
	for i := 0; i+PacketSize <= len(b); i += PacketSize {
		p := append([]byte(nil), b[i:i+PacketSize]...)
		out = append(out, f(i/PacketSize, p)...)
	}
	return out
}

func pidOf(p []byte) uint16 { return uint16(p[1]&0x1f)<<8 | uint16(p[2]) }

func hasProblem(r Report, words string) bool {
	for _, p := range r.Problems {
		if strings.Contains(p, words) {
			return true
		}
	}
	return false
}

func TestBadInput(t *testing.T) {
	bars := readFixture(t, "bars_tone.ts")
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 1<<20)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	resize := func(size int) []byte {
		return mapPackets(bars, func(_ int, p []byte) []byte {
			if size == 192 {
				return append([]byte{0x12, 0x34, 0x56, 0x78}, p...)
			}
			return append(p, bytes.Repeat([]byte{0xa5}, size-PacketSize)...)
		})
	}
	garbage := append(append(append([]byte(nil), bars[:188*100]...), random[:1000]...), bars[188*100:]...)
	teiCount := 0
	tei := mapPackets(bars, func(i int, p []byte) []byte {
		if i%50 == 7 {
			p[1] |= 0x80
			teiCount++
		}
		return p
	})
	pesLie := mapPackets(bars, func(_ int, p []byte) []byte {
		off := 4
		if p[3]&0x20 != 0 {
			off += 1 + int(p[4])
		}
		if pidOf(p) == 257 && p[1]&0x40 != 0 && off+9 < len(p) && p[off] == 0 && p[off+1] == 0 && p[off+2] == 1 {
			p[off+5] += 40 // PES_packet_length low byte
		}
		return p
	})
	crcCount := 0
	badCRC := mapPackets(bars, func(_ int, p []byte) []byte {
		if pidOf(p) == 0x1000 && crcCount < 3 {
			p[20] ^= 0xff
			crcCount++
		}
		return p
	})

	tests := []struct {
		name    string
		in      []byte
		problem string // words that must appear in Problems
		check   func(t *testing.T, r Report)
	}{
		{"empty", nil, "0 bytes", func(t *testing.T, r Report) {
			if r.Packets != 0 || len(r.Programs) != 0 {
				t.Errorf("packets %d programs %d", r.Packets, len(r.Programs))
			}
		}},
		{"random bytes", random, "not an MPEG transport stream", nil},
		{"one byte", []byte{0x47}, "not an MPEG transport stream", nil},
		{"truncated", bars[:len(bars)-100], "truncated", func(t *testing.T, r Report) {
			if len(r.Programs) != 1 || len(r.Programs[0].Streams) != 2 {
				t.Errorf("programs %+v", r.Programs)
			}
		}},
		{"204-byte packets", resize(204), "204 bytes", func(t *testing.T, r Report) {
			if r.PacketSize != 204 || r.TR101290.CCError != 0 || len(r.Programs) != 1 || r.Programs[0].Streams[0].Width != 320 {
				t.Errorf("packet size %d cc %d programs %+v", r.PacketSize, r.TR101290.CCError, r.Programs)
			}
		}},
		{"192-byte packets", resize(192), "192 bytes", func(t *testing.T, r Report) {
			if r.PacketSize != 192 || r.TR101290.CCError != 0 || r.Programs[0].Streams[1].SampleRate != 48000 {
				t.Errorf("packet size %d cc %d programs %+v", r.PacketSize, r.TR101290.CCError, r.Programs)
			}
		}},
		{"garbage in the middle", garbage, "lost transport stream sync 1 time", func(t *testing.T, r Report) {
			if r.TR101290.TSSyncLoss != 1 || r.Packets != uint64(len(bars)/188) {
				t.Errorf("sync loss %d packets %d of %d", r.TR101290.TSSyncLoss, r.Packets, len(bars)/188)
			}
		}},
		{"PMT points at nothing", mapPackets(bars, func(_ int, p []byte) []byte {
			if pidOf(p) == 257 {
				return nil
			}
			return p
		}), "lists PID 257 (aac audio) but no packet", func(t *testing.T, r Report) {
			if r.TR101290.PIDError == 0 {
				t.Error("pid_error = 0")
			}
		}},
		{"no PAT", mapPackets(bars, func(_ int, p []byte) []byte {
			if pidOf(p) == 0 {
				return nil
			}
			return p
		}), "no valid PAT", func(t *testing.T, r Report) {
			if r.TR101290.PATError < 6 {
				t.Errorf("pat_error = %d over ~3.7 s, want >= 6", r.TR101290.PATError)
			}
		}},
		{"transport error indicator", tei, "transport error indicator", func(t *testing.T, r Report) {
			if int(r.TR101290.TransportError) != teiCount {
				t.Errorf("transport_error = %d, want %d", r.TR101290.TransportError, teiCount)
			}
		}},
		{"PES length lie", pesLie, "did not hold the number of bytes", nil},
		{"PMT CRC", badCRC, "failed their CRC", func(t *testing.T, r Report) {
			if int(r.TR101290.CRCError) != crcCount {
				t.Errorf("crc_error = %d, want %d", r.TR101290.CRCError, crcCount)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := analyse(tc.in)
			if !hasProblem(r, tc.problem) {
				t.Errorf("problems %q lack %q", r.Problems, tc.problem)
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

// TestChunking checks that the report does not depend on how the input is
// cut into writes (live payloads are 1316 bytes, files 1 MiB, fuzzers 1).
func TestChunking(t *testing.T) {
	in := readFixture(t, "cc_errors.ts")
	in = append(append(append([]byte(nil), in[:5000]...), 1, 2, 3, 0x47, 5), in[5000:]...)
	want := analyse(in)
	rng := rand.New(rand.NewPCG(3, 4))
	for _, maxChunk := range []int{1, 7, 188, 1316, 4096} {
		a := NewAnalyzer(context.Background(), Options{})
		for b := in; len(b) > 0; {
			n := min(len(b), 1+rng.IntN(maxChunk))
			_, _ = a.Write(b[:n])
			b = b[n:]
		}
		a.Flush()
		got := a.Report()
		if got.Packets != want.Packets || got.TR101290 != want.TR101290 || got.Bytes != want.Bytes {
			t.Errorf("chunks <= %d: packets %d tr %+v, want %d %+v", maxChunk, got.Packets, got.TR101290, want.Packets, want.TR101290)
		}
	}
}

// TestConcurrentReport runs Write and Report from two goroutines (for -race).
func TestConcurrentReport(t *testing.T) {
	in := readFixture(t, "mpts.ts")
	a := NewAnalyzer(context.Background(), Options{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for b := in; len(b) > 0; {
			n := min(len(b), 1316)
			_, _ = a.Write(b[:n])
			b = b[n:]
		}
	}()
	for i := 0; i < 50; i++ {
		_ = a.Report()
	}
	<-done
	a.Flush()
	if r := a.Report(); len(r.Programs) != 2 {
		t.Fatalf("programs %+v", r.Programs)
	}
}

// TestPMTVersionChange rewrites the PMT half-way with a new version number
// and the audio stream re-typed as MP2: the change must be noticed.
func TestPMTVersionChange(t *testing.T) {
	bars := readFixture(t, "bars_tone.ts")
	half := len(bars) / PacketSize / 2
	in := mapPackets(bars, func(i int, p []byte) []byte {
		if i < half || pidOf(p) != 0x1000 || p[1]&0x40 == 0 || p[4] != 0 {
			return p
		}
		s := p[5:]
		n := 3 + (int(s[1]&0x0f)<<8 | int(s[2]))
		s[5] = s[5]&0xc1 | 3<<1 // version 3
		for j := 12 + (int(s[10]&0x0f)<<8 | int(s[11])); j+5 <= n-4; j += 5 + (int(s[j+3]&0x0f)<<8 | int(s[j+4])) {
			if s[j] == 0x0f {
				s[j] = 0x03
			}
		}
		c := ts.CRC32(s[:n-4])
		s[n-4], s[n-3], s[n-2], s[n-1] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
		return p
	})
	r := analyse(in)
	if len(r.Programs) != 1 {
		t.Fatalf("programs %+v", r.Programs)
	}
	p := r.Programs[0]
	if p.PMTChanges != 1 || p.PMTVersion != 3 || p.Streams[1].StreamType != 3 || p.Streams[1].Codec != "mp2" {
		t.Errorf("changes %d version %d streams %+v", p.PMTChanges, p.PMTVersion, p.Streams)
	}
	if !hasProblem(r, "PMT of program 1 changed") || r.TR101290.CRCError != 0 {
		t.Errorf("problems %q crc %d", r.Problems, r.TR101290.CRCError)
	}
}
