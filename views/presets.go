package views

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/preset"
)

// uiDo runs f on the UI goroutine. Tests replace it to run the queued
// functions on the test goroutine, which is what the UI goroutine is there
// (Fyne's test driver would otherwise run them at once on the caller's).
var uiDo = fyne.Do

// async runs work off the UI goroutine (the keychain and the disk may be
// slow) and then done on it.
func async[T any](work func() (T, error), done func(T, error)) {
	go func() {
		v, err := work()
		uiDo(func() { done(v, err) })
	}()
}

// presetsProblem says why presets cannot be used, or "" when they can.
func presetsProblem(c *app.Controller) string {
	if err := c.PresetsStatus(); err != nil {
		return "Presets are not available: " + strings.TrimPrefix(errorText(err), "presets are not available: ")
	}
	return ""
}

// showPresetNotice tells the operator, in the window, that the presets file
// was damaged (the app started anyway with no presets) or cannot be used.
func (ui *mainUI) showPresetNotice() {
	msg := presetsProblem(ui.ctrl)
	if n := ui.ctrl.PresetNotice(); n != nil {
		msg = errorText(n)
	}
	if msg == "" {
		return
	}
	l := widget.NewLabel(msg)
	l.Wrapping = fyne.TextWrapWord
	d := dialog.NewCustom("Presets file problem", "OK", container.NewGridWrap(fyne.NewSize(520, 140), l), ui.w)
	showDialog(d, ui.w, nil)
}

// showPresets opens File > Presets….
func (ui *mainUI) showPresets() {
	if msg := presetsProblem(ui.ctrl); msg != "" {
		showInformation("Presets", msg, ui.w)
		return
	}
	m := newPresetManager(ui.ctrl, ui.w, func() (app.FeedView, bool) { return ui.ctrl.Feed(ui.selected) },
		func(a preset.Applied) { ui.newSessionFromPreset(a) })
	d := dialog.NewCustomWithoutButtons("Presets", m.content, ui.w)
	m.close = d.Hide
	d.Resize(dialogSize(ui.w, fyne.NewSize(900, 600)))
	showDialog(d, ui.w, nil)
}

// newSessionFromPreset opens the new-session form filled from a preset.
func (ui *mainUI) newSessionFromPreset(a preset.Applied) {
	showSessionFormWith(ui.ctrl, ui.w, sessionFormOptions{presets: ui.ctrl.PresetsStatus() == nil, applied: &a}, func(id app.FeedID) {
		ui.refresh()
		ui.list.selectID(id)
	})
}

// presetManager is the preset manager: a list of presets on the left, the
// selected one's details and the actions on the right.
type presetManager struct {
	ctrl    *app.Controller
	w       fyne.Window
	feed    func() (app.FeedView, bool) // the feed selected in the window
	newForm func(preset.Applied)        // opens the new-session form filled from a preset
	close   func()
	// settled, when set (tests), is told each background action's name
	// once its result is on screen.
	settled func(action string)

	// Only touched on the UI goroutine.
	items    []preset.Preset
	selected int // index into items, -1 for none
	list     *widget.List
	info     *widget.Label
	status   *widget.Label
	notice   *widget.Label
	buttons  map[string]*widget.Button
	content  fyne.CanvasObject
	// The open preset editor and its Save button (tests drive them).
	editor     *presetEditor
	editorSave *widget.Button
}

// Button names of the preset manager.
const (
	pmNew       = "New…"
	pmFromFeed  = "From selected feed…"
	pmEdit      = "Edit…"
	pmRename    = "Rename…"
	pmDuplicate = "Duplicate"
	pmDelete    = "Delete…"
	pmApplyNew  = "Apply to a new session…"
	pmApplyFeed = "Apply to selected feed"
	pmImport    = "Import…"
	pmExport    = "Export…"
	pmClose     = "Close"
)

func newPresetManager(ctrl *app.Controller, w fyne.Window, feed func() (app.FeedView, bool), newForm func(preset.Applied)) *presetManager {
	m := &presetManager{ctrl: ctrl, w: w, feed: feed, newForm: newForm, selected: -1, buttons: map[string]*widget.Button{}}
	m.info = widget.NewLabel("Select a preset, or create one from scratch or from the selected feed.")
	m.info.Wrapping = fyne.TextWrapWord
	m.status = widget.NewLabel("")
	m.status.Wrapping = fyne.TextWrapWord
	m.notice = widget.NewLabel("")
	m.notice.Wrapping = fyne.TextWrapWord
	m.notice.Importance = widget.DangerImportance
	if n := ctrl.PresetNotice(); n != nil {
		m.notice.SetText(errorText(n))
	} else {
		m.notice.Hide()
	}
	m.list = widget.NewList(
		func() int { return len(m.items) },
		func() fyne.CanvasObject { return widget.NewLabel("preset name placeholder") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(m.items) {
				p := m.items[i]
				o.(*widget.Label).SetText(p.Name + "  ·  " + p.Mode + " :" + strconv.Itoa(p.Port))
			}
		})
	m.list.OnSelected = func(i widget.ListItemID) {
		m.selected = i
		m.showSelected()
	}
	m.list.OnUnselected = func(widget.ListItemID) {
		m.selected = -1
		m.showSelected()
	}
	for name, fn := range map[string]func(){
		pmNew: func() { m.edit(preset.Preset{Mode: "listener", Port: 9000}, "", false) }, pmFromFeed: m.fromFeed,
		pmEdit: func() {
			if p, ok := m.current(); ok {
				m.edit(p, "", true)
			}
		},
		pmRename: m.rename, pmDuplicate: m.duplicate, pmDelete: m.remove, pmApplyNew: m.applyNew,
		pmApplyFeed: m.applyFeed, pmImport: m.importFile, pmExport: m.exportFile,
		pmClose: func() {
			if m.close != nil {
				m.close()
			}
		},
	} {
		m.buttons[name] = widget.NewButton(name, fn)
	}
	m.buttons[pmApplyFeed].Importance = widget.HighImportance
	actions := container.NewVBox(
		container.NewGridWithColumns(2, m.buttons[pmNew], m.buttons[pmFromFeed]),
		container.NewGridWithColumns(4, m.buttons[pmEdit], m.buttons[pmRename], m.buttons[pmDuplicate], m.buttons[pmDelete]),
		container.NewGridWithColumns(2, m.buttons[pmApplyNew], m.buttons[pmApplyFeed]),
		container.NewGridWithColumns(2, m.buttons[pmImport], m.buttons[pmExport]),
	)
	right := container.NewBorder(actions, container.NewVBox(m.status, container.NewHBox(m.buttons[pmClose])), nil, nil,
		container.NewVScroll(m.info))
	split := container.NewHSplit(m.list, right)
	split.Offset = 0.35
	m.content = container.NewBorder(m.notice, nil, nil, nil, split)
	m.reload("")
	return m
}

// reload re-reads the list and selects the preset called name (if any).
func (m *presetManager) reload(name string) {
	m.items = m.ctrl.Presets()
	m.list.UnselectAll()
	m.selected = -1
	m.list.Refresh()
	for i, p := range m.items {
		if strings.EqualFold(p.Name, name) {
			m.list.Select(i)
		}
	}
	m.showSelected()
}

func (m *presetManager) current() (preset.Preset, bool) {
	if m.selected < 0 || m.selected >= len(m.items) {
		return preset.Preset{}, false
	}
	return m.items[m.selected], true
}

// showSelected shows the selected preset and enables what applies to it.
func (m *presetManager) showSelected() {
	p, ok := m.current()
	for _, n := range []string{pmEdit, pmRename, pmDuplicate, pmDelete, pmApplyNew, pmApplyFeed} {
		if ok {
			m.buttons[n].Enable()
		} else {
			m.buttons[n].Disable()
		}
	}
	if _, feedOK := m.feed(); !feedOK {
		m.buttons[pmApplyFeed].Disable()
		m.buttons[pmFromFeed].Disable()
	} else {
		m.buttons[pmFromFeed].Enable()
	}
	if len(m.items) == 0 {
		m.buttons[pmExport].Disable()
	} else {
		m.buttons[pmExport].Enable()
	}
	if !ok {
		m.info.SetText("Select a preset, or create one from scratch or from the selected feed.")
		return
	}
	m.info.SetText(describePreset(p))
}

// describePreset lists a preset's settings in words.
func describePreset(p preset.Preset) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", p.Name)
	where := "listens on port " + strconv.Itoa(p.Port)
	if p.Host != "" && p.Mode == "caller" {
		where = "calls " + p.Host + ":" + strconv.Itoa(p.Port)
	} else if p.Host != "" {
		where = "listens on " + p.Host + ":" + strconv.Itoa(p.Port)
	}
	fmt.Fprintf(&b, "Mode: %s, %s\n", p.Mode, where)
	fmt.Fprintf(&b, "Latency: %s\n", p.Latency)
	if p.KeyLength > 0 {
		fmt.Fprintf(&b, "Key length: %d bytes\n", p.KeyLength)
	}
	fmt.Fprintf(&b, "Passphrase: %s\n", p.PassphraseNote())
	if p.StreamID != "" {
		fmt.Fprintf(&b, "Stream ID: %s\n", p.StreamID)
	}
	var alarms []string
	if p.Alarms.MaxRTTMs > 0 {
		alarms = append(alarms, fmt.Sprintf("RTT above %g ms", p.Alarms.MaxRTTMs))
	}
	if p.Alarms.MinMbps > 0 {
		alarms = append(alarms, fmt.Sprintf("bitrate below %g Mbit/s", p.Alarms.MinMbps))
	}
	if p.Alarms.NoPacketsS > 0 {
		alarms = append(alarms, fmt.Sprintf("no packets for %g s", p.Alarms.NoPacketsS))
	}
	if len(alarms) > 0 {
		fmt.Fprintf(&b, "Alarms: %s\n", strings.Join(alarms, ", "))
	}
	if p.Notes != "" {
		fmt.Fprintf(&b, "\nNotes: %s\n", p.Notes)
	}
	return b.String()
}

// say shows the result of an action; problems are shown in red.
func (m *presetManager) say(msg string, problem bool) {
	m.status.Importance = widget.MediumImportance
	if problem {
		m.status.Importance = widget.DangerImportance
	}
	m.status.SetText(msg)
}

func (m *presetManager) settle(action string) {
	if m.settled != nil {
		m.settled(action)
	}
}

// saved reports a created or updated preset, saying where its passphrase is.
func (m *presetManager) saved(action string, p preset.Preset, err error) {
	if err != nil {
		m.say(errorText(err), true)
		m.settle(action)
		return
	}
	m.reload(p.Name)
	m.say(fmt.Sprintf("Saved %q: %s.", p.Name, p.PassphraseNote()), false)
	m.settle(action)
}

// fromFeed opens the editor filled from the selected feed.
func (m *presetManager) fromFeed() {
	v, ok := m.feed()
	if !ok {
		m.say("Select a feed in the window first.", true)
		return
	}
	p := app.PresetFromSpec(v.Spec.Name, v.Spec)
	p.RememberPassphrase = v.Spec.Config.Passphrase != ""
	m.edit(p, v.Spec.Config.Passphrase, false)
}

// edit opens the preset editor; existing says whether p is in the store.
func (m *presetManager) edit(p preset.Preset, passphrase string, existing bool) {
	e := newPresetEditor(p, passphrase, existing)
	var d dialog.Dialog
	save := widget.NewButton("Save", nil)
	save.Importance = widget.HighImportance
	save.OnTapped = func() {
		np, pass, clearPass, err := e.read()
		if err != nil {
			e.problem.SetText(errorText(err))
			return
		}
		save.Disable()
		action := "create"
		async(func() (preset.Preset, error) {
			if existing {
				return m.ctrl.UpdatePreset(np, pass, clearPass)
			}
			return m.ctrl.CreatePreset(np, pass)
		}, func(saved preset.Preset, err error) {
			save.Enable()
			if err != nil {
				e.problem.SetText(errorText(err))
				m.settle(action)
				return
			}
			d.Hide()
			m.saved(action, saved, nil)
		})
	}
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	title := "New preset"
	if existing {
		title = "Edit preset " + p.Name
	}
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil, container.NewHBox(cancel, save), nil, nil, e.content()), m.w)
	d.Resize(dialogSize(m.w, fyne.NewSize(640, 620)))
	showDialog(d, m.w, e.name)
	m.editor = e
	m.editorSave = save
}

func (m *presetManager) rename() {
	p, ok := m.current()
	if !ok {
		return
	}
	name := newField()
	name.SetText(p.Name)
	d := dialog.NewForm("Rename preset", "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("New name", name)}, func(ok bool) {
		if ok {
			m.doRename(p.Name, name.Text)
		}
	}, m.w)
	d.Resize(dialogSize(m.w, fyne.NewSize(480, 180)))
	showDialog(d, m.w, name)
}

func (m *presetManager) doRename(old, newName string) {
	newName = strings.TrimSpace(newName)
	async(func() (struct{}, error) { return struct{}{}, m.ctrl.RenamePreset(old, newName) }, func(_ struct{}, err error) {
		if err != nil {
			m.say(errorText(err), true)
		} else {
			m.reload(newName)
			m.say(fmt.Sprintf("Renamed %q to %q.", old, newName), false)
		}
		m.settle("rename")
	})
}

// duplicate copies the selected preset as "<name> copy" (then "copy 2"…).
func (m *presetManager) duplicate() {
	p, ok := m.current()
	if !ok {
		return
	}
	async(func() (preset.Preset, error) { return m.ctrl.DuplicatePreset(p.Name, "") }, func(q preset.Preset, err error) {
		if err != nil {
			m.say(errorText(err), true)
		} else {
			m.reload(q.Name)
			m.say(fmt.Sprintf("Copied %q as %q: %s.", p.Name, q.Name, q.PassphraseNote()), false)
		}
		m.settle("duplicate")
	})
}

func (m *presetManager) remove() {
	p, ok := m.current()
	if !ok {
		return
	}
	showConfirm("Delete preset", fmt.Sprintf("Delete the preset %q? Its remembered passphrase is removed from the keychain too.", p.Name), func(ok bool) {
		if ok {
			m.doDelete(p.Name)
		}
	}, m.w)
}

func (m *presetManager) doDelete(name string) {
	async(func() (struct{}, error) { return struct{}{}, m.ctrl.DeletePreset(name) }, func(_ struct{}, err error) {
		if err != nil {
			m.say(errorText(err), true)
		} else {
			m.reload("")
			m.say(fmt.Sprintf("Deleted %q.", name), false)
		}
		m.settle("delete")
	})
}

// applyNew opens the new-session form filled from the selected preset. No
// feed is connected yet, so an "x RTT" latency starts at the SRT default.
func (m *presetManager) applyNew() {
	p, ok := m.current()
	if !ok {
		return
	}
	async(func() (preset.Applied, error) { return m.ctrl.ApplyPreset(p.Name, 0) }, func(a preset.Applied, err error) {
		if err != nil {
			m.say(errorText(err), true)
		} else {
			if m.close != nil {
				m.close()
			}
			m.newForm(a)
		}
		m.settle("apply-new")
	})
}

// applyFeed updates the selected feed from the selected preset, resolving
// an "x RTT" latency against the feed's measured RTT. A running feed is
// asked about first (it reconnects) and restarted afterwards.
func (m *presetManager) applyFeed() {
	p, ok := m.current()
	if !ok {
		return
	}
	v, ok := m.feed()
	if !ok {
		m.say("Select a feed in the window first.", true)
		return
	}
	rtt := app.MeasuredRTT(v)
	async(func() (preset.Applied, error) { return m.ctrl.ApplyPreset(p.Name, rtt) }, func(a preset.Applied, err error) {
		if err != nil {
			m.say(errorText(err), true)
			m.settle("apply-feed")
			return
		}
		pass := ""
		if a.NeedsPassphrase {
			pass = v.Spec.Config.Passphrase
		}
		if a.NeedsPassphrase && pass == "" {
			m.askPassphrase(a, func(typed string) { m.confirmApply(v, a, typed) })
			return
		}
		m.confirmApply(v, a, pass)
	})
}

// askPassphrase asks for the passphrase of an encrypted preset.
func (m *presetManager) askPassphrase(a preset.Applied, then func(string)) {
	e := newPasswordField()
	e.SetPlaceHolder("10 to 79 characters")
	note := widget.NewLabel(fmt.Sprintf("%q is encrypted and its passphrase is not remembered (%s).", a.Preset.Name, a.Preset.PassphraseNote()))
	note.Wrapping = fyne.TextWrapWord
	d := dialog.NewForm("Passphrase for "+a.Preset.Name, "Apply", "Cancel",
		[]*widget.FormItem{widget.NewFormItem("", note), widget.NewFormItem("Passphrase", e)}, func(ok bool) {
			if !ok {
				m.settle("apply-feed")
				return
			}
			then(e.Text)
		}, m.w)
	d.Resize(dialogSize(m.w, fyne.NewSize(560, 260)))
	showDialog(d, m.w, e)
	m.settle("ask-passphrase")
}

func (m *presetManager) confirmApply(v app.FeedView, a preset.Applied, pass string) {
	spec, err := app.SpecFromApplied(a, pass)
	if err != nil {
		m.say(errorText(err), true)
		m.settle("apply-feed")
		return
	}
	spec.Name, spec.Inspect, spec.Media, spec.LightMedia = v.Spec.Name, v.Spec.Inspect, v.Spec.Media, v.Spec.LightMedia
	spec.Outputs = v.Spec.Outputs // a preset sets the input; the feed keeps forwarding where it did
	lat := fmt.Sprintf("%d ms", a.LatencyMs)
	if a.LatencyNote != "" {
		lat += " (" + a.LatencyNote + ")"
	}
	if !v.Running {
		m.doApply(v, spec, lat)
		return
	}
	showConfirm("Apply preset", fmt.Sprintf("Apply %q to %q? The feed reconnects with latency %s: its picture stops briefly.", a.Preset.Name, v.Spec.Name, lat),
		func(ok bool) {
			if ok {
				m.doApply(v, spec, lat)
			} else {
				m.settle("apply-feed")
			}
		}, m.w)
	m.settle("confirm")
}

func (m *presetManager) doApply(v app.FeedView, spec app.FeedSpec, lat string) {
	async(func() (struct{}, error) { return struct{}{}, m.ctrl.ApplySpec(v.ID, spec) }, func(_ struct{}, err error) {
		if err != nil {
			m.say(errorText(err), true)
		} else {
			m.say(fmt.Sprintf("Applied to %q: latency %s.", v.Spec.Name, lat), false)
		}
		m.settle("apply-feed")
	})
}

// importFile reads presets from a JSON file chosen in a file dialog.
func (m *presetManager) importFile() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			m.say("Cannot open the file: "+errorText(err), true)
			return
		}
		if r == nil {
			return
		}
		m.importFrom(r)
	}, m.w)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	showFileDialog(d)
}

// importFrom imports the presets of r and closes it.
func (m *presetManager) importFrom(r io.ReadCloser) {
	async(func() ([]preset.Preset, error) {
		defer func() { _ = r.Close() }() // read only: nothing to lose on close
		return m.ctrl.ImportPresets(r)
	}, func(added []preset.Preset, err error) {
		if err != nil {
			m.say("Import failed: "+errorText(err), true)
			m.settle("import")
			return
		}
		names := make([]string, 0, len(added))
		for _, p := range added {
			names = append(names, strconv.Quote(p.Name))
		}
		last := ""
		if len(added) > 0 {
			last = added[len(added)-1].Name
		}
		m.reload(last)
		m.say(fmt.Sprintf("Imported %d preset(s): %s. Passphrases are never in an export: type them once and tick “Remember passphrase”.", len(added), strings.Join(names, ", ")), false)
		m.settle("import")
	})
}

// exportFile writes every preset (or the selected one) to a JSON file
// chosen in a file dialog. Passphrases are never exported.
func (m *presetManager) exportFile() {
	var names []string
	fileName := "srtscope-presets.json"
	if p, ok := m.current(); ok {
		names = []string{p.Name}
		fileName = app.ReportFileName(p.Name, p.Modified, "json")
	}
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil {
			path := ""
			if w != nil && w.URI() != nil {
				path = w.URI().Path()
			}
			m.say(errorText(app.SaveError(path, err)), true)
			return
		}
		if w == nil {
			return
		}
		m.exportTo(w, names)
	}, m.w)
	d.SetFileName(fileName)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".json"}))
	showFileDialog(d)
}

// exportTo writes the export in one piece and closes w.
func (m *presetManager) exportTo(w io.WriteCloser, names []string) {
	async(func() (int, error) {
		var buf bytes.Buffer
		if err := m.ctrl.ExportPresets(&buf, names...); err != nil {
			_ = w.Close() // nothing written; the export's error is the one to show
			return 0, err
		}
		n, err := w.Write(buf.Bytes())
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		return n, err
	}, func(n int, err error) {
		what := "every preset"
		if len(names) == 1 {
			what = strconv.Quote(names[0])
		}
		if err != nil {
			m.say("Export failed: "+errorText(err), true)
		} else {
			m.say(fmt.Sprintf("Exported %s (%d bytes, without passphrases).", what, n), false)
		}
		m.settle("export")
	})
}

// presetEditor is the form of one preset.
type presetEditor struct {
	orig       preset.Preset
	existing   bool
	name       *field
	mode       *widget.Select
	host       *field
	port       *field
	latency    *field
	keyLen     *widget.Select
	passphrase *field
	remember   *widget.Check
	noCrypto   *widget.Check
	streamID   *field
	maxRTT     *field
	minMbps    *field
	noPackets  *field
	pidBands   *field // per-PID bitrate bands, "256: 2-8, 257: 0.1-"
	notes      *field
	problem    *widget.Label
}

func newPresetEditor(p preset.Preset, passphrase string, existing bool) *presetEditor {
	e := &presetEditor{orig: p, existing: existing}
	e.name = newField()
	e.name.SetText(p.Name)
	e.name.SetPlaceHolder("e.g. Stadium over 4G")
	e.mode = widget.NewSelect([]string{"caller", "listener"}, nil)
	e.mode.SetSelected(p.Mode)
	e.host = newField()
	e.host.SetText(p.Host)
	e.host.SetPlaceHolder("host to call; empty listens on every address")
	e.port = newField()
	e.port.SetText(strconv.Itoa(p.Port))
	e.latency = newField()
	e.latency.SetText(app.FormatLatency(p.Latency))
	e.latency.SetPlaceHolder("ms (e.g. 200) or a multiple of RTT (e.g. 4x RTT); empty: 120 ms")
	e.keyLen = widget.NewSelect([]string{"16", "24", "32"}, nil)
	e.keyLen.SetSelected("16")
	if p.KeyLength > 0 {
		e.keyLen.SetSelected(strconv.Itoa(p.KeyLength))
	}
	e.passphrase = newPasswordField()
	e.passphrase.SetText(passphrase)
	e.passphrase.SetPlaceHolder("10 to 79 characters; empty for no encryption")
	if existing && p.Passphrase != preset.PassNone && p.Passphrase != "" {
		e.passphrase.SetPlaceHolder("leave empty to keep the current one")
	}
	e.remember = widget.NewCheck("Remember passphrase (in the system keychain; never in the presets file)", nil)
	e.remember.SetChecked(p.RememberPassphrase)
	e.noCrypto = widget.NewCheck("No encryption (forget the passphrase)", nil)
	if !existing || p.Passphrase == preset.PassNone || p.Passphrase == "" {
		e.noCrypto.Hide()
	}
	e.streamID = newField()
	e.streamID.SetText(p.StreamID)
	e.maxRTT, e.minMbps, e.noPackets = newField(), newField(), newField()
	setNum := func(en *field, v float64, ph string) {
		if v > 0 {
			en.SetText(strconv.FormatFloat(v, 'f', -1, 64))
		}
		en.SetPlaceHolder(ph)
	}
	d := app.DefaultThresholds()
	setNum(e.maxRTT, p.Alarms.MaxRTTMs, fmt.Sprintf("default %g", d.RTTAboveMs))
	setNum(e.minMbps, p.Alarms.MinMbps, fmt.Sprintf("default %g", d.BitrateBelow))
	setNum(e.noPackets, p.Alarms.NoPacketsS, fmt.Sprintf("default %g", d.NoDataFor.Seconds()))
	e.pidBands = newField()
	bands := make([]app.PIDBand, 0, len(p.Alarms.PIDBands))
	for _, b := range p.Alarms.PIDBands {
		bands = append(bands, app.PIDBand(b))
	}
	e.pidBands.SetText(app.FormatPIDBands(bands))
	e.pidBands.SetPlaceHolder("none; e.g. 256: 2-8, 257: 0.1-")
	e.notes = newMultiLineField()
	e.notes.SetText(p.Notes)
	e.notes.SetMinRowsVisible(2)
	e.problem = widget.NewLabel("")
	e.problem.Wrapping = fyne.TextWrapWord
	e.problem.Importance = widget.DangerImportance
	return e
}

func (e *presetEditor) content() fyne.CanvasObject {
	form := widget.NewForm(
		widget.NewFormItem("Name", e.name),
		widget.NewFormItem("Mode", e.mode),
		widget.NewFormItem("Host", e.host),
		widget.NewFormItem("Port", e.port),
		widget.NewFormItem("Latency", e.latency),
		widget.NewFormItem("Passphrase", e.passphrase),
		widget.NewFormItem("", e.remember),
	)
	if e.noCrypto.Visible() {
		form.Append("", e.noCrypto)
	}
	form.Items = append(form.Items,
		widget.NewFormItem("Key length (bytes)", e.keyLen),
		widget.NewFormItem("Stream ID", e.streamID),
		widget.NewFormItem("Alarm: RTT above (ms)", e.maxRTT),
		widget.NewFormItem("Alarm: bitrate below (Mbit/s)", e.minMbps),
		widget.NewFormItem("Alarm: no packets for (s)", e.noPackets),
		widget.NewFormItem("Alarm: PID bitrate bands (Mbit/s)", e.pidBands),
		widget.NewFormItem("Notes", e.notes),
	)
	form.Refresh()
	return container.NewVScroll(container.NewVBox(form, e.problem))
}

// read returns the preset the fields describe, the passphrase to store and
// whether to forget the current one. Errors name the field and the value.
func (e *presetEditor) read() (p preset.Preset, pass string, clearPass bool, err error) {
	p = e.orig
	p.Name = strings.TrimSpace(e.name.Text)
	p.Mode = e.mode.Selected
	p.Host = strings.TrimSpace(e.host.Text)
	if p.Port, err = strconv.Atoi(strings.TrimSpace(e.port.Text)); err != nil {
		return p, "", false, fmt.Errorf("port %q is not a number: use 1 to 65535", e.port.Text)
	}
	if p.Latency, err = app.ParseLatency(e.latency.Text); err != nil {
		return p, "", false, err
	}
	num := func(en *field, field string) (float64, error) {
		t := strings.TrimSpace(en.Text)
		if t == "" {
			return 0, nil
		}
		v, err := strconv.ParseFloat(t, 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("%s %q: use a positive number, or leave it empty for the default", field, en.Text)
		}
		return v, nil
	}
	if p.Alarms.MaxRTTMs, err = num(e.maxRTT, "alarm RTT"); err != nil {
		return p, "", false, err
	}
	if p.Alarms.MinMbps, err = num(e.minMbps, "alarm bitrate"); err != nil {
		return p, "", false, err
	}
	if p.Alarms.NoPacketsS, err = num(e.noPackets, "alarm no packets"); err != nil {
		return p, "", false, err
	}
	bands, err := app.ParsePIDBands(e.pidBands.Text)
	if err != nil {
		return p, "", false, err
	}
	p.Alarms.PIDBands = nil
	for _, b := range bands {
		p.Alarms.PIDBands = append(p.Alarms.PIDBands, preset.PIDBand(b))
	}
	p.StreamID = e.streamID.Text
	p.Notes = strings.TrimSpace(e.notes.Text)
	p.RememberPassphrase = e.remember.Checked
	clearPass = e.noCrypto.Visible() && e.noCrypto.Checked
	pass = e.passphrase.Text
	encrypted := pass != "" || (e.existing && !clearPass && e.orig.Passphrase != preset.PassNone && e.orig.Passphrase != "")
	p.KeyLength = 0
	if encrypted {
		p.KeyLength, _ = strconv.Atoi(e.keyLen.Selected)
	}
	if clearPass {
		pass = ""
	}
	if err := p.Validate(pass); err != nil {
		return p, "", false, err
	}
	return p, pass, clearPass, nil
}

// sessionFormOptions are the optional parts of the session form.
type sessionFormOptions struct {
	presets bool            // the Controller's presets can be used: enables "Save as preset…"
	applied *preset.Applied // fills the form from a preset
}

// fillFromPreset fills the session form from an applied preset and says
// how the latency was chosen and whether the passphrase must be typed.
func (f *sessionForm) fillFromPreset(a preset.Applied) {
	p := a.Preset
	f.filling = true
	f.name.SetText(p.Name)
	f.mode.SetSelected(p.Mode)
	f.host.SetText(p.Host)
	f.port.SetText(strconv.Itoa(p.Port))
	f.latency.SetText(strconv.Itoa(a.LatencyMs))
	if p.KeyLength > 0 {
		f.keyLen.SetSelected(strconv.Itoa(p.KeyLength))
	}
	f.passphrase.SetText(app.KeychainPassphrase(a))
	f.streamID.SetText(p.StreamID)
	f.thresholds = app.ThresholdsFromPreset(p.Alarms)
	f.filling = false
	notes := []string{fmt.Sprintf("From preset %q: latency %d ms", p.Name, a.LatencyMs)}
	if a.LatencyNote != "" {
		notes[0] += " (" + a.LatencyNote + ")"
	}
	if p.Latency.RTTMultiplier > 0 {
		notes = append(notes, fmt.Sprintf("Once the feed is connected, apply the preset to it (File > Presets…) to use %v× its measured RTT.", p.Latency.RTTMultiplier))
	}
	if a.NeedsPassphrase {
		notes = append(notes, "Type the passphrase: "+p.PassphraseNote()+".")
	}
	f.pasteNote.SetText(strings.Join(notes, "\n"))
	f.validate()
}

// saveAsPreset asks for a name and stores the form's settings as a preset.
func (f *sessionForm) saveAsPreset(ctrl *app.Controller, w fyne.Window) {
	if _, err := f.spec(); err != nil {
		f.problem.SetText(errorText(err))
		return
	}
	name := newField()
	name.SetText(strings.TrimSpace(f.name.Text))
	latency := newField()
	latency.SetText(strings.TrimSpace(f.latency.Text))
	latency.SetPlaceHolder("ms, or a multiple of RTT like 4x RTT")
	remember := widget.NewCheck("Remember passphrase (system keychain)", nil)
	remember.SetChecked(true)
	items := []*widget.FormItem{widget.NewFormItem("Preset name", name), widget.NewFormItem("Latency", latency)}
	if f.passphrase.Text != "" {
		items = append(items, widget.NewFormItem("", remember))
	}
	d := dialog.NewForm("Save as preset", "Save", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		f.savePreset(ctrl, name.Text, latency.Text, remember.Checked, func(p preset.Preset, err error) {
			if err != nil {
				showError(w, err)
				return
			}
			showInformation("Preset saved", fmt.Sprintf("Saved %q: %s.", p.Name, p.PassphraseNote()), w)
		})
	}, w)
	d.Resize(dialogSize(w, fyne.NewSize(520, 240)))
	showDialog(d, w, name)
}

// savePreset stores the form as a preset off the UI goroutine and calls
// done on it.
func (f *sessionForm) savePreset(ctrl *app.Controller, name, latency string, remember bool, done func(preset.Preset, error)) {
	spec, err := f.spec()
	if err != nil {
		done(preset.Preset{}, err)
		return
	}
	p := app.PresetFromSpec(name, spec)
	if p.Latency, err = app.ParseLatency(latency); err != nil {
		done(preset.Preset{}, err)
		return
	}
	p.RememberPassphrase = remember
	pass := spec.Config.Passphrase
	async(func() (preset.Preset, error) { return ctrl.CreatePreset(p, pass) }, done)
}
