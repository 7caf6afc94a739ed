package ts

import (
	"errors"
	"testing"
	"time"
)

// packet returns a 188-byte packet with the given header bytes 1..3 and
// adaptation field (length byte first), the rest 0xff.
func packet(b1, b2, b3 byte, af ...byte) []byte {
	p := make([]byte, PacketSize)
	p[0], p[1], p[2], p[3] = SyncByte, b1, b2, b3
	for i := 4; i < PacketSize; i++ {
		p[i] = 0xff
	}
	copy(p[4:], af)
	return p
}

func TestParseHeader(t *testing.T) {
	cases := []struct {
		name  string
		p     []byte
		pid   uint16
		tei   bool
		pusi  bool
		prio  bool
		scr   uint8
		afc   uint8
		cc    uint8
		field string // of the error, "" none
	}{
		{"payload only", packet(0x41, 0x00, 0x17), 0x100, false, true, false, 0, 1, 7, ""},
		{"every flag", packet(0xff, 0xff, 0xff, 183), 0x1fff, true, true, true, 3, 3, 15, ""},
		{"adaptation only", packet(0x00, 0x11, 0x2a, 183), 0x11, false, false, false, 0, 2, 10, ""},
		{"reserved afc", packet(0x00, 0x20, 0x05), 0x20, false, false, false, 0, 0, 5, "adaptation_field_control"},
		{"bad sync", append([]byte{0x12}, packet(0, 0, 0x10)[1:]...), 0, false, false, false, 0, 1, 0, "sync byte"},
		{"short", packet(0x00, 0x00, 0x10)[:100], 0, false, false, false, 0, 1, 0, "packet length"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ParseHeader(c.p)
			var e *Error
			if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &e) || e.Field != c.field) {
				t.Fatalf("error %v, want one about %q", err, c.field)
			}
			if h.PID() != c.pid || h.TEI() != c.tei || h.PUSI() != c.pusi || h.Priority() != c.prio ||
				h.Scrambling() != c.scr || h.AFC() != c.afc || h.CC() != c.cc {
				t.Errorf("header %08x: pid %#x tei %v pusi %v prio %v scr %d afc %d cc %d",
					uint32(h), h.PID(), h.TEI(), h.PUSI(), h.Priority(), h.Scrambling(), h.AFC(), h.CC())
			}
			if h.HasAdaptation() != (c.afc&2 != 0) || h.HasPayload() != (c.afc&1 != 0) {
				t.Errorf("afc %d: adaptation %v payload %v", c.afc, h.HasAdaptation(), h.HasPayload())
			}
		})
	}
	if _, err := ParseHeader(nil); err == nil {
		t.Error("no error for an empty packet")
	}
}

func TestErrorText(t *testing.T) {
	_, err := ParseHeader(append([]byte{0x12}, packet(0, 0, 0x10)[1:]...))
	if got, want := err.Error(), "ts: sync byte 0x12, want 0x47"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}

func TestNewHeader(t *testing.T) {
	for _, c := range []struct {
		pid     uint16
		pusi    bool
		afc, cc uint8
	}{{0, true, 1, 0}, {0x1fff, false, 3, 15}, {0x100, true, 2, 9}} {
		b := make([]byte, 4)
		NewHeader(c.pid, c.pusi, c.afc, c.cc).Put(b)
		h, err := ParseHeader(append(b, make([]byte, PacketSize-4)...))
		if err != nil || h.PID() != c.pid || h.PUSI() != c.pusi || h.AFC() != c.afc || h.CC() != c.cc || h.TEI() {
			t.Errorf("%+v: % x %v", c, b, err)
		}
	}
}

func TestAdaptation(t *testing.T) {
	pcrField := []byte{0x12, 0x34, 0x56, 0x78, 0xfe, 0x2b} // reserved bits set, extension 0x12b
	pcr := ReadPCR(pcrField)
	cases := []struct {
		name    string
		p       []byte
		length  int
		flags   uint8
		hasPCR  bool
		disc    bool
		payload int // offset, -1 none
		field   string
	}{
		{"no adaptation", packet(0x40, 0x00, 0x10), 0, 0, false, false, 4, ""},
		{"adaptation only, stuffing", packet(0x00, 0x00, 0x20, 183, 0x00), 183, 0, false, false, -1, ""},
		{"adaptation only, short", packet(0x00, 0x00, 0x20, 100, 0x00), 100, 0, false, false, -1, "adaptation_field_length"},
		{"length 0", packet(0x00, 0x00, 0x30, 0), 0, 0, false, false, 5, ""},
		{"length 0 ignores flags byte", packet(0x00, 0x00, 0x30, 0, 0xd0), 0, 0, false, false, 5, ""},
		{"length 183 with payload", packet(0x00, 0x00, 0x30, 183, 0x80), 183, 0x80, false, true, -1, "adaptation_field_length"},
		{"length 184", packet(0x00, 0x00, 0x30, 184, 0x90), 184, 0, false, false, -1, "adaptation_field_length"},
		{"length 255", packet(0x00, 0x00, 0x20, 255, 0x90), 255, 0, false, false, -1, "adaptation_field_length"},
		{"PCR", packet(0x00, 0x00, 0x30, append([]byte{7, 0x50}, pcrField...)...), 7, 0x50, true, false, 12, ""},
		{"PCR, discontinuity", packet(0x00, 0x00, 0x30, append([]byte{20, 0x90}, pcrField...)...), 20, 0x90, true, true, 25, ""},
		{"PCR flag, field too short", packet(0x00, 0x00, 0x30, 6, 0x10), 6, 0x10, false, false, 11, "adaptation_field_length"},
		{"reserved afc", packet(0x00, 0x00, 0x00, 7, 0x10), 0, 0, false, false, -1, "adaptation_field_control"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseAdaptation(c.p)
			var e *Error
			if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &e) || e.Field != c.field) {
				t.Fatalf("error %v, want one about %q", err, c.field)
			}
			if c.field == "adaptation_field_control" {
				return
			}
			if a.Length != c.length || a.Flags != c.flags || a.HasPCR() != c.hasPCR || a.Discontinuity() != c.disc {
				t.Errorf("got %+v (pcr %v disc %v)", a, a.HasPCR(), a.Discontinuity())
			}
			if c.hasPCR && PacketPCR(c.p) != pcr {
				t.Errorf("PCR %d, want %d", PacketPCR(c.p), pcr)
			}
			if HeaderOf(c.p).HasAdaptation() && AdaptationOf(c.p) != a {
				t.Errorf("AdaptationOf %+v, ParseAdaptation %+v", AdaptationOf(c.p), a)
			}
			off, ok := PayloadOffset(c.p)
			if !ok {
				off = -1
			}
			if off != c.payload {
				t.Errorf("payload at %d, want %d", off, c.payload)
			}
			if pl := Payload(c.p); (pl == nil) != (c.payload < 0) || pl != nil && len(pl) != PacketSize-c.payload {
				t.Errorf("payload of %d bytes, want it at %d", len(pl), c.payload)
			}
		})
	}
}

func TestPCR(t *testing.T) {
	for _, c := range []struct {
		name       string
		prev, cur  PCR
		since      int64
		base, ext  int64
		durationUS int64
	}{
		{"step", 27_000_000, 27_000_000 + 1_080_000, 1_080_000, 93_600, 0, 1_040_000},
		{"backwards", 1_080_000, 0, -1_080_000, 0, 0, 0},
		{"wrap", PCRWrap - 300, 299, 599, 0, 299, 11},
		{"wrap backwards", 299, PCRWrap - 300, -599, PTSWrap - 1, 0, (PCRWrap - 300) / 27},
		{"half", 0, PCRWrap / 2, PCRWrap / 2, PTSWrap / 2, 0, PCRWrap / 2 / 27},
	} {
		t.Run(c.name, func(t *testing.T) {
			if d := c.cur.Since(c.prev); d != c.since {
				t.Errorf("Since %d, want %d", d, c.since)
			}
			if got := c.prev.Add(c.since); got != c.cur {
				t.Errorf("Add %d, want %d", got, c.cur)
			}
			if c.cur.Base() != c.base || c.cur.Ext() != c.ext || NewPCR(c.base, c.ext) != c.cur {
				t.Errorf("base %d ext %d, want %d %d", c.cur.Base(), c.cur.Ext(), c.base, c.ext)
			}
			if d := c.cur.Duration(); d != time.Duration(c.durationUS)*time.Microsecond {
				t.Errorf("duration %v, want %d µs", d, c.durationUS)
			}
			b := []byte{0, 0, 0, 0, 0, 0}
			PutPCR(b, c.cur)
			if got := ReadPCR(b); got != c.cur || b[4]&0x7e != 0x7e {
				t.Errorf("PCR %d read back as %d (% x)", c.cur, got, b)
			}
		})
	}
}

// TestPCRExtensionOutOfRange: a 9-bit extension above 299 is not allowed;
// it still reads as base*300+ext, inside [0, PCRWrap).
func TestPCRExtensionOutOfRange(t *testing.T) {
	for _, c := range []struct {
		name string
		b    []byte
		want PCR
	}{
		{"ext 511 at base 0", []byte{0, 0, 0, 0, 0x7f, 0xff}, 511},
		{"ext 300 at base 1", []byte{0, 0, 0, 0, 0xff, 0x2c}, 600},
		{"ext 511 at the last base", []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, (PTSWrap-1)*300 + 511 - PCRWrap},
	} {
		if got := ReadPCR(c.b); got != c.want {
			t.Errorf("%s: %d, want %d", c.name, got, c.want)
		}
	}
}

// pes returns a PES header with the given stream_id, flags and header
// length, and the PTS/DTS fields following it.
func pes(id, flags, hl byte, rest ...byte) []byte {
	return append([]byte{0, 0, 1, id, 0x01, 0x23, 0x80, flags, hl}, rest...)
}

func TestParsePES(t *testing.T) {
	ptsField := func(prefix byte, v int64) []byte {
		b := []byte{prefix << 4, 0, 0, 0, 0}
		PutTimestamp(b, v)
		return b
	}
	both := append(ptsField(3, PTSWrap-1), ptsField(1, 12345)...)
	cases := []struct {
		name     string
		b        []byte
		pts, dts int64
		data     int
		field    string
	}{
		{"PTS", pes(0xe0, 0x80, 5, ptsField(2, 900_000)...), 900_000, -1, 14, ""},
		{"PTS and DTS, wrap edge", pes(0xe0, 0xc0, 10, both...), PTSWrap - 1, 12345, 19, ""},
		{"no timestamps", pes(0xc0, 0x00, 0), -1, -1, 9, ""},
		{"PTS flag, header length too small", pes(0xc0, 0x80, 3, ptsField(2, 1)...), -1, -1, 12, ""},
		{"PTS cut off", pes(0xc0, 0x80, 5, 0x21, 0, 1), -1, -1, 14, ""},
		{"DTS cut off", pes(0xe0, 0xc0, 10, both[:7]...), PTSWrap - 1, -1, 19, ""},
		{"forbidden flags 01", pes(0xe0, 0x40, 5, ptsField(1, 1)...), -1, -1, 14, ""},
		{"padding has no optional header", []byte{0, 0, 1, 0xbe, 0, 10, 0xff, 0xff}, -1, -1, 6, ""},
		{"no start code", pes(0xe0, 0x80, 5, ptsField(2, 1)...)[1:], -1, -1, 0, "packet_start_code_prefix"},
		{"short", []byte{0, 0, 1, 0xe0}, -1, -1, 0, "PES header length"},
		{"MPEG-1 layout", append([]byte{0, 0, 1, 0xe0, 0, 0, 0x21}, 0, 1, 0, 1), -1, -1, 0, "PES header marker bits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := ParsePES(c.b)
			var e *Error
			if c.field == "" && err != nil || c.field != "" && (!errors.As(err, &e) || e.Field != c.field) {
				t.Fatalf("error %v, want one about %q", err, c.field)
			}
			if h.PTS != c.pts || h.DTS != c.dts {
				t.Errorf("PTS %d DTS %d, want %d %d", h.PTS, h.DTS, c.pts, c.dts)
			}
			if err == nil && h.DataOffset() != c.data {
				t.Errorf("data at %d, want %d", h.DataOffset(), c.data)
			}
		})
	}
}

func TestTimestamps(t *testing.T) {
	for _, c := range []struct {
		prev, cur, delta int64
	}{
		{0, 3600, 3600},
		{3600, 0, -3600},
		{PTSWrap - 1800, 1800, 3600},
		{1800, PTSWrap - 1800, -3600},
		{0, PTSWrap / 2, PTSWrap / 2},
	} {
		if d := TimestampDelta(c.prev, c.cur); d != c.delta {
			t.Errorf("TimestampDelta(%d, %d) = %d, want %d", c.prev, c.cur, d, c.delta)
		}
		if got := AddTimestamp(c.prev, c.delta); got != c.cur {
			t.Errorf("AddTimestamp(%d, %d) = %d, want %d", c.prev, c.delta, got, c.cur)
		}
	}
	for _, v := range []int64{0, 1, 90_000, 1<<32 + 12345, PTSWrap - 1} {
		b := []byte{0x31, 0, 0, 0, 0} // prefix 0011: the PTS of a PTS+DTS pair
		PutTimestamp(b, v)
		if got := ReadTimestamp(b); got != v {
			t.Errorf("PTS %d read back as %d", v, got)
		}
		if b[0]&0xf0 != 0x30 || b[0]&1 != 1 || b[2]&1 != 1 || b[4]&1 != 1 {
			t.Errorf("PTS %d: prefix or marker bits lost: % x", v, b)
		}
	}
	b := []byte{0x21, 0, 0, 0, 0}
	PutTimestamp(b, PTSWrap+5)
	if got := ReadTimestamp(b); got != 5 {
		t.Errorf("PTS 2^33+5 written as %d, want 5", got)
	}
}

// TestHotPathAllocs: the unchecked decoders allocate nothing.
func TestHotPathAllocs(t *testing.T) {
	p := packet(0x41, 0x00, 0x30, 7, 0x50, 1, 2, 3, 4, 5, 6)
	var sink int64
	allocs := testing.AllocsPerRun(100, func() {
		h := HeaderOf(p)
		sink += int64(h.PID())
		if h.HasAdaptation() {
			if AdaptationOf(p).HasPCR() {
				sink += int64(PacketPCR(p))
			}
		}
		sink += int64(len(Payload(p)))
	})
	if allocs != 0 || sink == 0 {
		t.Errorf("%v allocations", allocs)
	}
}
