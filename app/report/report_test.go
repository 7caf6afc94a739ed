package report

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

func TestExportEveryFormat(t *testing.T) {
	s := synthetic(t, 600)
	dir := t.TempDir()
	tests := []struct {
		format Format
		prefix string
		has    []string // in the raw file (PDF streams are compressed)
	}{
		{PDF, "%PDF-", nil},
		{HTML, "<!DOCTYPE html>", []string{"Main stage", "<svg", "Stream inspection", "Latency wizard", "freeze", "h264", "Continuity count error", "peer closed the connection", "never reached the decoder",
			"SCTE-35 cues", "splice_insert", "out of network", "Services (SDT)", "Venue AV", "PID changes", "pid_stop"}},
		{CSV, "# srtscope", []string{"msRTT", "pktRcvLoss", "pktRcvRetrans", "pktRcvDrop", "mbpsRecvRate", "\ntime,state,peer,rtt_ms,latency_ms,rtt_multiplier,recv_mbps,pkts_recv,pkts_lost,pkts_retrans,pkts_dropped,bytes_recv," +
			"pkts_late,pkts_at_risk,recovery_margin_min_ms,recovery_margin_p5_ms,rcv_buf_ms,rcv_buf_pkts,rtt_min_ms,rtt_max_ms,rtt_var_ms,recv_pkts_per_s,since_last_packet_ms,pkts_backdated,pkts_undecryptable\n"}},
		{JSON, "{", []string{`"samples"`, `"rtt_ms"`, `"pkts_dropped"`, `"pkts_at_risk"`, `"rcv_buf_ms"`, `"inspections"`, `"wizard_results"`, `"summary"`}},
	}
	for _, tc := range tests {
		t.Run(string(tc.format), func(t *testing.T) {
			var progress []float64
			path := filepath.Join(dir, "session."+string(tc.format))
			err := Export(path, s, tc.format, Options{Progress: func(f float64) { progress = append(progress, f) }})
			if err != nil {
				t.Fatal(err)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(data, []byte(tc.prefix)) {
				t.Errorf("starts with %q, want %q", data[:min(20, len(data))], tc.prefix)
			}
			for _, h := range tc.has {
				if !bytes.Contains(data, []byte(h)) {
					t.Errorf("lacks %q", h)
				}
			}
			if len(progress) == 0 || progress[len(progress)-1] != 1 {
				t.Errorf("progress %v does not end at 1", progress)
			}
		})
	}
	// No passphrase in any export, in any spelling, and no leftovers.
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(tests) {
		t.Errorf("%d files in the export folder, want %d", len(entries), len(tests))
	}
	for _, e := range entries {
		data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		for _, spelling := range []string{secretPass, url.QueryEscape(secretPass), "Secret-Pass"} {
			if bytes.Contains(data, []byte(spelling)) {
				t.Errorf("%s contains the passphrase (%q)", e.Name(), spelling)
			}
		}
	}
}

func TestHTMLSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, synthetic(t, 120), HTML, Options{}); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, bad := range []string{"<link", "<script", "src=\"http", "@import", "url(http"} {
		if strings.Contains(html, bad) {
			t.Errorf("HTML refers outside itself: %q", bad)
		}
	}
	if n := strings.Count(html, "<svg"); n != 6 {
		t.Errorf("%d inline charts, want 4 and the 2 of the receiver detail (buffer, margins)", n)
	}
	for _, want := range []string{"Receive buffer: data waiting to play", "Recovery margin", "Smallest recovery margin", "At risk"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}

	// A session recorded without the arrival tap (or before srtscope
	// recorded the detail) has the four charts and no receiver group.
	plain := synthetic(t, 120)
	for i := range plain.Samples {
		x := &plain.Samples[i]
		x.RcvBufMs, x.RecoveryMarginMinMs, x.RecoveryMarginP5Ms, x.PktsLate, x.PktsAtRisk = 0, nil, nil, 0, 0
	}
	buf.Reset()
	if err := Write(&buf, plain, HTML, Options{}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(buf.String(), "<svg"); n != 4 || strings.Contains(buf.String(), "Smallest recovery margin") {
		t.Errorf("without receiver detail: %d inline charts (want 4), receiver group shown: %v", n, strings.Contains(buf.String(), "Smallest recovery margin"))
	}
}

func TestCSVRows(t *testing.T) {
	s := synthetic(t, 90)
	var buf bytes.Buffer
	if err := Write(&buf, s, CSV, Options{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	var comments, rows int
	for _, l := range lines {
		if strings.HasPrefix(l, "#") {
			comments++
		} else {
			rows++
		}
	}
	if rows != len(s.Samples)+1 || comments < 2 {
		t.Errorf("%d rows (want %d + header), %d comments", rows, len(s.Samples), comments)
	}
}

func TestJSONWholeSession(t *testing.T) {
	s := synthetic(t, 90)
	var buf bytes.Buffer
	if err := Write(&buf, s, JSON, Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Format  string           `json:"format"`
		Info    record.Info      `json:"session"`
		Samples []session.Sample `json:"samples"`
		Events  []session.Event  `json:"events"`
		Alarms  []record.Alarm   `json:"alarms"`
		Summary Summary          `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Format != "srtscope-session" || len(doc.Samples) != 90 || len(doc.Events) != len(s.Events) || len(doc.Alarms) != len(s.Alarms) || doc.Info.Name != s.Info.Name {
		t.Errorf("JSON export incomplete: %s, %d samples, %d events, %d alarms", doc.Format, len(doc.Samples), len(doc.Events), len(doc.Alarms))
	}
	if doc.Summary.Reconnects != 1 || doc.Summary.PktsDropped == 0 {
		t.Errorf("summary %+v", doc.Summary)
	}
}

func TestExportFailsCleanly(t *testing.T) {
	s := synthetic(t, 30)
	dir := t.TempDir()
	file := filepath.Join(dir, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		want string
	}{
		// Tests run as root, which may write anywhere: a folder that is a
		// regular file is unwritable for everyone.
		{"folder is a file", filepath.Join(file, "report.pdf"), "is not a folder"},
		{"missing folder", filepath.Join(dir, "nope", "report.pdf"), "does not exist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Export(tc.path, s, PDF, Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "report: ") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestNoPartialFileOnWriteError(t *testing.T) {
	s := synthetic(t, 30)
	dir := t.TempDir()
	// An unknown format fails after the temporary file was created.
	err := Export(filepath.Join(dir, "x.doc"), s, Format("doc"), Options{})
	if err == nil {
		t.Fatal("no error")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	// Replacing an existing report is atomic: a failed export keeps the old one.
	old := filepath.Join(dir, "r.pdf")
	if err := os.WriteFile(old, []byte("old report"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Export(old, s, Format("doc"), Options{}); err == nil {
		t.Fatal("no error")
	}
	if b, _ := os.ReadFile(old); string(b) != "old report" {
		t.Errorf("old report damaged: %q", b)
	}
}

func TestSummarize(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	mk := func(states string, lost, drop []uint64) *record.Session {
		s := &record.Session{Info: record.Info{Started: t0, Ended: t0.Add(time.Duration(len(states)-1) * time.Second)}}
		for i, c := range states {
			st := session.StateConnected
			if c == '-' {
				st = session.StateDisconnected
			}
			s.Samples = append(s.Samples, session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: st, RTTMs: float64(10 * (i + 1)),
				LatencyMs: 120, RecvMbps: 5, PktsRecv: uint64(100 * (i + 1)), PktsLost: lost[i], PktsDropped: drop[i]})
		}
		return s
	}
	tests := []struct {
		name       string
		s          *record.Session
		reconnects int
		onAir      time.Duration
		onAirPct   float64
		lostPct    float64
		dropped    uint64
		bursts     int
		ok         bool
	}{
		{"clean", mk("+++++", []uint64{0, 0, 0, 0, 0}, []uint64{0, 0, 0, 0, 0}), 0, 4 * time.Second, 100, 0, 0, 0, true},
		{"recovered loss", mk("+++++", []uint64{0, 5, 10, 10, 10}, []uint64{0, 0, 0, 0, 0}), 0, 4 * time.Second, 100, 2, 0, 0, true},
		{"dropped twice", mk("+++++", []uint64{0, 5, 5, 10, 10}, []uint64{0, 1, 1, 3, 3}), 0, 4 * time.Second, 100, 10.0 / 503 * 100, 3, 2, false},
		{"reconnect", mk("++--++", []uint64{0, 0, 0, 0, 0, 0}, []uint64{0, 0, 0, 0, 0, 0}), 1, 2 * time.Second, 40, 0, 0, 0, false},
		{"counter restart", mk("+++", []uint64{5, 7, 1}, []uint64{0, 0, 0}), 0, 2 * time.Second, 100, 8.0 / 300 * 100, 0, 0, true},
		// waiting for the encoder before the first connection is not off air
		{"waited for the caller", mk("--++++", []uint64{0, 0, 0, 0, 0, 0}, []uint64{0, 0, 0, 0, 0, 0}), 0, 3 * time.Second, 100, 0, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum := Summarize(tc.s)
			if d := sum.OnAirPct - tc.onAirPct; d > 1e-9 || d < -1e-9 {
				t.Errorf("on air %.2f%%, want %.2f%%", sum.OnAirPct, tc.onAirPct)
			}
			if sum.Reconnects != tc.reconnects || sum.OnAir != tc.onAir || sum.PktsDropped != tc.dropped || sum.DropBursts != tc.bursts {
				t.Errorf("reconnects %d on air %v dropped %d bursts %d; want %d %v %d %d", sum.Reconnects, sum.OnAir, sum.PktsDropped, sum.DropBursts, tc.reconnects, tc.onAir, tc.dropped, tc.bursts)
			}
			if d := sum.LossPct - tc.lostPct; d > 1e-9 || d < -1e-9 {
				t.Errorf("loss %v%%, want %v%%", sum.LossPct, tc.lostPct)
			}
			if _, ok := sum.Verdict(); ok != tc.ok {
				t.Errorf("verdict ok=%v, want %v", ok, tc.ok)
			}
		})
	}
	sum := Summarize(mk("+++++", []uint64{0, 0, 0, 0, 0}, []uint64{0, 0, 0, 0, 0}))
	if sum.RTTMs.Min != 10 || sum.RTTMs.Max != 50 || sum.RTTMs.Avg != 30 || sum.RTTMs.P95 != 50 {
		t.Errorf("RTT stats %+v", sum.RTTMs)
	}
}

func TestEmptySession(t *testing.T) {
	s := &record.Session{Info: record.Info{ID: 1, Name: "empty", Started: time.Now()}}
	for _, f := range Formats {
		if err := Write(io.Discard, s, f, Options{}); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}

// TestSampleReport writes a sample report of a 10-minute session for people
// to look at when SRTSCOPE_REPORT_SAMPLE_DIR names a folder.
func TestSampleReport(t *testing.T) {
	dir := os.Getenv("SRTSCOPE_REPORT_SAMPLE_DIR")
	if dir == "" {
		t.Skip("set SRTSCOPE_REPORT_SAMPLE_DIR to write a sample report")
	}
	// Recorded into the folder too, for trying `srtscope sessions` and
	// `srtscope report` with SRTSCOPE_DATA_DIR pointing there.
	s := syntheticIn(t, filepath.Join(dir, record.FileName), 600)
	for _, f := range Formats {
		if err := Export(filepath.Join(dir, "sample-session."+string(f)), s, f, Options{}); err != nil {
			t.Fatal(err)
		}
	}
}

// BenchmarkExport4h exports a 4-hour session (14,400 samples) in every
// format; the target is under 5 s for each.
func BenchmarkExport4h(b *testing.B) {
	s := synthetic(b, 14400)
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			dir := b.TempDir()
			for b.Loop() {
				if err := Export(filepath.Join(dir, "r."+string(f)), s, f, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
