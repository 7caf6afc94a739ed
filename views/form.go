package views

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// sessionForm is the new-session form. Every change re-validates through
// the session package, so the messages are the same as the CLI's.
type sessionForm struct {
	paste      *field
	pasteNote  *widget.Label
	name       *field
	mode       *widget.Select
	host       *field
	port       *field
	latency    *field
	passphrase *field
	keyLen     *widget.Select
	streamID   *field
	acR        *field
	acM        *widget.Select
	acU        *field
	inspect    *widget.Check
	media      *widget.Check
	problem    *widget.Label
	filling    bool
	thresholds app.Thresholds // from a preset; zero means the defaults
}

func newSessionForm() *sessionForm {
	f := &sessionForm{}
	f.paste = newField()
	f.paste.SetPlaceHolder("Paste an srt:// URL (libsrt, ffmpeg or OBS style)")
	f.pasteNote = widget.NewLabel("")
	f.pasteNote.Wrapping = fyne.TextWrapWord
	f.name = newField()
	f.name.SetPlaceHolder("e.g. Camera 1 from the stadium")
	f.mode = widget.NewSelect([]string{"caller", "listener"}, nil)
	f.mode.SetSelected("listener")
	f.host = newField()
	f.host.SetPlaceHolder("host to call; empty listens on every address")
	f.port = newField()
	f.port.SetText("9000")
	f.latency = newField()
	f.latency.SetText(strconv.Itoa(session.DefaultLatencyMs))
	f.passphrase = newPasswordField()
	f.passphrase.SetPlaceHolder("10 to 79 characters; empty for no encryption")
	f.keyLen = widget.NewSelect([]string{"16", "24", "32"}, nil)
	f.keyLen.SetSelected("16")
	f.streamID = newField()
	f.acR, f.acU = newField(), newField()
	f.acR.SetPlaceHolder("resource, e.g. cam1")
	f.acU.SetPlaceHolder("user")
	f.acM = widget.NewSelect([]string{"publish", "request", "bidirectional"}, nil)
	f.inspect = widget.NewCheck("Look inside the stream (PIDs, codecs, TR 101 290)", nil)
	f.inspect.SetChecked(true)
	f.media = widget.NewCheck("Detect black, frozen and silent media", nil)
	f.media.SetChecked(true)
	f.problem = widget.NewLabel("")
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance

	f.paste.OnChanged = func(s string) { f.fromURL(s) }
	for _, e := range []*field{f.name, f.host, f.port, f.latency, f.passphrase, f.streamID} {
		e.OnChanged = func(string) { f.validate() }
	}
	f.mode.OnChanged = func(string) { f.validate() }
	f.keyLen.OnChanged = func(string) { f.validate() }
	return f
}

func (f *sessionForm) content() fyne.CanvasObject {
	build := widget.NewButton("Build", func() {
		id, err := session.AccessControl{Resource: f.acR.Text, Mode: f.acM.Selected, User: f.acU.Text}.Build()
		if err != nil {
			f.problem.SetText(errorText(err))
			return
		}
		f.streamID.SetText(id)
	})
	acRow := container.NewGridWithColumns(4, f.acR, f.acM, f.acU, build)
	form := widget.NewForm(
		widget.NewFormItem("Paste URL", f.paste),
		widget.NewFormItem("", f.pasteNote),
		widget.NewFormItem("Name", f.name),
		widget.NewFormItem("Mode", f.mode),
		widget.NewFormItem("Host", f.host),
		widget.NewFormItem("Port", f.port),
		widget.NewFormItem("Latency (ms)", f.latency),
		widget.NewFormItem("Passphrase", f.passphrase),
		widget.NewFormItem("Key length (bytes)", f.keyLen),
		widget.NewFormItem("Stream ID", f.streamID),
		widget.NewFormItem("Stream ID builder", acRow),
		widget.NewFormItem("", f.inspect),
		widget.NewFormItem("", f.media),
	)
	return container.NewVBox(form, f.problem)
}

// fromURL fills the fields from a pasted URL and says which unit it assumed.
func (f *sessionForm) fromURL(s string) {
	s = strings.TrimSpace(s)
	if s == "" {
		f.pasteNote.SetText("")
		return
	}
	cfg, notes, err := session.ParseURL(s)
	if err != nil {
		f.pasteNote.SetText(errorText(err))
		return
	}
	f.filling = true
	f.mode.SetSelected(string(cfg.Mode))
	f.host.SetText(cfg.Host)
	f.port.SetText(strconv.Itoa(cfg.Port))
	if cfg.LatencyMs > 0 {
		f.latency.SetText(strconv.Itoa(cfg.LatencyMs))
	}
	f.passphrase.SetText(cfg.Passphrase)
	if cfg.PBKeyLen > 0 {
		f.keyLen.SetSelected(strconv.Itoa(cfg.PBKeyLen))
	}
	f.streamID.SetText(cfg.StreamID)
	f.filling = false
	f.pasteNote.SetText(strings.Join(notes, "\n"))
	f.validate()
}

// config reads the fields into a validated configuration.
func (f *sessionForm) config() (session.Config, error) {
	port, err := strconv.Atoi(strings.TrimSpace(f.port.Text))
	if err != nil {
		return session.Config{}, fmt.Errorf("port %q is not a number: use 1 to 65535", f.port.Text)
	}
	lat, err := strconv.Atoi(strings.TrimSpace(f.latency.Text))
	if err != nil {
		return session.Config{}, fmt.Errorf("latency %q is not a whole number of milliseconds: use 20 to 8000", f.latency.Text)
	}
	kl, _ := strconv.Atoi(f.keyLen.Selected)
	cfg := session.Config{
		Mode: session.Mode(f.mode.Selected), Host: strings.TrimSpace(f.host.Text), Port: port, LatencyMs: lat,
		Passphrase: f.passphrase.Text, PBKeyLen: kl, StreamID: f.streamID.Text,
	}
	return cfg, cfg.Validate()
}

func (f *sessionForm) validate() bool {
	if f.filling {
		return false
	}
	_, err := f.config()
	if err != nil {
		f.problem.SetText(errorText(err))
		return false
	}
	f.problem.SetText("")
	return true
}

func (f *sessionForm) spec() (app.FeedSpec, error) {
	cfg, err := f.config()
	if err != nil {
		return app.FeedSpec{}, err
	}
	return app.FeedSpec{Name: strings.TrimSpace(f.name.Text), Config: cfg, Thresholds: f.thresholds, Inspect: f.inspect.Checked, Media: f.media.Checked}, nil
}

// showSessionFormWith opens the form; "Add and start" adds the feed and
// starts it in the background with the button disabled and a spinner. opts
// add "Save as preset…" and a preset to fill the form from (see presets.go).
func showSessionFormWith(ctrl *app.Controller, w fyne.Window, opts sessionFormOptions, added func(app.FeedID)) {
	f := newSessionForm()
	if opts.applied != nil {
		f.fillFromPreset(*opts.applied)
	}
	spinner := widget.NewProgressBarInfinite()
	spinner.Hide()
	var d dialog.Dialog
	var start *widget.Button
	start = widget.NewButton("Add and start", func() {
		spec, err := f.spec()
		if err != nil {
			f.problem.SetText(errorText(err))
			return
		}
		start.Disable()
		spinner.Show()
		go func() {
			id, err := ctrl.Add(spec)
			if err == nil {
				err = ctrl.Start(id)
			}
			fyne.Do(func() {
				start.Enable()
				spinner.Hide()
				if err != nil {
					f.problem.SetText(errorText(err))
					return
				}
				d.Hide()
				added(id)
			})
		}()
	})
	start.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	buttons := container.NewHBox(cancel, start)
	if opts.presets {
		buttons.Add(widget.NewButton("Save as preset…", func() { f.saveAsPreset(ctrl, w) }))
	}
	body := container.NewBorder(nil, container.NewVBox(spinner, buttons), nil, nil, f.content())
	d = dialog.NewCustomWithoutButtons("New session", body, w)
	d.Resize(dialogSize(w, fyne.NewSize(720, 640)))
	showDialog(d, w, f.paste)
}

// showError shows err worded by errorText; a setting that is not allowed
// asks to check the settings.
func showError(w fyne.Window, err error) {
	var fe *session.FieldError
	var afe *app.FieldError
	if errors.As(err, &fe) || errors.As(err, &afe) {
		showInformation("Check the settings", errorText(err), w)
		return
	}
	showErrorDialog(errors.New(errorText(err)), w)
}
