package tsrecord

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// File-name parts of a segment: FEED_2026-12-07T07-30-00Z.ts when
// finished, with LiveSuffix appended while it is being written, and
// _001, _002... before the extension for further segments started in the
// same second.
const (
	Ext        = ".ts"
	LiveSuffix = ".part"
	TimeLayout = "2006-01-02T15-04-05Z" // UTC; sorts as text
)

// Name is what a segment's file name says.
type Name struct {
	Feed  string    // the feed's SafeName
	Start time.Time // when the segment started, UTC, to the second
	Seq   int       // 0 for the first segment started in that second
	Live  bool      // still being written (or left by a killed run)
}

var nameRE = regexp.MustCompile(`^(.+)_(\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ)(?:_(\d{3}))?\.ts(\.part)?$`)

// ParseName reads a segment's base file name; ok is false for any other
// file.
func ParseName(base string) (n Name, ok bool) {
	m := nameRE.FindStringSubmatch(base)
	if m == nil {
		return Name{}, false
	}
	t, err := time.Parse(TimeLayout, m[2])
	if err != nil {
		return Name{}, false
	}
	seq := 0
	if m[3] != "" {
		seq, _ = strconv.Atoi(m[3]) // three digits: cannot fail
		if seq == 0 {
			return Name{}, false // _000 is never written
		}
	}
	return Name{Feed: m[1], Start: t, Seq: seq, Live: m[4] != ""}, true
}

// String is the base file name of n.
func (n Name) String() string {
	s := n.Feed + "_" + n.Start.UTC().Format(TimeLayout)
	if n.Seq > 0 {
		s += fmt.Sprintf("_%03d", n.Seq)
	}
	s += Ext
	if n.Live {
		s += LiveSuffix
	}
	return s
}

// found is a segment file seen in a directory.
type found struct {
	Name
	path  string
	bytes int64
	mod   time.Time
}

// listSegments returns the segment files in dir (every feed's, live and
// finished), oldest first.
func listSegments(dir string) ([]found, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []found
	for _, e := range ents {
		n, ok := ParseName(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // gone since ReadDir
		}
		out = append(out, found{Name: n, path: filepath.Join(dir, e.Name()), bytes: info.Size(), mod: info.ModTime()})
	}
	slices.SortFunc(out, func(a, b found) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Seq, b.Seq), cmp.Compare(a.Feed, b.Feed))
	})
	return out, nil
}
