package ts

import (
	"testing"
)

// FuzzPacket: no input makes the decoders panic, the checked and
// unchecked decoders agree, and what is written reads back.
func FuzzPacket(f *testing.F) {
	f.Add(packet(0x41, 0x00, 0x30, 7, 0x50, 1, 2, 3, 4, 5, 6, 0, 0, 1, 0xe0, 0, 0, 0x80, 0xc0, 10, 0x31, 0, 1, 0, 1, 0x11, 0, 1, 0, 1))
	f.Add(packet(0x00, 0x00, 0x20, 183, 0x00))
	f.Add(packet(0x00, 0x00, 0x30, 184, 0x10))
	f.Add(packet(0x00, 0x00, 0x00))
	f.Add([]byte{0x47, 0x40})
	f.Fuzz(func(t *testing.T, p []byte) {
		h, err := ParseHeader(p)
		if err == nil {
			if len(p) < PacketSize || h.Sync() != SyncByte || h.AFC() == 0 {
				t.Fatalf("header %08x of %d bytes accepted", uint32(h), len(p))
			}
		}
		if len(p) < PacketSize {
			_, _ = ParseAdaptation(p)
			_, _ = ParsePES(p)
			return
		}
		p = p[:PacketSize]
		a, aerr := ParseAdaptation(p)
		if aerr == nil && !a.Valid() {
			t.Fatalf("adaptation %+v accepted", a)
		}
		if err == nil && h.HasAdaptation() && a != AdaptationOf(p) {
			t.Fatalf("ParseAdaptation %+v, AdaptationOf %+v", a, AdaptationOf(p))
		}
		if pl := Payload(p); pl != nil {
			if !h.HasPayload() || len(pl) == 0 || len(pl) > PacketSize-HeaderSize {
				t.Fatalf("payload of %d bytes, header %08x", len(pl), uint32(h))
			}
			if e, err := ParsePES(pl); err == nil {
				if e.PTS >= PTSWrap || e.DTS >= PTSWrap || e.PTS < -1 || e.DTS < -1 || e.DTS >= 0 && e.PTS < 0 {
					t.Fatalf("PES %+v", e)
				}
				if e.PTS >= 0 {
					q := append([]byte(nil), pl...)
					PutTimestamp(q[PTSOffset:], e.PTS)
					if ReadTimestamp(q[PTSOffset:]) != e.PTS {
						t.Fatalf("PTS %d does not read back", e.PTS)
					}
				}
			}
		}
		if a.HasPCR() {
			pcr := PacketPCR(p)
			if pcr < 0 || pcr >= PCRWrap {
				t.Fatalf("PCR %d out of range", pcr)
			}
			var b [6]byte
			PutPCR(b[:], pcr)
			if ReadPCR(b[:]) != pcr {
				t.Fatalf("PCR %d does not read back", pcr)
			}
		}
	})
}
