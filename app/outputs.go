package app

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/session"
)

// Output is what a feed forwards its received TS bytes to: an SRT caller,
// an SRT listener with its pullers, a UDP destination (session.NewOutput),
// or anything else with the same three methods. Write must never block: it
// copies into its own bounded queue or counts the bytes as skipped. Run
// works until ctx ends. Snapshot is safe from any goroutine. An output
// that also has Subscribe(int) *session.Subscription gets its events into
// the feed's log and recording.
type Output interface {
	Write(p []byte) (int, error)
	Run(ctx context.Context) error
	Snapshot() session.OutputSample
}

// eventSource is an Output whose events the feed logs.
type eventSource interface {
	Subscribe(eventBuf int) *session.Subscription
}

// eventChannel is an Output that hands its events over a channel it closes
// when Run returns (a RecordOutput).
type eventChannel interface {
	Events() <-chan session.Event
}

// OutputView is one output of a feed as last sampled (once a second): its
// state and sender statistics, and how much its skipped and send-dropped
// counters grew since the sample before. A listener output lists its
// pullers, each with the same fields.
type OutputView struct {
	Index int // 1-based position among the feed's outputs; the metrics' output label
	session.OutputSample
	SkippedPerS     uint64       // growth of SkippedBytes over the last sample
	SendDroppedPerS uint64       // growth of PktsSendDropped over the last sample
	Failed          string       // why the output stopped, when it could not run
	Pullers         []OutputView // a listener output's pullers, one per peer
	// Recording is a record output's state, bytes and segments; nil for
	// the other kinds.
	Recording *RecordingView
	// PullPoint marks the implicit pull point of a feed on a port (callers
	// with m=request get the feed through it): it is no output of the
	// spec, so it cannot be removed.
	PullPoint bool
}

// Health judges the output for the wall: red when the destination loses
// the picture now (a caller or UDP output not sending, the sender
// dropping packets, bytes skipped because the output cannot keep up),
// amber when the headroom is gone (the send buffer holds a latency or
// more: not enough bandwidth). A listener output nobody pulls from is
// green: it waits. The reason says it in words; the worst puller counts.
func (v OutputView) Health() (Health, string) {
	h, why := HealthGreen, ""
	worse := func(nh Health, w string) {
		if nh > h {
			h, why = nh, w
		}
	}
	switch {
	case v.Recording != nil && v.Recording.State == RecordDiskFull:
		worse(HealthRed, "disk full: recording stopped: "+v.Recording.DiskFullPath)
	case v.Failed != "":
		worse(HealthRed, "output failed: "+v.Failed)
	case v.Kind == session.OutputRecord && v.State == session.StateConnecting:
		// waiting for its first bytes: nothing lost yet
	case v.Kind == session.OutputRecord && v.State != session.StateConnected:
		cause := v.LastError
		if v.Recording != nil && v.Recording.Cause != "" {
			cause = v.Recording.Cause
		}
		worse(HealthRed, "recording stopped: "+cause)
	case v.Kind != session.OutputSRTListener && v.State != session.StateConnected:
		w := fmt.Sprintf("not connected to the destination (%s)", v.State)
		if v.Attempt > 0 {
			w = fmt.Sprintf("not connected, calling again (attempt %d)", v.Attempt)
		}
		if v.LastError != "" {
			w += ": " + v.LastError
		}
		worse(HealthRed, w)
	}
	if v.SendDroppedPerS > 0 {
		worse(HealthRed, fmt.Sprintf("the sender dropped %d packets too late to play in the last second: raise the output's latency or its bandwidth", v.SendDroppedPerS))
	}
	if v.SkippedPerS > 0 && v.State == session.StateConnected {
		w := "the output cannot keep up with the input"
		if v.LastError != "" {
			w = v.LastError
		}
		worse(HealthRed, fmt.Sprintf("skipped %d bytes in the last second: %s", v.SkippedPerS, w))
	}
	if v.LatencyMs > 0 && v.SndBufMs >= float64(v.LatencyMs) {
		worse(HealthAmber, fmt.Sprintf("send buffer %.0f ms at or above the latency %d ms: not enough bandwidth to the destination", v.SndBufMs, v.LatencyMs))
	}
	for _, p := range v.Pullers {
		if ph, pw := p.Health(); ph > h {
			h, why = ph, "puller "+p.Peer+": "+pw
		}
	}
	return h, why
}

// WorstOutput is the worst health among outputs, with its reason and the
// output's index (0 when all are green).
func WorstOutput(outs []OutputView) (Health, string, int) {
	h, why, idx := HealthGreen, "", 0
	for _, o := range outs {
		if oh, w := o.Health(); oh > h {
			h, why, idx = oh, w, o.Index
		}
	}
	return h, why, idx
}

// outputView turns a snapshot into a view, with the growth since prev
// (the view of the sample before, zero at first).
func outputView(index int, s session.OutputSample, prev OutputView) OutputView {
	v := OutputView{Index: index, OutputSample: s}
	v.Pullers = nil
	if s.SkippedBytes > prev.SkippedBytes && !prev.Time.IsZero() {
		v.SkippedPerS = s.SkippedBytes - prev.SkippedBytes
	}
	if s.PktsSendDropped > prev.PktsSendDropped && !prev.Time.IsZero() {
		v.SendDroppedPerS = s.PktsSendDropped - prev.PktsSendDropped
	}
	v.OutputSample.Pullers = nil
	for _, p := range s.Pullers {
		var before OutputView
		if i := slices.IndexFunc(prev.Pullers, func(x OutputView) bool { return x.Peer == p.Peer }); i >= 0 {
			before = prev.Pullers[i]
		}
		v.Pullers = append(v.Pullers, outputView(index, p, before))
	}
	return v
}

// runningOutput is one output started with a feed's run.
type runningOutput struct {
	url    string // how the log names it: a URL without its passphrase, or a path
	cfg    session.OutputConfig
	out    Output
	cancel context.CancelFunc
	done   chan struct{} // closed when Run has returned
	err    error         // Run's result, once done
	view   OutputView    // the last sample; the feed loop only
}

// outputEvent is an output's event on its way to the feed loop.
type outputEvent struct {
	out *runningOutput
	e   session.Event
}

// outputTee is the receiver's sink: the inspection (when on) and every
// output get each payload. The set of outputs can change while the
// receiver runs.
type outputTee struct {
	insp io.Writer // nil without inspection
	outs atomic.Pointer[[]io.Writer]
}

func newOutputTee(insp io.Writer) *outputTee {
	t := &outputTee{insp: insp}
	t.outs.Store(&[]io.Writer{})
	return t
}

// Write implements session.Sink. Outputs never block; the inspection's
// writers are non-blocking or cheap (see teeSink).
func (t *outputTee) Write(p []byte) (int, error) {
	if t.insp != nil {
		_, _ = t.insp.Write(p)
	}
	for _, w := range *t.outs.Load() {
		_, _ = w.Write(p)
	}
	return len(p), nil
}

// set replaces the outputs fed.
func (t *outputTee) set(outs []*runningOutput) {
	ws := make([]io.Writer, 0, len(outs))
	for _, o := range outs {
		ws = append(ws, o.out)
	}
	t.outs.Store(&ws)
}

// startOutput creates and starts one output of the run; its events go to
// events until the run ends.
// A record output records the TS of the feed named feed (app/tsrecord).
func startOutput(ctx context.Context, feed string, cfg session.OutputConfig, events chan<- outputEvent, wg *sync.WaitGroup) (*runningOutput, error) {
	var out Output
	var err error
	if cfg.Kind == session.OutputRecord {
		out, err = NewRecordOutput(feed, cfg.Record)
	} else {
		out, err = session.NewOutput(cfg, pullerStart)
	}
	if err != nil {
		return nil, fmt.Errorf("app: output %s: %w", cfg.RedactedURL(), err)
	}
	ro := runOutput(ctx, cfg.RedactedURL(), out, events, wg)
	ro.cfg = cfg
	return ro, nil
}

// runOutput runs out on its own goroutine with a context of its own; url
// names it in the log. Any Output runs this way (a TS recording too).
func runOutput(ctx context.Context, url string, out Output, events chan<- outputEvent, wg *sync.WaitGroup) *runningOutput {
	octx, cancel := context.WithCancel(ctx)
	ro := &runningOutput{url: url, out: out, cancel: cancel, done: make(chan struct{})}
	if src, ok := out.(eventChannel); ok {
		ch := src.Events()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range ch {
				select {
				case events <- outputEvent{out: ro, e: e}:
				case <-ctx.Done():
					for range ch { // Run closes it once it has returned
					}
					return
				}
			}
		}()
	} else if src, ok := out.(eventSource); ok {
		sub := src.Subscribe(256)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range sub.Events {
				select {
				case events <- outputEvent{out: ro, e: e}:
				case <-ctx.Done():
					sub.Close()
					return
				}
			}
		}()
	}
	go func() {
		defer close(ro.done)
		ro.err = out.Run(octx)
	}()
	return ro
}

// stop ends the output and waits for it.
func (ro *runningOutput) stop() {
	ro.cancel()
	<-ro.done
}

// outputLogKind is the feed log's kind for an output event.
func outputLogKind(e session.Event) string { return "output " + string(e.Kind) }

// outputLine words an output event for the feed log and recording.
func outputLine(index int, url string, e session.Event) string {
	return fmt.Sprintf("output %d (%s): %s", index, url, e.Detail)
}

// sampleOutputs refreshes the views of the run's outputs.
func sampleOutputs(outs []*runningOutput, now time.Time) []OutputView {
	views := make([]OutputView, 0, len(outs))
	for i, o := range outs {
		v := outputView(i+1, o.out.Snapshot(), o.view)
		v.Time = now
		if ro, ok := o.out.(*RecordOutput); ok {
			v.Recording = recordingView(o.cfg.Record, ro.Stats())
			if dt := now.Sub(o.view.Time).Seconds(); !o.view.Time.IsZero() && dt > 0 && v.BytesSent >= o.view.BytesSent {
				v.SendMbps = float64(v.BytesSent-o.view.BytesSent) * 8 / dt / 1e6 // written to disk
			}
		}
		select {
		case <-o.done:
			if o.err != nil {
				v.Failed = o.err.Error()
			}
		default:
		}
		o.view = v
		views = append(views, v)
	}
	return views
}

// allOutputs are the run's outputs and its pull point, if any.
func (r *feedRun) allOutputs() []*runningOutput {
	if r.pull == nil {
		return r.outs
	}
	return append(slices.Clone(r.outs), r.pull)
}

// setTee feeds the run's outputs and pull point from the receiver.
func (r *feedRun) setTee() { r.tee.set(r.allOutputs()) }

// sampleOutputs refreshes the views of the run's outputs, then its pull
// point's (PullPoint set), which follows them.
func (r *feedRun) sampleOutputs(now time.Time) []OutputView {
	views := sampleOutputs(r.outs, now)
	if r.pull != nil {
		v := outputView(len(r.outs)+1, r.pull.out.Snapshot(), r.pull.view)
		v.Time, v.PullPoint = now, true
		r.pull.view = v
		views = append(views, v)
	}
	return views
}

// pullPointName is how a port feed's pull point is named in its rows and
// events: the port and the streamid a puller gives.
func pullPointName(spec FeedSpec) string {
	return fmt.Sprintf("srt://%s?streamid=#!::r=%s,m=request", spec.Port, spec.Config.StreamID)
}

// NewPullPoint is the pull point of the feed name on the port at addr
// (":9000"), with the feed's SRT settings cfg: the connections of callers
// with m=request for name are handed to its AddPuller, and each puller
// starts at a random access point. The Controller gives every feed on a
// port one; watch --by-streamid does the same.
func NewPullPoint(addr, name string, cfg session.Config) *session.ListenerOutput {
	return session.NewPullPoint(pullPointName(FeedSpec{Port: addr, Config: session.Config{StreamID: name}}), cfg, pullerStart)
}

// pullerStart makes a decoder that starts pulling a live feed start at a
// random access point, after the PAT and PMT.
var pullerStart = session.OutputOptions{PullerGate: func() func(dst, p []byte) ([]byte, bool) {
	return tsrecord.NewStartGate().Next
}}

// failedOutput stands for an output that could not be created, so that the
// feed's outputs keep their positions.
func failedOutput(cfg session.OutputConfig, err error) *runningOutput {
	ro := &runningOutput{url: cfg.RedactedURL(), cfg: cfg, out: deadOutput{url: cfg.RedactedURL(), kind: cfg.Kind}, cancel: func() {}, done: make(chan struct{}), err: err}
	close(ro.done)
	return ro
}

// deadOutput takes nothing and reports itself disconnected.
type deadOutput struct {
	url  string
	kind session.OutputKind
}

func (d deadOutput) Write(p []byte) (int, error) { return len(p), nil }
func (d deadOutput) Run(context.Context) error   { return nil }
func (d deadOutput) Snapshot() session.OutputSample {
	s := session.OutputSample{URL: d.url, Kind: d.kind}
	s.State = session.StateDisconnected
	return s
}

// onOutputEvent logs and records an output's event.
func (st *feedState) onOutputEvent(oe outputEvent) {
	r := st.run
	if r == nil {
		return
	}
	idx := slices.Index(r.outs, oe.out) + 1
	if idx == 0 {
		return // removed meanwhile
	}
	e := oe.e
	line := outputLine(idx, oe.out.url, e)
	st.appendLog(LogEntry{Time: e.Time, Kind: outputLogKind(e), Detail: line})
	if st.rec != nil {
		rec := e
		rec.Kind = session.EventKind(outputLogKind(e))
		rec.Detail = line
		st.rec.Event(rec)
	}
}

// recordOutput is the recorded form of an output's (or puller's) view.
func recordOutput(v OutputView) record.OutputSample {
	return record.OutputSample{Time: v.Time, Output: v.Index, URL: v.URL, Kind: string(v.Kind), Peer: v.Peer, State: string(v.State),
		SenderFigures: v.SenderFigures, SkippedBytes: v.SkippedBytes}
}

// MaxOutputs bounds a feed's outputs: each one is a copy of the stream on
// the uplink.
const MaxOutputs = 16

// validateSpec checks a feed's input and outputs; an output's error names
// its number.
func validateSpec(spec FeedSpec) error {
	if err := spec.Config.Validate(); err != nil {
		return err
	}
	if len(spec.Outputs) > MaxOutputs {
		return fmt.Errorf("app: %d outputs: at most %d per feed", len(spec.Outputs), MaxOutputs)
	}
	for i, o := range spec.Outputs {
		if err := o.Validate(); err != nil {
			return fmt.Errorf("app: output %d (%s): %w", i+1, o.RedactedURL(), err)
		}
	}
	return nil
}

// AddOutput gives a feed one more output; a running feed starts it at once
// (the input carries on). The URL is validated as session.ParseOutputURL
// does.
func (c *Controller) AddOutput(id FeedID, cfg session.OutputConfig) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("app: output %s: %w", cfg.RedactedURL(), err)
	}
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.do(func(st *feedState) error {
		if st.tune != nil {
			return errTuning(st.spec.Name)
		}
		if len(st.spec.Outputs) >= MaxOutputs {
			return fmt.Errorf("app: feed %q has %d outputs, the most allowed: remove one first", st.spec.Name, MaxOutputs)
		}
		spec := st.spec
		spec.Outputs = append(slices.Clone(spec.Outputs), cfg)
		st.spec = spec
		st.appendLog(LogEntry{Time: time.Now(), Kind: "output added", Detail: fmt.Sprintf("output %d added: %s", len(spec.Outputs), cfg.RedactedURL())})
		if r := st.run; r != nil {
			ro, err := startOutput(st.run.ctx, st.spec.Name, cfg, r.outEvents, &r.outWG)
			if err != nil {
				ro = failedOutput(cfg, err)
			}
			r.outs = append(r.outs, ro)
			r.setTee()
			st.outputs = r.sampleOutputs(time.Now())
		}
		return nil
	})
}

// RemoveOutput stops and removes a feed's output by its 1-based index; the
// outputs after it move up one place.
func (c *Controller) RemoveOutput(id FeedID, index int) error {
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.do(func(st *feedState) error {
		if st.tune != nil {
			return errTuning(st.spec.Name)
		}
		if index < 1 || index > len(st.spec.Outputs) {
			return fmt.Errorf("app: output %d: feed %q has outputs 1..%d", index, st.spec.Name, len(st.spec.Outputs))
		}
		spec := st.spec
		gone := spec.Outputs[index-1]
		spec.Outputs = slices.Delete(slices.Clone(spec.Outputs), index-1, index)
		st.spec = spec
		if r := st.run; r != nil {
			ro := r.outs[index-1]
			r.outs = slices.Delete(slices.Clone(r.outs), index-1, index)
			r.setTee()
			ro.stop()
			st.outputs = r.sampleOutputs(time.Now())
		} else if index-1 < len(st.outputs) {
			st.outputs = slices.Delete(slices.Clone(st.outputs), index-1, index)
		}
		st.appendLog(LogEntry{Time: time.Now(), Kind: "output removed", Detail: fmt.Sprintf("output %d removed: %s", index, gone.RedactedURL())})
		return nil
	})
}
