package report

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

// lineTestJSON is a line test result as `srtscope linetest --format json`
// prints it: 4 Mbit/s carried, 8 Mbit/s failed on the receiver's drops.
const lineTestJSON = `{"rtt_ms":21.5,"steps":[
 {"mbps":4,"loss_pct":0.5,"overhead_pct":0.6,"rtt_ms":21.5,"rtt_min_ms":20.1,"rtt_max_ms":30.2,"pkts_dropped":0,"figures_from":"receiver","outcome":"carried"},
 {"mbps":8,"loss_pct":6.13,"overhead_pct":11.4,"rtt_ms":24.1,"rtt_min_ms":21.7,"rtt_max_ms":44.2,"pkts_dropped":9,"figures_from":"receiver","outcome":"the receiver dropped 9 packets it did not get in time (6% loss, 11% overhead)"}],
 "max_mbps":4,"verdict":"this path carries 4 Mbit/s with 0.6% retransmission overhead at 120 ms latency (5.6x RTT); at 8 Mbit/s the receiver dropped 9 packets it did not get in time (6% loss, 11% overhead)","latency_ms":120}`

// lineTestSession records a line test's own session through the real
// recorder, as app.RunLineTestWith does.
func lineTestSession(t *testing.T) *record.Session {
	t.Helper()
	ctx := context.Background()
	db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	t0 := time.Date(2025, 6, 14, 17, 0, 0, 0, time.UTC)
	rec, err := db.Start(ctx, record.NewSession{Name: "Line test", URL: "srt://203.0.113.7:9000?mode=caller&passphrase=" + secretPass,
		Mode: "caller", LatencyMs: 120, Started: t0}, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec.Event(session.Event{Time: t0.Add(time.Second), Kind: "linetest", Detail: "step 1: 4 Mbit/s carried"})
	rec.LineTestResult(t0.Add(50*time.Second), json.RawMessage(lineTestJSON))
	if err := rec.Close(t0.Add(50 * time.Second)); err != nil {
		t.Fatal(err)
	}
	s, err := db.Load(ctx, rec.ID())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLineTestSection(t *testing.T) {
	s := lineTestSession(t)
	c, sum := build(s, Options{})
	if len(sum.LineTests) != 1 || sum.LineTests[0].MaxMbps != 4 || len(sum.LineTests[0].Steps) != 2 {
		t.Fatalf("summary line tests %+v", sum.LineTests)
	}
	if c.Title != "SRT line test report" || !strings.HasPrefix(c.Verdict, "Line test: this path carries 4 Mbit/s") || !c.VerdictOK {
		t.Errorf("cover %q %q ok=%v", c.Title, c.Verdict, c.VerdictOK)
	}
	var titles []string
	for _, g := range c.Groups {
		titles = append(titles, g.Title)
	}
	if strings.Join(titles, ",") != "Feed,Time,Line test" || !c.NoCharts {
		t.Errorf("cover groups %q, no charts %v; want Feed, Time, Line test and no charts", titles, c.NoCharts)
	}
	var sec *section
	for i := range c.Sections {
		if c.Sections[i].Title == "Line test" {
			sec = &c.Sections[i]
		}
	}
	if sec == nil || len(sec.Tables) != 1 {
		t.Fatalf("no line test section with one table: %+v", c.Sections)
	}
	tb := sec.Tables[0]
	want := [][]string{
		{"4 Mbit/s", "0.50%", "0.6%", "21.5 ms (20.1–30.2)", "0 (receiver)", "carried"},
		{"8 Mbit/s", "6.13%", "11.4%", "24.1 ms (21.7–44.2)", "9 (receiver)", "the receiver dropped 9 packets it did not get in time (6% loss, 11% overhead)"},
	}
	for i, row := range want {
		if strings.Join(tb.Rows[i], "|") != strings.Join(row, "|") {
			t.Errorf("row %d %q; want %q", i, tb.Rows[i], row)
		}
	}
	if len(tb.Bad) != 2 || tb.Bad[0] || !tb.Bad[1] || !strings.HasPrefix(tb.Note, "Verdict: this path carries 4 Mbit/s") {
		t.Errorf("bad %v note %q", tb.Bad, tb.Note)
	}

	tests := []struct {
		format Format
		has    []string
	}{
		{PDF, []string{"%PDF-"}},
		{HTML, []string{"SRT line test report", "Carried", "2, 1 failed", "Line test", "RTT (min–max)", "24.1 ms (21.7–44.2)", "9 (receiver)", "Verdict: this path carries 4 Mbit/s"}},
		{CSV, []string{"# line test ended 2025-06-14T17:00:50Z at 120 ms latency, max_mbps=4: this path carries 4 Mbit/s",
			"# mbps,loss_pct,overhead_pct,rtt_ms,rtt_min_ms,rtt_max_ms,pkts_dropped,figures_from,outcome\n",
			"# 8,6.13,11.4,24.1,21.7,44.2,9,receiver,\"the receiver dropped 9 packets it did not get in time (6% loss, 11% overhead)\"\n"}},
		{JSON, []string{`"line_tests"`, `"max_mbps": 4`, `"figures_from": "receiver"`}},
	}
	for _, tc := range tests {
		var buf bytes.Buffer
		if err := Write(&buf, s, tc.format, Options{}); err != nil {
			t.Fatalf("%s: %v", tc.format, err)
		}
		for _, h := range tc.has {
			if !bytes.Contains(buf.Bytes(), []byte(h)) {
				t.Errorf("%s lacks %q", tc.format, h)
			}
		}
		if bytes.Contains(buf.Bytes(), []byte(secretPass)) {
			t.Errorf("%s holds the passphrase", tc.format)
		}
	}
}
