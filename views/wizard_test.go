package views

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/wizard"
	"github.com/srtscope/srtscope/session"
)

// newTestWizard opens the dialog on a stopped feed of a real controller
// whose presets live in a temporary folder.
func newTestWizard(t *testing.T, cfg session.Config) (*wizardDialog, *app.Controller, app.FeedID) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1000, 760))
	ctrl, err := app.Open(t.Context(), app.ControllerOptions{Stores: app.StoreOptions{Presets: true, ConfigDir: t.TempDir(), Keychain: preset.SystemKeychain{Timeout: time.Second}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ctrl.Close)
	id, err := ctrl.Add(app.FeedSpec{Name: "Cam 1", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	d := newWizardDialog(t.Context(), ctrl, w, id)
	d.show()
	return d, ctrl, id
}

var wizardTestFeed = session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: 9000, LatencyMs: 200}

func TestWizardDialogValidation(t *testing.T) {
	d, _, _ := newTestWizard(t, wizardTestFeed)
	if !strings.Contains(d.intro.Text, "before going on air") || !strings.Contains(d.intro.Text, "interrupts the feed briefly") {
		t.Errorf("intro %q does not warn that each step interrupts the feed", d.intro.Text)
	}
	if !strings.Contains(d.phase.Text, "not connected") {
		t.Errorf("the dialog on a stopped feed says %q, want that it is not connected", d.phase.Text)
	}
	tests := []struct {
		steps, duration string
		want            []string // substrings of the message; nil = valid
	}{
		{"4,8,12,16,20", "10s", nil},
		{"4, 8", "2", nil},
		{"4,8", "10m", nil},
		{"", "10s", []string{"Steps", `""`, "allowed", "4,8,12,16,20"}},
		{"4,4", "10s", []string{"Steps", `"4,4"`, "increasing"}},
		{"8,4", "10s", []string{"Steps", `"8,4"`, "increasing"}},
		{"four", "10s", []string{"Steps", `"four"`, "whole numbers 1..100"}},
		{"4,500", "10s", []string{"Steps", `"4,500"`, "up to 100"}},
		{"4,8", "1s", []string{"Step duration", `"1s"`, "2s to 10m"}},
		{"4,8", "11m", []string{"Step duration", `"11m"`, "2s to 10m"}},
		{"4,8", "ten", []string{"Step duration", `"ten"`, "2s to 10m"}},
		{"4,8", "-5", []string{"Step duration", `"-5"`, "2s to 10m"}},
	}
	for _, tc := range tests {
		d.steps.SetText(tc.steps)
		d.duration.SetText(tc.duration)
		msg := d.problem.Text
		if tc.want == nil {
			if msg != "" || d.startBtn.Disabled() {
				t.Errorf("steps %q, duration %q: message %q, start disabled %v; want valid", tc.steps, tc.duration, msg, d.startBtn.Disabled())
			}
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("steps %q, duration %q: message %q lacks %q", tc.steps, tc.duration, msg, w)
			}
		}
		if !d.startBtn.Disabled() {
			t.Errorf("steps %q, duration %q: Start is enabled with a bad setting", tc.steps, tc.duration)
		}
	}
}

// TestWizardDialogRefusedWhenNotConnected uses the real Controller: the
// wizard says the feed is not connected and the dialog stays in its setup.
func TestWizardDialogRefusedWhenNotConnected(t *testing.T) {
	d, ctrl, id := newTestWizard(t, wizardTestFeed)
	d.steps.SetText("4,8")
	d.duration.SetText("2s")
	test.Tap(d.startBtn)
	d.busy.Wait()
	if d.state != wizardSetup || !strings.Contains(d.problem.Text, "not connected") || !strings.Contains(d.problem.Text, "Cam 1") {
		t.Errorf("after Start on a stopped feed: state %d, message %q; want the setup again and that Cam 1 is not connected", d.state, d.problem.Text)
	}
	if d.table.Visible() || !d.startBtn.Visible() || d.cancelBtn.Visible() {
		t.Error("the refused wizard shows its table or hides Start")
	}
	if v, _ := ctrl.Feed(id); v.Running || v.Tuning {
		t.Errorf("feed running %v tuning %v after the refusal", v.Running, v.Tuning)
	}
}

// fakeSteps is a wizard run at 40 ms RTT with steps 4x (drops) and 8x
// (clean), reported the way wizard.Run reports.
func fakeSteps() (progress []wizard.Progress, res wizard.Result) {
	base := wizard.StepResult{LatencyMs: 200, DurationS: 2, PktsRecv: 900, PktsLost: 9, PktsRecovered: 9, PktsRetrans: 10, RTTMs: 40.2, RecvMbps: 4.5, Clean: true}
	s4 := wizard.StepResult{Multiplier: 4, LatencyMs: 161, DurationS: 2, PktsRecv: 900, PktsLost: 60, PktsRecovered: 48, PktsRetrans: 50, PktsDropped: 12, RTTMs: 41, RecvMbps: 4.4, BurstLoss: true}
	s8 := wizard.StepResult{Multiplier: 8, LatencyMs: 322, DurationS: 2, PktsRecv: 900, PktsLost: 58, PktsRecovered: 58, PktsRetrans: 60, RTTMs: 40.5, RecvMbps: 4.5, Clean: true, BurstLoss: true}
	rec := &wizard.Recommendation{Multiplier: 8, LatencyMs: 322, Tested: true, Reason: "8x RTT (322 ms) is the smallest step that dropped no packets."}
	guide := &wizard.Recommendation{Multiplier: 3, LatencyMs: 121, Reason: "With 1.00% loss and 40 ms RTT the SRT deployment guide suggests 3x RTT (at least 60 ms): 121 ms."}
	baseA := wizard.Action{Kind: wizard.ActionMeasure, Phase: wizard.PhaseBaseline, Step: -1, LatencyMs: 200, Duration: 2 * time.Second}
	a4 := wizard.Action{Kind: wizard.ActionMeasure, Phase: wizard.PhaseStep, Step: 0, Steps: 2, Multiplier: 4, LatencyMs: 161, Duration: 2 * time.Second}
	a8 := wizard.Action{Kind: wizard.ActionMeasure, Phase: wizard.PhaseStep, Step: 1, Steps: 2, Multiplier: 8, LatencyMs: 322, Duration: 2 * time.Second}
	progress = []wizard.Progress{
		{Action: baseA, Fraction: 0},
		{Action: baseA, Fraction: 0.1, Tick: true},
		{Action: baseA, Fraction: 0.33, Step: &base, Guidance: guide},
		{Action: a4, Fraction: 0.33, Guidance: guide},
		{Action: a4, Fraction: 0.5, Tick: true, Guidance: guide},
		{Action: a4, Fraction: 0.66, Step: &s4, Guidance: guide},
		{Action: a8, Fraction: 0.66, Guidance: guide},
		{Action: a8, Fraction: 1, Step: &s8, Guidance: guide},
	}
	res = wizard.Result{RTTMs: 40.2, LossPct: 1, Baseline: &base, Steps: []wizard.StepResult{s4, s8}, Recommended: rec, Guidance: guide,
		Status: wizard.PhaseDone, OriginalLatencyMs: 200, BurstLoss: true}
	return progress, res
}

// TestWizardDialogProgressFillsTableAndApply feeds a fake progress
// sequence, checks the table fills as steps finish and the end shows the
// recommendation, then taps Apply, which sets the real controller's feed.
func TestWizardDialogProgressFillsTableAndApply(t *testing.T) {
	d, ctrl, id := newTestWizard(t, wizardTestFeed)
	progress, res := fakeSteps()
	mid := make(chan struct{})
	resume := make(chan struct{})
	var gotCfg wizard.Config
	d.run = func(_ context.Context, cfg wizard.Config, report func(wizard.Progress)) (wizard.Result, error) {
		gotCfg = cfg
		for i, p := range progress {
			report(p)
			if i == 5 { // the 4x step has ended
				mid <- struct{}{}
				<-resume
			}
		}
		report(wizard.Progress{Action: wizard.Action{Kind: wizard.ActionFinish, Phase: wizard.PhaseDone}, Fraction: 1})
		return res, nil
	}
	d.steps.SetText("4,8")
	d.duration.SetText("2s")
	test.Tap(d.startBtn)
	<-mid
	if d.state != wizardRunning || !d.cancelBtn.Visible() || d.startBtn.Visible() || !d.steps.Disabled() {
		t.Errorf("while running: state %d, cancel visible %v, start visible %v, steps editable %v", d.state, d.cancelBtn.Visible(), d.startBtn.Visible(), !d.steps.Disabled())
	}
	if d.shown != 2 || d.cell(0, 0) != "baseline" || d.cell(1, 0) != "4×" || d.cell(1, 1) != "161 ms" || d.cell(1, 5) != "12" || d.cell(1, 8) != "dropped packets" {
		t.Errorf("table after the 4x step: %d rows, row 1 %q %q dropped %q result %q", d.shown, d.cell(1, 0), d.cell(1, 1), d.cell(1, 5), d.cell(1, 8))
	}
	if d.bar.Value < 0.65 || !strings.Contains(d.phase.Text, "Step 1 of 2") || !strings.Contains(d.guidance.Text, "SRT deployment guide") {
		t.Errorf("progress %.2f, phase %q, guidance %q", d.bar.Value, d.phase.Text, d.guidance.Text)
	}
	close(resume)
	d.busy.Wait()

	if gotCfg.OriginalLatencyMs != 200 || len(gotCfg.Multipliers) != 2 || gotCfg.StepDuration != 2*time.Second {
		t.Errorf("the wizard got %+v, want steps 4,8 of 2 s from 200 ms", gotCfg)
	}
	row := []string{}
	for c := range wizardColumns {
		row = append(row, d.cell(2, c))
	}
	if want := "8×|322 ms|58|58|60|0|40.5 ms|4.50|clean, burst loss"; strings.Join(row, "|") != want {
		t.Errorf("8x row %q, want %q", strings.Join(row, "|"), want)
	}
	if !strings.Contains(d.recommend.Text, "322 ms") || !strings.Contains(d.reason.Text, "smallest step that dropped no packets") || !strings.Contains(d.phase.Text, "back at its original latency, 200 ms") {
		t.Errorf("end: recommend %q, reason %q, phase %q", d.recommend.Text, d.reason.Text, d.phase.Text)
	}
	if !d.applyBtn.Visible() || !d.presetBtn.Visible() || d.cancelBtn.Visible() {
		t.Error("the end does not offer Apply and Save as preset")
	}

	test.Tap(d.applyBtn)
	d.busy.Wait()
	if v, _ := ctrl.Feed(id); v.Spec.Config.LatencyMs != 322 {
		t.Errorf("after Apply the feed latency is %d ms, want 322", v.Spec.Config.LatencyMs)
	}
	if !strings.Contains(d.outcome.Text, "now runs at 322 ms") {
		t.Errorf("after Apply the dialog says %q", d.outcome.Text)
	}
}

// TestWizardDialogCancel: Cancel cancels the run's context and the end
// says the original latency is back; Apply is not offered.
func TestWizardDialogCancel(t *testing.T) {
	d, _, _ := newTestWizard(t, wizardTestFeed)
	progress, _ := fakeSteps()
	started, tapped := make(chan struct{}), make(chan struct{})
	d.run = func(ctx context.Context, _ wizard.Config, report func(wizard.Progress)) (wizard.Result, error) {
		report(progress[0])
		close(started)
		<-ctx.Done()
		<-tapped // the test driver runs fyne.Do at once: let the tap finish first
		report(wizard.Progress{Action: wizard.Action{Kind: wizard.ActionFinish, Phase: wizard.PhaseCancelled}, Fraction: 1})
		return wizard.Result{Status: wizard.PhaseCancelled, OriginalLatencyMs: 200, RestoreLatencyMs: 200}, wizard.ErrCancelled
	}
	d.duration.SetText("2s")
	test.Tap(d.startBtn)
	<-started
	test.Tap(d.cancelBtn)
	close(tapped)
	d.busy.Wait()
	if d.state != wizardFinished || !strings.Contains(d.phase.Text, "Cancelled") || !strings.Contains(d.phase.Text, "200 ms") || d.bar.Value >= 1 {
		t.Errorf("after cancel: state %d, phase %q, progress %.2f", d.state, d.phase.Text, d.bar.Value)
	}
	if d.applyBtn.Visible() || d.outcome.Text != "" || d.settings.Visible() || !d.backBtn.Visible() {
		t.Errorf("after cancel: Apply visible %v, outcome %q, settings visible %v, Change settings visible %v", d.applyBtn.Visible(), d.outcome.Text, d.settings.Visible(), d.backBtn.Visible())
	}
	test.Tap(d.backBtn)
	if d.state != wizardSetup || !d.settings.Visible() || !d.startBtn.Visible() || d.table.Visible() || d.steps.Disabled() {
		t.Errorf("Change settings: state %d, settings visible %v, Start visible %v, table visible %v", d.state, d.settings.Visible(), d.startBtn.Visible(), d.table.Visible())
	}
}

func TestWizardTableCells(t *testing.T) {
	d, _, _ := newTestWizard(t, wizardTestFeed)
	d.prog.setSteps([]wizard.StepResult{
		{LatencyMs: 200, PktsLost: 3, PktsRecovered: 3, PktsRetrans: 4, RTTMs: 31.04, RecvMbps: 0.6, Clean: true},
		{Multiplier: 4, LatencyMs: 124, NegotiatedLatencyMs: 200, PktsLost: 2, PktsRecovered: 2, PktsRetrans: 2, RTTMs: 31, RecvMbps: 0.6, Clean: true},
		{Multiplier: 8, LatencyMs: 248, Failed: true, Error: "no caller connected within 15s"},
	})
	tests := []struct {
		row  int
		want string
	}{
		{0, "baseline|200 ms|3|3|4|0|31.0 ms|0.60|clean"},
		{1, "4×|124→200 ms|2|2|2|0|31.0 ms|0.60|clean"},
		{2, "8×|248 ms|–|–|–|–|–|–|FAILED"},
	}
	for _, tc := range tests {
		var got []string
		for c := range wizardColumns {
			got = append(got, d.cell(tc.row, c))
		}
		if strings.Join(got, "|") != tc.want {
			t.Errorf("row %d: %q, want %q", tc.row, strings.Join(got, "|"), tc.want)
		}
	}
	notes := d.stepNotes()
	for _, want := range []string{"248 ms failed: no caller connected within 15s", "The peer asks for 200 ms"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
}

// TestWizardSaveAsPreset stores the recommended latency in a real preset
// file; the passphrase never reaches the file.
func TestWizardSaveAsPreset(t *testing.T) {
	const secret = "wizard-test-passphrase-123"
	cfg := wizardTestFeed
	cfg.Passphrase = secret
	d, ctrl, id := newTestWizard(t, cfg)
	path := ctrl.PresetsPath()
	_, res := fakeSteps()
	d.result = res
	v, _ := d.ctrl.Feed(id)
	d.storePreset("Stadium, 322 ms", false, v.Spec, res.Recommended)
	d.busy.Wait()
	p, err := presetNamed(ctrl, "Stadium, 322 ms")
	if err != nil {
		t.Fatalf("preset not saved: %v (dialog says %q)", err, d.outcome.Text)
	}
	if p.Latency.Ms != 322 || p.Mode != "listener" || p.Port != 9000 || !strings.Contains(p.Notes, "smallest step") || p.Passphrase != preset.PassTyped {
		t.Errorf("saved preset %+v", p)
	}
	data, err := os.ReadFile(path)
	if err != nil || strings.Contains(string(data), secret) {
		t.Errorf("presets file (%v) holds the passphrase in plain text", err)
	}
	if !strings.Contains(d.outcome.Text, "Saved preset") {
		t.Errorf("dialog says %q after saving", d.outcome.Text)
	}
	// The same name again is refused with a message, not overwritten.
	d.storePreset("Stadium, 322 ms", false, v.Spec, res.Recommended)
	d.busy.Wait()
	if !strings.Contains(d.outcome.Text, "already exists") {
		t.Errorf("saving a duplicate name says %q", d.outcome.Text)
	}
}

func TestTuneLatencyFromMenuAndDetail(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	ui := newMainUI(t.Context(), ctrl, w)
	w.SetContent(ui.content)
	found := false
	for _, m := range ui.menu().Items {
		for _, it := range m.Items {
			if strings.HasPrefix(it.Label, "Tune latency") {
				found = true
			}
		}
	}
	if !found {
		t.Error("no Tune latency… menu item")
	}
	if ui.detail.tuneButton == nil || ui.detail.onTune == nil {
		t.Error("the feed detail has no Tune latency… button wired to the wizard")
	}
}
