package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

// TestOutputsInReport: recorded output samples become one summary row per
// output and per puller, and the HTML report shows them, an unhealthy one
// highlighted.
func TestOutputsInReport(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &record.Session{Info: record.Info{Name: "cam1", Started: t0, Ended: t0.Add(3 * time.Second)}}
	for i := range 4 {
		at := t0.Add(time.Duration(i) * time.Second)
		n := uint64(100 * (i + 1))
		s.Outputs = append(s.Outputs,
			record.OutputSample{Time: at, Output: 1, URL: "srt://192.0.2.1:9000?mode=caller&latency=120", Kind: "srt-caller", Peer: "192.0.2.1:9000",
				State: "connected", SenderFigures: session.SenderFigures{RTTMs: 20, SendMbps: 8, PktsSent: n, PktsRetransSent: uint64(i), SndBufMs: float64(20 + i)}},
			record.OutputSample{Time: at, Output: 2, URL: "srt://:9100?mode=listener&latency=120", Kind: "srt-listener", Peer: "127.0.0.1:5001",
				State: "connected", SenderFigures: session.SenderFigures{RTTMs: 1, PktsSent: n}},
			record.OutputSample{Time: at, Output: 2, URL: "srt://:9100?mode=listener&latency=120", Kind: "srt-listener", Peer: "127.0.0.1:5002",
				State: "connected", SenderFigures: session.SenderFigures{RTTMs: 1, PktsSent: n / 2}, SkippedBytes: uint64(1316 * i)},
			record.OutputSample{Time: at, Output: 3, URL: "udp://239.1.1.1:5000", Kind: "udp", Peer: "239.1.1.1:5000", State: "connected", SenderFigures: session.SenderFigures{PktsSent: n}})
	}
	tests := []struct {
		row                     int
		peer                    string
		sent, retrans, skipped  uint64
		rttAvg, sndBufMax, conn float64
	}{
		{0, "192.0.2.1:9000", 400, 3, 0, 20, 23, 100},
		{1, "127.0.0.1:5001", 400, 0, 0, 1, 0, 100},
		{2, "127.0.0.1:5002", 200, 0, 3948, 1, 0, 100},
		{3, "239.1.1.1:5000", 400, 0, 0, 0, 0, 100},
	}
	sum := Summarize(s)
	if len(sum.Outputs) != len(tests) {
		t.Fatalf("%d output rows, want %d: %+v", len(sum.Outputs), len(tests), sum.Outputs)
	}
	for _, tc := range tests {
		o := sum.Outputs[tc.row]
		if o.Peer != tc.peer || o.PktsSent != tc.sent || o.PktsRetransSent != tc.retrans || o.SkippedBytes != tc.skipped ||
			o.RTTMs.Avg != tc.rttAvg || o.SndBufMaxMs != tc.sndBufMax || o.ConnectedPct != tc.conn {
			t.Errorf("row %d: %+v", tc.row, o)
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, s, HTML, Options{}); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{"Outputs", "192.0.2.1:9000", "127.0.0.1:5002", "3,948", "udp://239.1.1.1:5000"} {
		if !strings.Contains(html, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
}

// TestRecordingInReport: a recording output is a row "record to DIR" of
// the Outputs section, and its finished segments and a full disk are
// listed under it, the full disk highlighted; other events are not.
func TestRecordingInReport(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)
	s := &record.Session{Info: record.Info{Name: "cam1", Started: t0, Ended: t0.Add(3 * time.Second)}}
	for i := range 3 {
		s.Outputs = append(s.Outputs, record.OutputSample{Time: t0.Add(time.Duration(i) * time.Second), Output: 1, URL: "/srv/rec", Kind: "record", State: "connected"})
	}
	s.Events = []session.Event{
		{Time: t0, Kind: "output segment-opened", Detail: "output 1 (/srv/rec): recording segment /srv/rec/cam1_2026-12-07T07-30-00Z.ts.part"},
		{Time: t0.Add(time.Second), Kind: "output segment-closed", Detail: "output 1 (/srv/rec): segment /srv/rec/cam1_2026-12-07T07-30-00Z.ts finished: 1000000 bytes, 1s"},
		{Time: t0.Add(2 * time.Second), Kind: "output disk-full", Detail: "output 1 (/srv/rec): disk full: recording stopped: /srv/rec/cam1_2026-12-07T07-30-01Z.ts (1500000 bytes written)"},
	}
	sum := Summarize(s)
	if len(sum.Recordings) != 2 || sum.Recordings[0].Kind != "output segment-closed" || sum.Recordings[1].Kind != "output disk-full" {
		t.Fatalf("recordings %+v: want the closed segment and the full disk", sum.Recordings)
	}
	sec := outputsSection(sum)
	if len(sec.Tables) != 2 || sec.Tables[0].Rows[0][1] != "record to /srv/rec" {
		t.Fatalf("outputs section %+v", sec)
	}
	if rt := sec.Tables[1]; len(rt.Rows) != 2 || rt.Bad[0] || !rt.Bad[1] || !strings.Contains(rt.Rows[1][2], "cam1_2026-12-07T07-30-01Z.ts") {
		t.Errorf("recording table %+v", rt)
	}
}
