// Package views holds every Fyne widget and screen of srtscope. It opens no
// sockets and files and holds no business rules: it shows what app gives it.
package views

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/remote"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
)

// Options says how the window opens.
type Options struct {
	Demo      bool // start with the live demo feed
	DemoFeeds int  // how many demo feeds (0 means 1), each with its own sender and relay
	// ReportUILag prints how late the UI goroutine runs queued work, every
	// 10 s, for bench/feeds_cpu.sh.
	ReportUILag bool
}

// refreshEvery is the UI update period: at most 4 redraws a second.
const refreshEvery = 250 * time.Millisecond

// Run opens the main window and blocks until it is closed or ctx ends
// (main's signal context). The Controller it opens owns the recordings, the
// presets, the retention and the demo feeds; the window only shows them.
func Run(ctx context.Context, opts Options) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a := fyneapp.NewWithID("io.github.srtscope")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	prefs := a.Preferences()

	n := &notifier{app: a, last: map[app.FeedID]time.Time{}}
	ctrl, err := app.Open(ctx, app.ControllerOptions{OnAlarm: n.alarm, FFmpegPathFunc: ffmpegPathSetting(prefs),
		Stores: app.StoreOptions{
			Recordings: true, Presets: true, Keychain: preset.SystemKeychain{},
			Retention: func() app.Retention { return retentionSetting(prefs) }, // now and hourly
			Log:       func(line string) { fmt.Fprintln(os.Stderr, "srtscope:", line) },
		}})
	if err != nil {
		return err
	}
	w := a.NewWindow(app.Name)
	ui := newMainUI(ctx, ctrl, w)
	ui.remotes = remote.NewPool(ctx, remote.Options{})
	w.SetContent(ui.content)
	w.SetMainMenu(ui.menu())
	ui.addShortcuts()
	ui.fitMinimum()

	// The size the operator left, never below the minimum; the window does
	// not resize itself after this (the content's minimum is fixed).
	w.Resize(fyne.NewSize(
		max(float32(prefs.FloatWithFallback("window.width", 1280)), windowMinWidth),
		max(float32(prefs.FloatWithFallback("window.height", 780)), windowMinHeight)))
	ui.split.Offset = prefs.FloatWithFallback("layout.split", defaultSplit)
	ui.closeFn = func() {
		prefs.SetFloat("window.width", float64(w.Canvas().Size().Width))
		prefs.SetFloat("window.height", float64(w.Canvas().Size().Height))
		prefs.SetFloat("layout.split", ui.split.Offset)
		ui.stop()
		w.Close()
	}
	w.SetCloseIntercept(ui.quit)
	go func() { // main's context ends (Ctrl+C, SIGTERM): quit
		select {
		case <-ctx.Done():
			select {
			case <-ui.done: // the window closed first
			default:
				fyne.Do(a.Quit)
			}
		case <-ui.done:
		}
	}()
	if opts.Demo {
		go ui.startDemo(max(opts.DemoFeeds, 1))
	} else if path, err := app.DefaultWorkspacePath(); err == nil {
		// The feeds open at the last quit come back; the demo leaves the
		// operator's workspace alone.
		ui.workspace = path
		go ui.openWorkspace()
	} else {
		fmt.Fprintln(os.Stderr, "srtscope: the feeds will not be kept:", err)
	}
	if opts.ReportUILag {
		go reportUILag(ui.done, 10*time.Second, os.Stdout)
	}
	go ui.refreshLoop()
	ui.showPresetNotice()
	w.ShowAndRun()
	ui.stop()
	ui.saveWorkspace() // the feeds as they were at the quit, before they stop
	ui.remotes.Close()
	cancel()
	ctrl.Close() // stops the feeds and demos, closes every recording cleanly
	return nil
}

// notifier sends desktop notifications for raised alarms, at most one per
// feed every 30 s so a flapping feed cannot flood the desktop.
type notifier struct {
	app  fyne.App
	mu   sync.Mutex
	last map[app.FeedID]time.Time
}

func (n *notifier) alarm(id app.FeedID, name string, c app.AlarmChange) {
	n.mu.Lock()
	if time.Since(n.last[id]) < 30*time.Second {
		n.mu.Unlock()
		return
	}
	n.last[id] = time.Now()
	n.mu.Unlock()
	n.app.SendNotification(fyne.NewNotification("srtscope: "+name, c.Detail))
}

// Window size floor: 1024x700 with the menu bar and the window's padding,
// so the content's own minimum is the rest (fitMinimum). The content never
// asks for more, so the window never grows by itself when a tab or a long
// text appears.
const (
	windowMinWidth  = 1024
	windowMinHeight = 700
)

// defaultSplit is the list's share of the width until the operator moves
// the divider: at 1024 wide it leaves the detail 760 pixels.
const defaultSplit = 0.26

// viewMode is what the window shows: the wall of tiles, or the feed list
// with the selected feed's detail.
type viewMode int

const (
	viewDetail viewMode = iota
	viewWall
)

// mainUI is the window: the wall of every feed, or the feed list on the
// left with the selected feed's detail on the right.
type mainUI struct {
	ctx     context.Context // ends when the window quits
	ctrl    *app.Controller
	w       fyne.Window
	content fyne.CanvasObject
	split   *container.Split
	list    *feedList
	detail  *feedDetail
	wall    *wallView
	preview *wallTile // the selected feed's tile under the list: its picture moves
	tips    *tipLayer
	toolbar *widget.Toolbar
	rootMin *minSizeLayout // the content's fixed minimum
	thumbs  thumbCache

	// picBox is the picture size in pixels of the tiles on screen (w<<32 |
	// h), wallBox the box of the wall's tiles and wallTiles how many tiles
	// the wall shows (0 in the detail): the UI goroutine sets them, the
	// refresh worker reads them.
	picBox    atomic.Uint64
	wallBox   atomic.Pointer[tileBox]
	wallTiles atomic.Int32
	// holds are the meters' held peaks; artist paints the wall's tiles on
	// the refresh worker (which alone uses it).
	holds  peakHolds
	artist tileArtist

	// remotes are the other srtscope services on the wall (nil: none can
	// be connected); remoteThumbs their decoded thumbnails, per service.
	remotes      *remote.Pool
	remoteMu     sync.Mutex
	remoteThumbs map[remote.ServiceID]*thumbCache

	// closeFn ends the window once quitting is decided (Run sets it; it
	// saves the window's size and closes).
	closeFn func()

	// workspace is the file the open feeds are kept in ("" keeps none);
	// wsReady is set once it has been opened at start, so that an empty
	// window never overwrites it first. wsLast is what was last saved.
	workspace string
	wsReady   atomic.Bool
	wsMu      sync.Mutex
	wsLast    []workspaceKey

	// Only touched on the UI goroutine.
	selected   app.FeedID
	mode       viewMode
	viewChosen bool // the operator picked a view or a feed: stop choosing for them
	auto       bool // the window is selecting a feed itself, not the operator
	demoSaid   int  // 0, 1 after "connected", 2 after the charts line
	wallSaid   int  // tiles with pictures the wall last said it shows
	sizeSaid   fyne.Size

	stopOnce sync.Once
	done     chan struct{}
}

func newMainUI(ctx context.Context, ctrl *app.Controller, w fyne.Window) *mainUI {
	ui := &mainUI{ctx: ctx, ctrl: ctrl, w: w, done: make(chan struct{})}
	ui.detail = newFeedDetail(ctrl, w)
	ui.detail.onTune = ui.tuneLatency
	ui.list = newFeedList(func(id app.FeedID) {
		ui.selected = id
		if !ui.auto {
			ui.viewChosen = true
			// The list keeps no keyboard focus: Esc, Space and the arrows
			// go to the window's own keys.
			if c := fyne.CurrentApp().Driver().CanvasForObject(ui.list.list); c != nil {
				c.Unfocus()
			}
		}
		ui.refresh()
	})
	ui.wall = newWallView(ui.openDetail)
	ui.preview = newWallTile(nil)
	ui.preview.Hide()
	ui.tips = newTipLayer()
	ui.toolbar = widget.NewToolbar(
		newTipAction(theme.ContentAddIcon(), "New session (Ctrl+N)", ui.tips, ui.newSession),
		widget.NewToolbarSeparator(),
		newTipAction(theme.MediaPlayIcon(), "Start the feed (Space)", ui.tips, func() { ui.startStop(true) }),
		newTipAction(theme.MediaStopIcon(), "Stop the feed (Space)", ui.tips, func() { ui.startStop(false) }),
		newTipAction(theme.ContentCopyIcon(), "Duplicate the feed", ui.tips, ui.duplicate),
		newTipAction(theme.DeleteIcon(), "Remove the feed", ui.tips, ui.remove),
		widget.NewToolbarSpacer(),
		newTipAction(theme.GridIcon(), "Wall: every feed at a glance (Esc)", ui.tips, ui.showWall),
		newTipAction(theme.ListIcon(), "Feed detail (Enter)", ui.tips, ui.showDetail),
	)
	previewBox := container.New(&minSizeLayout{min: fyne.NewSize(0, 190)}, ui.preview)
	left := container.NewBorder(nil, previewBox, nil, nil, ui.list.widget())
	// Both sides have a fixed minimum, so the divider stays where the
	// operator leaves it whatever the selected feed shows.
	ui.split = container.NewHSplit(
		container.New(&minSizeLayout{min: fyne.NewSize(220, 0)}, left),
		container.New(&minSizeLayout{min: fyne.NewSize(600, 0)}, ui.detail.content))
	ui.split.Offset = defaultSplit
	ui.wall.content.Hide()
	body := container.NewBorder(ui.toolbar, nil, nil, nil, container.NewStack(ui.split, ui.wall.content))
	ui.rootMin = &minSizeLayout{min: fyne.NewSize(windowMinWidth, windowMinHeight)}
	ui.content = container.New(ui.rootMin, body, ui.tips.content)
	return ui
}

// fitMinimum sets the content's minimum so that the window's, with the
// menu bar and padding the window adds, is windowMinWidth x
// windowMinHeight. Call it once the content and the menu are set.
func (ui *mainUI) fitMinimum() {
	over := fyne.NewSize(0, 0)
	if c, ok := ui.w.Canvas().(interface{ MinSize() fyne.Size }); ok {
		over = c.MinSize().Subtract(ui.content.MinSize())
	}
	floor := fyne.NewSize(max(windowMinWidth-over.Width, 0), max(windowMinHeight-over.Height, 0))
	if floor == ui.rootMin.min {
		return
	}
	ui.rootMin.min = floor
	ui.content.Refresh()
}

// minSizeLayout stacks its objects over the whole space and asks for a
// fixed minimum, whatever they ask: what is inside cannot push the split
// divider or the window.
type minSizeLayout struct{ min fyne.Size }

// Layout gives every object the whole space.
func (l *minSizeLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		o.Move(fyne.NewPos(0, 0))
		o.Resize(size)
	}
}

// MinSize is the fixed minimum.
func (l *minSizeLayout) MinSize([]fyne.CanvasObject) fyne.Size { return l.min }

func (ui *mainUI) menu() *fyne.MainMenu {
	file := fyne.NewMenu("File",
		fyne.NewMenuItem("New session…", ui.newSession),
		fyne.NewMenuItem("Listen for many feeds on one port…", ui.listenPort),
		fyne.NewMenuItem("Ports…", ui.showPorts),
		fyne.NewMenuItem("Tune latency…", ui.tuneLatency),
		fyne.NewMenuItem("Export report…", ui.exportReport),
		fyne.NewMenuItem("Session history…", ui.showHistory),
		fyne.NewMenuItem("Presets…", ui.showPresets),
		fyne.NewMenuItem("Connect to srtscope service… (Ctrl+K)", ui.connectService),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Settings…", ui.showSettings),
	)
	quit := fyne.NewMenuItem("Quit", ui.quit)
	quit.IsQuit = true
	quit.Shortcut = quitShortcut
	file.Items = append(file.Items, fyne.NewMenuItemSeparator(), quit)
	view := fyne.NewMenu("View",
		fyne.NewMenuItem("Wall (Esc)", ui.showWall),
		fyne.NewMenuItem("Feed detail (Enter)", ui.showDetail),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Next feed", func() { ui.step(1) }),
		fyne.NewMenuItem("Previous feed", func() { ui.step(-1) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Acknowledge the feed's alarms", ui.acknowledge),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Demo: black and silence for 5 s", func() { ui.inject(func() error { return ui.ctrl.InjectBlack(5 * time.Second) }) }),
		fyne.NewMenuItem("Demo: 4 s outage", func() { ui.inject(func() error { return ui.ctrl.InjectOutage(4 * time.Second) }) }),
	)
	tools := fyne.NewMenu("Tools",
		fyne.NewMenuItem("Line test…", ui.lineTest),
	)
	help := fyne.NewMenu("Help",
		fyne.NewMenuItem("Keyboard shortcuts", func() { showShortcuts(ui.w) }),
		fyne.NewMenuItem("About", ui.showAbout),
	)
	return fyne.NewMainMenu(file, view, tools, help)
}

// quitShortcut is Ctrl+Q (Cmd+Q on macOS).
var quitShortcut = &desktop.CustomShortcut{KeyName: fyne.KeyQ, Modifier: fyne.KeyModifierShortcutDefault}

func (ui *mainUI) addShortcuts() {
	c := ui.w.Canvas()
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { ui.newSession() })
	c.AddShortcut(quitShortcut, func(fyne.Shortcut) { ui.quit() })
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyK, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { ui.connectService() })
	// Ctrl+1..Ctrl+6 open the detail's tabs (Charts, Media, Alarms,
	// Events, Encoder hand-off, Outputs) without the mouse.
	for i, k := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6} {
		c.AddShortcut(&desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { ui.showTab(i) })
	}
	c.SetOnTypedKey(ui.typedKey)
}

// showTab opens the detail's i-th tab, of the selected feed (the wall
// gives way to the detail of its focused tile).
func (ui *mainUI) showTab(i int) {
	if ui.mode == viewWall {
		id, ok := ui.wall.focused()
		if !ok {
			return
		}
		ui.openDetail(id)
	}
	if tabs := ui.detail.tabs; i < len(tabs.Items) {
		tabs.SelectIndex(i)
	}
}

// typedKey handles the keys no widget took: on the wall the arrows move
// the focus ring and Enter opens the feed; in the detail Esc goes back to
// the wall and Up/Down step through the feeds; Space starts or stops.
func (ui *mainUI) typedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeySpace {
		if ui.remoteCommand("toggle") {
			return
		}
		if v, ok := ui.ctrl.Feed(ui.current()); ok {
			ui.startStop(!v.Running)
		}
		return
	}
	if ui.mode == viewWall {
		switch e.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			if id, ok := ui.wall.focused(); ok {
				ui.openDetail(id)
			}
		default:
			if ui.wall.move(e.Name) {
				ui.viewChosen = true
			}
		}
		return
	}
	switch e.Name {
	case fyne.KeyEscape:
		ui.showWall()
	case fyne.KeyDown:
		ui.step(1)
	case fyne.KeyUp:
		ui.step(-1)
	}
}

// current is the feed the toolbar and Space act on: the focused tile on
// the wall, the selected feed in the detail.
func (ui *mainUI) current() app.FeedID {
	if ui.mode == viewWall {
		id, _ := ui.wall.focused()
		return id
	}
	return ui.selected
}

// setMode shows the wall or the detail (UI goroutine).
func (ui *mainUI) setMode(m viewMode) {
	if ui.mode == m {
		return
	}
	ui.mode = m
	if m == viewWall {
		ui.split.Hide()
		ui.wall.content.Show()
		ui.wall.focusID(ui.selected)
	} else {
		ui.wall.content.Hide()
		ui.split.Show()
	}
	ui.refresh()
}

// showWall is View > Wall and Esc in the detail.
func (ui *mainUI) showWall() {
	ui.viewChosen = true
	ui.setMode(viewWall)
}

// showDetail is View > Feed detail: the focused tile's feed, or the
// selected one.
func (ui *mainUI) showDetail() {
	id := ui.current()
	if id == 0 {
		if feeds := ui.ctrl.Feeds(); len(feeds) > 0 {
			id = feeds[0].ID
		}
	}
	if id == 0 {
		ui.viewChosen = true
		ui.setMode(viewDetail)
		return
	}
	ui.openDetail(id)
}

// openDetail shows a feed's detail: a tile's tap or Enter.
func (ui *mainUI) openDetail(id app.FeedID) {
	ui.viewChosen = true
	ui.setMode(viewDetail)
	ui.list.selectID(id)
	ui.w.Canvas().Unfocus()
}

// acknowledge acknowledges the current feed's alarms.
func (ui *mainUI) acknowledge() {
	if ui.remoteCommand("acknowledge") {
		return
	}
	if id := ui.current(); id != 0 {
		go ui.ctrl.Acknowledge(id)
	}
}

// liveFeeds counts the feeds that are running.
func (ui *mainUI) liveFeeds() int {
	n := 0
	for _, v := range ui.ctrl.Feeds() {
		if v.Running {
			n++
		}
	}
	return n
}

// quit is Ctrl+Q, File > Quit and the window's close button: with live
// feeds it asks first, since quitting stops them.
func (ui *mainUI) quit() {
	live := ui.liveFeeds()
	if live == 0 {
		ui.closeFn()
		return
	}
	what := "1 feed is live"
	if live > 1 {
		what = fmt.Sprintf("%d feeds are live", live)
	}
	d := dialog.NewConfirm("Quit srtscope?", what+". Quitting stops them and ends their recordings.", func(ok bool) {
		if ok {
			ui.closeFn()
		}
	}, ui.w)
	d.SetConfirmText("Quit")
	d.SetDismissText("Keep monitoring")
	d.Show()
}

// step selects the next (delta 1) or previous (-1) feed in the detail.
func (ui *mainUI) step(delta int) {
	feeds := ui.ctrl.Feeds()
	if len(feeds) == 0 {
		return
	}
	i := 0
	for j, f := range feeds {
		if f.ID == ui.selected {
			i = (j + delta + len(feeds)) % len(feeds)
		}
	}
	ui.viewChosen = true
	ui.list.selectID(feeds[i].ID)
}

func (ui *mainUI) newSession() {
	showSessionFormWith(ui.ctrl, ui.w, sessionFormOptions{presets: ui.ctrl.PresetsStatus() == nil}, func(id app.FeedID) {
		ui.refresh()
		if ui.mode == viewWall {
			ui.wall.focusID(id)
		} else {
			ui.list.selectID(id)
		}
	})
}

func (ui *mainUI) startStop(start bool) {
	verb := "stop"
	if start {
		verb = "start"
	}
	if ui.remoteCommand(verb) {
		return
	}
	id := ui.current()
	if id == 0 {
		return
	}
	go func() {
		var err error
		if start {
			err = ui.ctrl.Start(id)
		} else {
			ui.ctrl.Stop(id)
		}
		fyne.Do(func() {
			if err != nil {
				showError(ui.w, err)
			}
			ui.refresh()
		})
	}()
}

func (ui *mainUI) duplicate() {
	if ui.current() == 0 {
		return
	}
	if id, err := ui.ctrl.Duplicate(ui.current()); err == nil {
		ui.refresh()
		if ui.mode == viewWall {
			ui.wall.focusID(id)
		} else {
			ui.list.selectID(id)
		}
	}
}

func (ui *mainUI) remove() {
	id := ui.current()
	if id == 0 {
		return
	}
	v, _ := ui.ctrl.Feed(id)
	dialog.ShowConfirm("Remove feed", fmt.Sprintf("Stop and remove %q?", v.Spec.Name), func(ok bool) {
		if !ok {
			return
		}
		go func() {
			ui.ctrl.Remove(id)
			fyne.Do(func() {
				if ui.selected == id {
					ui.selected = 0
				}
				ui.refresh()
			})
		}()
	}, ui.w)
}

func (ui *mainUI) inject(f func() error) {
	if _, ok := ui.ctrl.DemoFeed(); !ok {
		dialog.ShowInformation("Demo", "The demo feed is not running: start srtscope with --demo (make run does).", ui.w)
		return
	}
	go func() {
		if err := f(); err != nil {
			fyne.Do(func() { showError(ui.w, err) })
		}
	}()
}

// startDemo starts n demo feeds; it runs off the UI goroutine (it binds
// sockets). The first is the one the View menu's injections act on.
func (ui *mainUI) startDemo(n int) {
	ids, err := ui.ctrl.StartDemos(n)
	fyne.Do(func() {
		if err != nil {
			showError(ui.w, fmt.Errorf("demo feed %d: %w", len(ids)+1, err))
		}
		ui.refresh()
	})
}

// A wall of more than busyWallTiles tiles updates once a second, its
// numbers and new pictures in one frame: its figures are one-second
// samples, so a faster update would repaint the whole window for the
// meters alone, and on a laptop without a GPU (or under Xvfb) a repaint of
// 16 tiles is what keeps the UI goroutine from the operator's clicks. A
// smaller wall and the detail update at refreshEvery.
const (
	busyWallTiles     = 4
	busyWallEvery     = time.Second
	wallPicturesEvery = time.Second
)

func (ui *mainUI) refreshLoop() {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	var pace refreshPacer
	for {
		select {
		case <-ui.done:
			return
		case now := <-t.C:
			update, fresh := pace.tick(now, int(ui.wallTiles.Load()))
			if !update {
				continue
			}
			// The snapshots, the thumbnails' decoding and scaling and the
			// wall's tile pictures are done here, off the UI goroutine,
			// which only swaps the results in: one fyne.Do per tick for
			// every tile.
			feeds := ui.ctrl.Feeds()
			states := ui.tileStates(feeds, pictureRound{box: ui.pictureBox(), fresh: fresh})
			if box := ui.wallBox.Load(); box != nil && ui.wallTiles.Load() > 0 {
				ui.artist.paint(states, *box)
			}
			fyne.Do(func() { ui.apply(feeds, states) })
			ui.saveWorkspaceIfChanged(feeds)
		}
	}
}

// refreshPacer decides, at each refreshEvery tick, whether the window is
// updated and whether new pictures are taken (see busyWallTiles).
type refreshPacer struct {
	last, lastPictures time.Time
}

// tick is the refresh worker's tick at now with wallTiles tiles on the
// wall (0: the detail shows).
func (p *refreshPacer) tick(now time.Time, wallTiles int) (update, fresh bool) {
	busy := wallTiles > busyWallTiles
	// Half a tick of slack: a late tick still counts as on time.
	if busy && now.Sub(p.last) < busyWallEvery-refreshEvery/2 {
		return false, false
	}
	p.last = now
	fresh = !busy || now.Sub(p.lastPictures) >= wallPicturesEvery-refreshEvery/2
	if fresh {
		p.lastPictures = now
	}
	return true, fresh
}

// pictureBox is the size in pixels of the picture of the tiles on screen
// (the wall's, or the preview's under the list), as the UI goroutine last
// laid them out; zero before.
func (ui *mainUI) pictureBox() image.Point {
	p := ui.picBox.Load()
	return image.Pt(int(p>>32), int(p&0xffffffff))
}

// notePictureBox keeps the picture size of the tiles on screen for the
// refresh worker (UI goroutine).
func (ui *mainUI) notePictureBox(t *wallTile) {
	scale := ui.w.Canvas().Scale()
	w, h := int(math.Ceil(float64(t.picSize.Width*scale))), int(math.Ceil(float64(t.picSize.Height*scale)))
	ui.picBox.Store(uint64(max(w, 0))<<32 | uint64(max(h, 0)))
}

// demoChartSamples is how many connected one-second samples the demo's
// charts hold before the app says so (for the window smoke test).
const demoChartSamples = 8

// connectedSamples counts the samples taken while connected.
func connectedSamples(h []session.Sample) int {
	n := 0
	for _, s := range h {
		if s.State == session.StateConnected {
			n++
		}
	}
	return n
}

// refresh redraws from fresh snapshots; it runs on the UI goroutine.
func (ui *mainUI) refresh() {
	// The menu bar may be measured only once the window is up: keep the
	// window's minimum at 1024x700 with it (cheap: the content's minimum
	// is fixed, so nothing below it is measured).
	ui.fitMinimum()
	// New pictures wait for the refresh worker, which decodes them off
	// this goroutine; a tile without one yet gets its first here.
	feeds := ui.ctrl.Feeds()
	ui.apply(feeds, ui.tileStates(feeds, pictureRound{box: ui.pictureBox()}))
}

// tileStates are the wall's tiles: the local feeds, then every connected
// service's feeds.
func (ui *mainUI) tileStates(feeds []app.FeedView, round pictureRound) []tileState {
	states := wallStates(feeds, &ui.thumbs, round)
	if ui.remotes != nil {
		ui.remoteMu.Lock()
		if ui.remoteThumbs == nil {
			ui.remoteThumbs = map[remote.ServiceID]*thumbCache{}
		}
		states = append(states, remoteStates(ui.remotes.Services(), ui.remoteThumbs, round)...)
		ui.remoteMu.Unlock()
	}
	ui.holds.hold(states)
	return states
}

// apply shows snapshots and their tiles' states (UI goroutine). Only the
// view on screen is updated.
func (ui *mainUI) apply(feeds []app.FeedView, states []tileState) {
	ui.chooseView(feeds)
	var v app.FeedView
	ok := false
	for _, f := range feeds {
		if f.ID == ui.selected {
			v, ok = f, true
		}
	}
	if !ok {
		ui.selected = 0
	}
	if size := ui.w.Canvas().Size(); size != ui.sizeSaid {
		// The window smoke test waits for this after resizing the window.
		ui.sizeSaid = size
		fmt.Printf("srtscope: window %.0fx%.0f\n", size.Width, size.Height)
	}
	if ui.mode == viewWall {
		ui.wall.set(states)
		ui.sayWallPictures(states)
		ui.wallTiles.Store(int32(len(states)))
		if len(ui.wall.tiles) > 0 {
			ui.notePictureBox(ui.wall.tiles[0])
			ui.wallBox.Store(&tileBox{size: ui.wall.tiles[0].Size(), scale: ui.w.Canvas().Scale()})
		}
	} else {
		ui.list.update(feeds)
		ui.detail.update(v, ok)
		ui.preview.Hidden = !ok
		for _, st := range states {
			if ok && st.id == v.ID {
				ui.preview.set(st)
			}
		}
		ui.wallTiles.Store(0)
		ui.notePictureBox(ui.preview)
	}
	if demo, ok := ui.ctrl.DemoFeed(); ok && ui.demoSaid < 2 {
		// The window smoke test waits for these lines instead of sleeping.
		// The demo's snapshot is among feeds: no second one is taken here.
		var dv app.FeedView
		for _, f := range feeds {
			if f.ID == demo {
				dv = f
			}
		}
		if dv.ID == demo && dv.Sample.State == "connected" && dv.Sample.PktsRecv > 0 {
			if ui.demoSaid == 0 {
				fmt.Println("srtscope: demo feed connected")
				ui.demoSaid = 1
			}
			if ui.demoSaid == 1 && ui.selected == demo && connectedSamples(dv.History) >= demoChartSamples {
				fmt.Printf("srtscope: demo charts hold %d samples\n", demoChartSamples)
				ui.demoSaid = 2
			}
		}
	}
}

// sayWallPictures prints, for the window smoke test, when every demo
// tile on the wall shows a picture (instead of the test sleeping).
func (ui *mainUI) sayWallPictures(states []tileState) {
	if _, ok := ui.ctrl.DemoFeed(); !ok || len(states) == 0 || ui.wallSaid == len(states) {
		return
	}
	for _, st := range states {
		if st.thumb == nil {
			return
		}
	}
	ui.wallSaid = len(states)
	fmt.Printf("srtscope: wall shows %d pictures\n", len(states))
}

// chooseView picks the view until the operator does: the wall with two
// or more feeds, the one feed's detail (selected) with one.
func (ui *mainUI) chooseView(feeds []app.FeedView) {
	if ui.viewChosen {
		return
	}
	switch {
	case len(feeds) >= 2 && ui.mode != viewWall:
		ui.mode = viewWall
		ui.split.Hide()
		ui.wall.content.Show()
	case len(feeds) == 1 && (ui.mode != viewDetail || ui.selected != feeds[0].ID):
		ui.mode = viewDetail
		ui.wall.content.Hide()
		ui.split.Show()
		ui.list.update(feeds)
		ui.auto = true
		ui.list.selectID(feeds[0].ID)
		ui.auto = false
	}
}

func (ui *mainUI) stop() {
	ui.stopOnce.Do(func() { close(ui.done) })
}

// Toolbar tooltips. Fyne 2.8's toolbar actions have none, so each action
// is a low-importance icon button that shows its words in a layer over the
// window while the pointer is on it.

// tipAction is a toolbar item with a tooltip.
type tipAction struct {
	button *tipButton
}

func newTipAction(icon fyne.Resource, tip string, layer *tipLayer, run func()) *tipAction {
	return &tipAction{button: newTipButton(icon, tip, layer, run)}
}

// ToolbarObject is the button, the same one every time.
func (a *tipAction) ToolbarObject() fyne.CanvasObject { return a.button }

// tipButton is an icon button that shows a tooltip on hover.
type tipButton struct {
	widget.Button
	tip   string
	layer *tipLayer
}

func newTipButton(icon fyne.Resource, tip string, layer *tipLayer, run func()) *tipButton {
	b := &tipButton{tip: tip, layer: layer}
	b.Icon, b.OnTapped, b.Importance = icon, run, widget.LowImportance
	b.ExtendBaseWidget(b)
	return b
}

// MouseIn shows the tooltip.
func (b *tipButton) MouseIn(e *desktop.MouseEvent) {
	b.Button.MouseIn(e)
	b.layer.show(b, b.tip)
}

// MouseOut hides it.
func (b *tipButton) MouseOut() {
	b.Button.MouseOut()
	b.layer.hide(b)
}

// Tapped hides the tooltip and runs the action.
func (b *tipButton) Tapped(e *fyne.PointEvent) {
	b.layer.hide(b)
	b.Button.Tapped(e)
}

// tipLayer draws one tooltip over the window. It holds no tappable or
// hoverable object, so the pointer goes through it.
type tipLayer struct {
	content *fyne.Container
	back    *canvas.Rectangle
	text    *canvas.Text
	owner   fyne.CanvasObject
}

func newTipLayer() *tipLayer {
	l := &tipLayer{back: canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground)), text: canvas.NewText("", theme.Color(theme.ColorNameForeground))}
	l.back.StrokeColor = theme.Color(theme.ColorNameShadow)
	l.back.StrokeWidth = 1
	l.back.CornerRadius = 4
	l.content = container.NewWithoutLayout(l.back, l.text)
	l.content.Hide()
	return l
}

// show puts tip under obj.
func (l *tipLayer) show(obj fyne.CanvasObject, tip string) {
	d := fyne.CurrentApp().Driver()
	pos := d.AbsolutePositionForObject(obj).Subtract(d.AbsolutePositionForObject(l.content))
	l.owner = obj
	l.text.Text = tip
	l.text.Color = theme.Color(theme.ColorNameForeground)
	l.back.FillColor = theme.Color(theme.ColorNameOverlayBackground)
	ts := l.text.MinSize()
	size := fyne.NewSize(ts.Width+12, ts.Height+8)
	x := min(pos.X, l.content.Size().Width-size.Width-4)
	at := fyne.NewPos(max(x, 4), pos.Y+obj.Size().Height+4)
	l.back.Move(at)
	l.back.Resize(size)
	l.text.Move(at.AddXY(6, 4))
	l.text.Resize(ts)
	l.content.Show()
	l.content.Refresh()
}

// hide takes obj's tooltip away.
func (l *tipLayer) hide(obj fyne.CanvasObject) {
	if l.owner == obj {
		l.owner = nil
		l.content.Hide()
	}
}

// shown is the tooltip's words while one shows, "" otherwise.
func (l *tipLayer) shown() string {
	if l.content.Hidden {
		return ""
	}
	return l.text.Text
}

// Workspace: the open feeds are kept in a file and reopen at the next
// start. The Controller reads and writes it; the window says when.

// workspaceKey is what of a feed the workspace keeps: when it changes, the
// file is written again.
type workspaceKey struct {
	id      app.FeedID
	spec    string
	running bool
}

func workspaceKeys(feeds []app.FeedView) []workspaceKey {
	keys := make([]workspaceKey, len(feeds))
	for i, v := range feeds {
		keys[i] = workspaceKey{id: v.ID, spec: fmt.Sprintf("%+v", v.Spec), running: v.Running || v.Tuning}
	}
	return keys
}

// openWorkspace reopens the feeds of the last session; it runs off the UI
// goroutine (feeds bind ports, the keychain may be slow). A feed whose
// passphrase the keychain does not have is asked for.
func (ui *mainUI) openWorkspace() {
	defer func() {
		ui.wsMu.Lock()
		ui.wsLast = workspaceKeys(ui.ctrl.Feeds())
		ui.wsMu.Unlock()
		ui.wsReady.Store(true)
	}()
	if _, err := os.Stat(ui.workspace); errors.Is(err, os.ErrNotExist) {
		return // first start: nothing kept yet
	}
	ids, err := ui.ctrl.OpenWorkspace(ui.workspace, ui.askPassphrase)
	fyne.Do(func() {
		if err != nil {
			showError(ui.w, fmt.Errorf("reopening the feeds of the last session (%d reopened): %w", len(ids), err))
		}
		ui.refresh()
	})
}

// askPassphrase asks the operator for a feed's passphrase and waits for
// the answer; it runs off the UI goroutine.
func (ui *mainUI) askPassphrase(feedName string) (string, bool) {
	type answer struct {
		pass string
		ok   bool
	}
	ch := make(chan answer, 1)
	fyne.Do(func() {
		entry := widget.NewPasswordEntry()
		entry.SetPlaceHolder("passphrase (10 to 79 characters)")
		d := dialog.NewForm("Passphrase for "+feedName, "Open the feed", "Leave it out",
			[]*widget.FormItem{widget.NewFormItem("Passphrase", entry)},
			func(ok bool) { ch <- answer{entry.Text, ok} }, ui.w)
		d.Resize(fyne.NewSize(460, 0))
		d.Show()
		ui.w.Canvas().Focus(entry)
	})
	select {
	case a := <-ch:
		return a.pass, a.ok
	case <-ui.done:
		return "", false
	}
}

// saveWorkspaceIfChanged writes the workspace when a feed was added,
// removed, changed, started or stopped since it was last written. It runs
// on the refresh worker.
func (ui *mainUI) saveWorkspaceIfChanged(feeds []app.FeedView) {
	if ui.workspace == "" || !ui.wsReady.Load() {
		return
	}
	keys := workspaceKeys(feeds)
	ui.wsMu.Lock()
	same := slices.Equal(keys, ui.wsLast)
	ui.wsMu.Unlock()
	if !same {
		ui.saveWorkspace()
	}
}

// saveWorkspace writes the workspace now (off the UI goroutine).
func (ui *mainUI) saveWorkspace() {
	if ui.workspace == "" || !ui.wsReady.Load() {
		return
	}
	ui.wsMu.Lock()
	defer ui.wsMu.Unlock()
	feeds := ui.ctrl.Feeds()
	if err := ui.ctrl.SaveWorkspace(ui.workspace); err != nil {
		fmt.Fprintln(os.Stderr, "srtscope: keeping the open feeds:", err)
	}
	ui.wsLast = workspaceKeys(feeds)
}

// About dialog (Help > About).

// aboutLicence is srtscope's own licence as Help > About states it.
const aboutLicence = "not chosen yet (the source has no LICENSE file)"

// aboutWebsite is the project page, as in FyneApp.toml.
const aboutWebsite = "https://github.com/srtscope/srtscope"

// aboutLibrary is one library compiled into srtscope, with its licence.
type aboutLibrary struct {
	module  string // Go module path, to look its version up in the build info
	name    string // what the dialog calls it
	licence string // SPDX identifier of the library's licence
}

// aboutLibraries are the libraries srtscope is built on (go.mod).
var aboutLibraries = []aboutLibrary{
	{"fyne.io/fyne/v2", "Fyne", "BSD-3-Clause"},
	{"github.com/datarhei/gosrt", "gosrt", "MIT"},
	{"github.com/asticode/go-astits", "go-astits", "MIT"},
	{"github.com/bluenviron/mediacommon/v2", "mediacommon", "MIT"},
	{"gonum.org/v1/plot", "gonum/plot", "BSD-3-Clause"},
	{"codeberg.org/go-pdf/fpdf", "go-pdf/fpdf", "MIT"},
	{"modernc.org/sqlite", "modernc.org/sqlite", "BSD-3-Clause"},
	{"github.com/zalando/go-keyring", "go-keyring", "MIT"},
}

// aboutRows returns one row (name, version, licence) per library, the Go
// runtime first. Versions come from the build info of the running binary;
// without it (or for a module it does not list) the version is "?".
func aboutRows(info *debug.BuildInfo) [][3]string {
	versions := map[string]string{}
	if info != nil {
		for _, d := range info.Deps {
			v := d.Version
			if d.Replace != nil && d.Replace.Version != "" {
				v = d.Replace.Version
			}
			versions[d.Path] = v
		}
	}
	goVersion := runtime.Version()
	if info != nil && info.GoVersion != "" {
		goVersion = info.GoVersion
	}
	rows := [][3]string{{"Go", goVersion, "BSD-3-Clause"}}
	for _, l := range aboutLibraries {
		v := versions[l.module]
		if v == "" {
			v = "?"
		}
		rows = append(rows, [3]string{l.name, v, l.licence})
	}
	return rows
}

// aboutContent is the body of the About dialog: icon, name and version,
// licence, website, and the libraries with their versions and licences.
func aboutContent(info *debug.BuildInfo) fyne.CanvasObject {
	icon := canvas.NewImageFromResource(fyne.NewStaticResource("icon.png", assets.IconPNG))
	icon.FillMode = canvas.ImageFillContain
	icon.SetMinSize(fyne.NewSize(64, 64))
	title := widget.NewLabelWithStyle(fmt.Sprintf("%s %s", app.Name, app.Version), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	head := container.NewBorder(nil, nil, icon, nil, container.NewVBox(
		title,
		widget.NewLabel("SRT and MPEG-TS monitor for live events"),
	))

	var site fyne.CanvasObject = widget.NewLabel(aboutWebsite)
	if u, err := url.Parse(aboutWebsite); err == nil {
		site = widget.NewHyperlink(aboutWebsite, u)
	}
	facts := widget.NewForm(
		widget.NewFormItem("Licence", widget.NewLabel(aboutLicence)),
		widget.NewFormItem("Website", site),
		widget.NewFormItem("Built for", widget.NewLabel(runtime.GOOS+"/"+runtime.GOARCH)),
	)

	// One multi-line label per column keeps the rows at text height, so the
	// dialog fits a 720-pixel-high laptop screen.
	var cols [3][]string
	for _, r := range aboutRows(info) {
		for i := range cols {
			cols[i] = append(cols[i], r[i])
		}
	}
	bold := fyne.TextStyle{Bold: true}
	libs := container.NewVBox(
		container.NewGridWithColumns(3,
			widget.NewLabelWithStyle("Built on", fyne.TextAlignLeading, bold),
			widget.NewLabelWithStyle("version", fyne.TextAlignLeading, bold),
			widget.NewLabelWithStyle("licence", fyne.TextAlignLeading, bold)),
		container.NewGridWithColumns(3,
			widget.NewLabel(strings.Join(cols[0], "\n")),
			widget.NewLabel(strings.Join(cols[1], "\n")),
			widget.NewLabel(strings.Join(cols[2], "\n"))),
	)

	ffmpeg := widget.NewLabel("Black and freeze detection uses ffmpeg when it is installed (see Settings): " +
		"a separate program under its own licence, LGPL or GPL depending on the build.")
	ffmpeg.Wrapping = fyne.TextWrapWord
	return container.NewVBox(head, facts, widget.NewSeparator(), libs, widget.NewSeparator(), ffmpeg)
}

// showAbout opens Help > About.
func (ui *mainUI) showAbout() {
	info, _ := debug.ReadBuildInfo()
	d := dialog.NewCustom("About "+app.Name, "Close", aboutContent(info), ui.w)
	d.Resize(fyne.NewSize(560, 0))
	d.Show()
}

// MaxDemoFeeds bounds --demo=N: each demo feed runs its own sender, relay
// and media analyser.
const MaxDemoFeeds = 16

// ParseArgs recognises the window's own command lines: none, --demo and
// --demo=N. ok is false for anything else (a subcommand); err names a bad
// N and what is allowed.
func ParseArgs(args []string) (opts Options, ok bool, err error) {
	switch {
	case len(args) == 0:
		return Options{}, true, nil
	case len(args) != 1:
		return Options{}, false, nil
	case args[0] == "--demo":
		return Options{Demo: true, DemoFeeds: 1}, true, nil
	}
	v, found := strings.CutPrefix(args[0], "--demo=")
	if !found {
		return Options{}, false, nil
	}
	n, convErr := strconv.Atoi(v)
	if convErr != nil || n < 1 || n > MaxDemoFeeds {
		return Options{}, true, fmt.Errorf("--demo=%s: allowed a number of demo feeds from 1 to %d", v, MaxDemoFeeds)
	}
	return Options{Demo: true, DemoFeeds: n}, true, nil
}
