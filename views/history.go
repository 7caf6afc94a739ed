package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// showHistory opens File > Session history….
func (ui *mainUI) showHistory() {
	if err := ui.ctrl.RecordingsStatus(); err != nil {
		showInformation("Session history", noRecordingsText(err), ui.w)
		return
	}
	var d dialog.Dialog
	h := newHistoryView(ui.ctx, ui.ctrl, ui.w, func(s app.SessionSummary) {
		d.Hide()
		ui.showExport(s.ID, s.Name)
	})
	d = dialog.NewCustomWithoutButtons("Session history", h.content, ui.w)
	h.close = func() { d.Hide() }
	d.Resize(dialogSize(ui.w, fyne.NewSize(1060, 560)))
	showDialog(d, ui.w, nil)
}

// historyColumns are the columns of the history table.
var historyColumns = []struct {
	title string
	width float32
}{
	{"Name", 260}, {"Peer", 150}, {"Start", 140}, {"Duration", 90}, {"Worst alarms", 270}, {"State", 100},
}

// historyView lists past sessions newest first; the selected one can be
// deleted or exported.
type historyView struct {
	ctx    context.Context
	ctrl   *app.Controller
	w      fyne.Window
	export func(app.SessionSummary)
	close  func()
	// settled, when set (tests), is told each background action's name
	// once its result is on screen.
	settled func(action string)

	// Only touched on the UI goroutine.
	sessions []app.SessionSummary
	selected int
	table    *widget.Table
	status   *widget.Label
	del      *widget.Button
	exp      *widget.Button
	content  fyne.CanvasObject
}

func newHistoryView(ctx context.Context, ctrl *app.Controller, w fyne.Window, export func(app.SessionSummary)) *historyView {
	h := &historyView{ctx: ctx, ctrl: ctrl, w: w, export: export, selected: -1}
	h.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(h.sessions), len(historyColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < len(h.sessions) {
				o.(*widget.Label).SetText(historyCell(h.sessions[id.Row], id.Col))
			}
		})
	h.table.ShowHeaderColumn = false
	h.table.CreateHeader = func() fyne.CanvasObject { return widget.NewLabel("") }
	h.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(historyColumns) {
			l := o.(*widget.Label)
			l.TextStyle.Bold = true
			l.SetText(historyColumns[id.Col].title)
		}
	}
	for i, c := range historyColumns {
		h.table.SetColumnWidth(i, c.width)
	}
	h.table.OnSelected = func(id widget.TableCellID) {
		h.selected = id.Row
		h.enable()
	}
	h.status = widget.NewLabel("Reading the recordings…")
	h.status.Wrapping = fyne.TextWrapWord
	h.del = widget.NewButton("Delete…", h.confirmDelete)
	h.exp = widget.NewButton("Export report…", func() {
		if s, ok := h.current(); ok && h.export != nil {
			h.export(s)
		}
	})
	h.exp.Importance = widget.HighImportance
	refresh := widget.NewButton("Refresh", h.reload)
	closeBtn := widget.NewButton("Close", func() {
		if h.close != nil {
			h.close()
		}
	})
	h.enable()
	h.content = container.NewBorder(nil, container.NewVBox(h.status, container.NewHBox(closeBtn, refresh, h.del, h.exp)), nil, nil, h.table)
	h.reload()
	return h
}

// historyCell is the text of one cell.
func historyCell(s app.SessionSummary, col int) string {
	switch col {
	case 0:
		return s.Name
	case 1:
		if s.Peer == "" {
			return "—"
		}
		return s.Peer
	case 2:
		return s.Started.Local().Format("2006-01-02 15:04")
	case 3:
		return formatDuration(s.Duration())
	case 4:
		return worstAlarms(s)
	case 5:
		switch {
		case s.Recording:
			return "recording"
		case s.Interrupted:
			return "interrupted"
		}
		return "ended"
	}
	return ""
}

// worstAlarms says which alarms a session raised, worst first
// ("critical: no data ×2; warning: RTT high ×1"), or "none".
func worstAlarms(s app.SessionSummary) string {
	if len(s.Alarms) == 0 {
		return "none"
	}
	var parts []string
	var sev app.Severity
	for _, a := range s.Alarms {
		item := fmt.Sprintf("%s ×%d", strings.NewReplacer("-", " ", "_", " ").Replace(a.Kind), a.Count)
		if a.Severity != sev {
			sev = a.Severity
			item = string(sev) + ": " + item
			if len(parts) > 0 {
				parts[len(parts)-1] += ";"
			}
		} else if len(parts) > 0 {
			parts[len(parts)-1] += ","
		}
		parts = append(parts, item)
	}
	return strings.Join(parts, " ")
}

func (h *historyView) current() (app.SessionSummary, bool) {
	if h.selected < 0 || h.selected >= len(h.sessions) {
		return app.SessionSummary{}, false
	}
	return h.sessions[h.selected], true
}

func (h *historyView) enable() {
	if s, ok := h.current(); ok {
		h.del.Enable()
		h.exp.Enable()
		if s.Recording {
			// The database refuses it too; say why before the operator tries.
			h.del.Disable()
			h.say(fmt.Sprintf("%q is being recorded right now: stop the feed to delete it (its report can be exported already).", s.Name), false)
		}
	} else {
		h.del.Disable()
		h.exp.Disable()
	}
}

func (h *historyView) settle(action string) {
	if h.settled != nil {
		h.settled(action)
	}
}

// reload reads the history again.
func (h *historyView) reload() {
	type listing struct {
		sessions []app.SessionSummary
		used     int64
	}
	async(func() (listing, error) {
		ss, err := h.ctrl.Sessions(h.ctx)
		if err != nil {
			return listing{}, err
		}
		used, _ := h.ctrl.UsedBytes(h.ctx)
		return listing{ss, used}, nil
	}, func(l listing, err error) {
		defer h.settle("load")
		if err != nil {
			h.say(errorText(err), true)
			return
		}
		ss := l.sessions
		h.sessions = ss
		h.selected = -1
		h.table.UnselectAll()
		h.table.Refresh()
		h.enable()
		h.say(fmt.Sprintf("%d recorded session(s), %s of recordings in %s.", len(ss), formatSize(l.used), h.ctrl.RecordingsPath()), false)
	})
}

func (h *historyView) say(msg string, problem bool) {
	h.status.Importance = widget.MediumImportance
	if problem {
		h.status.Importance = widget.DangerImportance
	}
	h.status.SetText(msg)
}

func (h *historyView) confirmDelete() {
	s, ok := h.current()
	if !ok {
		return
	}
	showConfirm("Delete session", fmt.Sprintf("Delete the recording of %q from %s (%s)? Its report can no longer be exported.",
		s.Name, s.Started.Local().Format("2006-01-02 15:04"), formatDuration(s.Duration())), func(ok bool) {
		if ok {
			h.delete(s)
		}
	}, h.w)
}

// delete removes one recorded session.
func (h *historyView) delete(s app.SessionSummary) {
	async(func() (struct{}, error) { return struct{}{}, h.ctrl.DeleteSession(h.ctx, s.ID) }, func(_ struct{}, err error) {
		if err != nil {
			h.say(errorText(err), true)
			h.settle("delete")
			return
		}
		for i, x := range h.sessions {
			if x.ID == s.ID {
				h.sessions = append(h.sessions[:i:i], h.sessions[i+1:]...)
				break
			}
		}
		h.selected = -1
		h.table.UnselectAll()
		h.table.Refresh()
		h.enable()
		h.say(fmt.Sprintf("Deleted %q of %s.", s.Name, s.Started.Local().Format("2006-01-02 15:04")), false)
		h.settle("delete")
	})
}
