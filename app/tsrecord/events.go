package tsrecord

import (
	"errors"
	"fmt"
	"time"
)

// Event is something that happened to a recording: a SegmentOpened,
// SegmentClosed, SegmentRecovered, RecoveryFailed, DiskFull or Failed.
// Events are told, in order, to Options.OnEvent on Run's goroutine.
type Event interface{ event() }

// SegmentOpened says a new segment is being written, under Path's live
// name (Path + LiveSuffix).
type SegmentOpened struct {
	Time time.Time
	Path string // the name it gets when finished
}

// SegmentClosed says a segment was finished and has its final name.
type SegmentClosed struct {
	Time    time.Time
	Segment Segment
}

// SegmentRecovered says Run found a live segment of this feed left by a
// run that was killed, and gave it its finished name with all its whole
// TS packets.
type SegmentRecovered struct {
	Time    time.Time
	Segment Segment
	From    string // the live name it had
}

// RecoveryFailed says a live segment left by a killed run could not be
// renamed; it is left as it was and the recording goes on.
type RecoveryFailed struct {
	Time time.Time
	Path string
	Err  error
}

// DiskFull says the disk filled up, so the recording stopped. Path is the
// segment being written, which keeps what fitted (whole packets);
// BytesWritten counts the whole recording.
type DiskFull struct {
	Time         time.Time
	Path         string
	BytesWritten int64
	Err          *DiskFullError
}

// Failed says writing failed for another reason than a full disk, so
// the recording stopped.
type Failed struct {
	Time time.Time
	Err  error
}

func (SegmentOpened) event()    {}
func (SegmentClosed) event()    {}
func (SegmentRecovered) event() {}
func (RecoveryFailed) event()   {}
func (DiskFull) event()         {}
func (Failed) event()           {}

// DiskFullError is why a recording stopped when the disk filled up: Path
// is the segment being written (it keeps what fitted), Written the bytes
// the whole recording wrote. It unwraps to the system's error (ENOSPC).
type DiskFullError struct {
	Path    string
	Written int64
	Err     error
}

func (e *DiskFullError) Error() string {
	return fmt.Sprintf("tsrecord: disk full: recording stopped: %s (%d bytes written)", e.Path, e.Written)
}

// Unwrap returns the system's error.
func (e *DiskFullError) Unwrap() error { return e.Err }

// Errors Run returns before it records anything.
var (
	// ErrRunning is returned by a second call of Run.
	ErrRunning = errors.New("tsrecord: Run was already called")
	// ErrInUse is returned by Run when another Recorder of this process
	// records the same feed into the same directory.
	ErrInUse = errors.New("tsrecord: the feed is already being recorded into this directory")
)
