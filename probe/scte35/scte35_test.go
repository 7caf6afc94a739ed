package scte35

import (
	"encoding/base64"
	"errors"
	"reflect"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

// The two sample cues of ANSI/SCTE 35 (2019) section 14, as base64, and
// the field values the standard lists for them.
const (
	sampleInsert     = "/DAvAAAAAAAA///wFAVIAACPf+/+c2nALv4AUsz1AAAAAAAKAAhDVUVJAAABNWLbowo="
	sampleTimeSignal = "/DA0AAAAAAAA///wBQb+cr0AUAAeAhxDVUVJSAAAjn/PAAGlmbAICAAAAAAsoKGKNAIAmsnRfg=="
)

func b64(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// section builds a splice_info_section around cmd and descriptors with a
// correct CRC_32 (test helper, written from the syntax table).
func section(adj int64, cmdType byte, cmd, desc []byte) []byte {
	n := 10 + 1 + len(cmd) + 2 + len(desc) + 4
	b := []byte{0xfc, 0x30 | byte(n>>8), byte(n),
		0, byte(adj >> 32 & 1), byte(adj >> 24), byte(adj >> 16), byte(adj >> 8), byte(adj),
		0, 0xff, 0xf0 | byte(len(cmd)>>8), byte(len(cmd)), cmdType}
	b = append(b, cmd...)
	b = append(b, byte(len(desc)>>8), byte(len(desc)))
	b = append(b, desc...)
	c := ts.CRC32(b)
	return append(b, byte(c>>24), byte(c>>16), byte(c>>8), byte(c))
}

func pts5(flag byte, v int64) []byte {
	return []byte{flag | 0x7e | byte(v>>32&1), byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
}

func TestParse(t *testing.T) {
	insertImmediateIn := section(0, CmdSpliceInsert, []byte{0, 0, 0, 7, 0x7f, 0x5f, 0, 1, 2, 3}, nil)
	componentInsert := section(0, CmdSpliceInsert, []byte{0, 0, 0, 9, 0x7f, 0xaf, 2,
		0x10, 0xfe, 0, 0, 0, 0x10, 0x11, 0x7f, 0x7e, 0, 0, 0, 0, 0, 0, 0, 0}, nil)
	cancel := section(0, CmdSpliceInsert, []byte{0, 0, 0, 8, 0xff}, nil)
	private := section(0, CmdPrivate, []byte{'A', 'B', 'C', 'D', 1, 2}, nil)
	wrapAdj := section(1<<33-100, CmdTimeSignal, pts5(0x80, 1000), nil)
	schedule := section(0, CmdSpliceSchedule, []byte{0}, []byte{0x01, 4, 'C', 'U', 'E', 'I'})
	tests := []struct {
		name string
		b    []byte
		want *Section
	}{
		{"standard sample splice_insert", b64(t, sampleInsert), &Section{
			SAPType: 3, CWIndex: 0xff, Tier: 0xfff, CommandType: CmdSpliceInsert, CommandLength: 20, CRC: 0x62dba30a, CommandParsed: true,
			Insert: &SpliceInsert{EventID: 0x4800008f, OutOfNetwork: true, ProgramSplice: true, HasDuration: true,
				Time:     SpliceTime{TimeSpecified: true, PTS: 0x07369c02e},
				Duration: BreakDuration{AutoReturn: true, Duration: 0x00052ccf5}},
			Descriptors: []Descriptor{{Tag: TagAvail, Identifier: Identifier}},
		}},
		{"standard sample time_signal", b64(t, sampleTimeSignal), &Section{
			SAPType: 3, CWIndex: 0xff, Tier: 0xfff, CommandType: CmdTimeSignal, CommandLength: 5, CRC: 0x9ac9d17e, CommandParsed: true,
			TimeSignal: &SpliceTime{TimeSpecified: true, PTS: 0x072bd0050},
			Descriptors: []Descriptor{{Tag: TagSegmentation, Identifier: Identifier, Segmentation: &Segmentation{
				EventID: 0x4800008e, TypeID: 0x34, HasDuration: true, Duration: 0x0001a599b0,
				UPIDType: 8, UPID: []byte{0, 0, 0, 0, 0x2c, 0xa0, 0xa1, 0x8a}, Num: 2, Expected: 0}}},
		}},
		{"splice_null", section(0, CmdSpliceNull, nil, nil), &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdSpliceNull, CommandParsed: true}},
		{"immediate return to network", insertImmediateIn, &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdSpliceInsert, CommandLength: 10, CommandParsed: true,
			Insert: &SpliceInsert{EventID: 7, ProgramSplice: true, Immediate: true, UniqueProgram: 1, AvailNum: 2, AvailsExpected: 3}}},
		{"component splice", componentInsert, &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdSpliceInsert, CommandLength: 24, CommandParsed: true,
			Insert: &SpliceInsert{EventID: 9, OutOfNetwork: true, HasDuration: true,
				Components: []Component{{Tag: 0x10, Time: SpliceTime{TimeSpecified: true, PTS: 0x10}}, {Tag: 0x11}},
				Duration:   BreakDuration{}}}},
		{"cancel", cancel, &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdSpliceInsert, CommandLength: 5, CommandParsed: true,
			Insert: &SpliceInsert{EventID: 8, Cancel: true}}},
		{"private_command", private, &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdPrivate, CommandLength: 6, CommandParsed: true,
			Private: &PrivateCommand{Identifier: 0x41424344, Data: []byte{1, 2}}}},
		{"pts_adjustment wraps", wrapAdj, &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdTimeSignal, CommandLength: 5, CommandParsed: true, PTSAdjustment: 1<<33 - 100,
			TimeSignal: &SpliceTime{TimeSpecified: true, PTS: 1000}}},
		{"unknown command skipped by its length", schedule, &Section{
			SAPType: 3, Tier: 0xfff, CommandType: CmdSpliceSchedule, CommandLength: 1,
			Descriptors: []Descriptor{{Tag: TagDTMF, Identifier: Identifier}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			c := tc.b[len(tc.b)-4:]
			tc.want.CRC = uint32(c[0])<<24 | uint32(c[1])<<16 | uint32(c[2])<<8 | uint32(c[3])
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
				if got.Insert != nil {
					t.Errorf("insert %+v", *got.Insert)
				}
			}
		})
	}
	s, _ := Parse(wrapAdj)
	if got := s.AddPTS(s.TimeSignal.PTS); got != 900 {
		t.Errorf("AddPTS across the 2^33 wrap = %d, want 900", got)
	}
}

func TestParseErrors(t *testing.T) {
	good := b64(t, sampleTimeSignal)
	flip := func(i int, x byte) []byte {
		b := append([]byte(nil), good...)
		b[i] ^= x
		return b
	}
	recrc := func(b []byte) []byte {
		c := ts.CRC32(b[:len(b)-4])
		b[len(b)-4], b[len(b)-3], b[len(b)-2], b[len(b)-1] = byte(c>>24), byte(c>>16), byte(c>>8), byte(c)
		return b
	}
	tests := []struct {
		name  string
		b     []byte
		field string
	}{
		{"empty", nil, "section length"},
		{"wrong table", flip(0, 0x01), "table_id"},
		{"syntax indicator set", flip(1, 0x80), "section_syntax_indicator"},
		{"truncated", good[:len(good)-1], "section_length"},
		{"one bit flipped", flip(20, 0x04), "CRC_32"},
		{"protocol_version", recrc(flip(3, 1)), "protocol_version"},
		{"command too long", recrc(flip(12, 0x80)), "splice_command_length"},
		{"descriptor loop too long", recrc(flip(19, 0x40)), "descriptor_loop_length"},
		{"descriptor too long", recrc(flip(22, 0x40)), "descriptor_length"},
		{"short splice_insert", section(0, CmdSpliceInsert, []byte{0, 0, 0, 1, 0x7f, 0xef, 0xfe}, nil), "splice_time pts_time"},
		{"short break", section(0, CmdSpliceInsert, []byte{0, 0, 0, 1, 0x7f, 0xf0, 0x80}, nil), "break_duration"},
		{"short segmentation", section(0, CmdSpliceNull, nil, []byte{2, 9, 'C', 'U', 'E', 'I', 0, 0, 0, 1, 0x7f}), "program_segmentation_flag"},
		{"unknown length of an unknown command", recrc(append(section(0, CmdSpliceSchedule, nil, nil)[:11], 0xff, 0xff, 0x04, 0, 0, 0, 0, 0, 0)), "splice_command_length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(tc.b)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want an *Error", err)
			}
			if e.Field != tc.field {
				t.Errorf("field %q (%v), want %q", e.Field, err, tc.field)
			}
			if (tc.field == "CRC_32") != errors.Is(err, ErrCRC) {
				t.Errorf("errors.Is(%v, ErrCRC) wrong", err)
			}
		})
	}
}

func TestCRC32(t *testing.T) {
	// CRC-32/MPEG-2 check value.
	if got := ts.CRC32([]byte("123456789")); got != 0x0376e6e7 {
		t.Fatalf("ts.CRC32(123456789) = %#x, want 0x0376e6e7", got)
	}
	if got := ts.CRC32(b64(t, sampleInsert)); got != 0 {
		t.Fatalf("CRC over a whole section = %#x, want 0", got)
	}
}
