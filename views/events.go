package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// eventLog lists a feed's events and alarms, newest first.
type eventLog struct {
	content fyne.CanvasObject
	list    *widget.List
	entries []app.LogEntry
}

func newEventLog() *eventLog {
	e := &eventLog{}
	e.list = widget.NewList(
		func() int { return len(e.entries) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			en := e.entries[len(e.entries)-1-i]
			l := o.(*widget.Label)
			l.TextStyle = fyne.TextStyle{Bold: en.Alarm}
			l.SetText(en.Time.Format("15:04:05") + "  " + en.Kind + ": " + en.Detail)
		},
	)
	e.content = e.list
	return e
}

func (e *eventLog) update(v app.FeedView) {
	if len(v.Log) == len(e.entries) && (len(v.Log) == 0 || v.Log[len(v.Log)-1] == e.entries[len(e.entries)-1]) {
		return
	}
	e.entries = v.Log
	e.list.Refresh()
}
