package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/report"
)

// ReportFileName suggests a file name for a session's report:
// "<feed>-<date>.<format>". Letters and digits of the feed name are kept,
// every run of anything else becomes one "-", so the name is safe on every
// file system and needs no quoting in a shell.
func ReportFileName(name string, started time.Time, f report.Format) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.TrimSpace(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
			continue
		}
		dash = true
	}
	clean := b.String()
	if clean == "" {
		clean = "session"
	}
	if r := []rune(clean); len(r) > 60 {
		clean = strings.TrimRight(string(r[:60]), "-")
	}
	return clean + "-" + started.Local().Format("2006-01-02") + "." + string(f)
}

// ExportSession loads session id from db and writes its report to path in
// format f, atomically (report.Export). progress, when set, is told how far
// it is (0..1). A save dialog creates the chosen file before the report is
// written: when the export fails and that file is still empty, it is
// removed, so no empty or partial file is left behind. It returns the size
// of the file written.
func ExportSession(ctx context.Context, db *record.DB, id int64, path string, f report.Format, progress func(float64)) (int64, error) {
	fail := func(err error) (int64, error) {
		removeIfEmpty(path)
		return 0, err
	}
	if db == nil {
		return fail(errors.New("app: sessions are not being recorded on this computer: there is nothing to export"))
	}
	s, err := db.Load(ctx, id)
	if err != nil {
		return fail(fmt.Errorf("app: reading session %d: %w", id, err))
	}
	if progress != nil {
		progress(0.05)
	}
	err = report.Export(path, s, f, report.Options{Progress: func(frac float64) {
		if progress != nil {
			progress(0.05 + 0.95*frac)
		}
	}})
	if err != nil {
		return fail(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0, fmt.Errorf("app: checking %s: %w", path, err)
	}
	return st.Size(), nil
}

// removeIfEmpty removes path when it is an empty regular file: the file a
// save dialog created for an export that failed.
func removeIfEmpty(path string) {
	if st, err := os.Stat(path); err == nil && st.Mode().IsRegular() && st.Size() == 0 {
		// Best effort: the export's own error is what the user needs, and
		// an empty file left behind harms nothing.
		_ = os.Remove(path)
	}
}

// SaveError puts a failure to create the file at path into words with what
// to do next (read-only folder, full disk, missing folder).
func SaveError(path string, err error) error {
	dir := filepath.Dir(path)
	var why string
	switch {
	case errors.Is(err, syscall.ENOSPC):
		why = "the disk is full: free some space or save to another disk"
	case errors.Is(err, syscall.EROFS), errors.Is(err, os.ErrPermission):
		why = "the folder " + dir + " is read-only for you: choose another folder"
	case errors.Is(err, syscall.ENOTDIR):
		why = dir + " is not a folder: choose an existing folder"
	case errors.Is(err, os.ErrNotExist):
		why = "the folder " + dir + " does not exist: choose an existing folder"
		if st, serr := os.Stat(dir); serr == nil && st.IsDir() {
			why = "the folder " + dir + " does not take new files: choose another folder"
		}
	default:
		why = "choose another folder or file name"
	}
	return fmt.Errorf("app: cannot save %s: %s (%w)", path, why, err)
}
