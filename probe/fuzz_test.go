package probe

import (
	"context"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

// FuzzPacketLoop feeds arbitrary bytes, cut in two writes, and asks for a
// report: the analyser must never panic or hang.
func FuzzPacketLoop(f *testing.F) {
	bars, cc := readFixture(f, "bars_tone.ts"), readFixture(f, "cc_errors.ts")
	f.Add(bars[:188*40], 100)
	f.Add(cc[188*50:188*120], 7)
	f.Add([]byte{0x47, 0x40, 0x00, 0x10, 0x00}, 1)
	f.Add(append(append([]byte{}, bars[:188*3]...), 0x47, 0, 0, 0x47), 300)
	cues := readFixture(f, "scte35_cues.ts") // SDT, SCTE-35 PID and cue sections
	f.Add(cues[:188*130], 188*84+50)
	f.Fuzz(func(t *testing.T, data []byte, cut int) {
		a := NewAnalyzer(context.Background(), Options{})
		if cut < 0 {
			cut = -cut
		}
		cut %= len(data) + 1
		_, _ = a.Write(data[:cut])
		_ = a.Report()
		_, _ = a.Write(data[cut:])
		a.Flush()
		r := a.Report()
		if r.Bytes != uint64(len(data)) {
			t.Fatalf("bytes %d, want %d", r.Bytes, len(data))
		}
	})
}

// psiStream wraps a PAT pointing at PMT PID 0x1000 and the fuzzed PMT
// section (with its CRC fixed when fix is set, so the parsers behind the CRC
// check are reached) plus a PES on each PID the section might list.
func psiStream(section []byte, fix bool, pes []byte) []byte {
	pat := []byte{0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xf0, 0x00}
	pat = appendCRC(pat)
	sec := append([]byte(nil), section...)
	if fix && len(sec) >= 8 {
		l := len(sec) - 3 + 4
		sec[1] = sec[1]&0xf0 | byte(l>>8)&0x0f
		sec[2] = byte(l)
		sec = appendCRC(sec)
	}
	var out []byte
	var cc [ts.NumPIDs]byte
	put := func(pid uint16, payload []byte, pusi bool) {
		for first := true; first || len(payload) > 0; first = false {
			p := make([]byte, PacketSize)
			p[0], p[1], p[2], p[3] = ts.SyncByte, byte(pid>>8), byte(pid), 0x10|cc[pid]
			cc[pid] = (cc[pid] + 1) & 0x0f
			if first && pusi {
				p[1] |= 0x40
			}
			n := copy(p[4:], payload)
			payload = payload[n:]
			for i := 4 + n; i < PacketSize; i++ {
				p[i] = 0xff
			}
			out = append(out, p...)
		}
	}
	for range 3 {
		put(0, append([]byte{0}, pat...), true)
		put(0x1000, append([]byte{0}, sec...), true)
		for _, pid := range []uint16{0x100, 0x101, 0x102} {
			put(pid, pes, true)
		}
	}
	return out
}

func appendCRC(b []byte) []byte {
	c := ts.CRC32(b)
	return append(b, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

// FuzzPSI checks PMT handling (ours and go-astits') on arbitrary sections.
func FuzzPSI(f *testing.F) {
	pmt := []byte{0x02, 0xb0, 0x00, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe1, 0x00, 0xf0, 0x00,
		0x1b, 0xe1, 0x00, 0xf0, 0x00, 0x0f, 0xe1, 0x01, 0xf0, 0x06, 0x0a, 0x04, 'e', 'n', 'g', 0x00,
		0x06, 0xe1, 0x02, 0xf0, 0x03, 0x6a, 0x01, 0x00}
	pes := []byte{0, 0, 1, 0xe0, 0, 0, 0x80, 0x80, 5, 0x21, 0, 1, 0, 1, 0, 0, 0, 1, 0x67, 0x64, 0, 0x1e}
	f.Add(pmt, true, pes)
	f.Add(pmt, false, pes)
	f.Add([]byte{0x02, 0xb0}, true, []byte{})
	// PID 0x102 as an SCTE-35 PID: the PES bytes land in its section reassembly.
	scte := append(append([]byte(nil), pmt[:28]...), 0x86, 0xe1, 0x02, 0xf0, 0x00)
	f.Add(scte, true, []byte{0x00, 0xfc, 0x30, 0x11, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xf0, 0, 0, 0, 0})
	f.Fuzz(func(_ *testing.T, section []byte, fix bool, pes []byte) {
		if len(section) > 1100 || len(pes) > 4000 {
			return
		}
		_ = analyse(psiStream(section, fix, pes))
	})
}

// FuzzCodec runs the codec parsers on arbitrary PES payloads.
func FuzzCodec(f *testing.F) {
	bars := readFixture(f, "bars_tone.ts")
	f.Add(byte(0x1b), bars[4:188])
	f.Add(byte(0x0f), []byte{0xff, 0xf1, 0x50, 0x80, 0x02, 0x1f, 0xfc})
	f.Add(byte(0x81), []byte{0x0b, 0x77, 0, 0, 0x10, 0x40, 0x40, 0, 0, 0})
	f.Add(byte(0x02), []byte{0, 0, 1, 0xb3, 0x2d, 0x02, 0x40, 0x33, 0, 0, 1, 0xb5, 0x14, 0x8a})
	f.Fuzz(func(_ *testing.T, stype byte, data []byte) {
		s := Stream{StreamType: stype}
		s.Kind, s.Codec = kindCodec(stype)
		for _, c := range []string{s.Codec, "h264", "hevc", "aac", "mp2", "ac3", "mpeg2video"} {
			s2 := s
			s2.Codec = c
			detectCodec(&s2, data)
		}
	})
}
