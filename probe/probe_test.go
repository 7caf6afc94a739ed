package probe

import (
	"context"
	"math"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/srtscope/srtscope/probe/fixtures"
)

// truthTable reads the ground-truth table of testdata/README.md whose header
// row starts with "| file | <second>".
func truthTable(t *testing.T, second string) []fixtures.Row {
	t.Helper()
	rows, err := fixtures.Table(second)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

var (
	reportsMu sync.Mutex
	reports   = map[string]Report{}
)

// fixture inspects a fixture once per test binary.
func fixture(t *testing.T, name string) Report {
	t.Helper()
	reportsMu.Lock()
	defer reportsMu.Unlock()
	if r, ok := reports[name]; ok {
		return r
	}
	r, err := InspectFile(context.Background(), filepath.Join("testdata", name), Options{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	reports[name] = r
	return r
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	if s == "-" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("bad number %q in README", s)
	}
	return n
}

func TestFixtureStreams(t *testing.T) {
	for _, row := range truthTable(t, "program") {
		name := row["file"] + "/pid" + row["pid"]
		t.Run(name, func(t *testing.T) {
			r := fixture(t, row["file"])
			var prog *Program
			for i := range r.Programs {
				if int(r.Programs[i].Number) == atoi(t, row["program"]) {
					prog = &r.Programs[i]
				}
			}
			if prog == nil {
				t.Fatalf("program %s missing; programs: %+v", row["program"], r.Programs)
			}
			if got := int(prog.PMTPID); got != atoi(t, row["pmt_pid"]) {
				t.Errorf("pmt_pid = %d, want %s", got, row["pmt_pid"])
			}
			var s *Stream
			for i := range prog.Streams {
				if int(prog.Streams[i].PID) == atoi(t, row["pid"]) {
					s = &prog.Streams[i]
				}
			}
			if s == nil {
				t.Fatalf("stream PID %s missing; streams: %+v", row["pid"], prog.Streams)
			}
			checks := []struct{ field, got string }{
				{"stream_type", strconv.Itoa(int(s.StreamType))},
				{"kind", s.Kind},
				{"codec", s.Codec},
				{"width", dash(s.Width)},
				{"height", dash(s.Height)},
				{"sample_rate", dash(s.SampleRate)},
				{"channels", dash(s.Channels)},
				{"level", orDash(s.Level)},
			}
			if s.Kind == KindVideo {
				checks = append(checks,
					struct{ field, got string }{"profile", s.Profile},
					struct{ field, got string }{"interlaced", strconv.FormatBool(s.Interlaced)})
				if want, _ := strconv.ParseFloat(row["fps"], 64); math.Abs(s.FPS-want) > 0.01 {
					t.Errorf("fps = %v, want %s", s.FPS, row["fps"])
				}
			}
			for _, c := range checks {
				if c.got != row[c.field] {
					t.Errorf("%s = %q, want %q", c.field, c.got, row[c.field])
				}
			}
			var ps *PIDStats
			for i := range r.PIDs {
				if r.PIDs[i].PID == s.PID {
					ps = &r.PIDs[i]
				}
			}
			if ps == nil {
				t.Fatalf("no PID stats for %d", s.PID)
			}
			if got := int(ps.CCErrors); got != atoi(t, row["cc_errors"]) {
				t.Errorf("cc_errors = %d, want %s", got, row["cc_errors"])
			}
			if ps.Packets == 0 || ps.BitrateBps <= 0 {
				t.Errorf("packets %d bitrate %v: want both > 0", ps.Packets, ps.BitrateBps)
			}
		})
	}
}

func dash(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func TestFixtureFiles(t *testing.T) {
	for _, row := range truthTable(t, "duration_s") {
		t.Run(row["file"], func(t *testing.T) {
			r := fixture(t, row["file"])
			if want := float64(atoi(t, row["duration_s"])); math.Abs(r.DurationS-want) > 0.5 {
				t.Errorf("duration_s = %.2f, want %v ± 0.5", r.DurationS, want)
			}
			if got := len(r.Programs); got != atoi(t, row["programs"]) {
				t.Errorf("%d programs, want %s", got, row["programs"])
			}
			streams, video := 0, false
			for _, p := range r.Programs {
				streams += len(p.Streams)
				for _, s := range p.Streams {
					video = video || s.Kind == KindVideo
				}
			}
			if got := strconv.FormatBool(video); got != row["has_video"] {
				t.Errorf("has video = %s, want %s", got, row["has_video"])
			}
			tr := r.TR101290
			for _, c := range []struct {
				field string
				got   uint64
			}{
				{"cc_error_total", tr.CCError},
				{"pcr_repetition_error", tr.PCRRepetitionError},
				{"pcr_discontinuity_error", tr.PCRDiscontinuityError},
				{"crc_error", tr.CRCError},
			} {
				if int(c.got) != atoi(t, row[c.field]) {
					t.Errorf("%s = %d, want %s", c.field, c.got, row[c.field])
				}
			}
			// ffmpeg's output is otherwise clean.
			for name, n := range map[string]uint64{
				"ts_sync_loss": tr.TSSyncLoss, "sync_byte_error": tr.SyncByteError, "pat_error": tr.PATError,
				"pmt_error": tr.PMTError, "pid_error": tr.PIDError, "transport_error": tr.TransportError,
				"pts_error": tr.PTSError,
			} {
				if n != 0 {
					t.Errorf("%s = %d, want 0", name, n)
				}
			}
			if r.MediaAnalysis != MediaBitstreamOnly || r.Events == nil {
				t.Errorf("media_analysis %q events %v", r.MediaAnalysis, r.Events)
			}
			wantProblems := row["cc_error_total"] != "0" || row["crc_error"] != "0"
			if (len(r.Problems) > 0) != wantProblems {
				t.Errorf("problems = %q", r.Problems)
			}
		})
	}
}

func TestMPTSHasFourStreams(t *testing.T) {
	r := fixture(t, "mpts.ts")
	n := 0
	for _, p := range r.Programs {
		n += len(p.Streams)
	}
	if len(r.Programs) != 2 || n != 4 {
		t.Fatalf("%d programs with %d streams, want 2 with 4: %+v", len(r.Programs), n, r.Programs)
	}
}
