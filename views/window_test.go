package views

import (
	"image"
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

func TestMainViewShowsToolbarAndPlaceholder(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	ui := newMainUI(t.Context(), ctrl, w)
	w.SetContent(ui.content)

	var toolbar *widget.Toolbar
	var texts []string
	for _, o := range test.LaidOutObjects(ui.content) {
		switch v := o.(type) {
		case *widget.Toolbar:
			toolbar = v
		case *widget.Label:
			if v.Visible() {
				texts = append(texts, v.Text)
			}
		}
	}
	if toolbar == nil || len(toolbar.Items) < 4 {
		t.Fatal("main view has no toolbar with add/start/stop")
	}
	if !strings.Contains(strings.Join(texts, "|"), "Select a feed") {
		t.Errorf("empty window shows %q, want the select-a-feed hint", texts)
	}
}

func TestFeedListUpdatesRows(t *testing.T) {
	test.NewTempApp(t)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	for _, name := range []string{"cam1", "cam2"} {
		if _, err := ctrl.Add(app.FeedSpec{Name: name, Config: session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: 9000}}); err != nil {
			t.Fatal(err)
		}
	}
	var picked app.FeedID
	fl := newFeedList(func(id app.FeedID) { picked = id })
	w := test.NewTempWindow(t, fl.widget())
	w.Resize(fyne.NewSize(400, 300))
	fl.update(ctrl.Feeds())
	if n := fl.list.Length(); n != 2 {
		t.Fatalf("list has %d rows, want 2", n)
	}
	fl.selectID(2)
	if picked != 2 {
		t.Errorf("selecting the second row picked feed %d, want 2", picked)
	}
	if got := feedLine(fl.feeds[0]); !strings.Contains(got, "stopped") {
		t.Errorf("row of a stopped feed says %q", got)
	}
}

func TestSessionFormValidationAndPaste(t *testing.T) {
	test.NewTempApp(t)
	tests := []struct {
		name      string
		fill      func(f *sessionForm)
		wantProb  string // substring of the inline message; "" = valid
		wantNote  string // substring of the paste note
		wantPort  string
		wantLatMs string
	}{
		{name: "defaults are valid", fill: func(*sessionForm) {}},
		{name: "port out of range", fill: func(f *sessionForm) { f.port.SetText("90000") }, wantProb: "90000"},
		{name: "short passphrase", fill: func(f *sessionForm) { f.passphrase.SetText("short") }, wantProb: "assphrase"},
		{name: "latency not a number", fill: func(f *sessionForm) { f.latency.SetText("fast") }, wantProb: "latency"},
		{name: "ffmpeg URL in microseconds", fill: func(f *sessionForm) {
			f.paste.SetText("srt://192.0.2.10:9001?mode=caller&latency=200000")
		}, wantNote: "microseconds", wantPort: "9001", wantLatMs: "200"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSessionForm()
			test.NewTempWindow(t, f.content())
			tt.fill(f)
			f.validate()
			if tt.wantProb == "" && f.problem.Text != "" {
				t.Errorf("unexpected problem %q", f.problem.Text)
			}
			if tt.wantProb != "" && !strings.Contains(f.problem.Text, tt.wantProb) {
				t.Errorf("problem %q, want one mentioning %q", f.problem.Text, tt.wantProb)
			}
			if tt.wantNote != "" && !strings.Contains(f.pasteNote.Text, tt.wantNote) {
				t.Errorf("paste note %q, want %q", f.pasteNote.Text, tt.wantNote)
			}
			if tt.wantPort != "" && f.port.Text != tt.wantPort {
				t.Errorf("port field %q, want %q", f.port.Text, tt.wantPort)
			}
			if tt.wantLatMs != "" && f.latency.Text != tt.wantLatMs {
				t.Errorf("latency field %q, want %q", f.latency.Text, tt.wantLatMs)
			}
		})
	}
}

func TestChartPanelRendersSamples(t *testing.T) {
	test.NewTempApp(t)
	p := newChartPanel()
	t0 := time.Now()
	var hist []session.Sample
	for i := 0; i < 60; i++ {
		hist = append(hist, session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected,
			RTTMs: 40 + float64(i%5), LatencyMs: 200, RTTMultiplier: 5, RecvMbps: 4.8, PktsRecv: uint64(i * 450),
			PktsLost: uint64(i), PktsRetrans: uint64(i), BytesRecv: uint64(i * 600000)})
	}
	p.update(app.FeedView{History: hist})
	for _, k := range chart.Kinds {
		img := p.render(k, 400, 250)
		if !hasDetail(img) {
			t.Errorf("%s chart is blank", k)
		}
	}
	if img := newChartPanel().render(chart.RTT, 400, 250); hasDetail(img) {
		t.Error("a chart with no samples should draw nothing")
	}
}

// TestChartPanelRendersOffTheUIGoroutine: once the rasters have a size, a
// new sample is rendered in the background and swapped in, and the raster
// hands out that image without drawing again.
func TestChartPanelRendersOffTheUIGoroutine(t *testing.T) {
	test.NewTempApp(t)
	p := newChartPanel()
	fyne.DoAndWait(func() {
		for i, k := range chart.Kinds {
			if img := p.draw(i, k, 400, 250); hasDetail(img) {
				t.Errorf("%s: drawn before any sample, but not blank", k)
			}
		}
	})
	t0 := time.Now()
	var hist []session.Sample
	for i := 0; i < 30; i++ {
		hist = append(hist, session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected,
			RTTMs: 40 + float64(i%5), LatencyMs: 200, RTTMultiplier: 5, RecvMbps: 4.8, PktsRecv: uint64(i * 450)})
	}
	last := hist[len(hist)-1].Time
	fyne.DoAndWait(func() { p.update(app.FeedView{History: hist}) })
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		done := true
		p.mu.Lock()
		for _, f := range p.frames {
			done = done && f.lastT.Equal(last) && !p.busy
		}
		p.mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background render did not swap in all four charts within 10 s")
		}
		<-tick.C
	}
	fyne.DoAndWait(func() {
		for i, k := range chart.Kinds {
			p.mu.Lock()
			f := p.frames[i]
			p.mu.Unlock()
			if img := p.draw(i, k, 400, 250); img != f.img || !hasDetail(img) {
				t.Errorf("%s: the raster did not hand out the background image, or it is blank", k)
			}
		}
	})
}

// hasDetail reports whether img has more than one colour.
func hasDetail(img image.Image) bool {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dx() > 10000 {
		return false
	}
	first := img.At(b.Min.X, b.Min.Y)
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			if img.At(x, y) != first {
				return true
			}
		}
	}
	return false
}

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args    []string
		want    Options
		ok      bool
		wantErr string
	}{
		{nil, Options{}, true, ""},
		{[]string{"--demo"}, Options{Demo: true, DemoFeeds: 1}, true, ""},
		{[]string{"--demo=8"}, Options{Demo: true, DemoFeeds: 8}, true, ""},
		{[]string{"--demo=0"}, Options{}, true, "--demo=0: allowed a number of demo feeds from 1 to 16"},
		{[]string{"--demo=many"}, Options{}, true, "--demo=many: allowed"},
		{[]string{"--demo=17"}, Options{}, true, "from 1 to 16"},
		{[]string{"watch", "srt://:9000"}, Options{}, false, ""},
		{[]string{"--demo", "extra"}, Options{}, false, ""},
		{[]string{"--help"}, Options{}, false, ""},
	}
	for _, tt := range tests {
		got, ok, err := ParseArgs(tt.args)
		if ok != tt.ok || got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ParseArgs(%q) = %+v, %v, %v; want %+v, %v, %q", tt.args, got, ok, err, tt.want, tt.ok, tt.wantErr)
		}
	}
}
