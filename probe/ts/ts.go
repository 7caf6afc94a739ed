// Package ts is srtscope's one MPEG-TS packet layer (ISO/IEC 13818-1): the
// 4-byte packet header, the adaptation field with its PCR, the payload
// offset, and the PTS/DTS of a PES header, read and written in place.
//
// Every part of srtscope that looks at TS packets uses it: the probe's
// packet loop, the pure-Go media bitstream analyser and its PSI scan, the
// sender's PCR pacing and its loop splicer. It is a leaf: it imports only
// the standard library, so that package session may use it without
// importing package probe.
//
// The hot path is allocation-free: HeaderOf and AdaptationOf decode without
// checks for a packet loop that has already found the sync byte, and return
// values, not pointers. ParseHeader and ParseAdaptation do the same with
// every check and an *Error naming the field that is wrong.
package ts

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Sizes, limits and clocks of the transport stream.
const (
	PacketSize = 188        // bytes in a TS packet
	HeaderSize = 4          // bytes in the packet header
	SyncByte   = 0x47       // first byte of every packet
	NullPID    = 0x1fff     // stuffing packets
	NumPIDs    = 8192       // PIDs are 13 bits
	PCRHz      = 27_000_000 // PCR ticks per second
	PTSHz      = 90_000     // PTS/DTS ticks per second
	PTSWrap    = 1 << 33    // PTS and DTS count modulo 2^33
	PCRWrap    = PTSWrap * 300

	// MaxAdaptationLength is the largest adaptation_field_length: the
	// field fills the packet after the header and the length byte.
	MaxAdaptationLength = PacketSize - HeaderSize - 1
)

// Error is a field of a packet or PES header that has a value the standard
// does not allow, or that does not fit in the bytes given.
type Error struct {
	Field string // the field, as ISO/IEC 13818-1 names it
	Got   int    // its value (or, for lengths, the bytes there are)
	Want  string // what was expected
	hex   bool   // print Got in hex
}

func (e *Error) Error() string {
	if e.hex {
		return fmt.Sprintf("ts: %s %#02x, want %s", e.Field, e.Got, e.Want)
	}
	return fmt.Sprintf("ts: %s %d, want %s", e.Field, e.Got, e.Want)
}

// Header is the 4-byte packet header as one big-endian word. Its methods
// decode the fields; it costs one load and a shift per field.
type Header uint32

// HeaderOf returns the header of p without any check. p must hold at least
// HeaderSize bytes.
func HeaderOf(p []byte) Header { return Header(binary.BigEndian.Uint32(p)) }

// NewHeader builds the header of a packet with the sync byte, the given PID
// (13 bits), payload_unit_start_indicator, adaptation_field_control (2 bits)
// and continuity counter (4 bits), and every other bit 0.
func NewHeader(pid uint16, pusi bool, afc, cc uint8) Header {
	h := Header(SyncByte)<<24 | Header(pid&0x1fff)<<8 | Header(afc&3)<<4 | Header(cc&0x0f)
	if pusi {
		h |= 0x40 << 16
	}
	return h
}

// Put writes h into the first HeaderSize bytes of b.
func (h Header) Put(b []byte) { binary.BigEndian.PutUint32(b, uint32(h)) }

// ParseHeader returns the header of packet p and checks it: p is a whole
// packet, it starts with the sync byte and adaptation_field_control is not
// the reserved value 0. The header is returned with the error too, so that
// a caller may still count the packet.
func ParseHeader(p []byte) (Header, error) {
	if len(p) < PacketSize {
		if len(p) < HeaderSize {
			return 0, &Error{Field: "packet length", Got: len(p), Want: "188"}
		}
		return HeaderOf(p), &Error{Field: "packet length", Got: len(p), Want: "188"}
	}
	h := HeaderOf(p)
	if h.Sync() != SyncByte {
		return h, &Error{Field: "sync byte", Got: int(h.Sync()), Want: "0x47", hex: true}
	}
	if h.AFC() == 0 {
		return h, &Error{Field: "adaptation_field_control", Got: 0, Want: "1, 2 or 3 (0 is reserved)"}
	}
	return h, nil
}

// Sync is the first byte, SyncByte in a packet that is in sync.
func (h Header) Sync() uint8 { return uint8(h >> 24) }

// TEI is the transport_error_indicator: a demodulator or the sender marked
// the packet as damaged.
func (h Header) TEI() bool { return h&(0x80<<16) != 0 }

// PUSI is the payload_unit_start_indicator: a PES packet or a PSI section
// starts in this packet's payload.
func (h Header) PUSI() bool { return h&(0x40<<16) != 0 }

// Priority is the transport_priority bit.
func (h Header) Priority() bool { return h&(0x20<<16) != 0 }

// PID is the 13-bit packet identifier.
func (h Header) PID() uint16 { return uint16(h>>8) & 0x1fff }

// Scrambling is transport_scrambling_control: 0 for clear packets.
func (h Header) Scrambling() uint8 { return uint8(h>>6) & 3 }

// AFC is adaptation_field_control: 1 payload only, 2 adaptation field
// only, 3 both, 0 reserved (the packet is to be discarded).
func (h Header) AFC() uint8 { return uint8(h>>4) & 3 }

// HasAdaptation reports whether an adaptation field follows the header.
func (h Header) HasAdaptation() bool { return h&0x20 != 0 }

// HasPayload reports whether the packet carries payload (and so whether
// its continuity counter counts).
func (h Header) HasPayload() bool { return h&0x10 != 0 }

// CC is the 4-bit continuity_counter.
func (h Header) CC() uint8 { return uint8(h) & 0x0f }

// Adaptation is the start of an adaptation field: its length and flags.
// Read the PCR, when HasPCR, with PacketPCR: keeping it out of Adaptation
// lets AdaptationOf inline into packet loops, and most adaptation fields
// carry none.
type Adaptation struct {
	// Length is adaptation_field_length, the bytes after the length byte.
	Length int
	// Flags is the byte of flags after the length; 0 when Length is 0 or
	// out of range.
	Flags uint8
}

// Adaptation flags.
const (
	FlagDiscontinuity = 0x80 // discontinuity_indicator
	FlagRandomAccess  = 0x40 // random_access_indicator
	FlagESPriority    = 0x20 // elementary_stream_priority_indicator
	FlagPCR           = 0x10 // PCR_flag
	FlagOPCR          = 0x08 // OPCR_flag
	FlagSplicing      = 0x04 // splicing_point_flag
)

// AdaptationOf decodes the adaptation field of packet p, whose header says
// it has one, with no error: a length beyond the packet gives an Adaptation
// with no flags (Valid is false), and a PCR flag in a field too short for
// the PCR gives HasPCR false. p must be a whole packet.
func AdaptationOf(p []byte) Adaptation {
	a := Adaptation{Length: int(p[4])}
	if uint(a.Length-1) < MaxAdaptationLength { // not 0, not beyond the packet
		a.Flags = p[5]
	}
	return a
}

// PacketPCR returns the PCR of packet p, whose adaptation field HasPCR.
func PacketPCR(p []byte) PCR { return ReadPCR(p[6:12]) }

// ParseAdaptation decodes and checks the adaptation field of packet p. A
// packet without one gives the zero Adaptation and no error.
func ParseAdaptation(p []byte) (Adaptation, error) {
	h, err := ParseHeader(p)
	if err != nil {
		return Adaptation{}, err
	}
	if !h.HasAdaptation() {
		return Adaptation{}, nil
	}
	a := AdaptationOf(p)
	switch {
	case !a.Valid():
		return a, &Error{Field: "adaptation_field_length", Got: a.Length, Want: "<= 183"}
	case !h.HasPayload() && a.Length != MaxAdaptationLength:
		return a, &Error{Field: "adaptation_field_length", Got: a.Length, Want: "183 without payload"}
	case h.HasPayload() && a.Length == MaxAdaptationLength:
		return a, &Error{Field: "adaptation_field_length", Got: a.Length, Want: "<= 182 with payload"}
	case a.Flags&FlagPCR != 0 && a.Length < 7:
		return a, &Error{Field: "adaptation_field_length", Got: a.Length, Want: ">= 7 with PCR_flag"}
	}
	return a, nil
}

// Valid reports whether the field fits in the packet.
func (a Adaptation) Valid() bool { return a.Length <= MaxAdaptationLength }

// End is the offset in the packet of the first byte after the field: where
// the payload starts.
func (a Adaptation) End() int { return HeaderSize + 1 + a.Length }

// Discontinuity is the discontinuity_indicator: the continuity counter
// or the PCR jumps here on purpose.
func (a Adaptation) Discontinuity() bool { return a.Flags&FlagDiscontinuity != 0 }

// RandomAccess is the random_access_indicator: decoding can start here.
func (a Adaptation) RandomAccess() bool { return a.Flags&FlagRandomAccess != 0 }

// HasPCR reports whether the field carries a PCR.
func (a Adaptation) HasPCR() bool { return a.Flags&FlagPCR != 0 && a.Length >= 7 }

// PayloadOffset returns where the payload of packet p starts, and false
// when it has none: adaptation_field_control says so, or the adaptation
// field fills (or overflows) the packet. p must be a whole packet.
func PayloadOffset(p []byte) (int, bool) {
	h := HeaderOf(p)
	if !h.HasPayload() {
		return 0, false
	}
	off := HeaderSize
	if h.HasAdaptation() {
		off += 1 + int(p[4])
	}
	return off, off < PacketSize
}

// Payload returns the payload of packet p, or nil when it has none (see
// PayloadOffset). p must be a whole packet.
func Payload(p []byte) []byte {
	off, ok := PayloadOffset(p)
	if !ok {
		return nil
	}
	return p[off:PacketSize]
}

// PCR is a program clock reference in 27 MHz ticks, 0 <= PCR < PCRWrap.
type PCR int64

// NewPCR makes a PCR of its 33-bit 90 kHz base and 9-bit extension.
func NewPCR(base, ext int64) PCR { return PCR(base*300 + ext) }

// Base is the 33-bit base, in 90 kHz ticks.
func (c PCR) Base() int64 { return int64(c) / 300 }

// Ext is the 9-bit extension, 0..299.
func (c PCR) Ext() int64 { return int64(c) % 300 }

// Duration is the PCR as time since PCR 0.
func (c PCR) Duration() time.Duration { return TicksToDuration(int64(c)) }

// Since returns the 27 MHz ticks from prev to c across the wrap at PCRWrap:
// the step with the smallest magnitude, in (-PCRWrap/2, PCRWrap/2].
func (c PCR) Since(prev PCR) int64 {
	d := int64(c-prev) % PCRWrap
	if d < 0 {
		d += PCRWrap
	}
	if d > PCRWrap/2 {
		d -= PCRWrap
	}
	return d
}

// Add returns c moved by ticks, modulo PCRWrap.
func (c PCR) Add(ticks int64) PCR {
	v := (int64(c) + ticks) % PCRWrap
	if v < 0 {
		v += PCRWrap
	}
	return PCR(v)
}

// TicksToDuration converts 27 MHz ticks to a Duration.
func TicksToDuration(ticks int64) time.Duration {
	return time.Duration(ticks / 27 * int64(time.Microsecond))
}

// ReadPCR decodes the 6 bytes of a PCR (or OPCR) field: 33-bit base, 6
// reserved bits, 9-bit extension. An extension of 300 or more (not allowed,
// but 9 bits hold up to 511) counts as base*300+ext, taken modulo PCRWrap.
func ReadPCR(b []byte) PCR {
	b = b[:6]
	base := int64(b[0])<<25 | int64(b[1])<<17 | int64(b[2])<<9 | int64(b[3])<<1 | int64(b[4])>>7
	ext := int64(b[4]&1)<<8 | int64(b[5])
	v := base*300 + ext
	if v >= PCRWrap {
		v -= PCRWrap
	}
	return PCR(v)
}

// PutPCR writes c into the 6 bytes of a PCR field, with the reserved bits
// set. c must be in [0, PCRWrap).
func PutPCR(b []byte, c PCR) {
	b = b[:6]
	base, ext := c.Base(), c.Ext()
	b[0] = byte(base >> 25)
	b[1] = byte(base >> 17)
	b[2] = byte(base >> 9)
	b[3] = byte(base >> 1)
	b[4] = byte(base<<7) | 0x7e | byte(ext>>8)
	b[5] = byte(ext)
}
