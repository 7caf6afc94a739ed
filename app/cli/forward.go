package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/session"
)

// forwardFlag collects repeated --forward URL flags.
type forwardFlag []string

func (f *forwardFlag) String() string { return strings.Join(*f, ",") }

// Set implements flag.Value.
func (f *forwardFlag) Set(v string) error {
	*f = append(*f, v)
	return nil
}

// watchOutput is one row of the "outputs" array of watch's JSON lines: an
// output, or one puller of a listener output (then peer is the puller).
// Field names follow libsrt's sender statistics (DESIGN section 3).
type watchOutput struct {
	URL   string `json:"url"` // passphrase redacted
	Kind  string `json:"kind"`
	Peer  string `json:"peer"`
	State string `json:"state"`
	session.SenderFigures
	SkippedBytes uint64 `json:"skipped_bytes"`
	Attempt      int    `json:"attempt,omitempty"`
	// Bytes a record output wrote to its segments; State is then the
	// recording's: recording, disk full, failed or stopped.
	Bytes int64 `json:"bytes,omitempty"`
	// Segment is a record output's live segment (its name on disk).
	Segment string `json:"segment,omitempty"`
}

func rowOf(s session.OutputSample) watchOutput {
	return watchOutput{URL: s.URL, Kind: string(s.Kind), Peer: s.Peer, State: string(s.State), SenderFigures: s.Rounded(),
		SkippedBytes: s.SkippedBytes, Attempt: s.Attempt}
}

// forwarder runs watch's outputs: the --forward ones, then the --record
// one.
type forwarder struct {
	outs   []session.Output
	rec    *app.RecordOutput // nil without --record
	ctx    context.Context   // the outputs run until it ends
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// parseForwards validates every --forward URL; the error names the flag,
// the (redacted) value and what is allowed.
func parseForwards(urls []string) ([]session.OutputConfig, []string, error) {
	var cfgs []session.OutputConfig
	var notes []string
	for _, u := range urls {
		cfg, n, err := session.ParseOutputURL(u)
		if err != nil {
			var fe *session.FieldError
			if errors.As(err, &fe) {
				return nil, nil, fmt.Errorf("--forward %s: %s", redactedArg(u), fe.Message())
			}
			return nil, nil, fmt.Errorf("--forward %s: %w", redactedArg(u), err)
		}
		cfgs = append(cfgs, cfg)
		for _, x := range n {
			notes = append(notes, "--forward "+cfg.RedactedURL()+": "+x)
		}
	}
	return cfgs, notes, nil
}

// redactedArg is a URL as typed, with any passphrase replaced.
func redactedArg(u string) string {
	head, query, ok := strings.Cut(u, "?")
	if !ok {
		return fmt.Sprintf("%q", u)
	}
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if k, v, _ := strings.Cut(p, "="); strings.EqualFold(k, "passphrase") {
			parts[i] = fmt.Sprintf("%s=(%d characters)", k, len([]rune(v)))
		}
	}
	return fmt.Sprintf("%q", head+"?"+strings.Join(parts, "&"))
}

// startForwarder starts the outputs; their events go to onEvent (from
// their goroutines) prefixed with the output's number.
// rec, when not nil, is the recording, numbered after the outputs.
func startForwarder(ctx context.Context, cfgs []session.OutputConfig, rec *app.RecordOutput, onEvent func(int, session.Event)) (*forwarder, error) {
	ctx, cancel := context.WithCancel(ctx)
	f := &forwarder{ctx: ctx, cancel: cancel, rec: rec}
	if rec != nil {
		n := len(cfgs) + 1
		f.wg.Add(2)
		go func() {
			defer f.wg.Done()
			for e := range rec.Events() {
				onEvent(n, e)
			}
		}()
		go func() {
			defer f.wg.Done()
			if err := rec.Run(ctx); err != nil {
				var df *tsrecord.DiskFullError
				if !errors.As(err, &df) { // a full disk has its own event
					onEvent(n, session.Event{Kind: session.EventError, Detail: err.Error()})
				}
			}
		}()
	}
	for i, cfg := range cfgs {
		o, err := session.NewOutput(cfg, session.OutputOptions{})
		if err != nil {
			f.stop()
			return nil, err
		}
		sub := o.Subscribe(256)
		f.outs = append(f.outs, o)
		f.wg.Add(2)
		go func() {
			defer f.wg.Done()
			for e := range sub.Events {
				onEvent(i+1, e)
			}
		}()
		go func() {
			defer f.wg.Done()
			if err := o.Run(ctx); err != nil {
				onEvent(i+1, session.Event{Kind: session.EventError, Detail: err.Error()})
			}
		}()
	}
	return f, nil
}

// addRunning runs one more output, created elsewhere (a pull point), until
// the forwarder stops; its events go to onEvent.
func (f *forwarder) addRunning(o session.Output, onEvent func(session.Event)) {
	sub := o.Subscribe(256)
	f.outs = append(f.outs, o)
	f.wg.Add(2)
	go func() {
		defer f.wg.Done()
		for e := range sub.Events {
			onEvent(e)
		}
	}()
	go func() {
		defer f.wg.Done()
		_ = o.Run(f.ctx)
	}()
}

// sinks are the outputs as the receiver's sink writers.
func (f *forwarder) sinks() []io.Writer {
	if f == nil {
		return nil
	}
	ws := make([]io.Writer, 0, len(f.outs)+1)
	for _, o := range f.outs {
		ws = append(ws, o)
	}
	if f.rec != nil {
		ws = append(ws, f.rec)
	}
	return ws
}

// rows is one row per output, a listener output's pullers one per peer.
func (f *forwarder) rows() []watchOutput {
	if f == nil {
		return nil
	}
	rows := []watchOutput{}
	for _, o := range f.outs {
		s := o.Snapshot()
		if s.Kind == session.OutputSRTListener && len(s.Pullers) > 0 {
			for _, p := range s.Pullers {
				rows = append(rows, rowOf(p))
			}
			continue
		}
		rows = append(rows, rowOf(s))
	}
	if f.rec != nil {
		rows = append(rows, recordRow(f.rec))
	}
	return rows
}

// recordRow is the --record output's row: its state, bytes written and
// skipped, and the live segment.
func recordRow(r *app.RecordOutput) watchOutput {
	st := r.Stats()
	v := app.RecordingViewOf(st)
	row := watchOutput{URL: st.Dir, Kind: string(session.OutputRecord), State: v.State, SkippedBytes: uint64(st.SkippedBytes), Bytes: st.BytesWritten}
	row.Segment = v.LivePath()
	return row
}

// recordings are the --record output's segments, finished ones and the
// live one (once the recording has stopped, the last is finished too);
// nil without --record.
func (f *forwarder) recordings() []tsrecord.Segment {
	if f == nil || f.rec == nil {
		return nil
	}
	st := f.rec.Stats()
	segs := slices.Clone(st.Segments)
	if st.Current != nil {
		segs = append(segs, *st.Current)
	}
	if segs == nil {
		segs = []tsrecord.Segment{}
	}
	return segs
}

// stop ends every output and waits for them.
func (f *forwarder) stop() {
	if f == nil {
		return
	}
	f.cancel()
	f.wg.Wait()
}

// sinkTee writes to every writer; each is non-blocking or cheap.
type sinkTee []io.Writer

func (t sinkTee) Write(p []byte) (int, error) {
	for _, w := range t {
		_, _ = w.Write(p)
	}
	return len(p), nil
}

// newWatchRecording checks --record DIR and --segment (tsrecord.FromFlags,
// errors naming the flag) and makes the recording of the stream cfg
// receives: named by the streamid's name, else srt-PORT.
func newWatchRecording(dir, segment string, cfg session.Config) (*app.RecordOutput, error) {
	name := cfg.StreamID
	if ac, err := session.ParseStreamID(cfg.StreamID); err == nil && ac.Resource != "" {
		name = ac.Resource
	}
	if tsrecord.SafeName(name) == "" {
		name = fmt.Sprintf("srt-%d", cfg.Port)
	}
	o, err := tsrecord.FromFlags(dir, segment, name)
	if err != nil {
		return nil, err
	}
	return app.NewRecordOutput(name, session.RecordConfig{Dir: o.Dir, Segment: o.Segment, SegmentBytes: o.SegmentBytes})
}

// orDash is s, or "-" when empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
