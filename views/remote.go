package views

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/remote"
)

// The remote wall: feeds of other srtscope services (`srtscope serve`),
// followed by app/remote's Pool, shown after the local feeds with the
// service's name on each tile. The window calls the Pool's methods only;
// the sockets are the Pool's.

// remoteRef says which service's feed a tile is.
type remoteRef struct {
	service remote.ServiceID
	feed    string
	running bool
}

// serviceLostColor greys a lost service's tiles.
var serviceLostColor = color.NRGBA{R: 0x6b, G: 0x72, B: 0x7c, A: 0xff}

// remoteStates works out the tiles of every connected service's feeds,
// thumbnails included (one cache per service, since feed numbers repeat
// across services). It may run off the UI goroutine.
func remoteStates(entries []remote.Entry, caches map[remote.ServiceID]*thumbCache, round pictureRound) []tileState {
	var out []tileState
	live := map[remote.ServiceID]bool{}
	for _, e := range entries {
		live[e.ID] = true
		cache := caches[e.ID]
		if cache == nil {
			cache = &thumbCache{}
			caches[e.ID] = cache
		}
		for _, f := range e.Feeds {
			st := tileStateOf(f.View)
			st.id = 0 // not a local feed: the toolbar goes through st.remote
			st.name = e.Name + " · " + f.View.Spec.Name
			st.remote = &remoteRef{service: e.ID, feed: f.View.Spec.Name, running: f.View.Running}
			if f.View.Running && f.View.Status.Phase != app.PhaseConnected && f.Description != "" && !st.hadAlarm {
				st.state = f.Description // the service's own words
			}
			st.thumb, st.thumbKey = cache.image(f.View, round)
			if e.State != remote.StateConnected {
				st.state = "service lost: " + e.Reason + ", reconnecting"
				st.stateColor, st.frame = serviceLostColor, serviceLostColor
				st.alarm, st.figures, st.badges, st.rms, st.peak = "", nil, nil, nil, nil
				st.connected = false
			}
			out = append(out, st)
		}
		views := make([]app.FeedView, 0, len(e.Feeds))
		for _, f := range e.Feeds {
			views = append(views, f.View)
		}
		cache.forget(views)
	}
	for id := range caches {
		if !live[id] {
			delete(caches, id)
		}
	}
	return out
}

// connectForm is File > Connect to srtscope service…: the service's URL
// and its token.
type connectForm struct {
	url, token *field
	problem    *widget.Label
	// settled, when set, is called on the UI goroutine once an attempt
	// to connect has ended either way (tests wait on it).
	settled func()
}

func newConnectForm() *connectForm {
	f := &connectForm{url: newField(), token: newPasswordField(), problem: widget.NewLabel("")}
	f.url.SetPlaceHolder("http://venue-a.example:8080")
	f.token.SetPlaceHolder("the service's --token-file contents; empty when it has none")
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Importance = widget.DangerImportance
	return f
}

// check names the field that is wrong, "" when both may be tried.
func (f *connectForm) check() string {
	u := strings.TrimSpace(f.url.Text)
	if u == "" {
		return "URL: enter the service's address, e.g. http://venue-a.example:8080"
	}
	if _, err := remote.ParseURL(u); err != nil {
		return "URL: " + errorText(err)
	}
	if strings.ContainsAny(strings.TrimSpace(f.token.Text), " \t") {
		return "Token: it may not contain spaces (paste the one line of the service's token file)"
	}
	return ""
}

// showConnect opens the connect dialog and returns its form; connect runs
// off the UI goroutine and returns the service's error, shown in the
// dialog, or nil.
func showConnect(w fyne.Window, connect func(url, token string) error, connected func()) *connectForm {
	f := newConnectForm()
	spinner := widget.NewProgressBarInfinite()
	spinner.Hide()
	var d dialog.Dialog
	var ok *widget.Button
	submit := func() {
		if msg := f.check(); msg != "" {
			f.problem.SetText(msg)
			return
		}
		u, tok := strings.TrimSpace(f.url.Text), strings.TrimSpace(f.token.Text)
		attempt{button: ok, spinner: spinner, problem: f.problem, settled: f.settled}.run(
			func() error { return connect(u, tok) },
			func() { d.Hide(); connected() })
	}
	ok = widget.NewButton("Connect", submit)
	ok.Importance = widget.HighImportance
	f.url.OnSubmitted = func(string) { submit() }
	f.token.OnSubmitted = func(string) { submit() }
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	form := widget.NewForm(widget.NewFormItem("URL", f.url), widget.NewFormItem("Token", f.token))
	note := widget.NewLabel("The service's feeds join the wall after the local ones, named after the service. Start, stop and acknowledge go through its API.")
	note.Wrapping = fyne.TextWrapWord
	body := container.NewBorder(nil, container.NewVBox(spinner, container.NewHBox(cancel, ok)), nil, nil,
		container.NewVBox(form, note, f.problem))
	d = dialog.NewCustomWithoutButtons("Connect to srtscope service", body, w)
	d.Resize(dialogSize(w, fyne.NewSize(560, 300)))
	showDialog(d, w, f.url)
	return f
}

// connectService is File > Connect to srtscope service….
func (ui *mainUI) connectService() {
	if ui.remotes == nil {
		showInformation("Remote services", "This window cannot connect to services.", ui.w)
		return
	}
	showConnect(ui.w, func(u, tok string) error {
		_, err := ui.remotes.Connect(u, tok)
		return err
	}, func() {
		ui.showWall()
		ui.refresh()
	})
}

// remoteCommand runs start, stop or acknowledge on the focused remote
// tile's feed through its service's API; ok is false when the focused
// tile is a local feed (or there is none).
func (ui *mainUI) remoteCommand(verb string) bool {
	if ui.mode != viewWall || ui.remotes == nil {
		return false
	}
	st, found := ui.wall.focusedState()
	if !found || st.remote == nil {
		return false
	}
	r := *st.remote
	if verb == "toggle" {
		verb = "start"
		if r.running {
			verb = "stop"
		}
	}
	go func() {
		var err error
		switch verb {
		case "start":
			err = ui.remotes.Start(r.service, r.feed)
		case "stop":
			err = ui.remotes.Stop(r.service, r.feed)
		default:
			err = ui.remotes.Acknowledge(r.service, r.feed)
		}
		if err != nil {
			fyne.Do(func() { showError(ui.w, err) })
		}
	}()
	return true
}
