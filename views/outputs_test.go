package views

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// outputViews are three outputs: a caller sending well, a listener with
// two pullers (one of them dropping), and a UDP output.
func outputViews() []app.OutputView {
	caller := app.OutputView{Index: 1}
	caller.URL, caller.Kind, caller.State, caller.Peer = "srt://192.0.2.9:9000?mode=caller&latency=300", session.OutputSRTCaller, session.StateConnected, "192.0.2.9:9000"
	caller.RTTMs, caller.LatencyMs, caller.SendMbps, caller.PktsSent, caller.SndBufMs = 41, 300, 8.2, 9000, 45
	listener := app.OutputView{Index: 2}
	listener.URL, listener.Kind, listener.State = "srt://:9100?mode=listener&latency=120", session.OutputSRTListener, session.StateConnected
	p1 := app.OutputView{Index: 2}
	p1.URL, p1.Kind, p1.State, p1.Peer, p1.RTTMs, p1.LatencyMs, p1.PktsSent = listener.URL, listener.Kind, session.StateConnected, "127.0.0.1:50001", 0.4, 120, 800
	p2 := p1
	p2.Peer, p2.PktsSendDropped = "127.0.0.1:50002", 40
	p2.SendDroppedPerS = 12
	listener.Pullers = []app.OutputView{p1, p2}
	udp := app.OutputView{Index: 3}
	udp.URL, udp.Kind, udp.State, udp.Peer, udp.PktsSent = "udp://239.1.1.1:5000?ttl=4", session.OutputUDP, session.StateConnected, "239.1.1.1:5000", 9000
	return []app.OutputView{caller, listener, udp}
}

// The Outputs tab has a row per output and per puller, each with its own
// figures, and names the unhealthy puller's trouble.
func TestOutputsPanelRows(t *testing.T) {
	d, _ := newTestDetail(t)
	v := app.FeedView{ID: 1, Running: true, Spec: app.FeedSpec{Name: "cam1", Config: listenerCfg}, Outputs: outputViews(),
		Status: app.FeedStatus{Phase: app.PhaseConnected}}
	v.Sample.State = session.StateConnected
	d.update(v, true)
	p := d.outputs
	if len(p.items) != 5 || p.note.Visible() {
		t.Fatalf("%d rows (note shown %v), want 5: 3 outputs and 2 pullers", len(p.items), p.note.Visible())
	}
	tests := []struct {
		row   int
		title string
		stats []string
	}{
		{0, "1 · SRT caller · srt://192.0.2.9:9000", []string{"connected", "8.20 Mbit/s", "RTT 41.0 ms", "buffer 45 ms", "sent 9000"}},
		{1, "2 · SRT listener (pull)", []string{"2 pulling"}},
		{2, "puller 127.0.0.1:50001", []string{"RTT 0.4 ms", "sent 800"}},
		{3, "puller 127.0.0.1:50002", []string{"send-dropped 40", "The sender dropped 12 packets"}},
		{4, "3 · UDP · udp://239.1.1.1:5000", []string{"sent 9000 datagrams", "skipped 0 bytes"}},
	}
	for _, tc := range tests {
		r := p.items[tc.row]
		if !strings.Contains(r.title.Text, tc.title) {
			t.Errorf("row %d title %q, want %q", tc.row, r.title.Text, tc.title)
		}
		for _, s := range tc.stats {
			if !strings.Contains(r.stats.Text, s) {
				t.Errorf("row %d figures %q lack %q", tc.row, r.stats.Text, s)
			}
		}
	}
	if p.items[3].light.FillColor != colorRed || p.items[0].light.FillColor != colorGreen {
		t.Errorf("lights: dropping puller %v, healthy caller %v", p.items[3].light.FillColor, p.items[0].light.FillColor)
	}
	if p.items[2].remove != nil || p.items[1].remove == nil {
		t.Error("only outputs, not pullers, have a Remove button")
	}
}

// A wall tile marks the worst unhealthy output, in its light's colour,
// and says why when no alarm takes the line.
func TestWallTileOutputMarker(t *testing.T) {
	outs := outputViews()
	v := app.FeedView{ID: 1, Running: true, Spec: listenerSpec("cam1", 9000), Outputs: outs, Status: app.FeedStatus{Phase: app.PhaseConnected}}
	st := tileStateOf(v)
	if st.outBadge != "OUT 2" || st.outColor != colorRed || !strings.Contains(st.alarm, "output 2: puller 127.0.0.1:50002") {
		t.Errorf("marker %q %v, line %q", st.outBadge, st.outColor, st.alarm)
	}
	outs[1].Pullers = outs[1].Pullers[:1]
	outs[0].SndBufMs = 300 // at the latency: bandwidth short
	st = tileStateOf(v)
	if st.outBadge != "OUT 1" || st.outColor != colorAmber {
		t.Errorf("marker %q %v, want OUT 1 amber", st.outBadge, st.outColor)
	}
	outs[0].SndBufMs = 40
	if st = tileStateOf(v); st.outBadge != "" {
		t.Errorf("healthy outputs marked %q", st.outBadge)
	}
}

// The add dialog checks the URL as it is typed, naming the field.
func TestAddOutputDialogValidates(t *testing.T) {
	d, w := newTestDetail(t)
	showAddOutput(d.ctrl, w, 1)
	var url *field
	var problem string
	find := func() {
		for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
			if f, ok := o.(*field); ok && url == nil { // the URL field comes first
				url = f
			}
		}
	}
	find()
	if url == nil {
		t.Fatal("no URL field in the dialog")
	}
	test.Type(url, "udp://239.1.1.1:5000?ttl=999")
	problem = dialogText(w)
	if !strings.Contains(problem, "ttl") || !strings.Contains(problem, "1..255") {
		t.Errorf("dialog says %q, want the ttl field and 1..255", problem)
	}
}

// dialogText is every label's text in the top overlay.
func dialogText(w fyne.Window) string {
	var b strings.Builder
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		if l, ok := o.(*widget.Label); ok {
			b.WriteString(l.Text + "\n")
		}
	}
	return b.String()
}

// The add dialog's "Record to disk" choice checks the directory and the
// segment length, naming the field, the value and what is allowed.
func TestRecordOutputConfig(t *testing.T) {
	tests := []struct {
		name, dir, segment string
		want               string // in the error; "" for none
		wantSeg            time.Duration
		wantBytes          int64
	}{
		{name: "default segment", dir: "/srv/rec"},
		{name: "a duration", dir: "/srv/rec", segment: "30s", wantSeg: 30 * time.Second},
		{name: "a size", dir: "/srv/rec", segment: "500MB", wantBytes: 500_000_000},
		{name: "no directory", dir: " ", want: "record directory"},
		{name: "a bad segment", dir: "/srv/rec", segment: "5 minutes", want: `segment "5 minutes"`},
		{name: "too short", dir: "/srv/rec", segment: "100ms", want: "1s to 24h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := recordOutputConfig(tt.dir, tt.segment)
			if tt.want != "" {
				if err == nil || !strings.Contains(errorText(err), tt.want) {
					t.Errorf("error %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil || cfg.Kind != session.OutputRecord || cfg.Record.Segment != tt.wantSeg || cfg.Record.SegmentBytes != tt.wantBytes {
				t.Errorf("config %+v, %v", cfg, err)
			}
		})
	}
}

// A recording's row says its state, live segment and bytes; a full disk
// is red and names the path; the pull point has no Remove button.
func TestOutputsPanelRecordAndPullPoint(t *testing.T) {
	d, _ := newTestDetail(t)
	rec := app.OutputView{Index: 1, Recording: &app.RecordingView{State: app.RecordDiskFull, DiskFullPath: "/srv/rec/cam1_2026-12-07T07-30-00Z.ts", BytesWritten: 12_500_000}}
	rec.URL, rec.Kind, rec.State = "/srv/rec", session.OutputRecord, session.StateDisconnected
	pull := app.OutputView{Index: 2, PullPoint: true}
	pull.URL, pull.Kind, pull.State = "srt://:9000?streamid=#!::r=cam1,m=request", session.OutputSRTListener, session.StateConnecting
	v := app.FeedView{ID: 1, Running: true, Spec: app.FeedSpec{Name: "cam1", Config: listenerCfg}, Outputs: []app.OutputView{rec, pull},
		Status: app.FeedStatus{Phase: app.PhaseConnected}}
	v.Sample.State = session.StateConnected
	d.outputs.update(v)
	if n := len(d.outputs.items); n != 2 {
		t.Fatalf("%d rows, want 2", n)
	}
	r := d.outputs.items[0]
	if !strings.Contains(r.title.Text, "Record to disk") || !strings.Contains(r.stats.Text, "disk full") || !strings.Contains(r.stats.Text, "cam1_2026-12-07T07-30-00Z.ts") ||
		!strings.Contains(r.stats.Text, "12.5 MB") || r.light.FillColor != healthColor(app.HealthRed) {
		t.Errorf("record row %q / %q", r.title.Text, r.stats.Text)
	}
	if p := d.outputs.items[1]; p.remove != nil || !strings.Contains(p.title.Text, "m=request") {
		t.Errorf("pull point row %q with remove %v", p.title.Text, p.remove)
	}
}

// The add dialog's "Record to disk" choice checks the directory and
// segment fields as they are typed.
func TestAddOutputDialogRecord(t *testing.T) {
	d, w := newTestDetail(t)
	showAddOutput(d.ctrl, w, 1)
	var choice *widget.RadioGroup
	var fields []*field
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		switch x := o.(type) {
		case *widget.RadioGroup:
			choice = x
		case *field:
			fields = append(fields, x)
		}
	}
	if choice == nil || len(fields) != 3 {
		t.Fatalf("choice %v, %d fields: want the choice and URL, directory, segment", choice, len(fields))
	}
	choice.SetSelected(addRecord)
	dir, segment := fields[1], fields[2]
	test.Type(dir, "/srv/rec")
	test.Type(segment, "5 minutes")
	if got := dialogText(w); !strings.Contains(got, `segment "5 minutes"`) || !strings.Contains(got, "500MB") {
		t.Errorf("dialog says %q, want the segment named with what is allowed", got)
	}
}
