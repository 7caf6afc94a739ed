package views

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// feedTitle is a feed's name as the wall, the list and the detail show it:
// a feed on a port shared by many feeds says which port ("cam2 on :9000").
func feedTitle(v app.FeedView) string {
	if v.Spec.Port == "" {
		return v.Spec.Name
	}
	return v.Spec.Name + " on " + v.Spec.Port
}

// portForm is the dialog that opens a port for many feeds.
type portForm struct {
	url        *field
	names      *field
	acceptNew  *widget.Check
	passphrase *field
	presets    *widget.Check
	inspect    *widget.Check
	media      *widget.Check
	problem    *widget.Label
	listen     *widget.Button
	// settled, when set, is called on the UI goroutine once an attempt to
	// open the port has ended either way (tests wait on it).
	settled func()
}

func newPortForm() *portForm {
	f := &portForm{url: newField(), names: newField(), passphrase: newPasswordField(), problem: widget.NewLabel("")}
	f.url.SetPlaceHolder("srt://:9000?mode=listener&latency=200")
	f.names.SetPlaceHolder("cam1, cam2 (the encoders' streamids)")
	f.passphrase.SetPlaceHolder("the port's passphrase; empty for none")
	f.acceptNew = widget.NewCheck("Accept new names (a new feed at a name's first publish)", func(on bool) {
		if on {
			f.names.Disable()
		} else {
			f.names.Enable()
		}
	})
	f.presets = widget.NewCheck("A name with a preset of its own (named like it, or with its streamid) uses that preset's passphrase", nil)
	f.presets.SetChecked(true)
	f.inspect = widget.NewCheck("Look inside the streams (PIDs, codecs, TR 101 290)", nil)
	f.inspect.SetChecked(true)
	f.media = widget.NewCheck("Black / freeze / silence detection", nil)
	f.media.SetChecked(true)
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	return f
}

// spec reads the form; the error names the field that is wrong.
func (f *portForm) spec() (app.PortSpec, app.FeedSpec, error) {
	u := strings.TrimSpace(f.url.Text)
	if u == "" {
		return app.PortSpec{}, app.FeedSpec{}, &app.FieldError{Field: "URL", Value: "(empty)", Allowed: "the port to listen on, e.g. srt://:9000?mode=listener"}
	}
	cfg, _, err := session.ParseURL(u)
	if err != nil {
		return app.PortSpec{}, app.FeedSpec{}, err
	}
	if cfg.Mode != session.ModeListener {
		return app.PortSpec{}, app.FeedSpec{}, &app.FieldError{Field: "URL", Value: u, Allowed: "a listener, srt://:PORT?mode=listener: the encoders call this port"}
	}
	if p := f.passphrase.Text; p != "" {
		cfg.Passphrase = p
	}
	spec := app.PortSpec{Config: cfg, AcceptNew: f.acceptNew.Checked}
	if !spec.AcceptNew {
		if strings.TrimSpace(f.names.Text) == "" {
			return app.PortSpec{}, app.FeedSpec{}, &app.FieldError{Field: "Names", Value: "(empty)", Allowed: "the streamids to take, e.g. cam1, cam2, or tick Accept new names"}
		}
		if spec.Names, err = app.ParsePortNames(f.names.Text); err != nil {
			return app.PortSpec{}, app.FeedSpec{}, err
		}
	}
	if err := spec.Validate(); err != nil {
		return app.PortSpec{}, app.FeedSpec{}, err
	}
	template := app.FeedSpec{Inspect: f.inspect.Checked, Media: f.media.Checked, LightMedia: f.media.Checked}
	return spec, template, nil
}

// showPortForm opens File > Listen for many feeds on one port…; add runs
// off the UI goroutine and its error is shown in the dialog.
func showPortForm(w fyne.Window, add func(spec app.PortSpec, template app.FeedSpec, fromPresets bool) error, added func()) *portForm {
	f := newPortForm()
	spinner := widget.NewProgressBarInfinite()
	spinner.Hide()
	var d dialog.Dialog
	submit := func() {
		spec, template, err := f.spec()
		if err != nil {
			f.problem.SetText(errorText(err))
			return
		}
		fromPresets := f.presets.Checked
		attempt{button: f.listen, spinner: spinner, problem: f.problem, settled: f.settled}.run(
			func() error { return add(spec, template, fromPresets) },
			func() { d.Hide(); added() })
	}
	f.listen = widget.NewButton("Listen", submit)
	f.listen.Importance = widget.HighImportance
	f.url.OnSubmitted = func(string) { submit() }
	f.names.OnSubmitted = func(string) { submit() }
	f.passphrase.OnSubmitted = func(string) { submit() }
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	form := widget.NewForm(widget.NewFormItem("URL", f.url), widget.NewFormItem("Names", f.names), widget.NewFormItem("", f.acceptNew),
		widget.NewFormItem("Passphrase", f.passphrase), widget.NewFormItem("", f.presets), widget.NewFormItem("", f.inspect), widget.NewFormItem("", f.media))
	note := widget.NewLabel("Every encoder calls this one port with its own streamid (#!::r=cam1,m=publish, or just cam1); each name is a tile of its own. Unknown names are refused, and so is a second encoder for a name that is live.")
	note.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(nil, container.NewVBox(spinner, container.NewHBox(cancel, f.listen)), nil, nil,
		container.NewVBox(form, note, f.problem))
	d = dialog.NewCustomWithoutButtons("Listen for many feeds on one port", body, w)
	d.Resize(dialogSize(w, fyne.NewSize(620, 440)))
	showDialog(d, w, f.url)
	return f
}

// listenPort is File > Listen for many feeds on one port….
func (ui *mainUI) listenPort() {
	showPortForm(ui.w, func(spec app.PortSpec, template app.FeedSpec, fromPresets bool) error {
		if fromPresets && len(spec.Names) > 0 {
			if own := ui.ctrl.PresetPassphrases(spec.Names); len(own) > 0 {
				spec.NamePassphrases = own
			}
		}
		_, err := ui.ctrl.AddPort(spec, template)
		return err
	}, func() {
		ui.showWall()
		ui.refresh()
		go ui.saveWorkspace() // a port taking new names has no feed yet to show it changed
	})
}

// portSummary says a port's state in one line: where, listening or why
// not, its names, and how many callers it refused.
func portSummary(v app.PortView) string {
	state := "listening"
	if !v.Listening {
		state = "not listening"
		if v.LastError != "" {
			state += ": " + errorText(errors.New(v.LastError))
		}
	}
	names := strings.Join(v.Names, ", ")
	switch {
	case v.AcceptNew && names == "":
		names = "any name"
	case v.AcceptNew:
		names += ", and any new name"
	}
	lock := ""
	if v.Encrypted {
		lock = ", encrypted"
	}
	callers := "callers"
	if v.Rejections == 1 {
		callers = "caller"
	}
	return fmt.Sprintf("%s: %s%s; names %s; refused %d %s", v.Address, state, lock, names, v.Rejections, callers)
}

// portLogLines is how many of a port's latest events the Ports dialog shows.
const portLogLines = 8

// portsContent lists the open ports with their latest events (refused
// callers name the streamid they asked for) and a Close button each.
func portsContent(ports []app.PortView, closePort func(addr string)) fyne.CanvasObject {
	if len(ports) == 0 {
		return widget.NewLabel("No port is open. File > Listen for many feeds on one port… opens one.")
	}
	box := container.NewVBox()
	for _, v := range ports {
		head := widget.NewLabelWithStyle(portSummary(v), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		head.Wrapping = fyne.TextWrapWord
		var lines []string
		for _, l := range v.Log[max(0, len(v.Log)-portLogLines):] {
			lines = append(lines, l.Time.Format("15:04:05")+" "+l.Detail)
		}
		log := widget.NewLabel(strings.Join(lines, "\n"))
		log.Wrapping = fyne.TextWrapWord
		addr := v.Address
		closeBtn := widget.NewButton("Close port "+addr, func() { closePort(addr) })
		box.Add(container.NewVBox(head, log, container.NewHBox(closeBtn), widget.NewSeparator()))
	}
	return container.NewVScroll(box)
}

// showPorts is File > Ports…: the open ports, what they refused, and
// closing one (its feeds stop and leave the wall).
func (ui *mainUI) showPorts() {
	var d dialog.Dialog
	closePort := func(addr string) {
		n := 0
		for _, v := range ui.ctrl.Feeds() {
			if v.Spec.Port == addr {
				n++
			}
		}
		showConfirm("Close port", fmt.Sprintf("Close port %s? Its %d feeds stop and leave the wall; its encoders are refused from then on.", addr, n), func(ok bool) {
			if !ok {
				return
			}
			d.Hide()
			go func() {
				ui.ctrl.RemovePort(addr)
				ui.saveWorkspace()
				fyne.Do(ui.refresh)
			}()
		}, ui.w)
	}
	d = dialog.NewCustom("Ports", "Close", portsContent(ui.ctrl.Ports(), closePort), ui.w)
	d.Resize(dialogSize(ui.w, fyne.NewSize(760, 520)))
	showDialog(d, ui.w, nil)
}
