package views

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/record"
)

// Preference keys of the settings dialog (Fyne preferences).
const (
	prefFFmpegPath = "ffmpeg.path"         // "" = look on PATH
	prefKeepDays   = "recording.keep_days" // 0 = no age limit
	prefMaxMB      = "recording.max_mb"    // 0 = no size limit
)

// ffmpegPathSetting returns the ffmpeg path setting for
// app.ControllerOptions.FFmpegPathFunc: read at every feed start, so a
// change applies to feeds started afterwards. Fyne preferences are safe to
// read from any goroutine.
func ffmpegPathSetting(p fyne.Preferences) func() string {
	return func() string { return strings.TrimSpace(p.String(prefFFmpegPath)) }
}

// retentionSetting reads the recording retention from the preferences.
func retentionSetting(p fyne.Preferences) record.Retention {
	r, err := app.RetentionFor(p.IntWithFallback(prefKeepDays, app.DefaultKeepDays), p.IntWithFallback(prefMaxMB, app.DefaultMaxMB))
	if err != nil { // a hand-edited preferences file: fall back to the defaults
		r, _ = app.RetentionFor(app.DefaultKeepDays, app.DefaultMaxMB)
	}
	return r
}

// housekeeping applies the recording retention at start-up and every hour
// while the window is open.
type housekeeping struct {
	pruner *app.Pruner
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	last string // what the last pass did, in words
}

// startHousekeeping starts the retention goroutine; nil db (no recordings)
// gives nil, which stop and lastPass accept.
func startHousekeeping(db *record.DB, p fyne.Preferences) *housekeeping {
	if db == nil {
		return nil
	}
	h := &housekeeping{done: make(chan struct{})}
	h.pruner = &app.Pruner{DB: db, Retention: func() record.Retention { return retentionSetting(p) },
		Log: func(line string) { fmt.Fprintln(os.Stderr, "srtscope:", line) },
		OnPass: func(r app.PruneResult, err error) {
			msg := r.String()
			if err != nil {
				msg = err.Error()
			}
			h.mu.Lock()
			h.last = msg
			h.mu.Unlock()
		}}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() {
		defer close(h.done)
		h.pruner.Run(ctx)
	}()
	return h
}

// stop ends the retention goroutine and waits for it.
func (h *housekeeping) stop() {
	if h == nil {
		return
	}
	h.cancel()
	<-h.done
}

// lastPass says what the last retention pass did.
func (h *housekeeping) lastPass() string {
	if h == nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// showSettings opens File > Settings….
func (ui *mainUI) showSettings() {
	s := newSettingsView(fyne.CurrentApp().Preferences(), ui.db, ui.w, ui.house.lastPass())
	d := dialog.NewCustomWithoutButtons("Settings", s.content, ui.w)
	s.close = d.Hide
	d.Resize(fyne.NewSize(760, 480))
	d.Show()
}

// settingsView edits the ffmpeg path and the recording retention.
type settingsView struct {
	prefs fyne.Preferences
	db    *record.DB
	w     fyne.Window
	close func()
	// settled, when set (tests), is told each background action's name
	// once its result is on screen.
	settled func(action string)

	ffPath   *widget.Entry
	ffStatus *widget.Label
	keepDays *widget.Entry
	maxMB    *widget.Entry
	usage    *widget.Label
	problem  *widget.Label
	save     *widget.Button
	pruneNow *widget.Button
	content  fyne.CanvasObject
}

func newSettingsView(p fyne.Preferences, db *record.DB, w fyne.Window, lastPass string) *settingsView {
	s := &settingsView{prefs: p, db: db, w: w}
	s.ffPath = widget.NewEntry()
	s.ffPath.SetPlaceHolder("empty: look for ffmpeg on PATH")
	s.ffPath.SetText(p.String(prefFFmpegPath))
	s.ffStatus = widget.NewLabel("")
	s.ffStatus.Wrapping = fyne.TextWrapWord
	s.ffPath.OnChanged = func(string) { s.checkFFmpeg() }
	choose := widget.NewButton("Choose…", s.chooseFFmpeg)
	usePath := widget.NewButton("Use PATH", func() { s.ffPath.SetText("") })
	s.checkFFmpeg()

	s.keepDays = widget.NewEntry()
	s.keepDays.SetText(strconv.Itoa(p.IntWithFallback(prefKeepDays, app.DefaultKeepDays)))
	s.maxMB = widget.NewEntry()
	s.maxMB.SetText(strconv.Itoa(p.IntWithFallback(prefMaxMB, app.DefaultMaxMB)))
	s.usage = widget.NewLabel("")
	if lastPass != "" {
		s.usage.SetText("Last check: " + lastPass)
	}
	s.usage.Wrapping = fyne.TextWrapWord
	s.problem = widget.NewLabel("")
	s.problem.Wrapping = fyne.TextWrapWord
	s.problem.Importance = widget.DangerImportance

	s.save = widget.NewButton("Save", func() { s.apply() })
	s.save.Importance = widget.HighImportance
	s.pruneNow = widget.NewButton("Save and apply retention now", func() {
		if _, _, err := s.read(); err != nil {
			s.problem.SetText(err.Error())
			return
		}
		dialog.ShowConfirm("Apply retention now", "Recordings beyond the limits are deleted now (oldest first). Go on?", func(ok bool) {
			if ok {
				s.applyAndPrune()
			}
		}, s.w)
	})
	if db == nil {
		s.pruneNow.Disable()
		s.usage.SetText(noRecordings)
	}
	cancel := widget.NewButton("Close", func() {
		if s.close != nil {
			s.close()
		}
	})
	ffRow := container.NewBorder(nil, nil, nil, container.NewHBox(choose, usePath), s.ffPath)
	form := widget.NewForm(
		widget.NewFormItem("ffmpeg", ffRow),
		widget.NewFormItem("", s.ffStatus),
		widget.NewFormItem("Keep recordings (days)", s.keepDays),
		widget.NewFormItem("Recordings at most (MB)", s.maxMB),
	)
	hint := widget.NewLabel("0 means no limit. The oldest sessions go first; a session being recorded is never deleted. " +
		"The retention is applied at start-up and every hour. A new ffmpeg path is used by feeds started afterwards.")
	hint.Wrapping = fyne.TextWrapWord
	s.content = container.NewBorder(nil, container.NewHBox(cancel, s.pruneNow, s.save), nil, nil,
		container.NewVScroll(container.NewVBox(form, hint, s.usage, s.problem)))
	return s
}

// checkFFmpeg says whether the ffmpeg setting can be used.
func (s *settingsView) checkFFmpeg() {
	path := strings.TrimSpace(s.ffPath.Text)
	found, err := app.FindFFmpeg(path)
	switch {
	case path == "" && err == nil:
		s.ffStatus.Importance = widget.SuccessImportance
		s.ffStatus.SetText("found on PATH: " + found)
	case path == "":
		s.ffStatus.Importance = widget.DangerImportance
		s.ffStatus.SetText("not found on PATH: black and freeze detection needs ffmpeg. Install it, or choose the ffmpeg file (ffmpeg.exe on Windows).")
	case err == nil:
		s.ffStatus.Importance = widget.SuccessImportance
		s.ffStatus.SetText("will use " + found)
	default:
		s.ffStatus.Importance = widget.DangerImportance
		s.ffStatus.SetText(strings.TrimPrefix(err.Error(), "app: "))
	}
}

// chooseFFmpeg picks the ffmpeg executable with a file dialog.
func (s *settingsView) chooseFFmpeg() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.problem.SetText("Cannot use that file: " + err.Error())
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		s.ffPath.SetText(path)
	}, s.w)
	showFileDialog(d)
}

// read validates the fields; errors name the field, the value and what is
// allowed.
func (s *settingsView) read() (keepDays, maxMB int, err error) {
	num := func(e *widget.Entry, field string) (int, error) {
		v, err := strconv.Atoi(strings.TrimSpace(e.Text))
		if err != nil {
			return 0, fmt.Errorf("%s %q is not a whole number: use 0 (no limit) or more", field, e.Text)
		}
		return v, nil
	}
	if keepDays, err = num(s.keepDays, "keep recordings (days)"); err != nil {
		return 0, 0, err
	}
	if maxMB, err = num(s.maxMB, "recordings at most (MB)"); err != nil {
		return 0, 0, err
	}
	if _, err := app.RetentionFor(keepDays, maxMB); err != nil {
		return 0, 0, fmt.Errorf("%s", strings.TrimPrefix(err.Error(), "app: "))
	}
	if path := strings.TrimSpace(s.ffPath.Text); path != "" {
		if _, err := app.FindFFmpeg(path); err != nil {
			return 0, 0, fmt.Errorf("not saved: the ffmpeg path “%s” cannot be used (see above): %w", path, err)
		}
	}
	return keepDays, maxMB, nil
}

// apply stores the settings in the preferences.
func (s *settingsView) apply() bool {
	keepDays, maxMB, err := s.read()
	if err != nil {
		s.problem.SetText(err.Error())
		return false
	}
	s.problem.SetText("")
	s.prefs.SetString(prefFFmpegPath, strings.TrimSpace(s.ffPath.Text))
	s.prefs.SetInt(prefKeepDays, keepDays)
	s.prefs.SetInt(prefMaxMB, maxMB)
	r, _ := app.RetentionFor(keepDays, maxMB)
	s.usage.SetText("Saved: " + app.DescribeRetention(r) + ". It applies at the next hourly pass; ffmpeg changes apply to feeds started from now on.")
	return true
}

// applyAndPrune stores the settings and applies the retention at once.
func (s *settingsView) applyAndPrune() {
	if s.db == nil || !s.apply() {
		return
	}
	s.pruneNow.Disable()
	p := &app.Pruner{DB: s.db, Retention: func() record.Retention { return retentionSetting(s.prefs) }}
	async(func() (app.PruneResult, error) { return p.Once(context.Background()) }, func(r app.PruneResult, err error) {
		s.pruneNow.Enable()
		if err != nil {
			s.problem.SetText(err.Error())
		} else {
			fmt.Fprintln(os.Stderr, "srtscope:", r.String())
			s.usage.SetText(r.String())
		}
		if s.settled != nil {
			s.settled("prune")
		}
	})
}
