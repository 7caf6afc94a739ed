package views

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/session"
)

// settledChan returns a settled hook and a function waiting for action.
// Until the test ends, work handed to the UI goroutine is queued and run by
// wait on the test goroutine, as the UI goroutine would.
func settledChan(t *testing.T) (func(string), func(string)) {
	ch := make(chan string, 16)
	queue := make(chan func(), 256)
	old := uiDo
	uiDo = func(f func()) { queue <- f }
	t.Cleanup(func() { uiDo = old })
	wait := func(want string) {
		t.Helper()
		timeout := time.After(15 * time.Second)
		for {
			select {
			case f := <-queue:
				f()
			case got := <-ch:
				if got != want {
					t.Fatalf("background action %q finished, want %q", got, want)
				}
				return
			case <-timeout:
				t.Fatalf("timed out waiting for %q to finish", want)
			}
		}
	}
	return func(a string) { ch <- a }, wait
}

// tapOverlayButton taps the button labelled text in the window's top
// overlay (a confirm dialog).
func tapOverlayButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog open to tap %q in", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the open dialog has no %q button", text)
}

// overlayText joins the visible labels of the top overlay.
func overlayText(w fyne.Window) string {
	top := w.Canvas().Overlays().Top()
	if top == nil {
		return ""
	}
	var s []string
	for _, o := range test.LaidOutObjects(top) {
		if l, ok := o.(*widget.Label); ok && l.Visible() {
			s = append(s, l.Text)
		}
	}
	return strings.Join(s, "|")
}

// presetsCtrl is a Controller whose preset store lives in dir ("" = a
// new temporary folder) with kc for passphrases.
func presetsCtrl(t *testing.T, dir string, kc preset.Keychain) *app.Controller {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	c, err := app.Open(t.Context(), app.ControllerOptions{Stores: app.StoreOptions{Presets: true, ConfigDir: dir, Keychain: kc}})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.PresetsStatus(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// presetNamed is the Controller's preset called name.
func presetNamed(c *app.Controller, name string) (preset.Preset, error) {
	for _, p := range c.Presets() {
		if p.Name == name {
			return p, nil
		}
	}
	return preset.Preset{}, preset.ErrNotFound
}

func itemNames(m *presetManager) []string {
	var n []string
	for _, p := range m.items {
		n = append(n, p.Name)
	}
	return n
}

func TestPresetManagerCreateRenameDuplicateDelete(t *testing.T) {
	test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 800))
	kc := &preset.MemoryKeychain{}
	dir := t.TempDir()
	ctrl := presetsCtrl(t, dir, kc)
	cfg := session.Config{Mode: session.ModeCaller, Host: "192.0.2.7", Port: 9001, LatencyMs: 300, Passphrase: "correct horse battery", PBKeyLen: 24}
	id, err := ctrl.Add(app.FeedSpec{Name: "Stage left", Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	var applied []preset.Applied
	m := newPresetManager(ctrl, w, func() (app.FeedView, bool) { return ctrl.Feed(id) }, func(a preset.Applied) { applied = append(applied, a) })
	m.settled = settled
	w.SetContent(m.content)

	// Create from the selected feed, as 4x RTT.
	test.Tap(m.buttons[pmFromFeed])
	if m.editor == nil || m.editor.name.Text != "Stage left" || m.editor.host.Text != "192.0.2.7" || m.editor.passphrase.Text != cfg.Passphrase {
		t.Fatal("the editor is not filled from the selected feed")
	}
	m.editor.name.SetText("Stadium")
	m.editor.latency.SetText("4x RTT")
	m.editor.pidBands.SetText("256: 2-8, 257: 0.1-")
	test.Tap(m.editorSave)
	wait("create")
	p, err := presetNamed(ctrl, "Stadium")
	if err != nil {
		t.Fatalf("preset not stored: %v (editor says %q)", err, m.editor.problem.Text)
	}
	if p.Latency.RTTMultiplier != 4 || p.Port != 9001 || p.KeyLength != 24 || p.Passphrase != preset.PassKeychain {
		t.Errorf("stored preset %+v: want 4x RTT, port 9001, 24-byte key, passphrase in the keychain", p)
	}
	if b := p.Alarms.PIDBands; len(b) != 2 || b[0] != (preset.PIDBand{PID: 256, MinMbps: 2, MaxMbps: 8}) || b[1] != (preset.PIDBand{PID: 257, MinMbps: 0.1}) {
		t.Errorf("stored PID bands %+v; want 256: 2-8 and 257: 0.1-", b)
	}
	if !strings.Contains(m.status.Text, "keychain") {
		t.Errorf("status %q should say where the passphrase is", m.status.Text)
	}
	data, _ := os.ReadFile(filepath.Join(dir, preset.FileName))
	if strings.Contains(string(data), cfg.Passphrase) {
		t.Fatal("the passphrase was written to the presets file")
	}

	// A bad field keeps the editor open and names the value.
	test.Tap(m.buttons[pmNew])
	m.editor.name.SetText("Broken")
	m.editor.port.SetText("70000")
	test.Tap(m.editorSave) // checked at once, nothing stored
	if !strings.Contains(m.editor.problem.Text, "70000") {
		t.Errorf("a bad port says %q, want the value named", m.editor.problem.Text)
	}
	m.editor.port.SetText("9002")
	m.editor.pidBands.SetText("256: 8-2")
	test.Tap(m.editorSave)
	if got := m.editor.problem.Text; !strings.Contains(got, "PID bitrate band 256: 8-2") || !strings.Contains(got, "above the minimum") {
		t.Errorf("a bad PID band says %q, want the band named and what is allowed", got)
	}
	tapOverlayButton(t, w, "Cancel")

	m.doRename("Stadium", "Stadium 4G")
	wait("rename")
	if got := itemNames(m); len(got) != 1 || got[0] != "Stadium 4G" {
		t.Fatalf("after rename the list is %q", got)
	}
	test.Tap(m.buttons[pmDuplicate])
	wait("duplicate")
	if got := itemNames(m); len(got) != 2 || got[1] != "Stadium 4G copy" {
		t.Fatalf("after duplicate the list is %q", got)
	}
	if p, _ := presetNamed(ctrl, "Stadium 4G copy"); p.Passphrase != preset.PassKeychain {
		t.Errorf("the copy's passphrase is %q, want it copied in the keychain", p.Passphrase)
	}

	// Delete asks first.
	m.list.Select(1)
	test.Tap(m.buttons[pmDelete])
	if !strings.Contains(overlayText(w), "Stadium 4G copy") {
		t.Fatalf("delete asked %q, want the preset named", overlayText(w))
	}
	tapOverlayButton(t, w, "Yes")
	wait("delete")
	if got := itemNames(m); len(got) != 1 {
		t.Fatalf("after delete the list is %q", got)
	}

	// Apply to a new session: the form is filled, 4x RTT waits for an RTT.
	m.list.Select(0)
	test.Tap(m.buttons[pmApplyNew])
	wait("apply-new")
	if len(applied) != 1 {
		t.Fatal("apply to a new session did not open the form")
	}
	f := newSessionForm()
	test.NewTempWindow(t, f.content())
	f.fillFromPreset(applied[0])
	if f.host.Text != "192.0.2.7" || f.port.Text != "9001" || f.latency.Text != "120" || f.passphrase.Text != cfg.Passphrase || f.keyLen.Selected != "24" {
		t.Errorf("form filled with host %q port %q latency %q key %q", f.host.Text, f.port.Text, f.latency.Text, f.keyLen.Selected)
	}
	if !strings.Contains(f.pasteNote.Text, "RTT not measured yet") {
		t.Errorf("form note %q should say the RTT is not measured yet", f.pasteNote.Text)
	}

	// Export and import through a real file: no passphrase in it.
	path := filepath.Join(t.TempDir(), "presets.json")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	m.list.UnselectAll()
	m.exportTo(out, nil)
	wait("export")
	data, _ = os.ReadFile(path)
	if !strings.Contains(string(data), "Stadium 4G") || strings.Contains(string(data), cfg.Passphrase) {
		t.Fatalf("export %s: want the preset and no passphrase", data)
	}
	in, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	m.importFrom(in)
	wait("import")
	if got := itemNames(m); len(got) != 2 || !strings.Contains(m.status.Text, "Imported 1") {
		t.Errorf("after import the list is %q and the status %q", got, m.status.Text)
	}
}

func TestPresetWithoutKeychainSaysTypeIt(t *testing.T) {
	test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	ctrl := presetsCtrl(t, "", &preset.MemoryKeychain{Unavailable: true})

	// "Save as preset…" from the session form.
	f := newSessionForm()
	w.SetContent(f.content())
	f.mode.SetSelected("caller")
	f.host.SetText("192.0.2.9")
	f.passphrase.SetText("a long enough secret")
	var saved preset.Preset
	f.savePreset(ctrl, "Remote truck", "8x", true, func(p preset.Preset, err error) {
		if err != nil {
			t.Error(err)
		}
		saved = p
		settled("save-preset")
	})
	wait("save-preset")
	if saved.Passphrase != preset.PassTyped || !strings.Contains(saved.PassphraseNote(), "no keychain") {
		t.Errorf("without a keychain the preset says %q", saved.PassphraseNote())
	}

	var applied []preset.Applied
	m := newPresetManager(ctrl, w, func() (app.FeedView, bool) { return app.FeedView{}, false }, func(a preset.Applied) { applied = append(applied, a) })
	m.settled = settled
	w.SetContent(m.content)
	m.list.Select(0)
	if !strings.Contains(m.info.Text, "no keychain on this computer: type the passphrase each time") {
		t.Errorf("details %q should say the passphrase must be typed", m.info.Text)
	}
	if !m.buttons[pmApplyFeed].Disabled() {
		t.Error("apply to feed is enabled with no feed selected")
	}
	test.Tap(m.buttons[pmApplyNew])
	wait("apply-new")
	f2 := newSessionForm()
	test.NewTempWindow(t, f2.content())
	f2.fillFromPreset(applied[0])
	if f2.passphrase.Text != "" || !strings.Contains(f2.pasteNote.Text, "Type the passphrase") {
		t.Errorf("form passphrase %q, note %q: want it empty and a request to type it", f2.passphrase.Text, f2.pasteNote.Text)
	}
}

func TestCorruptPresetsFileIsShownAndAppGoesOn(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1000, 700))
	dir := t.TempDir()
	path := filepath.Join(dir, preset.FileName)
	if err := os.WriteFile(path, []byte("{\"format\":\"srtscope-presets\",\"presets\":[{\"name\": \"x\",,]}"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctrl := presetsCtrl(t, dir, &preset.MemoryKeychain{}) // a damaged file does not stop it
	ui := newMainUI(t.Context(), ctrl, w)
	w.SetContent(ui.content)
	ui.showPresetNotice()
	if msg := overlayText(w); !strings.Contains(msg, "damaged") || !strings.Contains(msg, "line 1") {
		t.Errorf("the window says %q, want the damaged file and where", msg)
	}
	m := newPresetManager(ctrl, w, func() (app.FeedView, bool) { return app.FeedView{}, false }, nil)
	if !m.notice.Visible() || !strings.Contains(m.notice.Text, ".corrupt") {
		t.Errorf("the manager's notice is %q, want where the bad file was kept", m.notice.Text)
	}
}

func TestApplyPresetToRunningFeedResolvesRTT(t *testing.T) {
	test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 800))
	ctrl := presetsCtrl(t, "", &preset.MemoryKeychain{})
	demo, err := app.StartDemo(ctrl) // a real loopback SRT link through the impairment relay
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(demo.Close)
	deadline := time.Now().Add(20 * time.Second)
	for {
		v, _ := ctrl.Feed(demo.FeedID)
		if app.MeasuredRTT(v) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the demo feed never measured an RTT: %+v", v.Sample)
		}
		<-time.After(100 * time.Millisecond)
	}
	m := newPresetManager(ctrl, w, func() (app.FeedView, bool) { return ctrl.Feed(demo.FeedID) }, nil)
	m.settled = settled
	w.SetContent(m.content)

	test.Tap(m.buttons[pmFromFeed])
	m.editor.name.SetText("Demo at 6x")
	m.editor.latency.SetText("6x RTT")
	test.Tap(m.editorSave)
	wait("create")

	test.Tap(m.buttons[pmApplyFeed])
	// The feed is running: the app asks before reconnecting it.
	wait("confirm")
	question := overlayText(w)
	if !strings.Contains(question, "reconnects") || !strings.Contains(question, "6× RTT of") {
		t.Fatalf("the question %q should say the feed reconnects and name the 6x RTT latency", question)
	}
	tapOverlayButton(t, w, "Yes")
	wait("apply-feed")
	// "Applied to …: latency N ms (6× RTT of R ms)".
	got := regexp.MustCompile(`latency (\d+) ms \(6× RTT of (\d+) ms`).FindStringSubmatch(m.status.Text)
	if got == nil {
		t.Fatalf("status %q does not say the resolved latency", m.status.Text)
	}
	n, _ := strconv.Atoi(got[1])
	rtt, _ := strconv.Atoi(got[2])
	if want := 6 * rtt; n < want-3 || n > want+3 {
		t.Errorf("latency %d ms for 6x an RTT of %d ms", n, rtt)
	}
	v, _ := ctrl.Feed(demo.FeedID)
	if v.Spec.Config.LatencyMs != n || !v.Running {
		t.Errorf("feed latency %d ms, running %v: want %d ms and restarted", v.Spec.Config.LatencyMs, v.Running, n)
	}
}
