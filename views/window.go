// Package views holds every Fyne widget and screen of srtscope. It opens no
// sockets and files and holds no business rules: it shows what app gives it.
package views

import (
	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/assets"
)

// Options says how the window opens.
type Options struct {
	Demo bool // start with the live demo feed
}

// Run opens the main window and blocks until it is closed.
func Run(opts Options) error {
	a := fyneapp.NewWithID("io.github.srtscope")
	a.SetIcon(fyne.NewStaticResource("icon.png", assets.IconPNG))
	w := a.NewWindow(app.Name)
	w.SetContent(newMainView(w))
	w.Resize(fyne.NewSize(1100, 700))
	w.ShowAndRun()
	return nil
}

// newMainView builds the window's content: a toolbar over the feed list.
func newMainView(w fyne.Window) fyne.CanvasObject {
	toolbar := widget.NewToolbar(
		widget.NewToolbarAction(theme.ContentAddIcon(), func() {}),
		widget.NewToolbarSeparator(),
		widget.NewToolbarAction(theme.MediaPlayIcon(), func() {}),
		widget.NewToolbarAction(theme.MediaStopIcon(), func() {}),
	)
	empty := widget.NewLabel("No sessions yet. Add one with + to receive or send an SRT feed.")
	empty.Alignment = fyne.TextAlignCenter
	return container.NewBorder(toolbar, nil, nil, nil, container.NewCenter(empty))
}
