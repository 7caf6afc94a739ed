package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
)

// shortcuts are the keys the window answers, as Help > Keyboard shortcuts
// lists them: the key, then what it does.
var shortcuts = [][2]string{
	{"Ctrl+N", "new session"},
	{"Ctrl+K", "connect to an srtscope service"},
	{"Space", "start or stop the selected feed"},
	{"Arrows", "move between tiles on the wall"},
	{"Enter", "open the feed's detail"},
	{"Esc", "back to the wall; close a dialog (cancels a running latency wizard)"},
	{"Down / Up", "next / previous feed in the detail"},
	{"Ctrl+1 … Ctrl+6", "the detail's Charts, Media, Alarms, Events, Encoder hand-off and Outputs tabs"},
	{"Ctrl+Q", "quit (asks first while feeds are live)"},
}

// shortcutsContent lays the shortcuts out in two aligned columns: keys in
// bold on the left, what they do on the right.
func shortcutsContent() fyne.CanvasObject {
	grid := container.New(&pidTableLayout{cols: 2})
	for _, s := range shortcuts {
		grid.Add(widget.NewLabelWithStyle(s[0], fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		grid.Add(widget.NewLabel(s[1]))
	}
	return grid
}

// showShortcuts opens Help > Keyboard shortcuts; Esc or Close closes it.
func showShortcuts(w fyne.Window) {
	showDialog(dialog.NewCustom("Keyboard shortcuts", "Close", shortcutsContent(), w), w, nil)
}
