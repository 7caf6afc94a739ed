package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/wizard"
	"github.com/srtscope/srtscope/session"
)

// ErrTuning is returned when a feed is asked to start, change or be tuned
// again while the latency wizard has it.
var ErrTuning = errors.New("app: the latency wizard is tuning this feed")

// ErrNotRestarted is returned by RunWizard when the feed could not be
// restarted afterwards, or was stopped by the operator during the wizard.
var ErrNotRestarted = errors.New("app: the feed was not restarted after the latency wizard")

func errTuning(name string) error {
	return fmt.Errorf("%w (%q): wait for it to finish or cancel it", ErrTuning, name)
}

// EventWizard is the kind of the feed log lines and recorded events the
// latency wizard writes.
const EventWizard session.EventKind = "wizard"

// EventAcknowledged is the kind of the log line and recorded event that
// say the operator acknowledged a feed's alarms.
const EventAcknowledged session.EventKind = "acknowledged"

// tuning is the latency wizard's mode of a feed's loop: the feed's own
// receiver is stopped (the wizard reconnects at every step on the same port
// or to the same peer), its recording stays open, and the wizard runs on a
// goroutine of its own that reports to the loop through msgs.
type tuning struct {
	cancel   context.CancelFunc
	msgs     chan wizardMsg
	original int // the latency the feed is restarted with, ms
	// stopped: the operator stopped the feed (or it is being removed)
	// during the wizard; it must not be restarted.
	stopped bool
	// waiting are Stop commands to answer once the wizard has let go.
	waiting []answer
	// result receives the outcome for RunWizard once the feed is back.
	result chan<- wizardOutcome
}

// wizardMsg is news from the wizard's goroutine: a log line for a finished
// step, or the end of the run.
type wizardMsg struct {
	line string
	done *wizardOutcome
}

// wizardOutcome is what RunWizard returns.
type wizardOutcome struct {
	res wizard.Result
	err error
}

// RunWizard runs the latency wizard on a connected feed. The feed's own
// receiver is stopped (the wizard reconnects at every step on the same port
// or to the same peer), the wizard runs, and on finish, failure or cancel
// (ctx) the feed is restarted with its original settings: the wizard only
// recommends; ApplyLatency sets the latency. The result is written to the
// feed's recording (the recording of the running session continues across
// the wizard) and the steps to the feed's event log.
//
// cfg.OriginalLatencyMs is taken from the feed. progress, when not nil, is
// called from the wizard's goroutine. A feed that is not connected is
// refused with an error wrapping wizard.ErrNotConnected and nothing is
// touched. The error is nil when the wizard finished with a
// recommendation; it wraps wizard.ErrCancelled when ctx ended.
func (c *Controller) RunWizard(ctx context.Context, id FeedID, cfg wizard.Config, progress func(wizard.Progress)) (wizard.Result, error) {
	f, err := c.get(id)
	if err != nil {
		return wizard.Result{}, err
	}
	out := make(chan wizardOutcome, 1)
	err = f.do(func(st *feedState) error { return st.startTuning(ctx, cfg, progress, out) })
	if err != nil {
		return wizard.Result{}, err
	}
	select {
	case o := <-out:
		return o.res, o.err
	case <-f.done:
		select {
		case o := <-out:
			return o.res, o.err
		default:
			return wizard.Result{}, fmt.Errorf("%w: %w", ErrNotRestarted, errFeedGone)
		}
	}
}

// startTuning puts the feed into the latency wizard's mode; the outcome
// goes to out once the feed is back (or stays stopped).
func (st *feedState) startTuning(ctx context.Context, cfg wizard.Config, progress func(wizard.Progress), out chan<- wizardOutcome) error {
	spec := st.spec
	cfg.OriginalLatencyMs = spec.Config.LatencyMs
	if cfg.OriginalLatencyMs == 0 {
		cfg.OriginalLatencyMs = session.DefaultLatencyMs
	}
	switch {
	case st.tune != nil:
		return errTuning(spec.Name)
	case st.run == nil || st.connectedSince.IsZero():
		return fmt.Errorf("app: %q is not connected, so the latency wizard did not start and nothing was changed: start the feed and wait until the peer is connected (%w)", spec.Name, wizard.ErrNotConnected)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	// The wizard ends with the caller's ctx or the feed's.
	wctx, cancel := context.WithCancel(ctx)
	stopWithFeed := context.AfterFunc(st.ctx, cancel)
	t := &tuning{cancel: func() { stopWithFeed(); cancel() }, msgs: make(chan wizardMsg, 8), original: cfg.OriginalLatencyMs, result: out}
	st.tune = t
	st.stopRun(false) // the recording goes on across the wizard
	st.status.setPhase(PhaseTuning, time.Now())
	st.wizardLog(fmt.Sprintf("latency wizard started at %d ms: each step reconnects the feed briefly", cfg.OriginalLatencyMs))

	quit := st.f.done
	send := func(m wizardMsg) {
		select {
		case t.msgs <- m:
		case <-quit:
		}
	}
	link := &wizard.SRTLink{Config: spec.Config}
	go func() {
		res, err := wizard.Run(wctx, link, cfg, func(p wizard.Progress) {
			if line := wizardLogLine(p); line != "" {
				send(wizardMsg{line: line})
			}
			if progress != nil {
				progress(p)
			}
		})
		send(wizardMsg{done: &wizardOutcome{res: res, err: err}})
	}()
	return nil
}

// onWizard takes in news from the wizard's goroutine.
func (st *feedState) onWizard(m wizardMsg) {
	if m.done == nil {
		st.wizardLog(m.line)
		return
	}
	st.endTuning(*m.done)
}

// finishTuning cancels the wizard and waits for its end (the loop is
// stopping or the feed is being stopped).
func (st *feedState) finishTuning() {
	t := st.tune
	t.cancel()
	for m := range t.msgs {
		if m.done != nil {
			st.endTuning(*m.done)
			return
		}
		st.wizardLog(m.line)
	}
}

// endTuning records the wizard's result, restarts the feed with its
// original settings unless it was stopped meanwhile, and answers RunWizard
// and any Stop that waited.
func (st *feedState) endTuning(o wizardOutcome) {
	t := st.tune
	t.cancel()
	st.tune = nil
	res := o.res
	if st.rec == nil && st.opts.Recorder != nil && !t.stopped {
		// The feed's recording ended by itself before the wizard took the
		// feed: record the rest of this session in a new one.
		st.rec = st.newRecording()
	}
	if st.rec != nil {
		if js, err := json.Marshal(res); err == nil {
			st.rec.WizardResult(time.Now(), js)
		}
	}
	st.wizardLog(wizardEndLine(res))

	err := o.err
	if t.stopped {
		st.wizardLog("latency wizard: the feed was stopped, so it stays stopped")
		st.closeRecording()
		err = joinWizardErr(o.err, fmt.Errorf("%w: %q was stopped during the wizard and stays stopped", ErrNotRestarted, st.spec.Name))
	} else {
		// Restart with the original settings (the spec is unchanged:
		// Update is refused while tuning).
		st.wizardLog(fmt.Sprintf("latency wizard: restarting the feed with its original latency %d ms", t.original))
		if startErr := st.startRun(); startErr != nil {
			startErr = fmt.Errorf("%w: %q: %w", ErrNotRestarted, st.spec.Name, startErr)
			st.wizardLog(startErr.Error())
			st.closeRecording()
			err = joinWizardErr(o.err, startErr)
		}
	}
	// Like a command's answer, the outcome goes out once the state it
	// leaves is published.
	st.replies = append(st.replies, func() { t.result <- wizardOutcome{res: res, err: err} })
	for _, w := range t.waiting {
		w(nil)
	}
}

// joinWizardErr keeps the wizard's own error (cancel, failure) first.
func joinWizardErr(runErr, err error) error {
	if runErr == nil {
		return err
	}
	return errors.Join(runErr, err)
}

// ApplyLatency sets the feed's latency (milliseconds) and restarts it when
// it was running, so the new latency is negotiated with the peer.
func (c *Controller) ApplyLatency(id FeedID, ms int) error {
	f, err := c.get(id)
	if err != nil {
		return err
	}
	return f.do(func(st *feedState) error {
		spec := st.spec
		old := spec.Config.LatencyMs
		if old == 0 {
			old = session.DefaultLatencyMs
		}
		spec.Config.LatencyMs = ms
		if err := spec.Config.Validate(); err != nil {
			return err
		}
		return st.reconfigure(spec, fmt.Sprintf("latency set to %d ms (was %d ms)", ms, old))
	})
}

// wizardLog adds a wizard line to the feed's event log and to its
// recording.
func (st *feedState) wizardLog(detail string) {
	now := time.Now()
	st.appendLog(LogEntry{Time: now, Kind: string(EventWizard), Detail: detail})
	if st.rec != nil {
		st.rec.Event(session.Event{Time: now, Kind: EventWizard, Detail: detail})
	}
}

// newRecording starts a recording for the feed like a start does; nil
// when it cannot (the reason goes to the feed log).
func (st *feedState) newRecording() *record.Recorder {
	spec := st.spec
	r, err := st.opts.Recorder.Start(st.ctx, record.NewSession{
		Name: spec.Name, URL: spec.Config.RedactedURL(), Mode: string(spec.Config.Mode),
		LatencyMs: spec.Config.LatencyMs, Started: time.Now(),
	}, record.Options{})
	if err != nil {
		st.wizardLog("latency wizard result not recorded: " + err.Error())
		return nil
	}
	return r
}

// wizardLogLine is the log line for a progress update: one per finished
// step, none for the rest.
func wizardLogLine(p wizard.Progress) string {
	s := p.Step
	if p.Tick || s == nil || p.Action.Kind == wizard.ActionFinish {
		return ""
	}
	what := fmt.Sprintf("step %dx RTT (%d ms)", s.Multiplier, s.LatencyMs)
	if p.Action.Phase == wizard.PhaseBaseline {
		what = fmt.Sprintf("baseline at %d ms", s.LatencyMs)
	}
	if s.Failed {
		return fmt.Sprintf("latency wizard %s failed: %s", what, s.Error)
	}
	return fmt.Sprintf("latency wizard %s: RTT %.1f ms, lost %d, recovered %d, dropped %d, %.2f Mbit/s",
		what, s.RTTMs, s.PktsLost, s.PktsRecovered, s.PktsDropped, s.RecvMbps)
}

// wizardEndLine says how the wizard ended.
func wizardEndLine(r wizard.Result) string {
	switch {
	case r.Recommended != nil:
		return fmt.Sprintf("latency wizard recommends %d ms (%dx RTT): %s", r.Recommended.LatencyMs, r.Recommended.Multiplier, r.Recommended.Reason)
	case r.Status == wizard.PhaseCancelled:
		return fmt.Sprintf("latency wizard cancelled: the original latency %d ms stays", r.OriginalLatencyMs)
	case r.Error != "":
		return "latency wizard failed: " + r.Error
	}
	return "latency wizard ended: " + string(r.Status)
}
