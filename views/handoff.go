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
	h.note.SetText("Give the remote encoder one of these caller URLs. srt-live-transmit and vMix read latency in milliseconds, ffmpeg and OBS in microseconds.")
	for _, ho := range app.HandOffURLs(h.cfg, app.LocalAddresses(), h.withKey.Checked) {
		url := ho.URL
		e := widget.NewEntry()
		e.SetText(url)
		e.Disable()
		copyBtn := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), func() {
			fyne.CurrentApp().Clipboard().SetContent(url)
		})
		h.rows.Add(container.NewBorder(nil, nil, widget.NewLabel(ho.Tools), copyBtn, e))
	}
}
