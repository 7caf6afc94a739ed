package tsrecord

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Bounds and defaults of Options.
const (
	// DefaultSegment is the segment duration when neither Segment nor
	// SegmentBytes is set.
	DefaultSegment = 10 * time.Minute
	// MinSegment and MaxSegment bound Options.Segment.
	MinSegment = time.Second
	MaxSegment = 24 * time.Hour
	// MinSegmentBytes and MaxSegmentBytes bound Options.SegmentBytes
	// (1 MB and 1 TB, decimal).
	MinSegmentBytes = 1_000_000
	MaxSegmentBytes = 1_000_000_000_000

	// DefaultFlushEvery is how often queued bytes are written to the OS
	// when the queue does not fill sooner; MaxFlushEvery keeps what a
	// SIGKILL can lose under a second.
	DefaultFlushEvery = 250 * time.Millisecond
	MinFlushEvery     = 10 * time.Millisecond
	MaxFlushEvery     = time.Second

	// DefaultQueueBytes is the bounded queue between Write and Run: 2.7 s
	// of a 50 Mbit/s feed, for a disk that stalls now and then. It grows
	// to this only when Run falls behind.
	DefaultQueueBytes = 16 << 20
	MinQueueBytes     = 64 << 10
	MaxQueueBytes     = 1 << 30

	// MaxSyncEvery bounds Options.SyncEvery.
	MaxSyncEvery = time.Hour

	// MaxFeedName is the longest file-name prefix a feed name becomes.
	MaxFeedName = 64

	// SplitGrace is how long a segment that reached its bound waits for a
	// random access point before it is split at the next packet anyway.
	SplitGrace = 5 * time.Second
)

// Options configure a Recorder. Dir and Feed are required; the zero value
// of every other field means its default.
type Options struct {
	// Dir is the directory the segments go to; it is created (with its
	// parents) when missing and must be writable.
	Dir string
	// Feed names the feed; SafeName turns it into the segments' file-name
	// prefix.
	Feed string
	// Segment starts a new segment once the current one spans this long
	// (MinSegment..MaxSegment); 0 means no duration bound. When both
	// Segment and SegmentBytes are 0, Segment is DefaultSegment.
	Segment time.Duration
	// SegmentBytes starts a new segment once the current one holds this
	// many bytes (MinSegmentBytes..MaxSegmentBytes); 0 means no size bound.
	SegmentBytes int64
	// FlushEvery is how often Run hands queued bytes to the OS at the
	// latest (MinFlushEvery..MaxFlushEvery; 0 means DefaultFlushEvery).
	FlushEvery time.Duration
	// SyncEvery, when set, also fsyncs the live segment that often
	// (up to MaxSyncEvery), bounding what a power cut can lose; 0 means
	// fsync only when a segment is finished (see the package doc).
	SyncEvery time.Duration
	// QueueBytes bounds the bytes queued between Write and Run
	// (MinQueueBytes..MaxQueueBytes; 0 means DefaultQueueBytes).
	QueueBytes int
	// OnEvent, when set, is told of every Event. It is called on Run's
	// goroutine and must return quickly.
	OnEvent func(Event)
}

// OptionError says that an option or a flag has a value that is not
// allowed: which field, the value, and what is allowed. Err, when set, is
// the error that made the value unusable (a directory that cannot be
// created, for example).
type OptionError struct {
	Field   string // the Options field ("Segment") or the flag ("--segment")
	Value   string // the value as given
	Allowed string // what is allowed
	Err     error  // the cause, if any
}

func (e *OptionError) Error() string {
	s := fmt.Sprintf("tsrecord: %s %q: use %s", e.Field, e.Value, e.Allowed)
	if e.Err != nil {
		s += " (" + e.Err.Error() + ")"
	}
	return s
}

// Unwrap returns the cause.
func (e *OptionError) Unwrap() error { return e.Err }

// Wording of what the options allow, shared by New and FromFlags.
var (
	allowedSegment      = "0 (no duration bound) or a duration from 1s to 24h"
	allowedSegmentBytes = "0 (no size bound) or 1000000 (1 MB) to 1000000000000 (1 TB) bytes"
	allowedSegmentFlag  = "a Go duration from 1s to 24h (10m, 30s) or a size from 1MB to 1TB (500MB, 2GiB, 1.5GB)"
	allowedDir          = "a directory that exists or can be created, and can be written to"
	allowedFeed         = fmt.Sprintf("a name with at least one letter or digit (at most %d characters are kept)", MaxFeedName)
)

// validate checks o and fills in its defaults; the returned Options are
// what the Recorder uses, with Dir absolute and Feed made SafeName.
func (o Options) validate() (Options, error) {
	if o.Dir == "" {
		return o, &OptionError{Field: "Dir", Value: o.Dir, Allowed: allowedDir}
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return o, &OptionError{Field: "Dir", Value: o.Dir, Allowed: allowedDir, Err: err}
	}
	feed := SafeName(o.Feed)
	if feed == "" {
		return o, &OptionError{Field: "Feed", Value: o.Feed, Allowed: allowedFeed}
	}
	if o.Segment < 0 || o.Segment > 0 && (o.Segment < MinSegment || o.Segment > MaxSegment) {
		return o, &OptionError{Field: "Segment", Value: o.Segment.String(), Allowed: allowedSegment}
	}
	if o.SegmentBytes < 0 || o.SegmentBytes > 0 && (o.SegmentBytes < MinSegmentBytes || o.SegmentBytes > MaxSegmentBytes) {
		return o, &OptionError{Field: "SegmentBytes", Value: strconv.FormatInt(o.SegmentBytes, 10), Allowed: allowedSegmentBytes}
	}
	if o.Segment == 0 && o.SegmentBytes == 0 {
		o.Segment = DefaultSegment
	}
	switch {
	case o.FlushEvery == 0:
		o.FlushEvery = DefaultFlushEvery
	case o.FlushEvery < MinFlushEvery || o.FlushEvery > MaxFlushEvery:
		return o, &OptionError{Field: "FlushEvery", Value: o.FlushEvery.String(), Allowed: fmt.Sprintf("0 (the default, %v) or %v to %v", DefaultFlushEvery, MinFlushEvery, MaxFlushEvery)}
	}
	if o.SyncEvery < 0 || o.SyncEvery > MaxSyncEvery {
		return o, &OptionError{Field: "SyncEvery", Value: o.SyncEvery.String(), Allowed: "0 (fsync when a segment is finished) up to 1h"}
	}
	switch {
	case o.QueueBytes == 0:
		o.QueueBytes = DefaultQueueBytes
	case o.QueueBytes < MinQueueBytes || o.QueueBytes > MaxQueueBytes:
		return o, &OptionError{Field: "QueueBytes", Value: strconv.Itoa(o.QueueBytes), Allowed: fmt.Sprintf("0 (the default, %d) or %d to %d bytes", DefaultQueueBytes, MinQueueBytes, MaxQueueBytes)}
	}
	if err := checkWritableDir(dir); err != nil {
		return o, &OptionError{Field: "Dir", Value: o.Dir, Allowed: allowedDir, Err: err}
	}
	o.Dir, o.Feed = dir, feed
	return o, nil
}

// checkWritableDir creates dir if needed and proves it writable by
// creating and removing a file in it.
func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".tsrecord-check-*")
	if err != nil {
		return err
	}
	name := f.Name()
	return errors.Join(f.Close(), os.Remove(name))
}

// SafeName turns a feed name into a file-name prefix that is safe on
// Linux, macOS and Windows file systems: ASCII letters, digits, '-' and
// '.' are kept, every run of anything else becomes one '_', leading and
// trailing '_' and '.' are dropped and at most MaxFeedName bytes are kept.
// It returns "" when nothing is left.
func SafeName(feed string) string {
	var b strings.Builder
	under := false
	for _, r := range feed {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.'
		switch {
		case ok:
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
	}
	s := strings.Trim(b.String(), "_.")
	if len(s) > MaxFeedName {
		s = strings.TrimRight(s[:MaxFeedName], "_.")
	}
	if strings.Trim(s, "-") == "" { // only dashes left: nothing that names it
		return ""
	}
	return s
}
