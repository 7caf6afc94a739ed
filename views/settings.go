package views

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
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
func retentionSetting(p fyne.Preferences) app.Retention {
	r, err := app.RetentionFor(p.IntWithFallback(prefKeepDays, app.DefaultKeepDays), p.IntWithFallback(prefMaxMB, app.DefaultMaxMB))
	if err != nil { // a hand-edited preferences file: fall back to the defaults
		r, _ = app.RetentionFor(app.DefaultKeepDays, app.DefaultMaxMB)
	}
	return r
}

// lastPassText says what the Controller's last retention pass did ("" when
// none ran yet).
func lastPassText(c *app.Controller) string {
	pass, ok := c.LastPrune()
	switch {
	case !ok:
		return ""
	case pass.Err != nil:
		return errorText(pass.Err)
	}
	return pass.Result.String()
}

// showSettings opens File > Settings….
func (ui *mainUI) showSettings() {
	s := newSettingsView(ui.ctx, fyne.CurrentApp().Preferences(), ui.ctrl, ui.w)
	d := dialog.NewCustomWithoutButtons("Settings", s.content, ui.w)
	s.close = d.Hide
	d.Resize(dialogSize(ui.w, fyne.NewSize(760, 480)))
	showDialog(d, ui.w, s.ffPath)
}

// settingsView edits the ffmpeg path and the recording retention.
type settingsView struct {
	ctx   context.Context
	prefs fyne.Preferences
	ctrl  *app.Controller
	w     fyne.Window
	close func()
	// settled, when set (tests), is told each background action's name
	// once its result is on screen.
	settled func(action string)

	ffPath   *field
	ffStatus *widget.Label
	keepDays *field
	maxMB    *field
	usage    *widget.Label
	problem  *widget.Label
	save     *widget.Button
	pruneNow *widget.Button
	content  fyne.CanvasObject
}

func newSettingsView(ctx context.Context, p fyne.Preferences, ctrl *app.Controller, w fyne.Window) *settingsView {
	s := &settingsView{ctx: ctx, prefs: p, ctrl: ctrl, w: w}
	lastPass := lastPassText(ctrl)
	s.ffPath = newField()
	s.ffPath.SetPlaceHolder("empty: look for ffmpeg on PATH")
	s.ffPath.SetText(p.String(prefFFmpegPath))
	s.ffStatus = widget.NewLabel("")
	s.ffStatus.Wrapping = fyne.TextWrapWord
	s.ffPath.OnChanged = func(string) { s.checkFFmpeg() }
	choose := widget.NewButton("Choose…", s.chooseFFmpeg)
	usePath := widget.NewButton("Use PATH", func() { s.ffPath.SetText("") })
	s.checkFFmpeg()

	s.keepDays = newField()
	s.keepDays.SetText(strconv.Itoa(p.IntWithFallback(prefKeepDays, app.DefaultKeepDays)))
	s.maxMB = newField()
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
			s.problem.SetText(errorText(err))
			return
		}
		showConfirm("Apply retention now", "Recordings beyond the limits are deleted now (oldest first). Go on?", func(ok bool) {
			if ok {
				s.applyAndPrune()
			}
		}, s.w)
	})
	if err := ctrl.RecordingsStatus(); err != nil {
		s.pruneNow.Disable()
		s.usage.SetText(noRecordingsText(err))
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
		s.ffStatus.SetText(errorText(err))
	}
}

// chooseFFmpeg picks the ffmpeg executable with a file dialog.
func (s *settingsView) chooseFFmpeg() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			s.problem.SetText("Cannot use that file: " + errorText(err))
			return
		}
		if r == nil {
			return
		}
		path := r.URI().Path()
		_ = r.Close() // only the path was wanted; nothing was read
		s.ffPath.SetText(path)
	}, s.w)
	showFileDialog(d)
}

// read validates the fields; errors name the field, the value and what is
// allowed.
func (s *settingsView) read() (keepDays, maxMB int, err error) {
	num := func(e *field, field string) (int, error) {
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
		return 0, 0, err
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
		s.problem.SetText(errorText(err))
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
	if s.ctrl.RecordingsStatus() != nil || !s.apply() {
		return
	}
	s.pruneNow.Disable()
	async(func() (app.PruneResult, error) { return s.ctrl.PruneNow(s.ctx) }, func(r app.PruneResult, err error) {
		s.pruneNow.Enable()
		if err != nil {
			s.problem.SetText(errorText(err))
		} else {
			fmt.Fprintln(os.Stderr, "srtscope:", r.String())
			s.usage.SetText(r.String())
		}
		if s.settled != nil {
			s.settled("prune")
		}
	})
}
