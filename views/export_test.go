package views

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/session"
)

// openDB opens a real recordings database in a temporary folder.
func openDB(t *testing.T) *record.DB {
	t.Helper()
	db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// recordSession records a closed session of n one-second samples with the
// given alarms and returns its ID.
// recordingsCtrl is a Controller over db (which the test closes).
func recordingsCtrl(t *testing.T, db *record.DB) *app.Controller {
	t.Helper()
	c := app.NewController(t.Context(), app.ControllerOptions{Recorder: db})
	t.Cleanup(c.Close)
	return c
}

func recordSession(t *testing.T, db *record.DB, name, peer string, t0 time.Time, n int, alarms ...record.Alarm) int64 {
	t.Helper()
	rec, err := db.Start(context.Background(), record.NewSession{Name: name, URL: "srt://:9000?mode=listener&passphrase=never-in-a-report", Mode: "listener", Peer: peer, LatencyMs: 200, Started: t0}, record.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec.Event(session.Event{Time: t0, Kind: session.EventConnected, Detail: "connected", Remote: peer})
	for i := range n {
		rec.Sample(session.Sample{Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected, Peer: peer,
			RTTMs: 30 + float64(i%7), LatencyMs: 200, RTTMultiplier: 6, RecvMbps: 4.5 + float64(i%3)/10,
			PktsRecv: uint64(i * 420), PktsLost: uint64(i / 3), PktsRetrans: uint64(i / 3), PktsDropped: uint64(i / 50), BytesRecv: uint64(i * 420 * 1316)})
	}
	for _, a := range alarms {
		rec.Alarm(a)
	}
	if err := rec.Close(t0.Add(time.Duration(n) * time.Second)); err != nil {
		t.Fatal(err)
	}
	return rec.ID()
}

func TestExportDialogWritesPDFAndFailsCleanly(t *testing.T) {
	test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	w.Resize(fyne.NewSize(900, 500))
	db := openDB(t)
	t0 := time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	cam := recordSession(t, db, "Camera 1", "192.0.2.5:40000", t0, 300,
		record.Alarm{Time: t0.Add(time.Minute), Severity: record.SeverityWarning, Kind: "rtt_high", Message: "RTT above 250 ms"})
	recordSession(t, db, "Stage B", "192.0.2.6:40000", t0.Add(time.Hour), 60)

	e := newExportDialog(t.Context(), recordingsCtrl(t, db), w, 0, "Camera 1")
	e.settled = settled
	w.SetContent(e.content)
	wait("load")
	if s, _, ok := e.chosen(); !ok || s.ID != cam {
		t.Fatalf("the dialog chose session %d, want the selected feed's latest recording %d", s.ID, cam)
	}
	if len(e.pick.Options) != 2 || e.export.Disabled() {
		t.Fatalf("options %q, export disabled %v", e.pick.Options, e.export.Disabled())
	}

	dir := t.TempDir()
	tests := []struct {
		name     string
		format   string
		path     string
		wantHead string // start of the file; "" = the export must fail
		wantErr  string
	}{
		{name: "pdf", format: "PDF", path: filepath.Join(dir, "Camera-1.pdf"), wantHead: "%PDF-"},
		{name: "html", format: "HTML", path: filepath.Join(dir, "Camera-1.html"), wantHead: "<!DOCTYPE html>"},
		// Tests run as root here, so a chmod 0555 folder stays writable:
		// a path under a regular file fails the same way for everyone.
		{name: "folder that cannot hold files", format: "PDF", path: filepath.Join(dir, "Camera-1.pdf", "report.pdf"), wantErr: "is not a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.format.SetSelected(tt.format)
			e.exportTo(tt.path)
			wait("export")
			data, err := os.ReadFile(tt.path)
			if tt.wantErr != "" {
				if err == nil {
					t.Errorf("a failed export left %s (%d bytes)", tt.path, len(data))
				}
				if !strings.Contains(e.status.Text, tt.wantErr) || e.progress.Visible() {
					t.Errorf("status %q (progress shown %v), want %q in words", e.status.Text, e.progress.Visible(), tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("no report written: %v; status %q", err, e.status.Text)
			}
			if !bytes.HasPrefix(bytes.TrimSpace(data), []byte(tt.wantHead)) {
				t.Errorf("%s starts %q, want %q", tt.path, data[:min(len(data), 20)], tt.wantHead)
			}
			if bytes.Contains(data, []byte("never-in-a-report")) {
				t.Error("the passphrase is in the report")
			}
			if e.progress.Value != 1 || !strings.Contains(e.status.Text, "Saved "+tt.path) {
				t.Errorf("progress %v, status %q", e.progress.Value, e.status.Text)
			}
		})
	}
	// Through the real save dialog: it opens in the last used folder with
	// the suggested name, creates the file, and the report replaces it.
	fyne.CurrentApp().Preferences().SetString("fyne:fileDialogLastFolder", storage.NewFileURI(dir).String())
	e.format.SetSelected("CSV")
	e.chooseFile()
	name := fileNameEntry(t, w)
	if want := "Camera-1-" + t0.Local().Format("2006-01-02") + ".csv"; name.Text != want {
		t.Errorf("suggested file name %q, want %q", name.Text, want)
	}
	tapOverlayButton(t, w, "Save")
	wait("export")
	csvPath := filepath.Join(dir, name.Text)
	if data, err := os.ReadFile(csvPath); err != nil || !bytes.Contains(data, []byte("rtt_ms")) {
		t.Errorf("CSV from the save dialog: %v, %.80q", err, data)
	}
	// The folder must hold only the two reports checked below.
	if err := os.Remove(csvPath); err != nil {
		t.Error(err)
	}
	// A name under a regular file: the dialog cannot create it; the error
	// is shown in words and nothing is left.
	e.chooseFile()
	name = fileNameEntry(t, w)
	name.SetText("Camera-1.pdf/report.csv")
	tapOverlayButton(t, w, "Save")
	if !strings.Contains(e.status.Text, "is not a folder") {
		t.Errorf("save dialog into a file: status %q", e.status.Text)
	}

	// Nothing but the two reports: no temporary or partial files.
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, en := range entries {
		names = append(names, en.Name())
	}
	if len(names) != 2 {
		t.Errorf("export folder holds %q, want only the two reports", names)
	}
	if got := fyne.CurrentApp().Preferences().String(prefReportFormat); got != "csv" {
		t.Errorf("last format remembered as %q, want csv", got)
	}
}

// fileNameEntry finds the file name entry of the open save dialog.
func fileNameEntry(t *testing.T, w fyne.Window) *widget.Entry {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatal("no save dialog open")
	}
	for _, o := range test.LaidOutObjects(top) {
		if e, ok := o.(*widget.Entry); ok && e.Visible() {
			return e
		}
	}
	t.Fatal("the save dialog has no file name entry")
	return nil
}

func TestExportDialogWithoutRecordings(t *testing.T) {
	test.NewTempApp(t)
	settled, wait := settledChan(t)
	w := test.NewTempWindow(t, nil)
	db := openDB(t)
	e := newExportDialog(t.Context(), recordingsCtrl(t, db), w, 0, "")
	e.settled = settled
	w.SetContent(e.content)
	wait("load")
	if !e.export.Disabled() || !strings.Contains(e.status.Text, "start a feed") {
		t.Errorf("with no recordings: export enabled=%v, status %q", !e.export.Disabled(), e.status.Text)
	}
}
