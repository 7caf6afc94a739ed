package views

import (
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// The detail's buffer gauge shows the level against the latency and the
// reading in its colour for a connected feed with arrival times, and
// hides for a feed on a shared port (no arrival times) and while not
// connected; it never widens the detail at 1024x700.
func TestDetailBufferGauge(t *testing.T) {
	since := time.Now().Add(-time.Minute)
	connected := func(levels ...int) app.FeedView {
		v := app.FeedView{ID: 1, Running: true, Spec: app.FeedSpec{Config: listenerCfg}, ConnectedSince: since,
			Status: app.FeedStatus{Phase: app.PhaseConnected, Listen: ":9000", EverConnected: true}}
		for i, n := range levels {
			v.History = append(v.History, session.Sample{Time: since.Add(time.Duration(i+1) * time.Second), State: session.StateConnected,
				LatencyMs: 200, RecvPktsPerS: 57, RcvBufPkts: n, RcvBufMs: float64(n) * 17.5})
		}
		v.Sample = v.History[len(v.History)-1]
		return v
	}
	shared := connected(11, 11)
	shared.Spec.Port = "127.0.0.1:9000"
	stopped := connected(11, 11)
	stopped.Sample.State = session.StateDisconnected
	tests := []struct {
		name  string
		v     app.FeedView
		shown bool
		bar   string
		words string
		imp   string // the words' colour: healthImportance of green, amber or red
	}{
		{"full", connected(11, 11, 11, 10), true, "175 / 200 ms", "receive buffer 10 packets, 88% of the latency: never empty in the last 4 s", "green"},
		{"touched 0", connected(11, 0, 11, 11), true, "192 / 200 ms", "ran empty once in the last 4 s: raise the latency", "amber"},
		{"starved", connected(0, 1, 0, 0, 2, 0, 0, 1, 0, 0), true, "0 / 200 ms", "empty 7 of the last 10 s: the bitrate is too high", "red"},
		{"shared port", shared, false, "", "", ""},
		{"not connected", stopped, false, "", "", ""},
	}
	colours := map[string]app.Health{"green": app.HealthGreen, "amber": app.HealthAmber, "red": app.HealthRed}
	d, _ := newTestDetail(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d.update(tt.v, true)
			if d.buffer.row.Visible() != tt.shown {
				t.Fatalf("gauge shown=%v, want %v", d.buffer.row.Visible(), tt.shown)
			}
			if !tt.shown {
				return
			}
			if got := d.buffer.bar.TextFormatter(); got != tt.bar {
				t.Errorf("bar %q, want %q", got, tt.bar)
			}
			if !strings.Contains(d.buffer.words.Text, tt.words) {
				t.Errorf("words %q, want %q in them", d.buffer.words.Text, tt.words)
			}
			if want := healthImportance(healthColor(colours[tt.imp])); d.buffer.words.Importance != want {
				t.Errorf("words in importance %v, want %s's %v", d.buffer.words.Importance, tt.imp, want)
			}
			if mw := d.content.MinSize().Width; mw > 0.6*1024 {
				t.Errorf("detail needs %.0f px with the gauge: it would push the list out at 1024x700", mw)
			}
		})
	}
}
