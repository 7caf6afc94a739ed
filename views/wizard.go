package views

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/wizard"
)

// wizardRedrawEvery throttles the dialog's redraws while a step soaks.
const wizardRedrawEvery = 250 * time.Millisecond

// wizardColumns are the per-step table's headers.
var wizardColumns = []string{"Step", "Latency", "Lost", "Recovered", "Retransmitted", "Dropped", "RTT", "Mbit/s", "Result"}

// wizardState is where the dialog stands.
type wizardState int

const (
	wizardSetup wizardState = iota
	wizardRunning
	wizardFinished
)

// wizardDialog is the latency wizard of one feed: settings, then progress
// with a per-step table, then the recommendation with Apply and Save as
// preset. The wizard itself runs in app (Controller.RunWizard).
type wizardDialog struct {
	ctx    context.Context // the window's: a run ends when the window quits
	ctrl   *app.Controller
	w      fyne.Window
	id     app.FeedID
	name   string
	origMs int
	// run runs the wizard; Controller.RunWizard unless a test replaces it.
	run func(ctx context.Context, cfg wizard.Config, progress func(wizard.Progress)) (wizard.Result, error)

	intro     *widget.Label
	settings  *fyne.Container // intro, form, estimate: shown before a run
	summary   *widget.Label   // the settings in one line, during and after a run
	steps     *field
	duration  *field
	stopFail  *widget.Check
	estimate  *widget.Label
	problem   *widget.Label
	bar       *widget.ProgressBar
	phase     *widget.Label
	guidance  *widget.Label
	table     *widget.Table
	notes     *widget.Label
	recommend *widget.Label
	reason    *widget.Label
	outcome   *widget.Label

	startBtn, cancelBtn, applyBtn, presetBtn, backBtn, closeBtn *widget.Button
	content                                                     fyne.CanvasObject
	dlg                                                         dialog.Dialog

	// UI goroutine only.
	state  wizardState
	cancel context.CancelFunc
	result wizard.Result
	cfg    wizard.Config
	shown  int // table rows drawn

	// Filled by the wizard's goroutine, read by draw.
	prog steppedRun[wizard.Progress, wizard.StepResult] // baseline (Multiplier 0) first

	// busy counts the dialog's goroutines (the run, Apply, Save as
	// preset) until their result is shown; tests wait on it.
	busy sync.WaitGroup
}

// tuneLatency opens the latency wizard on the selected feed.
func (ui *mainUI) tuneLatency() {
	if ui.selected == 0 {
		showInformation("Tune latency", "Select a feed on the left first: the wizard tunes one connected feed.", ui.w)
		return
	}
	d := newWizardDialog(ui.ctx, ui.ctrl, ui.w, ui.selected)
	d.show()
}

func newWizardDialog(ctx context.Context, ctrl *app.Controller, w fyne.Window, id app.FeedID) *wizardDialog {
	v, _ := ctrl.Feed(id)
	d := &wizardDialog{ctx: ctx, ctrl: ctrl, w: w, id: id, name: v.Spec.Name, origMs: v.Spec.Config.LatencyMs}
	if d.origMs == 0 {
		d.origMs = wizard.DefaultLatencyMs
	}
	d.run = func(ctx context.Context, cfg wizard.Config, progress func(wizard.Progress)) (wizard.Result, error) {
		return ctrl.RunWizard(ctx, id, cfg, progress)
	}
	d.build(v)
	return d
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

func (d *wizardDialog) build(v app.FeedView) {
	listener := ""
	if v.Spec.Config.Mode == "listener" {
		listener = " The remote caller must call again by itself after each step."
	}
	d.intro = wrapped(fmt.Sprintf("The wizard measures the path at the current latency (%d ms), then reconnects %q at each step's latency and measures lost, recovered and dropped packets. "+
		"Each step interrupts the feed briefly: run this before going on air.%s Cancel at any time: the feed goes back to %d ms.", d.origMs, d.name, listener, d.origMs))
	d.steps = newField()
	d.steps.SetText(wizard.DefaultMultipliersInput)
	d.duration = newField()
	d.duration.SetText(wizard.DefaultStepDuration.String())
	d.stopFail = widget.NewCheck("Stop the wizard when a step never connects (otherwise mark it failed and go on)", nil)
	d.estimate = widget.NewLabel("")
	d.problem = wrapped("")
	d.problem.Importance = widget.DangerImportance
	d.steps.OnChanged = func(string) { d.validate() }
	d.duration.OnChanged = func(string) { d.validate() }

	d.bar = widget.NewProgressBar()
	d.phase = wrapped("")
	d.guidance = wrapped("")
	d.table = widget.NewTable(
		func() (int, int) { return d.shown, len(wizardColumns) },
		func() fyne.CanvasObject { return widget.NewLabel("") },
		func(id widget.TableCellID, o fyne.CanvasObject) { o.(*widget.Label).SetText(d.cell(id.Row, id.Col)) },
	)
	d.table.ShowHeaderRow = true
	d.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	d.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(wizardColumns) {
			o.(*widget.Label).SetText(wizardColumns[id.Col])
		}
	}
	for i, wdt := range []float32{80, 110, 60, 90, 120, 80, 80, 70, 140} {
		d.table.SetColumnWidth(i, wdt)
	}
	d.notes = wrapped("")
	d.recommend = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.reason = wrapped("")
	d.outcome = wrapped("")

	d.startBtn = widget.NewButton("Start", d.start)
	d.startBtn.Importance = widget.HighImportance
	d.cancelBtn = widget.NewButton("Cancel", d.cancelRun)
	d.applyBtn = widget.NewButton("Apply", d.apply)
	d.applyBtn.Importance = widget.HighImportance
	d.presetBtn = widget.NewButton("Save as preset…", d.savePreset)
	d.backBtn = widget.NewButton("Change settings", func() { d.setState(wizardSetup) })
	d.closeBtn = widget.NewButton("Close", func() {
		if d.dlg != nil {
			d.dlg.Hide()
		}
	})

	form := widget.NewForm(
		widget.NewFormItem("Steps (× RTT)", d.steps),
		widget.NewFormItem("Step duration", d.duration),
		widget.NewFormItem("", d.stopFail),
	)
	d.summary = wrapped("")
	d.settings = container.NewVBox(d.intro, form, d.estimate)
	top := container.NewVBox(d.settings, d.summary, d.problem, d.bar, d.phase, d.guidance)
	bottom := container.NewVBox(d.notes, d.recommend, d.reason, d.outcome,
		container.NewHBox(d.startBtn, d.cancelBtn, d.applyBtn, d.presetBtn, d.backBtn, d.closeBtn))
	d.content = container.NewBorder(top, bottom, nil, nil, d.table)
	d.setState(wizardSetup)
	d.validate()
	if !v.Running || v.ConnectedSince.IsZero() {
		setLabel(d.phase, fmt.Sprintf("%q is not connected: start it and wait until the peer is connected, then start the wizard.", d.name))
	}
}

func (d *wizardDialog) show() {
	d.dlg = dialog.NewCustomWithoutButtons("Tune latency: "+d.name, d.content, d.w)
	d.dlg.Resize(dialogSize(d.w, fyne.NewSize(900, 720)))
	// Esc while a run is on cancels it (the feed gets its latency back);
	// otherwise it closes, as Close does.
	showDialogEsc(d.dlg, d.w, d.steps, func() {
		if d.state == wizardRunning {
			d.cancelRun()
			return
		}
		d.dlg.Hide()
	})
}

// setState shows the widgets of one state (UI goroutine).
func (d *wizardDialog) setState(s wizardState) {
	d.state = s
	show := func(o fyne.CanvasObject, on bool) {
		if on {
			o.Show()
		} else {
			o.Hide()
		}
	}
	editable := s != wizardRunning
	for _, e := range []*field{d.steps, d.duration} {
		if editable {
			e.Enable()
		} else {
			e.Disable()
		}
	}
	if editable {
		d.stopFail.Enable()
	} else {
		d.stopFail.Disable()
	}
	show(d.settings, s == wizardSetup)
	show(d.summary, s != wizardSetup)
	show(d.startBtn, s == wizardSetup)
	show(d.backBtn, s == wizardFinished)
	show(d.cancelBtn, s == wizardRunning)
	d.cancelBtn.Enable()
	d.cancelBtn.SetText("Cancel")
	done := s == wizardFinished && d.result.Recommended != nil
	show(d.applyBtn, done)
	show(d.presetBtn, done)
	d.applyBtn.Enable()
	d.presetBtn.Enable()
	show(d.closeBtn, s != wizardRunning)
	show(d.bar, s != wizardSetup)
	show(d.table, s != wizardSetup)
	if s == wizardSetup {
		for _, l := range []*widget.Label{d.guidance, d.notes, d.recommend, d.reason, d.outcome} {
			setLabel(l, "")
		}
		if d.result.Status != "" {
			setLabel(d.phase, "")
		}
	}
}

// setLabel sets a label's text and hides it while it is empty, so empty
// lines take no room.
func setLabel(l *widget.Label, text string) {
	l.SetText(text)
	if text == "" {
		l.Hide()
	} else {
		l.Show()
	}
}

// fieldProblem is a bad setting: the field, the value typed and what is
// allowed.
func fieldProblem(field, value, allowed string) error {
	return fmt.Errorf("%s %q: allowed %s", field, value, allowed)
}

// config reads the settings; the error names the field, the value and
// what is allowed.
func (d *wizardDialog) config() (wizard.Config, error) {
	mults, err := wizard.ParseMultipliers(d.steps.Text)
	if err != nil {
		var ce *wizard.ConfigError
		if errors.As(err, &ce) {
			return wizard.Config{}, fieldProblem("Steps", d.steps.Text, ce.Allowed)
		}
		return wizard.Config{}, err
	}
	text := strings.TrimSpace(d.duration.Text)
	dur, err := time.ParseDuration(text)
	if n, nerr := strconv.ParseFloat(text, 64); nerr == nil { // plain seconds
		dur, err = time.Duration(n*float64(time.Second)), nil
	}
	if err != nil || dur < wizard.MinStepDuration || dur > wizard.MaxStepDuration {
		return wizard.Config{}, fieldProblem("Step duration", d.duration.Text, wizard.StepDurationRange+", e.g. 10s")
	}
	cfg := wizard.Config{OriginalLatencyMs: d.origMs, Multipliers: mults, StepDuration: dur, BaselineDuration: dur, StopOnFailedStep: d.stopFail.Checked}
	if err := cfg.Validate(); err != nil {
		return wizard.Config{}, err
	}
	return cfg, nil
}

// validate re-checks the settings as they are typed (UI goroutine).
func (d *wizardDialog) validate() bool {
	cfg, err := d.config()
	if err != nil {
		setLabel(d.problem, err.Error())
		setLabel(d.estimate, "")
		d.startBtn.Disable()
		return false
	}
	setLabel(d.problem, "")
	// Each step also takes a few seconds to reconnect.
	total := cfg.BaselineDuration + time.Duration(len(cfg.Multipliers))*(cfg.StepDuration+3*time.Second)
	setLabel(d.estimate, fmt.Sprintf("Baseline and %d steps: about %s in all.", len(cfg.Multipliers), total.Round(10*time.Second)))
	d.startBtn.Enable()
	return true
}

// start runs the wizard off the UI goroutine.
func (d *wizardDialog) start() {
	if d.state == wizardRunning || !d.validate() {
		return
	}
	cfg, _ := d.config()
	d.cfg = cfg
	d.prog.reset()
	d.result = wizard.Result{}
	d.shown = 0
	d.bar.SetValue(0)
	for _, l := range []*widget.Label{d.phase, d.guidance, d.notes, d.recommend, d.reason, d.outcome} {
		setLabel(l, "")
	}
	setLabel(d.summary, fmt.Sprintf("Steps %s × RTT, %s each, starting from %d ms.", joinSteps(cfg.Multipliers), cfg.StepDuration, d.origMs))
	setLabel(d.phase, "Starting: stopping the feed's own session…")
	d.table.Refresh()
	ctx, cancel := context.WithCancel(d.ctx)
	d.cancel = cancel
	d.setState(wizardRunning)
	d.busy.Add(1)
	go func() {
		defer d.busy.Done()
		res, err := d.run(ctx, cfg, d.onProgress)
		cancel()
		fyne.Do(func() { d.finish(res, err) })
	}()
}

// onProgress is called from the wizard's goroutine: it stores the update
// and asks for a redraw at most every wizardRedrawEvery while a step soaks
// (every step start and end is drawn).
func (d *wizardDialog) onProgress(p wizard.Progress) {
	step := p.Step
	if p.Action.Kind == wizard.ActionFinish {
		step = nil // the result's steps are set by finish
	}
	if d.prog.add(p, step, p.Tick) {
		fyne.Do(d.draw)
	}
}

// draw shows the latest progress (UI goroutine).
func (d *wizardDialog) draw() {
	p, n := d.prog.take()
	if d.state != wizardRunning {
		return
	}
	if p.Action.Kind != wizard.ActionFinish || p.Action.Phase == wizard.PhaseDone {
		d.bar.SetValue(p.Fraction) // a cancelled run does not jump to 100%
	}
	setLabel(d.phase, phaseWords(p))
	if p.Guidance != nil {
		setLabel(d.guidance, "Starting point from the SRT guide: "+p.Guidance.Reason)
	}
	if n != d.shown {
		d.shown = n
		d.table.Refresh()
		setLabel(d.notes, d.stepNotes())
	}
}

func joinSteps(ms []int) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = strconv.Itoa(m)
	}
	return strings.Join(parts, ", ")
}

// phaseWords says what the wizard is doing, for people.
func phaseWords(p wizard.Progress) string {
	a := p.Action
	elapsed := p.Elapsed.Round(time.Second)
	switch {
	case a.Kind == wizard.ActionFinish:
		return "Finishing: restarting the feed with its original settings…"
	case a.Phase == wizard.PhaseBaseline:
		return fmt.Sprintf("Measuring the path at the current latency, %d ms (baseline, %s)… %s elapsed", a.LatencyMs, a.Duration, elapsed)
	case p.Step != nil:
		return fmt.Sprintf("Step %d of %d measured (%d× RTT, %d ms)… %s elapsed", a.Step+1, a.Steps, a.Multiplier, a.LatencyMs, elapsed)
	}
	return fmt.Sprintf("Step %d of %d: reconnecting at %d ms (%d× RTT), then measuring for %s… %s elapsed", a.Step+1, a.Steps, a.LatencyMs, a.Multiplier, a.Duration, elapsed)
}

// cell is the text of one table cell; row 0 is the baseline.
func (d *wizardDialog) cell(row, col int) string {
	s, ok := d.prog.row(row)
	if !ok {
		return ""
	}
	if s.Failed && col >= 2 && col < len(wizardColumns)-1 {
		return "–"
	}
	switch col {
	case 0:
		if s.Multiplier == 0 {
			return "baseline"
		}
		return fmt.Sprintf("%d×", s.Multiplier)
	case 1:
		if n := s.NegotiatedLatencyMs; n > 0 && n != s.LatencyMs {
			return fmt.Sprintf("%d→%d ms", s.LatencyMs, n)
		}
		return fmt.Sprintf("%d ms", s.LatencyMs)
	case 2:
		return strconv.FormatUint(s.PktsLost, 10)
	case 3:
		return strconv.FormatUint(s.PktsRecovered, 10)
	case 4:
		return strconv.FormatUint(s.PktsRetrans, 10)
	case 5:
		return strconv.FormatUint(s.PktsDropped, 10)
	case 6:
		return fmt.Sprintf("%.1f ms", s.RTTMs)
	case 7:
		return fmt.Sprintf("%.2f", s.RecvMbps)
	case 8:
		switch {
		case s.Failed:
			return "FAILED"
		case !s.Clean:
			return "dropped packets"
		case s.BurstLoss:
			return "clean, burst loss"
		}
		return "clean"
	}
	return ""
}

// stepNotes lists why steps failed (the table only says FAILED) and
// says when the peer's latency overrode a step's.
func (d *wizardDialog) stepNotes() string {
	var b strings.Builder
	peer := 0
	for _, s := range d.prog.steps() {
		if s.Failed {
			fmt.Fprintf(&b, "%d ms failed: %s\n", s.LatencyMs, s.Error)
		}
		if s.NegotiatedLatencyMs > s.LatencyMs {
			peer = max(peer, s.NegotiatedLatencyMs)
		}
	}
	if peer > 0 {
		fmt.Fprintf(&b, "The peer asks for %d ms: SRT uses the larger of both sides' latency, so steps set lower ran at the negotiated value (after the arrow). To go below it, lower the latency on the peer too.", peer)
	}
	return strings.TrimSpace(b.String())
}

// cancelRun cancels the wizard; RunWizard restores the feed (UI goroutine).
func (d *wizardDialog) cancelRun() {
	if d.state != wizardRunning || d.cancel == nil {
		return
	}
	d.cancel()
	d.cancelBtn.Disable()
	d.cancelBtn.SetText("Cancelling…")
	setLabel(d.phase, fmt.Sprintf("Cancelling: restoring the original latency, %d ms…", d.origMs))
}

// finish shows how the wizard ended (UI goroutine).
func (d *wizardDialog) finish(res wizard.Result, err error) {
	d.result = res
	var rows []wizard.StepResult
	if res.Baseline != nil {
		rows = append(rows, *res.Baseline)
	}
	d.shown = d.prog.setSteps(append(rows, res.Steps...))
	d.table.Refresh()
	setLabel(d.notes, d.stepNotes())
	if res.Guidance != nil {
		setLabel(d.guidance, "Starting point from the SRT guide: "+res.Guidance.Reason)
	}
	if res.Status == "" && err != nil {
		// Refused before it started (not connected, bad setting).
		setLabel(d.phase, "")
		setLabel(d.problem, errorText(err))
		d.setState(wizardSetup)
		return
	}
	back := fmt.Sprintf("the feed is back at its original latency, %d ms.", d.origMs)
	if errors.Is(err, app.ErrNotRestarted) {
		back = "the feed was NOT restarted: see below."
	}
	switch {
	case res.Recommended != nil:
		d.bar.SetValue(1)
		setLabel(d.phase, "Done: "+back)
		r := res.Recommended
		setLabel(d.recommend, fmt.Sprintf("Recommended: %d ms (%d× RTT of %.1f ms)", r.LatencyMs, r.Multiplier, res.RTTMs))
		setLabel(d.reason, r.Reason)
	case res.Status == wizard.PhaseCancelled:
		setLabel(d.phase, "Cancelled: "+back)
	default:
		setLabel(d.phase, "The wizard stopped without a recommendation: "+back)
	}
	if err != nil && (!errors.Is(err, wizard.ErrCancelled) || errors.Is(err, app.ErrNotRestarted)) {
		setLabel(d.outcome, errorText(err))
	}
	d.setState(wizardFinished)
}

// apply sets the recommended latency on the feed and restarts it.
func (d *wizardDialog) apply() {
	r := d.result.Recommended
	if r == nil {
		return
	}
	ms := r.LatencyMs
	d.applyBtn.Disable()
	setLabel(d.outcome, fmt.Sprintf("Applying %d ms: the feed reconnects…", ms))
	d.busy.Add(1)
	go func() {
		defer d.busy.Done()
		err := d.ctrl.ApplyLatency(d.id, ms)
		fyne.Do(func() {
			if err != nil {
				d.applyBtn.Enable()
				setLabel(d.outcome, "Not applied: "+errorText(err))
				return
			}
			d.origMs = ms
			setLabel(d.outcome, fmt.Sprintf("Applied: %q now runs at %d ms.", d.name, ms))
		})
	}()
}

// savePreset asks for a name and stores the feed's settings with the
// recommended latency as a preset. The passphrase goes to the keychain
// when asked to remember it, never to the presets file.
func (d *wizardDialog) savePreset() {
	r := d.result.Recommended
	if r == nil {
		return
	}
	if err := d.ctrl.PresetsStatus(); err != nil {
		setLabel(d.outcome, "Cannot save a preset: "+errorText(err))
		return
	}
	v, ok := d.ctrl.Feed(d.id)
	if !ok {
		return
	}
	name := newField()
	name.SetText(fmt.Sprintf("%s, %d ms", v.Spec.Name, r.LatencyMs))
	items := []*widget.FormItem{widget.NewFormItem("Preset name", name)}
	remember := widget.NewCheck("Remember the passphrase in the system keychain", nil)
	if v.Spec.Config.Passphrase != "" {
		items = append(items, widget.NewFormItem("", remember))
	}
	form := dialog.NewForm("Save as preset", "Save", "Cancel", items, func(ok bool) {
		if ok {
			d.storePreset(name.Text, remember.Checked, v.Spec, r)
		}
	}, d.w)
	form.Resize(dialogSize(d.w, fyne.NewSize(560, 200)))
	showDialog(form, d.w, name)
}

// storePreset writes the preset off the UI goroutine (the keychain may
// take a while) and says how it went.
func (d *wizardDialog) storePreset(name string, remember bool, spec app.FeedSpec, r *wizard.Recommendation) {
	d.presetBtn.Disable()
	d.busy.Add(1)
	go func() {
		defer d.busy.Done()
		p := app.PresetFromSpec(name, spec)
		p.Latency = preset.Latency{Ms: r.LatencyMs}
		p.RememberPassphrase = remember
		p.Notes = fmt.Sprintf("Latency from the wizard on %s: %s", time.Now().Format("2006-01-02 15:04"), r.Reason)
		saved, err := d.ctrl.CreatePreset(p, spec.Config.Passphrase)
		fyne.Do(func() {
			d.presetBtn.Enable()
			if err != nil {
				setLabel(d.outcome, "Preset not saved: "+errorText(err))
				return
			}
			setLabel(d.outcome, fmt.Sprintf("Saved preset %q (%d ms, %s).", saved.Name, r.LatencyMs, saved.PassphraseNote()))
		})
	}()
}
