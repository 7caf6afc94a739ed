package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app/record"
)

func TestHistoryListsDeletesAndExports(t *testing.T) {
	test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(1100, 600))
	db := openDB(t)
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	recordSession(t, db, "Rehearsal", "192.0.2.5:40000", t0, 90)
	loud := recordSession(t, db, "Camera 1", "192.0.2.6:41000", t0.Add(time.Hour), 125,
		record.Alarm{Time: t0.Add(time.Hour + time.Minute), Severity: record.SeverityWarning, Kind: "rtt", Message: "RTT above 250 ms"},
		record.Alarm{Time: t0.Add(time.Hour + 2*time.Minute), Severity: record.SeverityCritical, Kind: "no-data", Message: "no packets for 3 s"},
		record.Alarm{Time: t0.Add(time.Hour + 3*time.Minute), Severity: record.SeverityCritical, Kind: "no-data", Message: "no packets for 3 s"})
	recordSession(t, db, "Stage B", "", t0.Add(2*time.Hour), 30)

	var exported []record.Summary
	h := newHistoryView(t.Context(), recordingsCtrl(t, db), w, func(s record.Summary) { exported = append(exported, s) })
	h.settled = settled
	w.SetContent(h.content)
	wait("load")

	if r, c := h.table.Length(); r != 3 || c != len(historyColumns) {
		t.Fatalf("table is %dx%d, want 3 sessions x %d columns", r, c, len(historyColumns))
	}
	tests := []struct {
		row  int
		want []string // name, peer, start, duration, worst alarms, state
	}{
		{0, []string{"Stage B", "—", t0.Add(2 * time.Hour).Local().Format("2006-01-02 15:04"), "30s", "none", "ended"}},
		{1, []string{"Camera 1", "192.0.2.6:41000", t0.Add(time.Hour).Local().Format("2006-01-02 15:04"), "2m5s", "critical: no data ×2; warning: rtt ×1", "ended"}},
	}
	for _, tt := range tests {
		for col, want := range tt.want {
			if got := historyCell(h.sessions[tt.row], col); got != want {
				t.Errorf("row %d column %q: %q, want %q", tt.row, historyColumns[col].title, got, want)
			}
		}
	}
	if !h.del.Disabled() || !h.exp.Disabled() {
		t.Error("delete and export are enabled with nothing selected")
	}
	if !strings.Contains(h.status.Text, "3 recorded session(s)") {
		t.Errorf("status %q", h.status.Text)
	}

	// Export hands the selected session to the export dialog.
	h.table.Select(widget.TableCellID{Row: 1, Col: 0})
	test.Tap(h.exp)
	if len(exported) != 1 || exported[0].ID != loud {
		t.Fatalf("export got %+v, want session %d", exported, loud)
	}

	// Delete asks first, then the row and the recording are gone.
	test.Tap(h.del)
	if !strings.Contains(overlayText(w), "Camera 1") {
		t.Fatalf("delete asked %q, want the session named", overlayText(w))
	}
	tapOverlayButton(t, w, "Yes")
	wait("delete")
	if r, _ := h.table.Length(); r != 2 || !strings.Contains(h.status.Text, `Deleted "Camera 1"`) {
		t.Errorf("after delete: %d rows, status %q", r, h.status.Text)
	}
	left, err := db.Sessions(context.Background())
	if err != nil || len(left) != 2 {
		t.Fatalf("database holds %d sessions (err %v), want 2", len(left), err)
	}
	for _, s := range left {
		if s.ID == loud {
			t.Error("the deleted session is still in the database")
		}
	}

	// A session being recorded can be exported but not deleted.
	rec, err := db.Start(context.Background(), record.NewSession{Name: "On air", URL: "srt://:9000", Mode: "listener"}, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rec.Close(time.Time{}) })
	h.reload()
	wait("load")
	h.table.Select(widget.TableCellID{Row: 0, Col: 0})
	if h.sessions[0].Name != "On air" || historyCell(h.sessions[0], 5) != "recording" {
		t.Fatalf("first row %q state %q, want the live recording", h.sessions[0].Name, historyCell(h.sessions[0], 5))
	}
	if !h.del.Disabled() || h.exp.Disabled() || !strings.Contains(h.status.Text, "stop the feed to delete it") {
		t.Errorf("live recording: delete enabled=%v export enabled=%v status %q", !h.del.Disabled(), !h.exp.Disabled(), h.status.Text)
	}
}
