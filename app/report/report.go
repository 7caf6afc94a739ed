package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/srtscope/srtscope/app/record"
)

// Format is an export format.
type Format string

// Export formats.
const (
	PDF  Format = "pdf"
	HTML Format = "html"
	CSV  Format = "csv"
	JSON Format = "json"
)

// Formats lists every export format.
var Formats = []Format{PDF, HTML, CSV, JSON}

// ParseFormat accepts pdf, html, csv or json (any case).
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range Formats {
		if f == k {
			return f, nil
		}
	}
	return "", fmt.Errorf("report: unknown format %q: use pdf, html, csv or json", s)
}

// FormatOf guesses the format from a file name's extension.
func FormatOf(path string) (Format, bool) {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	if ext == "htm" {
		ext = "html"
	}
	f, err := ParseFormat(ext)
	return f, err == nil
}

// Options tune an export.
type Options struct {
	// Generated is the time printed as the report's creation time (zero: now).
	Generated time.Time
	// Progress, when set, is told how far the export is (0..1).
	Progress func(frac float64)
}

func (o Options) progress(f float64) {
	if o.Progress != nil {
		o.Progress(f)
	}
}

func (o Options) generated() time.Time {
	if o.Generated.IsZero() {
		return time.Now()
	}
	return o.Generated
}

// Write writes session s in format f to w.
func Write(w io.Writer, s *record.Session, f Format, o Options) error {
	s = sanitize(s)
	var err error
	switch f {
	case PDF:
		err = writePDF(w, s, o)
	case HTML:
		err = writeHTML(w, s, o)
	case CSV:
		err = writeCSV(w, s, o)
	case JSON:
		err = writeJSON(w, s, o)
	default:
		return fmt.Errorf("report: unknown format %q: use pdf, html, csv or json", f)
	}
	if err != nil {
		return err
	}
	o.progress(1)
	return nil
}

// sanitize returns a copy of s whose URL surely holds no passphrase.
func sanitize(s *record.Session) *record.Session {
	c := *s
	var secrets []string
	c.Info.URL, secrets = record.RedactURL(s.Info.URL)
	c.Info.Name = record.Scrub(c.Info.Name, secrets)
	return &c
}

// Export writes session s in format f to the file at path, atomically: the
// data goes to a temporary file in the same folder that is renamed over
// path only once complete, so a failure (read-only folder, full disk)
// leaves no partial file.
func Export(path string, s *record.Session, f Format, o Options) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("report: cannot save %s: %s", path, explain(err, dir))
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			_ = tmp.Close()
			_ = os.Remove(name)
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if err := Write(bw, s, f, o); err != nil {
		return fmt.Errorf("report: cannot save %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("report: cannot save %s: %s", path, explain(err, dir))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("report: cannot save %s: %s", path, explain(err, dir))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("report: cannot save %s: %s", path, explain(err, dir))
	}
	if err := os.Chmod(name, 0o644); err != nil {
		return fmt.Errorf("report: cannot save %s: %s", path, explain(err, dir))
	}
	if err := os.Rename(name, path); err != nil {
		return fmt.Errorf("report: cannot save %s: %s", path, explain(err, dir))
	}
	ok = true
	return nil
}

// explain turns a file-system error into words with what to do.
func explain(err error, dir string) string {
	var errno syscall.Errno
	switch {
	case errors.Is(err, syscall.ENOSPC):
		return "the disk is full: free some space or save to another disk (" + err.Error() + ")"
	case errors.Is(err, syscall.EROFS), errors.Is(err, os.ErrPermission):
		return "the folder " + dir + " is read-only for you: choose another folder (" + err.Error() + ")"
	case errors.Is(err, syscall.ENOTDIR):
		return dir + " is not a folder: choose an existing folder (" + err.Error() + ")"
	case errors.Is(err, os.ErrNotExist):
		return "the folder " + dir + " does not exist: choose an existing folder (" + err.Error() + ")"
	case errors.As(err, &errno):
		return errno.Error() + ": choose another folder"
	}
	return err.Error()
}

func itoa(n int) string { return strconv.Itoa(n) }

// Generator names the program in reports; the command line sets the version.
var Generator = "srtscope"

func generator() string { return Generator }
