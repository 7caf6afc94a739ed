package views

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/session"
)

// lineTestColumns are the per-step table's headers.
var lineTestColumns = []string{"Step", "Mbit/s", "Loss", "Overhead", "RTT", "RTT max", "Dropped", "Result"}

// lineTestURLAllowed is the URL form the dialog accepts, in words.
const lineTestURLAllowed = "srt://host:port?mode=caller|listener&latency=MS"

// lineTestDialog is Tools > Line test…: the URL of a receiver and the
// rates, then progress with a per-step table, then the verdict in words.
// The test runs in app (Controller.RunLineTest): the window opens no
// sockets.
type lineTestDialog struct {
	ctx context.Context // the window's: a run ends when the window quits
	w   fyne.Window
	// run runs the test; Controller.RunLineTest unless a test replaces it.
	run func(ctx context.Context, url string, cfg linetest.Config, progress func(linetest.Progress)) (linetest.Result, error)

	url, rates, duration, latency *field
	settings                      *fyne.Container
	estimate, problem             *widget.Label
	bar                           *widget.ProgressBar
	phase, notes, verdict         *widget.Label
	table                         *widget.Table
	startBtn, cancelBtn, closeBtn *widget.Button
	content                       fyne.CanvasObject
	dlg                           dialog.Dialog

	// UI goroutine only.
	running bool
	cancel  context.CancelFunc
	shown   int

	// Filled by the test's goroutine, read by draw and cell.
	prog steppedRun[linetest.Progress, linetest.Step]

	// busy counts the run until its result is shown; tests wait on it.
	busy sync.WaitGroup
}

// lineTest opens Tools > Line test…, with the selected feed's URL as the
// default when the feed is a caller (its far end is then a listener the
// test can call); the passphrase is not copied onto the screen.
func (ui *mainUI) lineTest() {
	def := ""
	if v, ok := ui.ctrl.Feed(ui.selected); ok && ui.selected != 0 && v.Spec.Config.Mode == session.ModeCaller {
		c := v.Spec.Config
		c.Passphrase = ""
		def = c.URL(session.ToolLibSRT)
	}
	ctrl := ui.ctrl
	d := newLineTestDialog(ui.ctx, ui.w, def, ctrl.RunLineTest)
	d.show()
}

func newLineTestDialog(ctx context.Context, w fyne.Window, defURL string,
	run func(context.Context, string, linetest.Config, func(linetest.Progress)) (linetest.Result, error)) *lineTestDialog {
	d := &lineTestDialog{ctx: ctx, w: w, run: run}
	d.url = newField()
	d.url.SetPlaceHolder("srt://venue-uplink.example:9000?mode=caller")
	d.url.SetText(defURL)
	d.rates = newField()
	d.rates.SetText(joinRates(linetest.DefaultRates))
	d.duration = newField()
	d.duration.SetText(linetest.DefaultStepDuration.String())
	d.latency = newField()
	d.latency.SetPlaceHolder("the URL's, else " + strconv.Itoa(session.DefaultLatencyMs))
	for _, f := range []*field{d.url, d.rates, d.duration, d.latency} {
		f.OnChanged = func(string) { d.validate() }
	}
	d.estimate = wrapped("")
	d.problem = wrapped("")
	d.problem.Importance = widget.DangerImportance
	d.bar = widget.NewProgressBar()
	d.phase = wrapped("")
	d.notes = wrapped("")
	d.verdict = wrapped("")
	d.verdict.TextStyle = fyne.TextStyle{Bold: true}
	d.table = widget.NewTable(
		func() (int, int) { return d.shown, len(lineTestColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(d.cell(id.Row, id.Col)) },
	)
	d.table.ShowHeaderRow = true
	d.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	d.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(lineTestColumns) {
			o.(*widget.Label).SetText(lineTestColumns[id.Col])
		}
	}
	for i, wdt := range []float32{60, 80, 80, 100, 90, 90, 90, 110} {
		d.table.SetColumnWidth(i, wdt)
	}
	d.startBtn = widget.NewButton("Start", d.start)
	d.startBtn.Importance = widget.HighImportance
	d.cancelBtn = widget.NewButton("Cancel", d.cancelRun)
	d.closeBtn = widget.NewButton("Close", func() {
		if d.dlg != nil {
			d.dlg.Hide()
		}
	})
	intro := wrapped("Sends generated TS (no encoder needed) to an SRT receiver at stepped rates, one connection per step, until a step fails " +
		"(retransmission overhead above SRT's 25% default, or packets dropped), then tries rates between. " +
		"The far end: \"srtscope linetest --receive URL\" or srt-live-transmit. Loss and drops are the receiver's when it is srtscope, else the sender's. The feeds are not touched. " +
		"Add &passphrase=… to the URL if the far end needs one.")
	form := widget.NewForm(
		widget.NewFormItem("URL", d.url),
		widget.NewFormItem("Rates (Mbit/s)", d.rates),
		widget.NewFormItem("Step duration", d.duration),
		widget.NewFormItem("Latency (ms)", d.latency),
	)
	d.settings = container.NewVBox(intro, form, d.estimate)
	top := container.NewVBox(d.settings, d.problem, d.bar, d.phase)
	bottom := container.NewVBox(d.notes, d.verdict, container.NewHBox(d.startBtn, d.cancelBtn, d.closeBtn))
	d.content = container.NewBorder(top, bottom, nil, nil, d.table)
	d.setRunning(false)
	d.bar.Hide()
	d.table.Hide()
	d.validate()
	return d
}

func (d *lineTestDialog) show() {
	d.dlg = dialog.NewCustomWithoutButtons("Line test", d.content, d.w)
	d.dlg.Resize(dialogSize(d.w, fyne.NewSize(860, 640)))
	// Esc while a run is on cancels it; otherwise it closes, as Close does.
	showDialogEsc(d.dlg, d.w, d.url, func() {
		if d.running {
			d.cancelRun()
			return
		}
		d.dlg.Hide()
	})
}

// setRunning shows the buttons and fields of a run or of the settings (UI
// goroutine).
func (d *lineTestDialog) setRunning(on bool) {
	d.running = on
	for _, f := range []*field{d.url, d.rates, d.duration, d.latency} {
		if on {
			f.Disable()
		} else {
			f.Enable()
		}
	}
	if on {
		d.startBtn.Hide()
		d.closeBtn.Hide()
		d.cancelBtn.Show()
		d.cancelBtn.Enable()
		d.cancelBtn.SetText("Cancel")
		return
	}
	d.startBtn.Show()
	d.closeBtn.Show()
	d.cancelBtn.Hide()
}

// lineTestInput is what the fields say.
type lineTestInput struct {
	url string
	cfg linetest.Config
}

// config reads the fields; the error names the field, the value and what
// is allowed.
func (d *lineTestDialog) config() (lineTestInput, error) {
	raw := strings.TrimSpace(d.url.Text)
	if u, err := url.Parse(raw); err != nil || !strings.EqualFold(u.Scheme, "srt") {
		return lineTestInput{}, fieldProblem("URL", redactedInput(raw), lineTestURLAllowed)
	}
	if _, _, err := session.ParseURL(raw); err != nil {
		var fe *session.FieldError
		if errors.As(err, &fe) {
			return lineTestInput{}, fmt.Errorf("URL: %s", fe.Message())
		}
		return lineTestInput{}, fieldProblem("URL", redactedInput(raw), lineTestURLAllowed)
	}
	rates, err := linetest.ParseRates(d.rates.Text)
	if err != nil {
		return lineTestInput{}, err // worded by errorText
	}
	text := strings.TrimSpace(d.duration.Text)
	dur, err := time.ParseDuration(text)
	if n, nerr := strconv.ParseFloat(text, 64); nerr == nil { // plain seconds
		dur, err = time.Duration(n*float64(time.Second)), nil
	}
	if err != nil || dur < linetest.MinStepDuration || dur > linetest.MaxStepDuration {
		return lineTestInput{}, fieldProblem("Step duration", d.duration.Text, "1s to 10m, e.g. 20s")
	}
	lat := 0
	if t := strings.TrimSpace(d.latency.Text); t != "" {
		lat, err = strconv.Atoi(t)
		if err != nil || lat < 20 || lat > 8000 {
			return lineTestInput{}, fieldProblem("Latency", d.latency.Text, "20..8000 (ms), or empty for the URL's")
		}
	}
	return lineTestInput{url: raw, cfg: linetest.Config{Rates: rates, StepDuration: dur, LatencyMs: lat}}, nil
}

// redactedInput hides a passphrase typed into the URL in messages.
func redactedInput(raw string) string {
	head, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if k, _, ok := strings.Cut(p, "="); ok && strings.EqualFold(k, "passphrase") {
			parts[i] = k + "=…"
		}
	}
	return head + "?" + strings.Join(parts, "&")
}

// validate re-checks the fields as they are typed (UI goroutine).
func (d *lineTestDialog) validate() bool {
	in, err := d.config()
	if err != nil {
		setLabel(d.problem, errorText(err))
		setLabel(d.estimate, "")
		d.startBtn.Disable()
		return false
	}
	setLabel(d.problem, "")
	// Each step also takes a moment to connect and drain; a failed step
	// adds up to linetest.MaxRefineSteps steps between.
	n := len(in.cfg.Rates)
	total := time.Duration(n) * (in.cfg.StepDuration + 2*time.Second)
	setLabel(d.estimate, fmt.Sprintf("%d steps of %v: about %v, a little more when it refines between a rate that passed and one that failed.", n, in.cfg.StepDuration, total.Round(time.Second)))
	d.startBtn.Enable()
	return true
}

// start runs the test off the UI goroutine.
func (d *lineTestDialog) start() {
	if d.running || !d.validate() {
		return
	}
	in, _ := d.config()
	d.prog.reset()
	d.shown = 0
	d.bar.SetValue(0)
	d.bar.Show()
	d.table.Show()
	d.table.Refresh()
	setLabel(d.notes, "")
	setLabel(d.verdict, "")
	setLabel(d.phase, "Connecting for step 1…")
	d.settings.Hide()
	ctx, cancel := context.WithCancel(d.ctx)
	d.cancel = cancel
	d.setRunning(true)
	d.busy.Add(1)
	go func() {
		defer d.busy.Done()
		res, err := d.run(ctx, in.url, in.cfg, d.onProgress)
		cancel()
		fyne.Do(func() { d.finish(res, err) })
	}()
}

// onProgress is called from the test's goroutine: it keeps the update and
// asks for a redraw at most every wizardRedrawEvery while a step sends
// (every step's end is drawn).
func (d *lineTestDialog) onProgress(p linetest.Progress) {
	if d.prog.add(p, p.Step, p.Tick) {
		fyne.Do(d.draw)
	}
}

// draw shows the latest progress (UI goroutine).
func (d *lineTestDialog) draw() {
	p, n := d.prog.take()
	if !d.running {
		return
	}
	if p.Result == nil {
		d.bar.SetValue(p.Fraction)
	}
	if p.Message != "" {
		setLabel(d.phase, fmt.Sprintf("%s (%s elapsed)", p.Message, p.Elapsed.Round(time.Second)))
	}
	if n != d.shown {
		d.shown = n
		d.table.Refresh()
		setLabel(d.notes, d.failures())
	}
}

// cell is the text of one table cell.
func (d *lineTestDialog) cell(row, col int) string {
	s, ok := d.prog.row(row)
	if !ok {
		return ""
	}
	switch col {
	case 0:
		return strconv.Itoa(row + 1)
	case 1:
		return strconv.FormatFloat(s.Mbps, 'f', -1, 64)
	case 2:
		return fmt.Sprintf("%.2f%%", s.LossPct)
	case 3:
		return fmt.Sprintf("%.2f%%", s.OverheadPct)
	case 4:
		return fmt.Sprintf("%.1f ms", s.RTTMs)
	case 5:
		return fmt.Sprintf("%.1f ms", s.RTTMaxMs)
	case 6:
		if s.FiguresFrom == linetest.FromReceiver {
			return strconv.FormatUint(s.PktsDropped, 10) + " at receiver"
		}
		return strconv.FormatUint(s.PktsDropped, 10)
	case 7:
		if s.Passed() {
			return "carried"
		}
		return "FAILED"
	}
	return ""
}

// failures says why steps failed (the table only says FAILED).
func (d *lineTestDialog) failures() string {
	var lines []string
	for _, s := range d.prog.steps() {
		if f := s.Failure(); f != "" {
			lines = append(lines, fmt.Sprintf("%s Mbit/s failed: %s", strconv.FormatFloat(s.Mbps, 'f', -1, 64), f))
		}
	}
	return strings.Join(lines, "\n")
}

// cancelRun cancels the test (UI goroutine).
func (d *lineTestDialog) cancelRun() {
	if !d.running || d.cancel == nil {
		return
	}
	d.cancel()
	d.cancelBtn.Disable()
	d.cancelBtn.SetText("Cancelling…")
	setLabel(d.phase, "Cancelling: ending the step that is sending…")
}

// finish shows the verdict (UI goroutine).
func (d *lineTestDialog) finish(res linetest.Result, err error) {
	d.shown = d.prog.setSteps(res.Steps)
	d.table.Refresh()
	setLabel(d.notes, d.failures())
	d.setRunning(false)
	d.settings.Show()
	switch {
	case err == nil:
		d.bar.SetValue(1)
		setLabel(d.phase, "Done.")
	case errors.Is(err, linetest.ErrCancelled):
		setLabel(d.phase, "Cancelled: the verdict covers the steps that finished.")
	default:
		setLabel(d.phase, "The test stopped: "+errorText(err)+". Check the far end is listening (srtscope linetest --receive, or srt-live-transmit) and the URL's host, port, mode and passphrase.")
	}
	if res.Verdict != "" {
		setLabel(d.verdict, "Verdict: "+res.Verdict)
	}
}

func joinRates(r []float64) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strings.Join(parts, ",")
}
