package scte35

import (
	"errors"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

// FuzzParse: no input makes Parse panic; what it accepts has a matching
// CRC_32 and a consistent command, and what it rejects says which field.
func FuzzParse(f *testing.F) {
	f.Add(b64(f, sampleInsert))
	f.Add(b64(f, sampleTimeSignal))
	f.Add(section(0, CmdSpliceNull, nil, nil))
	f.Add(section(0, CmdSpliceInsert, []byte{0, 0, 0, 9, 0x7f, 0xbf, 2, 0x10, 0xfe, 0, 0, 0x10, 0, 0x11, 0x7f, 0, 0, 0, 0}, nil))
	f.Add(section(5, CmdPrivate, []byte{'A', 'B', 'C', 'D', 1, 2}, []byte{2, 9, 'C', 'U', 'E', 'I', 0, 0, 0, 1, 0xff}))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Field == "" {
				t.Fatalf("error %v is not an *Error naming a field", err)
			}
			if s != nil {
				t.Fatalf("section %+v returned with error %v", s, err)
			}
			return
		}
		if ts.CRC32(b) != 0 {
			t.Fatalf("accepted a section whose CRC does not check")
		}
		if s.PTSAdjustment >= 1<<33 || s.Tier > 0xfff {
			t.Fatalf("field out of range: %+v", s)
		}
		switch s.CommandType {
		case CmdSpliceInsert:
			if !s.Encrypted && (s.Insert == nil || !s.CommandParsed) {
				t.Fatalf("splice_insert not read: %+v", s)
			}
			if s.Insert != nil && (s.Insert.Time.PTS >= 1<<33 || s.Insert.Duration.Duration >= 1<<33) {
				t.Fatalf("pts out of range: %+v", s.Insert)
			}
		case CmdTimeSignal:
			if s.TimeSignal == nil && !s.Encrypted {
				t.Fatalf("time_signal not read: %+v", s)
			}
		}
		if got := s.AddPTS(1<<33 - 1); got < 0 || got >= 1<<33 {
			t.Fatalf("AddPTS out of range: %d", got)
		}
	})
}
