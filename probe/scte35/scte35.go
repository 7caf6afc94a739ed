// Package scte35 parses the splice_info_section of ANSI/SCTE 35 (digital
// program insertion cueing): the ad-break and programme-boundary cues an
// encoder or playout carries on a PID of stream_type 0x86.
//
// Parse reads one complete section (from table_id to CRC_32), checks its
// CRC_32 (the MPEG-2 CRC of PSI sections) and decodes splice_null,
// splice_insert, time_signal, bandwidth_reservation and private_command,
// and from the descriptor loop the segmentation_descriptor's event id and
// type. Other commands and descriptors are skipped by their lengths. A
// section it cannot read returns an *Error naming the field. The package is
// a leaf but for probe/ts, the TS packet layer, whose section CRC it shares.
package scte35

import (
	"errors"
	"fmt"

	"github.com/srtscope/srtscope/probe/ts"
)

// Section limits and identifiers.
const (
	TableID       = 0xfc       // table_id of splice_info_section
	StreamType    = 0x86       // PMT stream_type of an SCTE-35 PID
	MaxSection    = 3 + 4093   // section_length is 12 bits, at most 4093
	Identifier    = 0x43554549 // "CUEI", identifier of the SCTE-35 descriptors
	PTSHz         = 90_000     // pts_time and durations count 90 kHz ticks
	ptsMask       = 1<<33 - 1
	minSection    = 3 + 10 + 1 + 2 + 4 // header, command type, descriptor_loop_length, CRC_32
	lengthUnknown = 0xfff              // legacy splice_command_length
)

// Splice command types (splice_command_type).
const (
	CmdSpliceNull           = 0x00
	CmdSpliceSchedule       = 0x04
	CmdSpliceInsert         = 0x05
	CmdTimeSignal           = 0x06
	CmdBandwidthReservation = 0x07
	CmdPrivate              = 0xff
)

// Descriptor tags (splice_descriptor_tag).
const (
	TagAvail        = 0x00
	TagDTMF         = 0x01
	TagSegmentation = 0x02
	TagTime         = 0x03
	TagAudio        = 0x04
)

// ErrCRC is what an *Error for a section whose CRC_32 does not match its
// bytes unwraps to: the section was damaged on the way.
var ErrCRC = errors.New("scte35: CRC_32 mismatch")

// Error is a field of a splice_info_section that has a value the standard
// does not allow, or that does not fit in the bytes given.
type Error struct {
	Field string // the field, as ANSI/SCTE 35 names it
	Got   int64  // its value (or, for lengths, the bytes there are)
	Want  string // what was expected
}

func (e *Error) Error() string {
	return fmt.Sprintf("scte35: %s %d, want %s", e.Field, e.Got, e.Want)
}

// Unwrap makes errors.Is(err, ErrCRC) true for a CRC mismatch.
func (e *Error) Unwrap() error {
	if e.Field == "CRC_32" {
		return ErrCRC
	}
	return nil
}

// SpliceTime is a splice_time(): a PTS when TimeSpecified is set.
type SpliceTime struct {
	TimeSpecified bool
	PTS           int64 // pts_time, 33 bits of 90 kHz, before pts_adjustment
}

// BreakDuration is a break_duration().
type BreakDuration struct {
	AutoReturn bool
	Duration   int64 // 33 bits of 90 kHz
}

// Component is one component of a component splice.
type Component struct {
	Tag  uint8
	Time SpliceTime // unset for an immediate splice
}

// SpliceInsert is the splice_insert() command.
type SpliceInsert struct {
	EventID        uint32
	Cancel         bool // splice_event_cancel_indicator: the fields below are unset
	OutOfNetwork   bool // out of the network feed (into the break) when set
	ProgramSplice  bool
	HasDuration    bool
	Immediate      bool
	Time           SpliceTime // program splice, not immediate
	Components     []Component
	Duration       BreakDuration // when HasDuration
	UniqueProgram  uint16
	AvailNum       uint8
	AvailsExpected uint8
}

// PrivateCommand is the private_command() command.
type PrivateCommand struct {
	Identifier uint32
	Data       []byte // a copy
}

// Segmentation is what is read of a segmentation_descriptor().
type Segmentation struct {
	EventID     uint32
	Cancel      bool
	TypeID      uint8 // segmentation_type_id (0x34 provider placement opportunity start, ...)
	HasDuration bool
	Duration    int64 // segmentation_duration, 40 bits of 90 kHz
	UPIDType    uint8
	UPID        []byte // a copy
	Num         uint8  // segment_num
	Expected    uint8  // segments_expected
}

// Descriptor is one splice_descriptor of the descriptor loop.
type Descriptor struct {
	Tag          uint8
	Identifier   uint32        // "CUEI" for SCTE-35's own descriptors
	Segmentation *Segmentation // for a CUEI segmentation_descriptor
}

// Section is a parsed splice_info_section.
type Section struct {
	ProtocolVersion uint8
	SAPType         uint8 // 2 bits; 3 means not specified
	Encrypted       bool  // the command and descriptors are encrypted and were not read
	Algorithm       uint8 // encryption_algorithm
	PTSAdjustment   int64 // 33 bits of 90 kHz, added to every pts_time
	CWIndex         uint8
	Tier            uint16 // 12 bits
	CommandType     uint8
	CommandLength   int // splice_command_length as sent (0xfff: unknown, legacy)

	Insert        *SpliceInsert   // CmdSpliceInsert
	TimeSignal    *SpliceTime     // CmdTimeSignal
	Private       *PrivateCommand // CmdPrivate
	Descriptors   []Descriptor
	CRC           uint32
	CommandParsed bool // the command's fields were read (not encrypted, a known type)
}

// CommandName is the name ANSI/SCTE 35 gives a splice_command_type.
func CommandName(t uint8) string {
	switch t {
	case CmdSpliceNull:
		return "splice_null"
	case CmdSpliceSchedule:
		return "splice_schedule"
	case CmdSpliceInsert:
		return "splice_insert"
	case CmdTimeSignal:
		return "time_signal"
	case CmdBandwidthReservation:
		return "bandwidth_reservation"
	case CmdPrivate:
		return "private_command"
	}
	return fmt.Sprintf("command 0x%02x", t)
}

// AddPTS adds the section's pts_adjustment to a pts_time, modulo 2^33.
func (s *Section) AddPTS(pts int64) int64 { return (pts + s.PTSAdjustment) & ptsMask }

// Parse reads one splice_info_section, b holding exactly the section (from
// table_id to CRC_32, as section_length gives it; trailing bytes are an
// error). The CRC_32 is checked first: a mismatch is an *Error that
// unwraps to ErrCRC.
func Parse(b []byte) (*Section, error) {
	if len(b) < 3 {
		return nil, &Error{Field: "section length", Got: int64(len(b)), Want: "at least 3 bytes"}
	}
	if b[0] != TableID {
		return nil, &Error{Field: "table_id", Got: int64(b[0]), Want: "252 (0xfc)"}
	}
	if b[1]&0x80 != 0 {
		return nil, &Error{Field: "section_syntax_indicator", Got: 1, Want: "0"}
	}
	n := 3 + (int(b[1]&0x0f)<<8 | int(b[2]))
	if n < minSection {
		return nil, &Error{Field: "section_length", Got: int64(n - 3), Want: fmt.Sprintf("at least %d", minSection-3)}
	}
	if n != len(b) {
		return nil, &Error{Field: "section_length", Got: int64(n - 3), Want: fmt.Sprintf("%d (the bytes given)", len(b)-3)}
	}
	crc := be32(b[n-4:])
	if c := ts.CRC32(b[:n-4]); c != crc {
		return nil, &Error{Field: "CRC_32", Got: int64(crc), Want: fmt.Sprintf("%d (computed)", c)}
	}
	s := &Section{CRC: crc}
	s.ProtocolVersion = b[3]
	if s.ProtocolVersion != 0 {
		return nil, &Error{Field: "protocol_version", Got: int64(s.ProtocolVersion), Want: "0"}
	}
	s.SAPType = b[1] >> 4 & 3
	s.Encrypted = b[4]&0x80 != 0
	s.Algorithm = b[4] >> 1 & 0x3f
	s.PTSAdjustment = int64(b[4]&1)<<32 | int64(be32(b[5:]))
	s.CWIndex = b[9]
	s.Tier = uint16(b[10])<<4 | uint16(b[11]>>4)
	s.CommandLength = int(b[11]&0x0f)<<8 | int(b[12])
	s.CommandType = b[13]
	body := b[14 : n-4] // command, descriptor loop, stuffing and E_CRC_32
	if s.Encrypted {
		return s, nil // the rest is ciphertext
	}
	cmdLen := s.CommandLength
	if cmdLen != lengthUnknown && cmdLen > len(body) {
		return nil, &Error{Field: "splice_command_length", Got: int64(cmdLen), Want: fmt.Sprintf("at most %d", len(body))}
	}
	r := &reader{b: body}
	if cmdLen != lengthUnknown {
		r.b = body[:cmdLen]
	}
	if err := s.command(r); err != nil {
		return nil, err
	}
	if cmdLen == lengthUnknown {
		cmdLen = r.off
	} // else bytes after the fields read belong to the command: its length rules
	rest := body[cmdLen:]
	if len(rest) < 2 {
		return nil, &Error{Field: "descriptor_loop_length", Got: int64(len(rest)), Want: "2 bytes"}
	}
	loop := int(rest[0])<<8 | int(rest[1])
	rest = rest[2:]
	if loop > len(rest) {
		return nil, &Error{Field: "descriptor_loop_length", Got: int64(loop), Want: fmt.Sprintf("at most %d", len(rest))}
	}
	if err := s.descriptors(rest[:loop]); err != nil {
		return nil, err
	}
	return s, nil
}

// command reads the splice command; r holds exactly its bytes when the
// length is known.
func (s *Section) command(r *reader) error {
	switch s.CommandType {
	case CmdSpliceNull, CmdBandwidthReservation:
		s.CommandParsed = true
	case CmdSpliceInsert:
		in, err := spliceInsert(r)
		if err != nil {
			return err
		}
		s.Insert, s.CommandParsed = in, true
	case CmdTimeSignal:
		t, err := spliceTime(r, "time_signal splice_time")
		if err != nil {
			return err
		}
		s.TimeSignal, s.CommandParsed = &t, true
	case CmdPrivate:
		if s.CommandLength == lengthUnknown {
			return &Error{Field: "splice_command_length", Got: lengthUnknown, Want: "a length for private_command"}
		}
		id, err := r.u32("private_command identifier")
		if err != nil {
			return err
		}
		s.Private = &PrivateCommand{Identifier: id, Data: append([]byte(nil), r.rest()...)}
		s.CommandParsed = true
	default:
		if s.CommandLength == lengthUnknown {
			return &Error{Field: "splice_command_length", Got: lengthUnknown, Want: "a length for " + CommandName(s.CommandType)}
		}
		r.off = len(r.b) // skipped by its length
	}
	return nil
}

func spliceInsert(r *reader) (*SpliceInsert, error) {
	in := &SpliceInsert{}
	var err error
	if in.EventID, err = r.u32("splice_event_id"); err != nil {
		return nil, err
	}
	f, err := r.u8("splice_event_cancel_indicator")
	if err != nil {
		return nil, err
	}
	in.Cancel = f&0x80 != 0
	if in.Cancel {
		return in, nil
	}
	if f, err = r.u8("out_of_network_indicator"); err != nil {
		return nil, err
	}
	in.OutOfNetwork = f&0x80 != 0
	in.ProgramSplice = f&0x40 != 0
	in.HasDuration = f&0x20 != 0
	in.Immediate = f&0x10 != 0
	if in.ProgramSplice && !in.Immediate {
		if in.Time, err = spliceTime(r, "splice_time"); err != nil {
			return nil, err
		}
	}
	if !in.ProgramSplice {
		n, err := r.u8("component_count")
		if err != nil {
			return nil, err
		}
		in.Components = make([]Component, 0, min(int(n), r.left()))
		for range n {
			var c Component
			if c.Tag, err = r.u8("component_tag"); err != nil {
				return nil, err
			}
			if !in.Immediate {
				if c.Time, err = spliceTime(r, "component splice_time"); err != nil {
					return nil, err
				}
			}
			in.Components = append(in.Components, c)
		}
	}
	if in.HasDuration {
		v, err := r.n(5, "break_duration")
		if err != nil {
			return nil, err
		}
		in.Duration = BreakDuration{AutoReturn: v>>39&1 != 0, Duration: int64(v) & ptsMask}
	}
	u, err := r.n(4, "unique_program_id")
	if err != nil {
		return nil, err
	}
	in.UniqueProgram, in.AvailNum, in.AvailsExpected = uint16(u>>16), uint8(u>>8), uint8(u)
	return in, nil
}

func spliceTime(r *reader, field string) (SpliceTime, error) {
	f, err := r.u8(field)
	if err != nil {
		return SpliceTime{}, err
	}
	if f&0x80 == 0 {
		return SpliceTime{}, nil
	}
	r.off--
	v, err := r.n(5, field+" pts_time")
	if err != nil {
		return SpliceTime{}, err
	}
	return SpliceTime{TimeSpecified: true, PTS: int64(v) & ptsMask}, nil
}

func (s *Section) descriptors(b []byte) error {
	for len(b) > 0 {
		if len(b) < 2 {
			return &Error{Field: "splice_descriptor length", Got: int64(len(b)), Want: "at least 2 bytes"}
		}
		tag, n := b[0], int(b[1])
		if n > len(b)-2 {
			return &Error{Field: "descriptor_length", Got: int64(n), Want: fmt.Sprintf("at most %d", len(b)-2)}
		}
		if n < 4 {
			return &Error{Field: "descriptor_length", Got: int64(n), Want: "at least 4 (the identifier)"}
		}
		d := Descriptor{Tag: tag, Identifier: be32(b[2:])}
		if tag == TagSegmentation && d.Identifier == Identifier {
			seg, err := segmentation(&reader{b: b[6 : 2+n]})
			if err != nil {
				return err
			}
			d.Segmentation = seg
		}
		s.Descriptors = append(s.Descriptors, d)
		b = b[2+n:]
	}
	return nil
}

// segmentation reads a segmentation_descriptor after its identifier.
func segmentation(r *reader) (*Segmentation, error) {
	g := &Segmentation{}
	var err error
	if g.EventID, err = r.u32("segmentation_event_id"); err != nil {
		return nil, err
	}
	f, err := r.u8("segmentation_event_cancel_indicator")
	if err != nil {
		return nil, err
	}
	if g.Cancel = f&0x80 != 0; g.Cancel {
		return g, nil
	}
	if f, err = r.u8("program_segmentation_flag"); err != nil {
		return nil, err
	}
	program := f&0x80 != 0
	g.HasDuration = f&0x40 != 0
	if !program {
		n, err := r.u8("component_count")
		if err != nil {
			return nil, err
		}
		if _, err := r.skip(6*int(n), "segmentation components"); err != nil {
			return nil, err
		}
	}
	if g.HasDuration {
		v, err := r.n(5, "segmentation_duration")
		if err != nil {
			return nil, err
		}
		g.Duration = int64(v)
	}
	if g.UPIDType, err = r.u8("segmentation_upid_type"); err != nil {
		return nil, err
	}
	n, err := r.u8("segmentation_upid_length")
	if err != nil {
		return nil, err
	}
	upid, err := r.skip(int(n), "segmentation_upid")
	if err != nil {
		return nil, err
	}
	g.UPID = append([]byte(nil), upid...)
	v, err := r.n(3, "segmentation_type_id")
	if err != nil {
		return nil, err
	}
	g.TypeID, g.Num, g.Expected = uint8(v>>16), uint8(v>>8), uint8(v)
	// sub_segment_num and sub_segments_expected may follow; not needed.
	return g, nil
}

// reader reads big-endian fields, failing with the field's name.
type reader struct {
	b   []byte
	off int
}

func (r *reader) left() int    { return len(r.b) - r.off }
func (r *reader) rest() []byte { b := r.b[r.off:]; r.off = len(r.b); return b }

func (r *reader) short(n int, field string) error {
	return &Error{Field: field, Got: int64(r.left()), Want: fmt.Sprintf("%d more bytes", n)}
}

func (r *reader) skip(n int, field string) ([]byte, error) {
	if r.left() < n {
		return nil, r.short(n, field)
	}
	b := r.b[r.off : r.off+n]
	r.off += n
	return b, nil
}

func (r *reader) n(n int, field string) (uint64, error) {
	b, err := r.skip(n, field)
	if err != nil {
		return 0, err
	}
	var v uint64
	for _, x := range b {
		v = v<<8 | uint64(x)
	}
	return v, nil
}

func (r *reader) u8(field string) (uint8, error) {
	v, err := r.n(1, field)
	return uint8(v), err
}

func (r *reader) u32(field string) (uint32, error) {
	v, err := r.n(4, field)
	return uint32(v), err
}

func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

// segmentationTypes names the segmentation_type_id values of ANSI/SCTE 35
// table 23 that a programme or an ad break is most often signalled with.
var segmentationTypes = map[uint8]string{
	0x00: "Not Indicated", 0x01: "Content Identification",
	0x10: "Program Start", 0x11: "Program End", 0x12: "Program Early Termination",
	0x13: "Program Breakaway", 0x14: "Program Resumption", 0x15: "Program Runover Planned",
	0x16: "Program Runover Unplanned", 0x17: "Program Overlap Start", 0x18: "Program Blackout Override",
	0x19: "Program Join", 0x20: "Chapter Start", 0x21: "Chapter End",
	0x22: "Break Start", 0x23: "Break End", 0x24: "Opening Credit Start", 0x25: "Opening Credit End",
	0x26: "Closing Credit Start", 0x27: "Closing Credit End",
	0x30: "Provider Advertisement Start", 0x31: "Provider Advertisement End",
	0x32: "Distributor Advertisement Start", 0x33: "Distributor Advertisement End",
	0x34: "Provider Placement Opportunity Start", 0x35: "Provider Placement Opportunity End",
	0x36: "Distributor Placement Opportunity Start", 0x37: "Distributor Placement Opportunity End",
	0x38: "Provider Overlay Placement Opportunity Start", 0x39: "Provider Overlay Placement Opportunity End",
	0x3a: "Distributor Overlay Placement Opportunity Start", 0x3b: "Distributor Overlay Placement Opportunity End",
	0x3c: "Provider Promo Start", 0x3d: "Provider Promo End",
	0x3e: "Distributor Promo Start", 0x3f: "Distributor Promo End",
	0x40: "Unscheduled Event Start", 0x41: "Unscheduled Event End",
	0x42: "Alternate Content Opportunity Start", 0x43: "Alternate Content Opportunity End",
	0x44: "Provider Ad Block Start", 0x45: "Provider Ad Block End",
	0x46: "Distributor Ad Block Start", 0x47: "Distributor Ad Block End",
	0x50: "Network Start", 0x51: "Network End",
}

// SegmentationTypeName is segmentation_type_id in words, or its hex value.
func SegmentationTypeName(id uint8) string {
	if s, ok := segmentationTypes[id]; ok {
		return s
	}
	return fmt.Sprintf("segmentation type 0x%02x", id)
}

// StartsBreak reports whether a segmentation_type_id starts a break, an
// advertisement or a placement opportunity: the time_signal equivalent of
// a splice_insert out of the network.
func StartsBreak(id uint8) bool {
	switch id {
	case 0x22, 0x30, 0x32, 0x34, 0x36, 0x38, 0x3a, 0x44, 0x46:
		return true
	}
	return false
}
