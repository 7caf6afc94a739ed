package views

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/report"
)

// noRecordings is what the history and export dialogs say when the
// recordings database could not be opened.
const noRecordings = "Sessions are not being recorded: the recordings database could not be opened. Nothing can be exported."

// noRecordingsText is noRecordings with the reason the Controller gives.
func noRecordingsText(err error) string {
	return noRecordings + "\n\n" + errorText(err)
}

// prefReportFormat remembers the last export format.
const prefReportFormat = "report.format"

// exportReport opens File > Export report… with the selected feed's
// current or latest recording chosen.
func (ui *mainUI) exportReport() {
	name := ""
	if v, ok := ui.ctrl.Feed(ui.selected); ok {
		name = v.Spec.Name
	}
	ui.showExport(0, name)
}

// showExport opens the export dialog with session id chosen (0: the newest
// recording of the feed called feedName, else the newest of all).
func (ui *mainUI) showExport(id int64, feedName string) {
	if err := ui.ctrl.RecordingsStatus(); err != nil {
		showInformation("Export report", noRecordingsText(err), ui.w)
		return
	}
	e := newExportDialog(ui.ctx, ui.ctrl, ui.w, id, feedName)
	d := dialog.NewCustomWithoutButtons("Export report", e.content, ui.w)
	e.close = d.Hide
	d.Resize(dialogSize(ui.w, fyne.NewSize(720, 340)))
	showDialog(d, ui.w, e.pick)
}

// exportDialog picks a recorded session and a format, asks where to save
// and shows the export's progress.
type exportDialog struct {
	ctx   context.Context
	ctrl  *app.Controller
	w     fyne.Window
	close func()
	// settled, when set (tests), is told each background action's name
	// once its result is on screen.
	settled func(action string)

	// Only touched on the UI goroutine.
	sessions []app.SessionSummary
	pick     *widget.Select
	format   *widget.RadioGroup
	progress *widget.ProgressBar
	status   *widget.Label
	export   *widget.Button
	cancel   *widget.Button
	busy     bool
	content  fyne.CanvasObject
}

// formatLabels are the format choices as shown.
var formatLabels = map[report.Format]string{report.PDF: "PDF", report.HTML: "HTML", report.CSV: "CSV", report.JSON: "JSON"}

func newExportDialog(ctx context.Context, ctrl *app.Controller, w fyne.Window, id int64, feedName string) *exportDialog {
	e := &exportDialog{ctx: ctx, ctrl: ctrl, w: w}
	e.pick = widget.NewSelect(nil, func(string) { e.status.SetText("") })
	e.pick.PlaceHolder = "Reading the recordings…"
	var labels []string
	for _, f := range report.Formats {
		labels = append(labels, formatLabels[f])
	}
	e.format = widget.NewRadioGroup(labels, nil)
	e.format.Horizontal = true
	e.format.Required = true
	last := report.PDF
	if a := fyne.CurrentApp(); a != nil {
		if f, err := report.ParseFormat(a.Preferences().StringWithFallback(prefReportFormat, "pdf")); err == nil {
			last = f
		}
	}
	e.format.SetSelected(formatLabels[last])
	e.progress = widget.NewProgressBar()
	e.progress.Hide()
	e.status = widget.NewLabel("")
	e.status.Wrapping = fyne.TextWrapWord
	e.export = widget.NewButton("Export…", e.chooseFile)
	e.export.Importance = widget.HighImportance
	e.export.Disable()
	e.cancel = widget.NewButton("Close", func() {
		if e.close != nil {
			e.close()
		}
	})
	form := widget.NewForm(
		widget.NewFormItem("Session", e.pick),
		widget.NewFormItem("Format", e.format),
	)
	e.content = container.NewBorder(nil, container.NewHBox(e.cancel, e.export), nil, nil,
		container.NewVBox(form, e.progress, e.status))
	e.load(id, feedName)
	return e
}

// sessionLabel is one session as listed in the picker.
func sessionLabel(s app.SessionSummary) string {
	state := ""
	switch {
	case s.Recording:
		state = "  (recording now)"
	case s.Interrupted:
		state = "  (interrupted)"
	}
	return fmt.Sprintf("#%d  %s  ·  %s  ·  %s%s", s.ID, s.Name, s.Started.Local().Format("2006-01-02 15:04"), formatDuration(s.Duration()), state)
}

// formatDuration shows a duration to the second ("1h02m05s", "45s").
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	return d.Round(time.Second).String()
}

// load lists the recordings and chooses id, else the newest of feedName,
// else the newest of all.
func (e *exportDialog) load(id int64, feedName string) {
	async(func() ([]app.SessionSummary, error) { return e.ctrl.Sessions(e.ctx) }, func(ss []app.SessionSummary, err error) {
		defer e.settle("load")
		if err != nil {
			e.fail(err)
			return
		}
		e.sessions = ss
		labels := make([]string, len(ss))
		at := -1
		for i, s := range ss {
			labels[i] = sessionLabel(s)
			if id != 0 && s.ID == id {
				at = i
			}
		}
		if at < 0 && feedName != "" {
			for i, s := range ss { // newest first
				if s.Name == feedName {
					at = i
					break
				}
			}
		}
		if at < 0 && len(ss) > 0 {
			at = 0
		}
		e.pick.SetOptions(labels)
		if at < 0 {
			e.pick.PlaceHolder = "No recorded sessions yet"
			e.pick.Refresh()
			e.status.SetText("Every session is recorded while it runs: start a feed, then export its report here.")
			return
		}
		e.pick.SetSelectedIndex(at)
		e.export.Enable()
	})
}

func (e *exportDialog) settle(action string) {
	if e.settled != nil {
		e.settled(action)
	}
}

func (e *exportDialog) fail(err error) {
	e.status.Importance = widget.DangerImportance
	e.status.SetText(errorText(err))
}

// chosen returns the picked session and format.
func (e *exportDialog) chosen() (app.SessionSummary, report.Format, bool) {
	i := e.pick.SelectedIndex()
	if i < 0 || i >= len(e.sessions) {
		return app.SessionSummary{}, "", false
	}
	f, err := report.ParseFormat(e.format.Selected)
	if err != nil {
		f = report.PDF
	}
	return e.sessions[i], f, true
}

// chooseFile asks where to save, suggesting "<feed>-<date>.<format>".
func (e *exportDialog) chooseFile() {
	s, f, ok := e.chosen()
	if !ok {
		return
	}
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		path := ""
		if wc != nil && wc.URI() != nil {
			path = wc.URI().Path()
		}
		if err != nil {
			// The dialog could not create the file (read-only folder...).
			e.fail(app.SaveError(path, err))
			return
		}
		if wc == nil {
			return // cancelled
		}
		// The dialog created the file; the report replaces it atomically,
		// so closing the empty file loses nothing, whatever it returns.
		_ = wc.Close()
		e.exportTo(path)
	}, e.w)
	d.SetFileName(app.ReportFileName(s.Name, s.Started, f))
	d.SetFilter(storage.NewExtensionFileFilter([]string{"." + string(f)}))
	showFileDialog(d)
}

// fileDialogSize is the size of the file dialogs (Fyne's default is small).
var fileDialogSize = fyne.NewSize(860, 560)

// showFileDialog shows d at fileDialogSize. FileDialog.Resize only works
// on a Fyne-drawn dialog that is already shown: before Show, or where the
// system's chooser is used (mobile, web, Flatpak portal), it dereferences
// nil, so those keep the system's size.
func showFileDialog(d *dialog.FileDialog) {
	d.Show()
	if !fyne.CurrentDevice().IsMobile() && runtime.GOOS != "js" && runtime.GOOS != "wasip1" && os.Getenv("FLATPAK_ID") == "" {
		d.Resize(fileDialogSize)
	}
}

// exportTo writes the chosen session's report to path with a progress bar.
func (e *exportDialog) exportTo(path string) {
	s, f, ok := e.chosen()
	if !ok || e.busy {
		return
	}
	if a := fyne.CurrentApp(); a != nil {
		a.Preferences().SetString(prefReportFormat, string(f))
	}
	e.busy = true
	e.export.Disable()
	e.progress.SetValue(0)
	e.progress.Show()
	e.status.Importance = widget.MediumImportance
	e.status.SetText(fmt.Sprintf("Writing the %s report of %q…", formatLabels[f], s.Name))
	prog := newThrottledProgress(e.progress)
	async(func() (int64, error) {
		return e.ctrl.ExportSession(e.ctx, s.ID, path, f, prog.set)
	}, func(size int64, err error) {
		prog.stop()
		e.busy = false
		e.export.Enable()
		if err != nil {
			e.progress.Hide()
			e.fail(err)
		} else {
			e.progress.SetValue(1)
			e.status.Importance = widget.SuccessImportance
			e.status.SetText(fmt.Sprintf("Saved %s (%s).", path, formatSize(size)))
		}
		e.settle("export")
	})
}

// formatSize shows a byte count in kB or MB.
func formatSize(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// throttledProgress hands an exporter's progress to a progress bar at most
// every 100 ms and only when it moved by 1 % or more.
type throttledProgress struct {
	bar     *widget.ProgressBar
	mu      sync.Mutex
	last    float64
	lastAt  time.Time
	stopped bool
}

func newThrottledProgress(bar *widget.ProgressBar) *throttledProgress {
	return &throttledProgress{bar: bar}
}

func (p *throttledProgress) set(frac float64) {
	p.mu.Lock()
	if p.stopped || (frac-p.last < 0.01 && frac < 1) || time.Since(p.lastAt) < 100*time.Millisecond && frac < 1 {
		p.mu.Unlock()
		return
	}
	p.last, p.lastAt = frac, time.Now()
	p.mu.Unlock()
	uiDo(func() {
		p.mu.Lock()
		stopped := p.stopped
		p.mu.Unlock()
		if !stopped {
			p.bar.SetValue(frac)
		}
	})
}

// stop ignores later updates; call it on the UI goroutine.
func (p *throttledProgress) stop() {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
}
