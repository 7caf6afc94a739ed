package views

import (
	"image/color"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
)

// A tile shows the programme's short-term loudness against the feed's
// target, amber outside the tolerance or with a loudness alarm, and no
// loudness figure when the feed has none; the figure stays inside the
// smallest tile with every other figure.
func TestTileLoudnessFigure(t *testing.T) {
	base := func(l []media.Loudness, target float64, alarms ...app.AlarmChange) app.FeedView {
		th := app.DefaultThresholds()
		if target != 0 {
			th.LoudnessTargetLUFS = target
		}
		spec := listenerSpec("Main stage programme", 9000)
		spec.Thresholds = th
		return app.FeedView{Running: true, Spec: spec, Alarms: alarms, Loudness: l,
			Status: app.FeedStatus{Phase: app.PhaseConnected, Peer: "192.0.2.7:5000"},
			Sample: session.Sample{Time: time.Now(), State: session.StateConnected, RTTMs: 33, LatencyMs: 200, RTTMultiplier: 6, RecvMbps: 4.8, PktsDropped: 8},
			Levels: &media.Levels{RMSdB: []float64{-21, -21}, PeakdB: []float64{-18, -18}}}
	}
	prog := []media.Loudness{{PID: 257, ShortTermLUFS: -22.84}, {PID: 258, ShortTermLUFS: -40}}
	tests := []struct {
		name     string
		v        app.FeedView
		want     string // "" when there must be no loudness figure
		wantWarn color.Color
	}{
		{"no loudness", base(nil, 0), "", nil},
		{"on target", base(prog, 0), "-22.8 LUFS (target -23)", nil},
		{"streaming target", base(prog, -14), "-22.8 LUFS (target -14)", colorAmber},
		{"alarm raised", base(prog, 0, app.AlarmChange{Kind: app.AlarmTooLoud, Detail: "too loud"}), "-22.8 LUFS (target -23)", colorAmber},
		{"gated", base([]media.Loudness{{PID: 257, ShortTermLUFS: -120}}, 0), "below -70 LUFS (target -23)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			st := tileStateOf(tt.v)
			var got *tileFigure
			for i, f := range st.figures {
				if strings.Contains(f.text, "LUFS") {
					got = &st.figures[i]
				}
			}
			switch {
			case tt.want == "" && got != nil:
				t.Fatalf("loudness figure %q on a feed without loudness", got.text)
			case tt.want == "":
				return
			case got == nil:
				t.Fatalf("no loudness figure in %+v", st.figures)
			}
			if got.text != tt.want || got.warn != tt.wantWarn {
				t.Errorf("figure %q in %v, want %q in %v", got.text, got.warn, tt.want, tt.wantWarn)
			}
			for _, sz := range []fyne.Size{{Width: 248, Height: 150}, {Width: 470, Height: 300}} {
				tile := newWallTile(nil)
				w := test.NewTempWindow(t, tile)
				w.SetPadded(false)
				w.Resize(sz)
				tile.Resize(sz)
				tile.set(st)
				shown := false
				for _, o := range test.WidgetRenderer(tile).(*tileRenderer).art.layers {
					txt, ok := o.(*canvas.Text)
					if !ok || txt.Hidden || txt.Text == "" {
						continue
					}
					shown = shown || strings.Contains(txt.Text, "LUFS")
					p, ms := txt.Position(), txt.MinSize()
					if p.X < 0 || p.Y < 0 || p.X+ms.Width > sz.Width+1 || p.Y+ms.Height > sz.Height+1 {
						t.Errorf("at %v: %q at %v (%v) leaves the tile", sz, txt.Text, p, ms)
					}
				}
				if !shown {
					t.Errorf("at %v the loudness figure is not drawn", sz)
				}
			}
		})
	}
}
