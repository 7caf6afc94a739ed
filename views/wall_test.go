package views

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// The wall's grid at the three sizes the issue names: every count from 1
// to 16 fits, and tiles stay big enough to read (about 16:9 with words).
func TestWallColumnsReflow(t *testing.T) {
	sizes := []fyne.Size{{Width: 1024, Height: 640}, {Width: 1440, Height: 840}, {Width: 1920, Height: 1020}}
	want := map[int]map[float32]int{ // feeds -> width -> columns, where it matters
		1:  {1024: 1, 1440: 1, 1920: 1},
		2:  {1024: 2, 1440: 2, 1920: 2},
		4:  {1024: 2, 1440: 2, 1920: 2},
		6:  {1024: 3, 1440: 3, 1920: 3},
		9:  {1024: 3, 1440: 3, 1920: 3},
		16: {1024: 4, 1440: 4, 1920: 4},
	}
	for n := 1; n <= 16; n++ {
		for _, sz := range sizes {
			cols := wallColumns(n, sz.Width, sz.Height)
			rows := (n + cols - 1) / cols
			if cols < 1 || cols > n || cols*rows < n {
				t.Fatalf("%d feeds at %v: %d columns do not hold them", n, sz, cols)
			}
			tw, th := sz.Width/float32(cols), sz.Height/float32(rows)
			if tw < 200 || th < 120 {
				t.Errorf("%d feeds at %v: tiles of %.0fx%.0f are too small to read", n, sz, tw, th)
			}
			if a := tw / th; n > 2 && (a < 0.9 || a > 2.6) {
				t.Errorf("%d feeds at %v: tile aspect %.2f is far from 16:9 with words", n, sz, a)
			}
			if w, ok := want[n][sz.Width]; ok && w != cols {
				t.Errorf("%d feeds at %v: %d columns, want %d", n, sz, cols, w)
			}
		}
	}
}

func listenerSpec(name string, port int) app.FeedSpec {
	return app.FeedSpec{Name: name, Config: session.Config{Mode: session.ModeListener, Port: port}}
}

// What a tile says and which colour its frame takes, for each state.
func TestTileStateSaysTheCause(t *testing.T) {
	now := time.Now()
	connected := session.Sample{Time: now, State: session.StateConnected, RTTMs: 40, LatencyMs: 120, RTTMultiplier: 3,
		RecvMbps: 4.8, PktsRecv: 9000, PktsDropped: 12, Conn: session.ConnCounters{PktsRecv: 9000, PktsLost: 900}}
	noData := app.AlarmChange{Kind: app.AlarmNoData, Raised: true, For: 12 * time.Second, Detail: "no packets for 12s: check the encoder is sending"}
	black := app.AlarmChange{Kind: app.AlarmBlack, Raised: true, Detail: "picture black for 2.5s"}
	tests := []struct {
		name       string
		v          app.FeedView
		wantState  string
		wantAlarm  string
		wantFrame  color.Color
		wantFigure string
		wantBadges string
		hadAlarm   bool
	}{
		{name: "stopped", v: app.FeedView{Spec: listenerSpec("cam1", 9000), Status: app.FeedStatus{Phase: app.PhaseStopped}},
			wantState: "stopped", wantFrame: colorIdle},
		{name: "waiting for the first caller", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000),
			Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000"}},
			wantState: "waiting for the encoder on :9000", wantFrame: colorWaiting},
		{name: "wrong passphrase", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000),
			Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000", Cause: wrongPassphrase(), Rejections: 6}},
			wantState: "encoder's passphrase is wrong (6 calls rejected on :9000)", wantFrame: colorRed},
		{name: "wrong passphrase with the no-data alarm", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000), Health: app.HealthRed,
			Alarms: []app.AlarmChange{{Kind: app.AlarmNoData, Raised: true, Detail: "no packets for 33s: wrong passphrase (6 times)"}},
			Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000", Cause: wrongPassphrase(), Rejections: 6, EverConnected: true}},
			wantState: "encoder's passphrase is wrong", wantAlarm: "no packets for 33s: wrong passphrase", wantFrame: colorRed},
		{name: "reconnecting", v: app.FeedView{Running: true, Spec: app.FeedSpec{Name: "cam2"},
			Status: app.FeedStatus{Phase: app.PhaseReconnecting, Remote: "192.0.2.1:9000", Attempt: 3, EverConnected: true}},
			wantState: "reconnecting to 192.0.2.1:9000, attempt 3", wantFrame: colorAmber},
		{name: "port in use", v: app.FeedView{Spec: listenerSpec("cam1", 9000), Status: app.FeedStatus{Phase: app.PhaseFailed,
			Cause: &session.ConnectError{Kind: session.ErrPortInUse, Detail: "UDP port 9000 already in use: stop the other program"}}},
			wantState: "could not start: UDP port 9000 already in use", wantFrame: colorRed},
		{name: "no data names how long", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000), Health: app.HealthRed,
			Alarms: []app.AlarmChange{noData}, Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000", EverConnected: true}},
			wantState: "waiting for the encoder to call again on :9000", wantAlarm: "no packets for 12s", wantFrame: colorRed},
		{name: "connected and healthy, figures against the advice", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000),
			Sample:  connected,
			History: []session.Sample{{Time: now.Add(-time.Second), PktsDropped: 9}, {Time: now, PktsDropped: 12}},
			Status:  app.FeedStatus{Phase: app.PhaseConnected, Peer: "192.0.2.7:51234", EverConnected: true}},
			wantState: "connected to 192.0.2.7", wantFrame: colorGreen,
			wantFigure: "4.80 Mbit/s|RTT 40 ms|latency 3.0× RTT, advised 6×|dropped 3/s, 12 in all"},
		{name: "black picture: red frame, badge", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000), Health: app.HealthRed,
			Sample: connected, Alarms: []app.AlarmChange{black}, Status: app.FeedStatus{Phase: app.PhaseConnected, Peer: "192.0.2.7:5"},
			Log: []app.LogEntry{{Kind: "silence", Detail: "silence started"}, {Kind: "freeze", Detail: "freeze started"}, {Kind: "freeze", Detail: "freeze ended"}}},
			wantState: "connected to 192.0.2.7", wantAlarm: "picture black for 2.5s", wantFrame: colorRed, wantBadges: "BLACK SILENT"},
		{name: "an alarm came and went", v: app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000), HadAlarm: true,
			Sample: connected, Status: app.FeedStatus{Phase: app.PhaseConnected}},
			wantState: "connected", wantFrame: colorGreen, hadAlarm: true},
		{name: "tuning", v: app.FeedView{Running: true, Tuning: true, Spec: listenerSpec("cam1", 9000), Status: app.FeedStatus{Phase: app.PhaseTuning}},
			wantState: "latency wizard", wantFrame: colorTuning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := tileStateOf(tt.v)
			if !strings.HasPrefix(st.state, tt.wantState) {
				t.Errorf("state %q, want it to start %q", st.state, tt.wantState)
			}
			if !strings.Contains(st.alarm, tt.wantAlarm) || (tt.wantAlarm == "" && st.alarm != "") {
				t.Errorf("alarm %q, want %q", st.alarm, tt.wantAlarm)
			}
			if st.frame != tt.wantFrame {
				t.Errorf("frame %v, want %v", st.frame, tt.wantFrame)
			}
			var figs []string
			for _, f := range st.figures {
				figs = append(figs, f.text)
			}
			if got := strings.Join(figs, "|"); !strings.HasPrefix(got, tt.wantFigure) {
				t.Errorf("figures %q, want %q", got, tt.wantFigure)
			}
			if got := strings.Join(st.badges, " "); got != tt.wantBadges {
				t.Errorf("badges %q, want %q", got, tt.wantBadges)
			}
			if st.hadAlarm != tt.hadAlarm {
				t.Errorf("had-alarm marker %v, want %v", st.hadAlarm, tt.hadAlarm)
			}
		})
	}
}

// A latency short of the advice colours its figure; the audio meter holds
// its peak and the tile shows the peaks in dBFS.
func TestTileFiguresWarnAndMeterHoldsPeak(t *testing.T) {
	test.NewTempApp(t)
	v := app.FeedView{Running: true, Spec: listenerSpec("cam1", 9000), Status: app.FeedStatus{Phase: app.PhaseConnected},
		Sample: session.Sample{State: session.StateConnected, RTTMs: 100, LatencyMs: 120, RTTMultiplier: 1.2, RecvMbps: 2,
			Conn: session.ConnCounters{PktsRecv: 1000, PktsLost: 100}},
		Levels: &media.Levels{RMSdB: []float64{-20, -22}, PeakdB: []float64{-6, -8}}}
	st := tileStateOf(v)
	var latency *tileFigure
	for i, f := range st.figures {
		if strings.HasPrefix(f.text, "latency") {
			latency = &st.figures[i]
		}
	}
	if latency == nil || latency.warn == nil {
		t.Fatalf("latency 1.2x RTT at 10%% loss is not flagged: %+v", st.figures)
	}
	if last := st.figures[len(st.figures)-1].text; last != "peak -6 / -8 dBFS" {
		t.Errorf("level figure %q", last)
	}
	// The meter holds a peak for peakHoldFor, then lets it fall.
	clock := time.Now()
	holds := peakHolds{now: func() time.Time { return clock }}
	holds.hold([]tileState{st})
	quieter := st
	quieter.peak = []float64{-30, -30}
	steps := []struct {
		after time.Duration
		want  [2]float64
	}{
		{time.Second, [2]float64{-6, -8}},
		{2 * time.Second, [2]float64{-30, -30}},
	}
	for _, s := range steps {
		clock = clock.Add(s.after)
		states := []tileState{quieter}
		holds.hold(states)
		if states[0].hold != s.want {
			t.Errorf("%v later the held peaks are %v, want %v", s.after, states[0].hold, s.want)
		}
	}
}

// A thumbnail is decoded once per new picture, not once per refresh.
func TestThumbCacheDecodesOncePerPicture(t *testing.T) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 32, 18)), nil); err != nil {
		t.Fatal(err)
	}
	pic := buf.Bytes()
	var c thumbCache
	v := app.FeedView{ID: 1, Thumbnail: pic}
	for range 5 {
		if img, _ := c.image(v, pictureRound{fresh: true}); img == nil || img.Bounds().Dx() != 32 {
			t.Fatal("the thumbnail did not decode")
		}
	}
	v.Thumbnail = append([]byte(nil), pic...) // a new picture
	c.image(v, pictureRound{fresh: true})
	if c.decodes != 2 {
		t.Errorf("%d decodes for two pictures shown six times", c.decodes)
	}
	c.forget(nil)
	if len(c.entries) != 0 {
		t.Error("the cache keeps a removed feed's picture")
	}
}

// newTestUI is the window's content on a test canvas of the given size,
// with the feeds added (stopped).
func newTestUI(t *testing.T, size fyne.Size, specs ...app.FeedSpec) (*mainUI, *app.Controller, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	for _, s := range specs {
		if _, err := ctrl.Add(s); err != nil {
			t.Fatal(err)
		}
	}
	w := test.NewTempWindow(t, nil)
	ui := newMainUI(t.Context(), ctrl, w)
	t.Cleanup(ui.stop)
	w.SetContent(ui.content)
	ui.addShortcuts()
	w.Resize(size)
	ui.refresh()
	return ui, ctrl, w
}

func feedSpecs(n int) []app.FeedSpec {
	specs := make([]app.FeedSpec, n)
	for i := range specs {
		specs[i] = listenerSpec("cam"+string(rune('A'+i)), 9000+i)
	}
	return specs
}

// Two or more feeds open on the wall; the arrows move the focus ring,
// Enter opens the detail, Esc goes back, a tap opens the tapped feed.
func TestWallIsDefaultAndKeysMove(t *testing.T) {
	ui, _, w := newTestUI(t, fyne.NewSize(1024, 700), feedSpecs(4)...)
	if ui.mode != viewWall || !ui.split.Hidden || !ui.wall.content.Visible() {
		t.Fatalf("4 feeds: mode %v, want the wall on screen", ui.mode)
	}
	if n := len(ui.wall.tiles); n != 4 {
		t.Fatalf("%d tiles for 4 feeds", n)
	}
	for _, tile := range ui.wall.tiles {
		if s := tile.Size(); s.Width < 400 || s.Height < 250 {
			t.Errorf("a tile of 4 at 1024x670 is only %v", s)
		}
	}
	key := func(k fyne.KeyName) { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) }
	key(fyne.KeyRight)
	key(fyne.KeyDown) // 2x2: from the second tile down to the fourth
	if id, _ := ui.wall.focused(); id != 4 || !ui.wall.tiles[3].selected || ui.wall.tiles[0].selected {
		t.Fatalf("after Right, Down the focus is on feed %d, want 4", id)
	}
	key(fyne.KeyReturn)
	if ui.mode != viewDetail || ui.selected != 4 || ui.split.Hidden {
		t.Fatalf("Enter: mode %v, selected %d; want feed 4's detail", ui.mode, ui.selected)
	}
	key(fyne.KeyEscape)
	if ui.mode != viewWall {
		t.Fatal("Esc did not go back to the wall")
	}
	if id, _ := ui.wall.focused(); id != 4 {
		t.Errorf("back on the wall the focus is on feed %d, want 4", id)
	}
	test.Tap(ui.wall.tiles[1])
	if ui.mode != viewDetail || ui.selected != 2 {
		t.Errorf("tapping the second tile: mode %v, selected %d", ui.mode, ui.selected)
	}
	// The operator chose: more feeds do not throw them back to the wall.
	ui.refresh()
	if ui.mode != viewDetail {
		t.Error("a refresh left the detail the operator opened")
	}
}

// With one feed the window opens its detail, with the feed selected and
// its tile (the moving picture) under the list.
func TestOneFeedOpensItsDetail(t *testing.T) {
	ui, _, _ := newTestUI(t, fyne.NewSize(1024, 700), feedSpecs(1)...)
	if ui.mode != viewDetail || ui.selected != 1 {
		t.Fatalf("one feed: mode %v, selected %d; want its detail", ui.mode, ui.selected)
	}
	if ui.preview.Hidden || ui.preview.st.id != 1 {
		t.Error("the selected feed's tile is not shown under the list")
	}
	if !ui.detail.placeholder.Hidden {
		t.Error("the detail still says to select a feed")
	}
}

// The window never grows by itself: whatever the view, the tab or the
// selected feed, the content asks for the same minimum, at most
// 1024x700 with the menu bar; and the divider stays where it was left.
func TestContentMinimumIsFixedAndDividerStays(t *testing.T) {
	for _, n := range []int{1, 4, 16} {
		ui, _, _ := newTestUI(t, fyne.NewSize(1024, 700), feedSpecs(n)...)
		ui.fitMinimum()
		if got := ui.content.MinSize(); got.Width > windowMinWidth || got.Height > windowMinHeight {
			t.Errorf("%d feeds: the content's minimum is %v, above 1024x700", n, got)
		}
	}
	ui, _, _ := newTestUI(t, fyne.NewSize(1024, 700), feedSpecs(3)...)
	ui.fitMinimum()
	want := ui.content.MinSize()
	check := func(what string) {
		t.Helper()
		if got := ui.content.MinSize(); got != want {
			t.Errorf("%s: the content asks for %v, want %v", what, got, want)
		}
	}
	check("wall of 3")
	ui.openDetail(1)
	ui.split.SetOffset(0.42)
	for i := range ui.detail.tabs.Items {
		ui.detail.tabs.SelectIndex(i)
		check("detail, tab " + ui.detail.tabs.Items[i].Text)
	}
	before := ui.split.Leading.Size().Width
	ui.list.selectID(2)
	ui.list.selectID(3)
	ui.refresh()
	if ui.split.Offset != 0.42 || ui.split.Leading.Size().Width != before {
		t.Errorf("selecting other feeds moved the divider: offset %v, left side %v (was %v)", ui.split.Offset, ui.split.Leading.Size().Width, before)
	}
}

// shortcutHandler is what a real window hands a typed shortcut to: the
// test canvas wraps the canvas that holds the registered shortcuts.
func shortcutHandler(t *testing.T, c fyne.Canvas) fyne.Shortcutable {
	t.Helper()
	v := reflect.ValueOf(c)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() == reflect.Struct {
		if f := v.FieldByName("WindowlessCanvas"); f.IsValid() {
			if h, ok := f.Interface().(fyne.Shortcutable); ok {
				return h
			}
		}
	}
	if h, ok := c.(fyne.Shortcutable); ok {
		return h
	}
	t.Fatalf("the test canvas %T takes no shortcuts", c)
	return nil
}

// Ctrl+Q quits at once with nothing live, and asks first with live feeds.
func TestCtrlQQuitsAndAsksWithLiveFeeds(t *testing.T) {
	spec := app.FeedSpec{Name: "cam1", Config: session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t)}}
	ui, ctrl, w := newTestUI(t, fyne.NewSize(1024, 700), spec)
	closed := 0
	ui.closeFn = func() { closed++ }
	c := shortcutHandler(t, w.Canvas())

	c.TypedShortcut(quitShortcut)
	if closed != 1 {
		t.Fatalf("Ctrl+Q with nothing live: closed %d times, want 1", closed)
	}
	if err := ctrl.Start(1); err != nil {
		t.Fatal(err)
	}
	c.TypedShortcut(quitShortcut)
	if closed != 1 {
		t.Fatal("Ctrl+Q with a live feed quit without asking")
	}
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("Ctrl+Q with a live feed shows no question")
	}
	var quit *widget.Button
	var said []string
	for _, o := range test.LaidOutObjects(top) {
		switch v := o.(type) {
		case *widget.Label:
			said = append(said, v.Text)
		case *widget.Button:
			if v.Text == "Quit" {
				quit = v
			}
		}
	}
	if !strings.Contains(strings.Join(said, " "), "1 feed is live") {
		t.Errorf("the question says %q, want how many feeds are live", said)
	}
	if quit == nil {
		t.Fatal("the question has no Quit button")
	}
	test.Tap(quit)
	if closed != 2 {
		t.Errorf("confirming closed %d times, want 2", closed)
	}
}

// Every toolbar button says what it does when the pointer rests on it.
func TestToolbarButtonsHaveTooltips(t *testing.T) {
	ui, _, w := newTestUI(t, fyne.NewSize(1024, 700))
	n := 0
	for _, item := range ui.toolbar.Items {
		a, ok := item.(*tipAction)
		if !ok {
			continue
		}
		n++
		b := a.button
		if b.tip == "" {
			t.Errorf("a toolbar button has no tooltip")
			continue
		}
		pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b).Add(fyne.NewPos(b.Size().Width/2, b.Size().Height/2))
		test.MoveMouse(w.Canvas(), pos)
		if got := ui.tips.shown(); got != b.tip {
			t.Errorf("hovering a button shows %q, want %q", got, b.tip)
		}
		tipPos := ui.tips.back.Position()
		if tipPos.X < 0 || tipPos.X+ui.tips.back.Size().Width > w.Canvas().Size().Width {
			t.Errorf("tooltip %q at %v runs off the window", b.tip, tipPos)
		}
		test.MoveMouse(w.Canvas(), fyne.NewPos(500, 500))
		if got := ui.tips.shown(); got != "" {
			t.Errorf("the tooltip %q stays after the pointer left", got)
		}
	}
	if n < 6 {
		t.Errorf("%d toolbar buttons with tooltips, want every one (at least 6)", n)
	}
}

// The open feeds are kept in the workspace file when they change, and a
// new window reopens them, an encrypted one with its passphrase from the
// keychain.
func TestFeedsComeBackAfterARestart(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/workspace.toml"
	kc := &preset.MemoryKeychain{}
	open := func() (*mainUI, *app.Controller) {
		test.NewTempApp(t)
		ctrl := app.NewController(t.Context(), app.ControllerOptions{Stores: app.StoreOptions{Keychain: kc}})
		t.Cleanup(ctrl.Close)
		ui := newMainUI(t.Context(), ctrl, test.NewTempWindow(t, nil))
		t.Cleanup(ui.stop)
		ui.workspace = path
		return ui, ctrl
	}

	ui, ctrl := open()
	ui.openWorkspace() // first start: no file yet
	if !ui.wsReady.Load() || len(ctrl.Feeds()) != 0 {
		t.Fatal("a first start opened feeds, or never got ready to keep them")
	}
	spec := listenerSpec("stage left", sessiontest.FreeUDPPort(t))
	spec.Config.Passphrase = "correct horse battery"
	if _, err := ctrl.Add(spec); err != nil {
		t.Fatal(err)
	}
	if _, err := ctrl.Add(listenerSpec("stage right", sessiontest.FreeUDPPort(t))); err != nil {
		t.Fatal(err)
	}
	ui.saveWorkspaceIfChanged(ctrl.Feeds())
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("adding feeds did not write the workspace: %v", err)
	}
	ctrl.Remove(2)
	ui.saveWorkspaceIfChanged(ctrl.Feeds())

	ui2, ctrl2 := open()
	ui2.openWorkspace()
	feeds := ctrl2.Feeds()
	if len(feeds) != 1 || feeds[0].Spec.Name != "stage left" {
		t.Fatalf("reopened %d feeds (%v), want only stage left", len(feeds), feeds)
	}
	if feeds[0].Spec.Config.Passphrase != "correct horse battery" {
		t.Error("the encrypted feed came back without its passphrase from the keychain")
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "correct horse") {
		t.Error("the workspace file holds the passphrase")
	}
}

// Every word on a tile stays inside it, at the smallest tile (16 feeds at
// 1024x700) as at the biggest, and the name is big enough to read.
func TestTileWordsStayInside(t *testing.T) {
	test.NewTempApp(t)
	now := time.Now()
	states := map[string]app.FeedView{
		"wrong passphrase": {Running: true, Spec: listenerSpec("Stage camera with a long name", 9000),
			Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: "127.0.0.1:47316", Cause: wrongPassphrase(), Rejections: 3}},
		"connected with alarms": {Running: true, Spec: listenerSpec("cam1", 9000), Health: app.HealthRed, HadAlarm: true,
			Alarms: []app.AlarmChange{{Kind: app.AlarmBlack, Raised: true, Detail: "picture black for 2.5s"}, {Kind: app.AlarmSilence, Raised: true, Detail: "sound silent for 2s"}},
			Status: app.FeedStatus{Phase: app.PhaseConnected, Peer: "192.0.2.7:5000"},
			Sample: session.Sample{Time: now, State: session.StateConnected, RTTMs: 33, LatencyMs: 200, RTTMultiplier: 6, RecvMbps: 0.6, PktsDropped: 8},
			Levels: &media.Levels{RMSdB: []float64{-21, -21}, PeakdB: []float64{-18, -18}}},
	}
	sizes := []fyne.Size{{Width: 248, Height: 150}, {Width: 470, Height: 300}, {Width: 950, Height: 500}}
	for name, v := range states {
		for _, sz := range sizes {
			tile := newWallTile(nil)
			w := test.NewTempWindow(t, tile)
			w.SetPadded(false)
			w.Resize(sz)
			tile.Resize(sz)
			tile.set(tileStateOf(v))
			r := test.WidgetRenderer(tile).(*tileRenderer)
			if r.art.nameSize < 14 {
				t.Errorf("%s at %v: name at %.0f pt", name, sz, r.art.nameSize)
			}
			shown := 0
			for _, o := range r.art.layers {
				txt, ok := o.(*canvas.Text)
				if !ok || txt.Hidden || txt.Text == "" {
					continue
				}
				shown++
				p, ms := txt.Position(), txt.MinSize()
				if p.X < 0 || p.Y < 0 || p.X+ms.Width > sz.Width+1 || p.Y+ms.Height > sz.Height+1 {
					t.Errorf("%s at %v: %q at %v (%v) leaves the tile", name, sz, txt.Text, p, ms)
				}
			}
			if shown < 3 {
				t.Errorf("%s at %v: only %d words shown", name, sz, shown)
			}
		}
	}
}

// A listener's row names the port it listens on, not the caller's
// ephemeral port, and says why it is not connected.
func TestFeedLineShowsTheListeningPort(t *testing.T) {
	spec := listenerSpec("cam1", 9000)
	tests := []struct {
		name string
		v    app.FeedView
		want string
	}{
		{"connected", app.FeedView{Running: true, Spec: spec, Status: app.FeedStatus{Phase: app.PhaseConnected, Peer: "127.0.0.1:50123"},
			Sample: session.Sample{State: session.StateConnected, Peer: "127.0.0.1:50123", RecvMbps: 4.8, RTTMs: 31}},
			"listener :9000 · 4.80 Mbit/s · RTT 31 ms"},
		{"waiting", app.FeedView{Running: true, Spec: spec, Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000"}},
			"listener :9000 · waiting for the encoder on :9000"},
		{"wrong passphrase", app.FeedView{Running: true, Spec: spec, Status: app.FeedStatus{Phase: app.PhaseWaiting, Listen: ":9000", Cause: wrongPassphrase(), Rejections: 1}},
			"listener :9000 · encoder's passphrase is wrong"},
		{"stopped", app.FeedView{Spec: spec}, "listener :9000 · stopped"},
	}
	for _, tt := range tests {
		if got := feedLine(tt.v); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Ctrl+1..Ctrl+5 open the detail's tabs, from the wall too (the focused
// tile's detail).
func TestCtrlNumberOpensDetailTabs(t *testing.T) {
	ui, _, w := newTestUI(t, fyne.NewSize(1024, 700), feedSpecs(2)...)
	if ui.mode != viewWall {
		t.Fatalf("two feeds open on mode %v, want the wall", ui.mode)
	}
	c := shortcutHandler(t, w.Canvas())
	tests := []struct {
		key  fyne.KeyName
		want string
	}{
		{fyne.Key2, "Media"}, {fyne.Key3, "Alarms"}, {fyne.Key4, "Events"}, {fyne.Key5, "Encoder hand-off"}, {fyne.Key6, "Outputs"}, {fyne.Key1, "Charts"},
	}
	for _, tt := range tests {
		c.TypedShortcut(&desktop.CustomShortcut{KeyName: tt.key, Modifier: fyne.KeyModifierShortcutDefault})
		if ui.mode != viewDetail {
			t.Fatalf("Ctrl+%s left mode %v, want the detail", tt.key, ui.mode)
		}
		if got := ui.detail.tabs.Selected().Text; got != tt.want {
			t.Errorf("Ctrl+%s opened tab %q, want %q", tt.key, got, tt.want)
		}
	}
}
