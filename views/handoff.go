package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/session"
)

// handoffPanel shows, for a listener feed, the caller URLs to give the
// remote encoder, with copy buttons. The passphrase goes into a URL only
// when the operator ticks the box.
type handoffPanel struct {
	w       fyne.Window
	content fyne.CanvasObject
	rows    *fyne.Container
	note    *widget.Label
	withKey *widget.Check
	cfg     session.Config
	shown   string
}

func newHandoffPanel(w fyne.Window) *handoffPanel {
	h := &handoffPanel{w: w}
	h.note = widget.NewLabel("")
	h.note.Wrapping = fyne.TextWrapWord
	h.rows = container.NewVBox()
	h.withKey = widget.NewCheck("Include the passphrase in copied URLs", func(bool) { h.shown = ""; h.render() })
	h.content = container.NewVScroll(container.NewVBox(h.note, h.withKey, h.rows))
	return h
}

func (h *handoffPanel) update(v app.FeedView) {
	h.cfg = v.Spec.Config
	h.render()
}

func (h *handoffPanel) render() {
	key := h.cfg.RedactedURL()
	if key == h.shown {
		return
	}
	h.shown = key
	h.rows.RemoveAll()
	if h.cfg.Mode != session.ModeListener {
		h.note.SetText("This feed calls out to " + h.cfg.Address() + ": the remote side must listen there.")
		h.withKey.Hide()
		return
	}
	h.withKey.Show()
	if h.cfg.Passphrase == "" {
		h.withKey.Hide()
	}
	note := "Give the remote encoder one of these caller URLs. srt-live-transmit and vMix read latency in milliseconds, ffmpeg and OBS in microseconds."
	if !listensEverywhere(h.cfg.Host) {
		note += " This feed listens on " + h.cfg.Host + " only: an encoder can call it there and nowhere else."
	}
	h.note.SetText(note)
	for _, ho := range app.HandOffURLs(h.cfg, app.LocalAddresses(), h.withKey.Checked) {
		h.rows.Add(handoffRow(ho))
	}
}

// listensEverywhere reports whether a listener bound to host listens on
// every address of the machine.
func listensEverywhere(host string) bool {
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		return true
	}
	return false
}

// handoffRow is one URL: who can reach it and who reads it, the URL as
// selectable text (readable, not a greyed-out field) and a copy button.
func handoffRow(ho app.HandOff) fyne.CanvasObject {
	url := ho.URL
	heading := widget.NewLabelWithStyle(ho.Reach+" · "+ho.Address+" · "+ho.Tools, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(url)
	text.Selectable = true
	text.Wrapping = fyne.TextWrapBreak
	copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
		fyne.CurrentApp().Clipboard().SetContent(url)
	})
	return container.NewVBox(heading, container.NewBorder(nil, nil, nil, container.NewVBox(copyBtn), text), widget.NewSeparator())
}
