package views

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// newTestLineTest opens the dialog in a test window with run as its runner.
func newTestLineTest(t *testing.T, defURL string, run func(context.Context, string, linetest.Config, func(linetest.Progress)) (linetest.Result, error)) (*lineTestDialog, fyne.Window) {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1024, 700))
	d := newLineTestDialog(t.Context(), w, defURL, run)
	d.show()
	return d, w
}

// Every field is checked as it is typed, and the message names the field,
// the value and what is allowed; Start is off until all are right.
func TestLineTestDialogValidation(t *testing.T) {
	d, _ := newTestLineTest(t, "", nil)
	if !d.startBtn.Disabled() || !strings.Contains(d.problem.Text, "URL") {
		t.Errorf("with no URL: start disabled %v, problem %q", d.startBtn.Disabled(), d.problem.Text)
	}
	good := "srt://127.0.0.1:9000?mode=caller"
	tests := []struct {
		url, rates, duration, latency string
		want                          []string // substrings of the message; nil = valid
	}{
		{good, "2,4,8", "20s", "", nil},
		{good, "2, 4", "5", "200", nil},
		{"http://example.com", "2,4", "20s", "", []string{"URL", `"http://example.com"`, "srt://host:port"}},
		{"srt://127.0.0.1:99999?mode=caller", "2,4", "20s", "", []string{"URL", "port", "99999", "allowed"}},
		{"srt://h?passphrase=secret123&x", "2,4", "20s", "", []string{"URL"}},
		{good, "", "20s", "", []string{"Rates", `""`, "allowed", "0.1..1000"}},
		{good, "4,2", "20s", "", []string{"Rates", `"4,2"`, "does not increase"}},
		{good, "2,5000", "20s", "", []string{"Rates", "5000", "out of range"}},
		{good, "2,x", "20s", "", []string{"Rates", `"x" is not a number`}},
		{good, "2,4", "0.5s", "", []string{"Step duration", `"0.5s"`, "1s to 10m"}},
		{good, "2,4", "11m", "", []string{"Step duration", `"11m"`, "1s to 10m"}},
		{good, "2,4", "soon", "", []string{"Step duration", `"soon"`, "1s to 10m"}},
		{good, "2,4", "20s", "10", []string{"Latency", `"10"`, "20..8000"}},
		{good, "2,4", "20s", "fast", []string{"Latency", `"fast"`, "20..8000"}},
	}
	for _, tc := range tests {
		d.url.SetText(tc.url)
		d.rates.SetText(tc.rates)
		d.duration.SetText(tc.duration)
		d.latency.SetText(tc.latency)
		msg := d.problem.Text
		if tc.want == nil {
			if msg != "" || d.startBtn.Disabled() {
				t.Errorf("%q %q %q %q: message %q, start disabled %v; want valid", tc.url, tc.rates, tc.duration, tc.latency, msg, d.startBtn.Disabled())
			}
			continue
		}
		if !d.startBtn.Disabled() {
			t.Errorf("%q %q %q %q: start enabled", tc.url, tc.rates, tc.duration, tc.latency)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%q %q %q %q: message %q lacks %q", tc.url, tc.rates, tc.duration, tc.latency, msg, w)
			}
		}
		if strings.Contains(msg, "secret123") {
			t.Errorf("the message shows the passphrase: %q", msg)
		}
	}
}

// The dialog runs the line test through the controller to srtscope's own
// receiver on loopback, fills the per-step table and ends with the verdict.
func TestLineTestDialogRunsAgainstReceiver(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	rcfg, _, err := session.ParseURL(fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", port))
	if err != nil {
		t.Fatal(err)
	}
	stop := sessiontest.RunInBackground(t, "receiver", func(ctx context.Context) error {
		return linetest.Receive(ctx, rcfg, nil, nil)
	})
	defer func() {
		if err := stop(); err != nil {
			t.Error(err)
		}
	}()
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	d, _ := newTestLineTest(t, fmt.Sprintf("srt://127.0.0.1:%d?mode=caller", port), ctrl.RunLineTest)
	d.rates.SetText("2,4")
	d.duration.SetText("1s")
	d.latency.SetText("200")
	test.Tap(d.startBtn)
	d.busy.Wait()
	if d.running || d.shown != 2 {
		t.Fatalf("after the run: running %v, %d rows; phase %q", d.running, d.shown, d.phase.Text)
	}
	for row, want := range []string{"1|2", "2|4"} {
		if got := d.cell(row, 0) + "|" + d.cell(row, 1); got != want || d.cell(row, 7) != "carried" {
			t.Errorf("row %d: %q %q, want %q carried", row, got, d.cell(row, 7), want)
		}
	}
	if !strings.Contains(d.verdict.Text, "carries 4 Mbit/s") || !strings.Contains(d.verdict.Text, "200 ms") || d.phase.Text != "Done." || d.bar.Value != 1 {
		t.Errorf("verdict %q, phase %q, progress %.2f", d.verdict.Text, d.phase.Text, d.bar.Value)
	}
	if !d.startBtn.Visible() || d.cancelBtn.Visible() || d.url.Disabled() {
		t.Error("after the run the settings are not editable again")
	}
}

// Esc during a run cancels it; the end says so; Esc then closes.
func TestLineTestDialogEscCancels(t *testing.T) {
	started, pressed := make(chan struct{}), make(chan struct{})
	d, w := newTestLineTest(t, "srt://127.0.0.1:9000?mode=caller", func(ctx context.Context, _ string, _ linetest.Config, report func(linetest.Progress)) (linetest.Result, error) {
		report(linetest.Progress{StepNumber: 1, Mbps: 2, Message: "step 1: 2 Mbit/s"})
		close(started)
		<-ctx.Done()
		<-pressed // the test driver runs fyne.Do at once: let the key finish first
		return linetest.Result{Verdict: "the test was cancelled before any step finished"}, fmt.Errorf("%w after 0 steps", linetest.ErrCancelled)
	})
	test.Tap(d.startBtn)
	<-started
	if !d.running || !d.cancelBtn.Visible() || !d.url.Disabled() {
		t.Errorf("while running: running %v, cancel visible %v, URL editable %v", d.running, d.cancelBtn.Visible(), !d.url.Disabled())
	}
	esc := w.Canvas().OnTypedKey()
	esc(&fyne.KeyEvent{Name: fyne.KeyEscape})
	close(pressed)
	d.busy.Wait()
	if d.running || !strings.Contains(d.phase.Text, "Cancelled") || !strings.Contains(d.verdict.Text, "cancelled") {
		t.Errorf("after Esc: running %v, phase %q, verdict %q", d.running, d.phase.Text, d.verdict.Text)
	}
	if w.Canvas().Overlays().Top() == nil {
		t.Fatal("Esc during the run closed the dialog")
	}
	esc(&fyne.KeyEvent{Name: fyne.KeyEscape})
	if w.Canvas().Overlays().Top() != nil {
		t.Error("Esc after the run did not close the dialog")
	}
}

// Tools > Line test… is in the menu and takes the selected caller feed's
// URL, without its passphrase.
func TestLineTestFromToolsMenu(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	ctrl := app.NewController(t.Context(), app.ControllerOptions{})
	t.Cleanup(ctrl.Close)
	ui := newMainUI(t.Context(), ctrl, w)
	w.SetContent(ui.content)
	var item *fyne.MenuItem
	for _, m := range ui.menu().Items {
		for _, it := range m.Items {
			if m.Label == "Tools" && it.Label == "Line test…" {
				item = it
			}
		}
	}
	if item == nil {
		t.Fatal("no Tools > Line test… menu item")
	}
	id, err := ctrl.Add(app.FeedSpec{Name: "Venue", Config: session.Config{Mode: session.ModeCaller, Host: "192.0.2.9", Port: 9001, LatencyMs: 300, Passphrase: "secret-passphrase"}})
	if err != nil {
		t.Fatal(err)
	}
	ui.selected = id
	item.Action()
	var got string
	for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
		if f, ok := o.(*field); ok && strings.HasPrefix(f.Text, "srt://") {
			got = f.Text
		}
	}
	if !strings.HasPrefix(got, "srt://192.0.2.9:9001?mode=caller") || !strings.Contains(got, "latency=300") || strings.Contains(got, "secret") {
		t.Errorf("default URL %q", got)
	}
}
