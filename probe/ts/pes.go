package ts

// Offsets in a PES packet of the fields the packet layer reads.
const (
	pesMinHeader = 6  // start code prefix, stream_id, PES_packet_length
	pesOptional  = 9  // ... and the two flag bytes and PES_header_data_length
	PTSOffset    = 9  // the PTS, when PES.PTS >= 0
	DTSOffset    = 14 // the DTS, when PES.DTS >= 0
)

// PES is what the packet layer reads of a PES packet header.
type PES struct {
	StreamID uint8
	// PacketLength is PES_packet_length: the bytes after the field, 0
	// for unbounded (video).
	PacketLength int
	// Optional reports whether the MPEG-2 optional header (flags and
	// PES_header_data_length) follows; not for padding, private_stream_2
	// and the other stream_ids without it.
	Optional bool
	// HeaderLength is PES_header_data_length, 0 without Optional.
	HeaderLength int
	// PTS and DTS are 33-bit 90 kHz timestamps, -1 when absent.
	PTS, DTS int64
}

// DataOffset is where the elementary stream data starts, counted from the
// start code. It may lie beyond the bytes given to ParsePES.
func (h PES) DataOffset() int {
	if !h.Optional {
		return pesMinHeader
	}
	return pesOptional + h.HeaderLength
}

// hasOptional reports whether a PES with this stream_id has the optional
// header: every stream but program_stream_map, padding, private_stream_2,
// ECM, EMM, DSMCC, H.222.1 type E and the program_stream_directory.
func hasOptional(id uint8) bool {
	switch id {
	case 0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff:
		return false
	}
	return true
}

// ParsePES reads the PES header at the start of b, the payload of a packet
// whose payload_unit_start_indicator is set. A PTS (DTS) is returned when
// PTS_DTS_flags announce it, PES_header_data_length leaves room for it and b
// holds it; b need not hold the whole header. When the error is in the
// optional header, StreamID and PacketLength are returned with it.
func ParsePES(b []byte) (PES, error) {
	h := PES{PTS: -1, DTS: -1}
	if len(b) < pesMinHeader {
		return h, &Error{Field: "PES header length", Got: len(b), Want: ">= 6"}
	}
	if b[0] != 0 || b[1] != 0 || b[2] != 1 {
		return h, &Error{Field: "packet_start_code_prefix", Got: int(b[0])<<16 | int(b[1])<<8 | int(b[2]), Want: "0x000001", hex: true}
	}
	h.StreamID = b[3]
	h.PacketLength = int(b[4])<<8 | int(b[5])
	if !hasOptional(h.StreamID) {
		return h, nil
	}
	if len(b) < pesOptional {
		return h, &Error{Field: "PES header length", Got: len(b), Want: ">= 9"}
	}
	if b[6]&0xc0 != 0x80 {
		return h, &Error{Field: "PES header marker bits", Got: int(b[6] >> 6), Want: "0b10"}
	}
	h.Optional = true
	h.HeaderLength = int(b[8])
	flags := b[7] >> 6
	if flags&2 != 0 && h.HeaderLength >= 5 && len(b) >= PTSOffset+5 {
		h.PTS = ReadTimestamp(b[PTSOffset:])
		if flags == 3 && h.HeaderLength >= 10 && len(b) >= DTSOffset+5 {
			h.DTS = ReadTimestamp(b[DTSOffset:])
		}
	}
	return h, nil
}

// ReadTimestamp decodes a 33-bit PTS or DTS spread over 5 bytes with
// marker bits.
func ReadTimestamp(b []byte) int64 {
	b = b[:5]
	return int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// PutTimestamp writes the 33-bit t (taken modulo PTSWrap) into the 5 bytes
// of a PTS or DTS field, keeping the 4-bit prefix of b[0] and setting the
// marker bits.
func PutTimestamp(b []byte, t int64) {
	b = b[:5]
	b[0] = b[0]&0xf0 | byte(t>>29)&0x0e | 1
	b[1] = byte(t >> 22)
	b[2] = byte(t>>14) | 1
	b[3] = byte(t >> 7)
	b[4] = byte(t<<1) | 1
}

// AddTimestamp returns t moved by d 90 kHz ticks, modulo PTSWrap.
func AddTimestamp(t, d int64) int64 { return (t + d) & (PTSWrap - 1) }

// TimestampDelta returns the 90 kHz ticks from prev to t across the wrap
// at PTSWrap: the step with the smallest magnitude, in (-PTSWrap/2,
// PTSWrap/2].
func TimestampDelta(prev, t int64) int64 {
	d := (t - prev) & (PTSWrap - 1)
	if d > PTSWrap/2 {
		d -= PTSWrap
	}
	return d
}
