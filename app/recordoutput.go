package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/session"
)

// Event kinds of a recording output, as the feed log and the recording DB
// name them (prefixed "output ", like every output's events).
const (
	EventSegmentOpened    session.EventKind = "segment-opened"
	EventSegmentClosed    session.EventKind = "segment-closed"
	EventSegmentRecovered session.EventKind = "segment-recovered"
	EventDiskFull         session.EventKind = "disk-full"
	EventRecordFailed     session.EventKind = "record-failed"
)

// Recording states as an OutputView's RecordState says them.
const (
	RecordRecording = "recording"
	RecordDiskFull  = "disk full"
	RecordFailed    = "failed"
	RecordStopped   = "stopped"
	RecordWaiting   = "waiting"
)

// RecordOutput is a feed's TS recording to disk (app/tsrecord) run as one
// of its outputs: Write queues without blocking, Run owns the files, and
// its events (segment opened and closed, disk full) come through Events.
type RecordOutput struct {
	cfg    session.RecordConfig
	rec    *tsrecord.Recorder
	events chan session.Event
}

// recordEventBuf bounds the events waiting for the feed loop; more are
// dropped (the Stats still count every segment).
const recordEventBuf = 64

// NewRecordOutput checks cfg with tsrecord's rules (creating the
// directory) and returns the recording of the feed named feed.
func NewRecordOutput(feed string, cfg session.RecordConfig) (*RecordOutput, error) {
	o := &RecordOutput{cfg: cfg, events: make(chan session.Event, recordEventBuf)}
	rec, err := tsrecord.New(tsrecord.Options{Dir: cfg.Dir, Feed: feed, Segment: cfg.Segment, SegmentBytes: cfg.SegmentBytes, OnEvent: o.onEvent})
	if err != nil {
		return nil, fmt.Errorf("app: recording to %s: %w", cfg.Dir, err)
	}
	o.rec = rec
	return o, nil
}

// Recorder is the tsrecord.Recorder behind the output.
func (o *RecordOutput) Recorder() *tsrecord.Recorder { return o.rec }

// Write implements Output: it never blocks (see tsrecord.Recorder.Write).
func (o *RecordOutput) Write(p []byte) (int, error) { return o.rec.Write(p) }

// Run implements Output: it records until ctx ends, or until the disk is
// full or writing fails (the error); Events is closed when it returns.
func (o *RecordOutput) Run(ctx context.Context) error {
	defer close(o.events)
	return o.rec.Run(ctx)
}

// Events are the recording's events in the words of the feed log; closed
// when Run returns.
func (o *RecordOutput) Events() <-chan session.Event { return o.events }

// onEvent turns a tsrecord event into a session.Event for the feed.
func (o *RecordOutput) onEvent(e tsrecord.Event) {
	var ev session.Event
	switch e := e.(type) {
	case tsrecord.SegmentOpened:
		ev = session.Event{Time: e.Time, Kind: EventSegmentOpened, Detail: "recording segment " + e.Path + tsrecord.LiveSuffix}
	case tsrecord.SegmentClosed:
		ev = session.Event{Time: e.Time, Kind: EventSegmentClosed, Detail: fmt.Sprintf("segment %s finished: %d bytes, %s", e.Segment.Path, e.Segment.Bytes, e.Segment.End.Sub(e.Segment.Start).Round(time.Second))}
	case tsrecord.SegmentRecovered:
		ev = session.Event{Time: e.Time, Kind: EventSegmentRecovered, Detail: fmt.Sprintf("segment %s left by a killed run recovered as %s (%d bytes)", e.From, e.Segment.Path, e.Segment.Bytes)}
	case tsrecord.RecoveryFailed:
		ev = session.Event{Time: e.Time, Kind: EventRecordFailed, Detail: fmt.Sprintf("segment %s left by a killed run not recovered: %v", e.Path, e.Err)}
	case tsrecord.DiskFull:
		ev = session.Event{Time: e.Time, Kind: EventDiskFull, Detail: fmt.Sprintf("disk full: recording stopped: %s (%d bytes written); the feed and its other outputs go on", e.Path, e.BytesWritten)}
	case tsrecord.Failed:
		ev = session.Event{Time: e.Time, Kind: EventRecordFailed, Detail: "recording stopped: " + e.Err.Error()}
	default:
		return
	}
	select {
	case o.events <- ev:
	default: // the loop is behind: the Stats still tell
	}
}

// Stats is the recording's snapshot.
func (o *RecordOutput) Stats() tsrecord.Stats { return o.rec.Stats() }

// Snapshot implements Output: connected while recording, with the bytes
// written as BytesSent and the cause when it stopped.
func (o *RecordOutput) Snapshot() session.OutputSample {
	st := o.rec.Stats()
	s := session.OutputSample{URL: o.cfg.Dir, Kind: session.OutputRecord, SkippedBytes: uint64(st.SkippedBytes)}
	s.Time = time.Now()
	s.BytesSent = uint64(st.BytesWritten)
	switch st.State {
	case tsrecord.StateRecording:
		s.State = session.StateConnected
	case tsrecord.StateIdle:
		s.State = session.StateConnecting
	default:
		s.State = session.StateDisconnected
	}
	s.LastError = st.Cause
	return s
}

// RecordingView is a recording output's own figures in a FeedView.
type RecordingView struct {
	State           string             `json:"state"` // RecordRecording, RecordDiskFull, ...
	Dir             string             `json:"dir"`
	Segment         string             `json:"segment,omitempty"` // the bound, "10m0s" or "500MB"
	BytesWritten    int64              `json:"bytes"`
	SkippedBytes    int64              `json:"skipped_bytes"`
	UnrecordedBytes int64              `json:"unrecorded_bytes"`
	Cause           string             `json:"cause,omitempty"`
	DiskFullPath    string             `json:"disk_full_path,omitempty"` // the segment the disk filled up in
	Current         *tsrecord.Segment  `json:"current,omitempty"`        // the live segment (its finished name)
	Segments        []tsrecord.Segment `json:"recordings"`               // finished, oldest first
}

// RecordingViewOf reads a recording's figures (the segment bound left
// out), as the CLI shows them.
func RecordingViewOf(st tsrecord.Stats) *RecordingView {
	return recordingView(session.RecordConfig{}, st)
}

// recordingView reads the recording's figures for the feed's view.
func recordingView(cfg session.RecordConfig, st tsrecord.Stats) *RecordingView {
	v := &RecordingView{Dir: st.Dir, Segment: cfg.SegmentText(), BytesWritten: st.BytesWritten, SkippedBytes: st.SkippedBytes,
		UnrecordedBytes: st.UnrecordedBytes, Cause: st.Cause, Current: st.Current, Segments: st.Segments}
	var df *tsrecord.DiskFullError
	switch {
	case errors.As(st.Err, &df):
		v.State, v.DiskFullPath = RecordDiskFull, df.Path
	case st.State == tsrecord.StateFailed:
		v.State = RecordFailed
	case st.State == tsrecord.StateRecording:
		v.State = RecordRecording
	case st.State == tsrecord.StateStopped:
		v.State = RecordStopped
	default:
		v.State = RecordWaiting
	}
	return v
}

// LivePath is the live segment's name on disk (with tsrecord.LiveSuffix),
// "" when none is open.
func (v *RecordingView) LivePath() string {
	if v == nil || v.Current == nil {
		return ""
	}
	return v.Current.Path + tsrecord.LiveSuffix
}

// recordDirs are the directories of a spec's recording outputs, absolute.
func recordDirs(spec FeedSpec) []string {
	var dirs []string
	for _, o := range spec.Outputs {
		if o.Kind == session.OutputRecord {
			if d, err := filepath.Abs(o.Record.Dir); err == nil {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}
