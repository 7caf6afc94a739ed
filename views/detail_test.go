package views

import (
	"fmt"
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/session"
)

var (
	listenerCfg = session.Config{Mode: session.ModeListener, Port: 9000, LatencyMs: 200}
	callerCfg   = session.Config{Mode: session.ModeCaller, Host: "10.0.0.5", Port: 9000, LatencyMs: 200}
)

// wrongPassphrase is the failure a listener records for a caller with the
// wrong passphrase.
func wrongPassphrase() error { return session.ExplainReject(1010, true) }

func portInUse() error {
	return &session.ConnectError{Kind: session.ErrPortInUse, Detail: "UDP port 9000 already in use: stop the other program listening on it or pick another port"}
}

// newTestDetail is a detail panel in a 1024x700 test window.
func newTestDetail(t *testing.T) (*feedDetail, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	d := newFeedDetail(ctrl, w)
	w.SetContent(d.content)
	w.Resize(fyne.NewSize(1024, 700))
	return d, w
}

// The header says where the feed stands, in words and in a colour of its
// own for each phase: waiting, connecting, reconnecting, connected,
// failed (with the port), stopped and tuning never look alike.
func TestDetailHeaderStates(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name      string
		v         app.FeedView
		word      string
		words     []string // in the status sentence
		wantPlace string   // in the set-up line
	}{
		{"listener waiting", app.FeedView{Running: true, Spec: app.FeedSpec{Config: listenerCfg}, Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000"}},
			"WAITING", []string{"Waiting for the encoder on :9000"}, "listener on :9000"},
		{"wrong passphrase", app.FeedView{Running: true, Spec: app.FeedSpec{Config: listenerCfg}, Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000", Cause: wrongPassphrase(), Rejections: 6}},
			"WRONG PASSPHRASE", []string{"wrong passphrase", "(6 times)", "same passphrase"}, "listener on :9000"},
		{"caller connecting", app.FeedView{Running: true, Spec: app.FeedSpec{Config: callerCfg}, Status: app.FeedStatus{Phase: app.PhaseConnecting, Remote: "10.0.0.5:9000"}},
			"CONNECTING", []string{"Calling 10.0.0.5:9000"}, "caller to 10.0.0.5:9000"},
		{"caller reconnecting", app.FeedView{Running: true, Spec: app.FeedSpec{Config: callerCfg}, Status: app.FeedStatus{Phase: app.PhaseReconnecting, Remote: "10.0.0.5:9000", Attempt: 3, EverConnected: true}},
			"RECONNECTING", []string{"Reconnecting to 10.0.0.5:9000, attempt 3"}, "caller to 10.0.0.5:9000"},
		{"listener connected", app.FeedView{Running: true, Spec: app.FeedSpec{Config: listenerCfg}, ConnectedSince: now, Status: app.FeedStatus{Phase: app.PhaseConnected, Listen: ":9000", Peer: "192.168.1.20:53211", EverConnected: true}},
			"CONNECTED", []string{"Connected to 192.168.1.20:53211"}, "listener on :9000 · peer 192.168.1.20:53211"},
		{"port in use", app.FeedView{Spec: app.FeedSpec{Config: listenerCfg}, Status: app.FeedStatus{Phase: app.PhaseFailed, Listen: ":9000", Cause: portInUse()}},
			"FAILED TO START", []string{"Could not start", "UDP port 9000 already in use"}, "listener on :9000"},
		{"stopped", app.FeedView{Spec: app.FeedSpec{Config: listenerCfg}, Status: app.FeedStatus{Phase: app.PhaseStopped}},
			"STOPPED", []string{"Stopped"}, "listener on :9000"},
		{"tuning", app.FeedView{Running: true, Tuning: true, Spec: app.FeedSpec{Config: callerCfg}, Status: app.FeedStatus{Phase: app.PhaseConnected}},
			"TUNING", []string{"latency wizard", "reconnects"}, "caller to 10.0.0.5:9000"},
	}
	d, _ := newTestDetail(t)
	colours := map[color.Color]string{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.v.ID = 1
			d.update(tt.v, true)
			if d.phase.Text != tt.word {
				t.Errorf("phase %q, want %q", d.phase.Text, tt.word)
			}
			for _, w := range tt.words {
				if !strings.Contains(d.status.Text, w) {
					t.Errorf("status %q does not say %q", d.status.Text, w)
				}
			}
			if !strings.Contains(d.state.Text, tt.wantPlace) {
				t.Errorf("set-up line %q does not say %q", d.state.Text, tt.wantPlace)
			}
			if !d.phase.Visible() || d.phase.Size().Width < d.phase.MinSize().Width {
				t.Errorf("phase word clipped: %v < %v", d.phase.Size(), d.phase.MinSize())
			}
			if other, ok := colours[d.phase.Color]; ok && other != tt.word && (!isRed(d.phase.Color) || !isRed(d.light.FillColor)) {
				t.Errorf("%s has the colour of %s", tt.word, other)
			}
			colours[d.phase.Color] = tt.word
			if data := tt.v.Status.EverConnected; d.figures.Visible() != data {
				t.Errorf("figures shown=%v, want %v: zeros say nothing before the first packet", d.figures.Visible(), data)
			}
			if mw := d.content.MinSize().Width; mw > 0.6*1024 {
				t.Errorf("detail needs %.0f px: it would push the list or the buttons out at 1024x700", mw)
			}
		})
	}
	// Failed and the wrong passphrase are both red (the audience sees
	// nothing); every other phase has its own colour.
	if n := len(colours); n < 6 {
		t.Errorf("%d phase colours, want at least 6 distinct: %v", n, colours)
	}
}

func isRed(c color.Color) bool { return c == color.Color(colorRed) }

// Alarms latch: a cleared alarm stays in the header ("had an alarm") and
// the Alarms tab with first seen, cleared and acknowledged, and the
// Acknowledge button is enabled until the operator acknowledges.
func TestDetailAlarmHistoryLatches(t *testing.T) {
	y, mo, dd := time.Now().Date()
	t0 := time.Date(y, mo, dd, 18, 2, 11, 0, time.Local)
	black := app.AlarmRecord{Kind: app.AlarmBlack, Raised: t0, Cleared: t0.Add(3 * time.Second), Last: app.AlarmChange{Kind: app.AlarmBlack, Raised: true, Detail: "picture black for 3.0s"}}
	acked := black
	acked.Acked = t0.Add(5 * time.Minute)
	noData := app.AlarmRecord{Kind: app.AlarmNoData, Raised: t0.Add(time.Minute), Last: app.AlarmChange{Kind: app.AlarmNoData, Raised: true, Detail: "no packets for 12s: the encoder's passphrase is wrong"}}
	stopped := noData
	stopped.Cleared, stopped.ClearedBy = t0.Add(2*time.Minute), "feed stopped"
	base := app.FeedView{ID: 1, Running: true, Health: app.HealthRed, Spec: app.FeedSpec{Name: "Demo: bars and tone (2% loss, 30 ms RTT), the long name of a feed", Config: listenerCfg},
		Sample: session.Sample{RTTMs: 38.9, LatencyMs: 200, Conn: session.ConnCounters{PktsRecv: 1000, PktsLost: 187}}, Status: app.FeedStatus{Phase: app.PhaseConnected, Listen: ":9000"}}
	tests := []struct {
		name      string
		history   []app.AlarmRecord
		active    []app.AlarmChange
		unacked   bool
		had       bool
		wantAck   bool
		wantHad   string
		wantLines []string // in the Alarms tab, newest first
	}{
		{"none", nil, nil, false, false, false, "", nil},
		{"cleared, not acknowledged", []app.AlarmRecord{black}, nil, true, true, true, "Had an alarm: picture black for 3.0s",
			[]string{"picture black for 3.0s · first seen 18:02:11 · cleared 18:02:14 · not acknowledged yet"}},
		{"acknowledged", []app.AlarmRecord{acked}, nil, false, false, false, "",
			[]string{"first seen 18:02:11 · cleared 18:02:14 · acknowledged 18:07:11"}},
		{"active", []app.AlarmRecord{acked, noData}, []app.AlarmChange{noData.Last}, true, false, true, "",
			[]string{"passphrase is wrong · first seen 18:03:11 · still active", "acknowledged 18:07:11"}},
		{"cleared by a stop", []app.AlarmRecord{stopped}, nil, true, true, true, "Had an alarm",
			[]string{"cleared 18:04:11 (feed stopped) · not acknowledged yet"}},
	}
	d, _ := newTestDetail(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := base
			v.AlarmHistory, v.Alarms, v.Unacknowledged, v.HadAlarm = tt.history, tt.active, tt.unacked, tt.had
			d.update(v, true)
			if d.ackButton.Disabled() == tt.wantAck {
				t.Errorf("Acknowledge enabled=%v, want %v", !d.ackButton.Disabled(), tt.wantAck)
			}
			if tt.wantHad == "" && d.latched.Text != "" || !strings.Contains(d.latched.Text, tt.wantHad) {
				t.Errorf("latched line %q, want %q", d.latched.Text, tt.wantHad)
			}
			var got []string
			for _, o := range d.history.rows.Objects {
				got = append(got, o.(*widget.Label).Text)
			}
			if len(got) != len(tt.wantLines) {
				t.Fatalf("Alarms tab rows %q, want %d", got, len(tt.wantLines))
			}
			for i, w := range tt.wantLines {
				if !strings.Contains(got[i], w) {
					t.Errorf("row %d %q does not say %q", i, got[i], w)
				}
			}
			if len(tt.active) > 0 && d.alarms.Importance != widget.DangerImportance {
				t.Error("an active red alarm is not shown in red")
			}
			// The detail never asks for more than 60% of the 1024 px
			// minimum, whatever the alarms say: the list keeps its room and
			// the buttons stay in the window.
			if mw := d.content.MinSize().Width; mw > 0.6*1024 {
				t.Errorf("detail needs %.0f px", mw)
			}
		})
	}
	if d.tabs.Items[2].Text != "Alarms" {
		t.Errorf("third tab %q, want Alarms", d.tabs.Items[2].Text)
	}
}

// The latency chart's guidance line advises the same multiple as the
// header, for the same loss, and says for which.
func TestChartGuideAgreesWithHeader(t *testing.T) {
	t0 := time.Now().Add(-time.Minute)
	tests := []struct {
		name                  string
		sessLost, connLost    uint64
		wantMult              int
		wantSpan, wantNotSpan string
	}{
		// 15% lost before a reconnect, this connection clean: the header
		// advises 3x for this connection, so must the chart.
		{"clean after a lossy reconnect", 1500, 0, 3, "this connection", "this session"},
		{"5% on this connection", 500, 250, 5, "this connection", ""},
		{"8% on this connection", 800, 400, 6, "this connection", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			var hist []session.Sample
			for i := range 30 {
				hist = append(hist, session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected, RTTMs: 40, LatencyMs: 200, RTTMultiplier: 5,
					PktsRecv: 10000, PktsLost: tt.sessLost, Conn: session.ConnCounters{PktsRecv: 5000, PktsLost: tt.connLost}})
			}
			v := app.FeedView{ID: 1, Running: true, History: hist, Sample: hist[len(hist)-1]}
			a, ok := app.AdviseLatency(v)
			if !ok {
				t.Fatal("no advice")
			}
			p := newChartPanel()
			p.update(v)
			m, label := p.guide()
			if m != a.Advice.Multiplier || m != tt.wantMult {
				t.Errorf("chart guide %d× (%q), header %d×, want %d×", m, label, a.Advice.Multiplier, tt.wantMult)
			}
			if !strings.Contains(label, tt.wantSpan) || (tt.wantNotSpan != "" && strings.Contains(label, tt.wantNotSpan)) {
				t.Errorf("guide label %q, want it for %s", label, tt.wantSpan)
			}
			if txt, _ := headroomLine(v); !strings.Contains(txt, fmt.Sprintf("≥ %d×", m)) {
				t.Errorf("header %q disagrees with the chart's %d×", txt, m)
			}
		})
	}
}

// The four charts always show the same moment, so their time axes line
// up: a raster that draws itself at a new size draws the others again too,
// and a background render is swapped in for all four or none.
func TestChartFramesShowOneMoment(t *testing.T) {
	test.NewTempApp(t)
	p := newChartPanel()
	t0 := time.Now()
	var hist []session.Sample
	for i := range 40 {
		hist = append(hist, session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected,
			RTTMs: 40 + float64(i%5), LatencyMs: 200, RTTMultiplier: 5, RecvMbps: 4.8, PktsRecv: uint64(i * 450)})
	}
	sizes := []struct{ w, h int }{{300, 200}, {320, 200}, {300, 210}, {320, 210}}
	tests := []struct {
		name    string
		samples int
		resize  int // the raster drawn at a new size
	}{{"first draw", 20, 0}, {"RTT resized after new samples", 30, 0}, {"latency resized after new samples", 40, 3}}
	for _, tt := range tests {
		fyne.DoAndWait(func() {
			p.mu.Lock()
			p.samples, p.lastT = hist[:tt.samples], hist[tt.samples-1].Time // as update, without a background render
			p.mu.Unlock()
			if tt.samples == 20 {
				for i, k := range chart.Kinds {
					p.draw(i, k, sizes[i].w, sizes[i].h)
				}
			}
			sizes[tt.resize].w += 10
			p.draw(tt.resize, chart.Kinds[tt.resize], sizes[tt.resize].w, sizes[tt.resize].h)
		})
		p.mu.Lock()
		for i, f := range p.frames {
			if !f.lastT.Equal(hist[tt.samples-1].Time) {
				t.Errorf("%s: %s shows %v, want the newest sample %v like the chart drawn", tt.name, chart.Kinds[i], f.lastT, hist[tt.samples-1].Time)
			}
		}
		p.mu.Unlock()
	}
}
