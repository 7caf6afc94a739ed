// Package views holds every Fyne widget and screen of srtscope. It opens no
// sockets and files and holds no business rules: it shows what app gives it.
package views

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
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
	w.SetContent(ui.content)
	w.SetMainMenu(ui.menu())
	ui.addShortcuts()

	w.Resize(fyne.NewSize(float32(prefs.FloatWithFallback("window.width", 1280)), float32(prefs.FloatWithFallback("window.height", 780))))
	ui.split.Offset = prefs.FloatWithFallback("layout.split", 0.3)
	w.SetCloseIntercept(func() {
		prefs.SetFloat("window.width", float64(w.Canvas().Size().Width))
		prefs.SetFloat("window.height", float64(w.Canvas().Size().Height))
		prefs.SetFloat("layout.split", ui.split.Offset)
		ui.stop()
		w.Close()
	})
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
	}
	if opts.ReportUILag {
		go reportUILag(ui.done, 10*time.Second, os.Stdout)
	}
	go ui.refreshLoop()
	ui.showPresetNotice()
	w.ShowAndRun()
	ui.stop()
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

// mainUI is the window: the feed list on the left, the selected feed's
// detail on the right.
type mainUI struct {
	ctx     context.Context // ends when the window quits
	ctrl    *app.Controller
	w       fyne.Window
	content fyne.CanvasObject
	split   *container.Split
	list    *feedList
	detail  *feedDetail

	// Only touched on the UI goroutine.
	selected app.FeedID
	demoSaid int // 0, 1 after "connected", 2 after the charts line

	stopOnce sync.Once
	done     chan struct{}
}

func newMainUI(ctx context.Context, ctrl *app.Controller, w fyne.Window) *mainUI {
	ui := &mainUI{ctx: ctx, ctrl: ctrl, w: w, done: make(chan struct{})}
	ui.detail = newFeedDetail(ctrl, w)
	ui.detail.onTune = ui.tuneLatency
	ui.list = newFeedList(func(id app.FeedID) {
		ui.selected = id
		ui.refresh()
	})
	toolbar := widget.NewToolbar(
		widget.NewToolbarAction(theme.ContentAddIcon(), ui.newSession),
		widget.NewToolbarSeparator(),
		widget.NewToolbarAction(theme.MediaPlayIcon(), func() { ui.startStop(true) }),
		widget.NewToolbarAction(theme.MediaStopIcon(), func() { ui.startStop(false) }),
		widget.NewToolbarAction(theme.ContentCopyIcon(), ui.duplicate),
		widget.NewToolbarAction(theme.DeleteIcon(), ui.remove),
	)
	left := container.NewBorder(toolbar, nil, nil, nil, ui.list.widget())
	ui.split = container.NewHSplit(left, ui.detail.content)
	ui.split.Offset = 0.3
	ui.content = ui.split
	return ui
}

func (ui *mainUI) menu() *fyne.MainMenu {
	file := fyne.NewMenu("File",
		fyne.NewMenuItem("New session…", ui.newSession),
		fyne.NewMenuItem("Tune latency…", ui.tuneLatency),
		fyne.NewMenuItem("Export report…", ui.exportReport),
		fyne.NewMenuItem("Session history…", ui.showHistory),
		fyne.NewMenuItem("Presets…", ui.showPresets),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Settings…", ui.showSettings),
	)
	view := fyne.NewMenu("View",
		fyne.NewMenuItem("Next feed", func() { ui.step(1) }),
		fyne.NewMenuItem("Previous feed", func() { ui.step(-1) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Demo: black and silence for 5 s", func() { ui.inject(func() error { return ui.ctrl.InjectBlack(5 * time.Second) }) }),
		fyne.NewMenuItem("Demo: 4 s outage", func() { ui.inject(func() error { return ui.ctrl.InjectOutage(4 * time.Second) }) }),
	)
	help := fyne.NewMenu("Help",
		fyne.NewMenuItem("Keyboard shortcuts", func() {
			dialog.ShowInformation("Keyboard shortcuts", "Ctrl+N\tnew session\nSpace\tstart or stop the selected feed\nDown / Up\tnext / previous feed\nCtrl+Q\tquit", ui.w)
		}),
		fyne.NewMenuItem("About", ui.showAbout),
	)
	return fyne.NewMainMenu(file, view, help)
}

func (ui *mainUI) addShortcuts() {
	c := ui.w.Canvas()
	c.AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyN, Modifier: fyne.KeyModifierShortcutDefault}, func(fyne.Shortcut) { ui.newSession() })
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		switch e.Name {
		case fyne.KeySpace:
			if v, ok := ui.ctrl.Feed(ui.selected); ok {
				ui.startStop(!v.Running)
			}
		case fyne.KeyDown:
			ui.step(1)
		case fyne.KeyUp:
			ui.step(-1)
		}
	})
}

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
	ui.list.selectID(feeds[i].ID)
}

func (ui *mainUI) newSession() {
	showSessionFormWith(ui.ctrl, ui.w, sessionFormOptions{presets: ui.ctrl.PresetsStatus() == nil}, func(id app.FeedID) {
		ui.refresh()
		ui.list.selectID(id)
	})
}

func (ui *mainUI) startStop(start bool) {
	id := ui.selected
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
	if ui.selected == 0 {
		return
	}
	if id, err := ui.ctrl.Duplicate(ui.selected); err == nil {
		ui.refresh()
		ui.list.selectID(id)
	}
}

func (ui *mainUI) remove() {
	id := ui.selected
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
				ui.selected = 0
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

func (ui *mainUI) refreshLoop() {
	t := time.NewTicker(refreshEvery)
	defer t.Stop()
	for {
		select {
		case <-ui.done:
			return
		case <-t.C:
			fyne.Do(ui.refresh)
		}
	}
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
	feeds := ui.ctrl.Feeds()
	ui.list.update(feeds)
	v, ok := ui.ctrl.Feed(ui.selected)
	if !ok {
		ui.selected = 0
	}
	ui.detail.update(v, ok)
	if demo, ok := ui.ctrl.DemoFeed(); ok && ui.demoSaid < 2 {
		// The window smoke test waits for these lines instead of sleeping.
		if dv, ok := ui.ctrl.Feed(demo); ok && dv.Sample.State == "connected" && dv.Sample.PktsRecv > 0 {
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

func (ui *mainUI) stop() {
	ui.stopOnce.Do(func() { close(ui.done) })
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
