package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/report"
)

func TestReportFileName(t *testing.T) {
	day := time.Date(2026, 11, 21, 20, 0, 0, 0, time.Local)
	tests := []struct {
		name string
		f    report.Format
		want string
	}{
		{"Camera 1", report.PDF, "Camera-1-2026-11-21.pdf"},
		{"Demo: bars and tone (2% loss, 30 ms RTT)", report.HTML, "Demo-bars-and-tone-2-loss-30-ms-RTT-2026-11-21.html"},
		{`a/b\c*?"<>|`, report.CSV, "a-b-c-2026-11-21.csv"},
		{"Scène 2 — Zürich", report.PDF, "Scène-2-Zürich-2026-11-21.pdf"},
		{"  ", report.JSON, "session-2026-11-21.json"},
		{"../../etc/passwd", report.PDF, "etc-passwd-2026-11-21.pdf"},
	}
	for _, tt := range tests {
		if got := ReportFileName(tt.name, day, tt.f); got != tt.want {
			t.Errorf("ReportFileName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestExportSessionLeavesNoFileOnFailure(t *testing.T) {
	db, err := record.Open(filepath.Join(t.TempDir(), record.FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	id := recordSession(t, db, "cam", time.Now().Add(-time.Hour), 30)
	dir := t.TempDir()
	tests := []struct {
		name        string
		id          int64
		format      report.Format
		placeholder bool // the save dialog created an empty file first
		wantErr     string
	}{
		{name: "ok over the dialog's empty file", id: id, format: report.PDF, placeholder: true},
		{name: "unknown session", id: 999, format: report.PDF, placeholder: true, wantErr: "no such session"},
		{name: "unknown format", id: id, format: "xls", placeholder: true, wantErr: "unknown format"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, fmt.Sprintf("r%d.%s", i, tt.format))
			if tt.placeholder {
				if err := os.WriteFile(path, nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var last float64
			n, err := ExportSession(context.Background(), db, tt.id, path, tt.format, func(f float64) { last = f })
			_, statErr := os.Stat(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				if statErr == nil {
					t.Error("the failed export left a file behind")
				}
				return
			}
			if err != nil || n < 1000 || last != 1 {
				t.Errorf("export: %d bytes, progress %v, err %v", n, last, err)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the one report", len(entries))
	}
}

func TestSaveErrorInWords(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&os.PathError{Op: "open", Path: "/x/r.pdf", Err: syscall.EACCES}, "read-only for you"},
		{&os.PathError{Op: "open", Path: "/x/r.pdf", Err: syscall.EROFS}, "read-only for you"},
		{&os.PathError{Op: "write", Path: "/x/r.pdf", Err: syscall.ENOSPC}, "disk is full"},
		{&os.PathError{Op: "open", Path: "/x/r.pdf", Err: syscall.ENOENT}, "does not exist"},
	}
	// /proc exists but refuses new files (ENOENT): say so, not "missing".
	if got := SaveError("/proc/r.pdf", &os.PathError{Op: "open", Path: "/proc/r.pdf", Err: syscall.ENOENT}).Error(); !strings.Contains(got, "does not take new files") {
		t.Errorf("SaveError for /proc: %q", got)
	}
	for _, tt := range tests {
		if got := SaveError("/x/r.pdf", tt.err).Error(); !strings.Contains(got, tt.want) || !strings.Contains(got, "/x/r.pdf") {
			t.Errorf("SaveError(%v) = %q, want %q and the path", tt.err, got, tt.want)
		}
	}
}

// BenchmarkExportSession4h exports a recorded 4-hour session (14,400
// one-second samples) as PDF the way the GUI does: load from SQLite, then
// write atomically. Run: go test -run '^$' -bench ExportSession4h ./app/
func BenchmarkExportSession4h(b *testing.B) {
	db, err := record.Open(filepath.Join(b.TempDir(), record.FileName))
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	id := recordSession(b, db, "four hours", time.Now().Add(-5*time.Hour), 4*3600)
	dir := b.TempDir()
	for _, f := range []report.Format{report.PDF, report.HTML, report.CSV, report.JSON} {
		b.Run(string(f), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				n, err := ExportSession(context.Background(), db, id, filepath.Join(dir, "r."+string(f)), f, nil)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(n)/1e6, "MB")
			}
		})
	}
}
