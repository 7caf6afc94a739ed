package views

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// alarmHistory is the detail's Alarms tab: every alarm of the feed, newest
// first, with when it was first seen, cleared and acknowledged. Alarms
// latch: a cleared one stays marked until the operator acknowledges it.
type alarmHistory struct {
	content fyne.CanvasObject
	summary *widget.Label
	rows    *fyne.Container
	shown   []app.AlarmRecord // what the rows show, to skip needless rebuilds
}

func newAlarmHistory() *alarmHistory {
	h := &alarmHistory{summary: widget.NewLabel("No alarms since the feed was added."), rows: container.NewVBox()}
	h.summary.Wrapping = fyne.TextWrapWord
	h.content = container.NewBorder(h.summary, nil, nil, nil, container.NewVScroll(h.rows))
	return h
}

// update shows v's alarm history (UI goroutine).
func (h *alarmHistory) update(v app.FeedView) {
	if sameRecords(h.shown, v.AlarmHistory) {
		return
	}
	h.shown = v.AlarmHistory
	h.rows.RemoveAll()
	latched := 0
	for i := len(v.AlarmHistory) - 1; i >= 0; i-- {
		r := v.AlarmHistory[i]
		if r.Latched() {
			latched++
		}
		l := widget.NewLabel(alarmRecordLine(r))
		l.Wrapping = fyne.TextWrapWord
		l.Selectable = true
		switch {
		case r.Active() && v.Health == app.HealthRed:
			l.Importance = widget.DangerImportance
		case r.Active() || r.Latched():
			l.Importance = widget.WarningImportance
		}
		h.rows.Add(l)
	}
	switch {
	case len(v.AlarmHistory) == 0:
		h.summary.SetText("No alarms since the feed was added.")
	case latched > 0:
		h.summary.SetText(fmt.Sprintf("%d of %d alarms wait to be acknowledged (Acknowledge, above). Newest first.", latched, len(v.AlarmHistory)))
	default:
		h.summary.SetText(fmt.Sprintf("%d alarms, all acknowledged. Newest first.", len(v.AlarmHistory)))
	}
}

// sameRecords reports whether two histories read alike.
func sameRecords(a, b []app.AlarmRecord) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Raised != b[i].Raised || a[i].Cleared != b[i].Cleared || a[i].Acked != b[i].Acked || a[i].Last.Detail != b[i].Last.Detail {
			return false
		}
	}
	return true
}

// alarmRecordLine is one alarm's life in words: "picture black for 3.0s ·
// first seen 18:02:11 · cleared 18:02:14 · acknowledged 18:05:00".
func alarmRecordLine(r app.AlarmRecord) string {
	s := fmt.Sprintf("%s · first seen %s", r.Last.Detail, clock(r.Raised))
	if r.Active() {
		s += " · still active"
	} else {
		s += " · cleared " + clock(r.Cleared)
		if r.ClearedBy != "" {
			s += " (" + r.ClearedBy + ")"
		}
	}
	if r.Latched() {
		s += " · not acknowledged yet"
	} else {
		s += " · acknowledged " + clock(r.Acked)
	}
	return s
}

// clock is a time of day as the operator reads it, with the date when it
// is not today.
func clock(t time.Time) string {
	if y, m, d := t.Date(); y != time.Now().Year() || m != time.Now().Month() || d != time.Now().Day() {
		return t.Format("2 Jan 15:04:05")
	}
	return t.Format("15:04:05")
}
