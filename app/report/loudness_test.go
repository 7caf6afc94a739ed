package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
)

// withLoudness adds inspections every 10 s whose reports carry loudness,
// as a feed with the media analyser records them, the last one -21.5 LUFS.
func withLoudness(s *record.Session) *record.Session {
	n := len(s.Samples)
	var ins []record.Inspection
	for i := 10; i < n-1; i += 10 {
		ins = append(ins, record.Inspection{Time: s.Samples[i].Time, Report: probe.Report{DurationS: float64(i),
			Loudness: []probe.Loudness{{PID: 257, IntegratedLUFS: -22 + float64(i)/float64(n), ShortTermLUFS: -20 - float64(i%30)/10}}}})
	}
	last := s.Inspections[len(s.Inspections)-1]
	last.Report.Loudness = []probe.Loudness{
		{PID: 257, IntegratedLUFS: -21.5, RangeLU: 6.2, TruePeakDBTP: -0.4, MomentaryMaxLUFS: -12.3, ShortTermLUFS: -20},
		{PID: 258, IntegratedLUFS: -23.2, RangeLU: 4.1, TruePeakDBTP: -3.0, MomentaryMaxLUFS: -16.0, ShortTermLUFS: -23},
	}
	s.Inspections = append(append(ins, s.Inspections[:len(s.Inspections)-1]...), last)
	return s
}

func TestReportLoudness(t *testing.T) {
	s := withLoudness(synthetic(t, 120))
	sum := Summarize(s)
	if len(sum.Loudness) != 2 || sum.Loudness[0].IntegratedLUFS != -21.5 {
		t.Fatalf("summary loudness %+v, want the last inspection's two PIDs", sum.Loudness)
	}
	if len(sum.LoudnessTrend) != len(s.Inspections) {
		t.Errorf("%d trend points, want one per inspection (%d)", len(sum.LoudnessTrend), len(s.Inspections))
	}
	for _, tt := range []struct {
		format Format
		want   []string
	}{
		{HTML, []string{"Loudness (EBU R128)", "-21.5 LUFS", "1.5 LU", "-0.4 dBTP", "-23.2 LUFS", "target -23 LUFS"}},
		{JSON, []string{`"integrated_lufs": -21.5`, `"range_lu": 6.2`, `"true_peak_dbtp": -0.4`, `"momentary_max_lufs": -12.3`}},
		{PDF, []string{"%PDF"}},
	} {
		t.Run(string(tt.format), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, s, tt.format, Options{}); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("%s report lacks %q", tt.format, w)
				}
			}
			switch tt.format {
			case HTML:
				if n := strings.Count(out, "<svg"); n != 7 {
					t.Errorf("%d inline charts, want 4, the 2 of the receiver detail and the loudness chart", n)
				}
			case JSON:
				if !json.Valid(buf.Bytes()) {
					t.Error("invalid JSON")
				}
			}
		})
	}
	// Without loudness (no ffmpeg, or an older recording) nothing changes.
	plain := synthetic(t, 60)
	var buf bytes.Buffer
	if err := Write(&buf, plain, HTML, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "Loudness (EBU R128)") || strings.Count(buf.String(), "<svg") != 6 {
		t.Error("a session without loudness got a loudness section or chart")
	}
}
