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

// tuning is one latency wizard run on a feed. The fields below cancel and
// done are guarded by the feed's mu.
type tuning struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when RunWizard has finished with the feed

	// stopped: the operator stopped the feed (or closed the controller)
	// during the wizard; it must not be restarted.
	stopped bool
	// rec is the feed's recording, handed over by the feed's run loop
	// when its receiver stopped, so that the wizard's result goes into the
	// same recorded session and the restarted feed carries on in it.
	rec *record.Recorder
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
// called from RunWizard's goroutine. A feed that is not connected is
// refused with an error wrapping wizard.ErrNotConnected and nothing is
// touched. The error is nil when the wizard finished with a
// recommendation; it wraps wizard.ErrCancelled when ctx ended.
func (c *Controller) RunWizard(ctx context.Context, id FeedID, cfg wizard.Config, progress func(wizard.Progress)) (wizard.Result, error) {
	f, err := c.get(id)
	if err != nil {
		return wizard.Result{}, err
	}
	f.mu.Lock()
	spec := f.spec
	cfg.OriginalLatencyMs = spec.Config.LatencyMs
	if cfg.OriginalLatencyMs == 0 {
		cfg.OriginalLatencyMs = session.DefaultLatencyMs
	}
	switch {
	case f.tuning != nil:
		f.mu.Unlock()
		return wizard.Result{}, errTuning(spec.Name)
	case f.cancel == nil || f.connectedSince.IsZero():
		f.mu.Unlock()
		return wizard.Result{}, fmt.Errorf("app: %q is not connected, so the latency wizard did not start and nothing was changed: start the feed and wait until the peer is connected (%w)", spec.Name, wizard.ErrNotConnected)
	}
	if err := cfg.Validate(); err != nil {
		f.mu.Unlock()
		return wizard.Result{}, err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	t := &tuning{cancel: cancel, done: make(chan struct{})}
	defer close(t.done)
	f.tuning = t
	f.mu.Unlock()

	f.halt() // the feed's run loop hands its recording to t.rec
	f.wizardLog(f.tuningRec(t), fmt.Sprintf("latency wizard started at %d ms: each step reconnects the feed briefly", cfg.OriginalLatencyMs))

	link := &wizard.SRTLink{Config: spec.Config}
	res, runErr := wizard.Run(wctx, link, cfg, func(p wizard.Progress) {
		if line := wizardLogLine(p); line != "" {
			f.wizardLog(f.tuningRec(t), line)
		}
		if progress != nil {
			progress(p)
		}
	})

	f.mu.Lock()
	rec, stopped := t.rec, t.stopped
	t.rec = nil
	f.mu.Unlock()
	if rec == nil && c.opts.Recorder != nil && !stopped {
		// The feed's recording ended by itself before the wizard took the
		// feed: record the rest of this session in a new one.
		rec = f.newRecording(spec)
	}
	if rec != nil {
		if js, err := json.Marshal(res); err == nil {
			rec.WizardResult(time.Now(), js)
		}
	}
	f.wizardLog(rec, wizardEndLine(res))

	if stopped {
		f.wizardLog(rec, "latency wizard: the feed was stopped, so it stays stopped")
		if rec != nil {
			rec.Close(time.Now())
		}
		f.mu.Lock()
		f.tuning = nil
		f.mu.Unlock()
		return res, joinWizardErr(runErr, fmt.Errorf("%w: %q was stopped during the wizard and stays stopped", ErrNotRestarted, spec.Name))
	}
	// Restart with the original settings (f.spec is unchanged: Update is
	// refused while tuning).
	f.wizardLog(rec, fmt.Sprintf("latency wizard: restarting the feed with its original latency %d ms", cfg.OriginalLatencyMs))
	startErr := f.startWith(rec, true)
	f.mu.Lock()
	f.tuning = nil
	f.mu.Unlock()
	if startErr != nil {
		startErr = fmt.Errorf("%w: %q: %w", ErrNotRestarted, spec.Name, startErr)
		f.wizardLog(rec, startErr.Error())
		if rec != nil {
			rec.Close(time.Now())
		}
		return res, joinWizardErr(runErr, startErr)
	}
	return res, runErr
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
	f.mu.Lock()
	spec, running, tuningNow := f.spec, f.cancel != nil, f.tuning != nil
	f.mu.Unlock()
	if tuningNow {
		return errTuning(spec.Name)
	}
	old := spec.Config.LatencyMs
	spec.Config.LatencyMs = ms
	if err := spec.Config.Validate(); err != nil {
		return err
	}
	f.halt()
	if err := c.Update(id, spec); err != nil {
		return err
	}
	if old == 0 {
		old = session.DefaultLatencyMs
	}
	f.mu.Lock()
	f.appendLog(LogEntry{Time: time.Now(), Kind: "latency", Detail: fmt.Sprintf("latency set to %d ms (was %d ms)", ms, old)})
	f.mu.Unlock()
	if !running {
		return nil
	}
	return f.start()
}

// stopTuning cancels a latency wizard running on the feed and waits until
// it has let go of the feed, which it then leaves stopped.
func (f *feed) stopTuning() {
	f.mu.Lock()
	t := f.tuning
	if t != nil {
		t.stopped = true
	}
	f.mu.Unlock()
	if t == nil {
		return
	}
	t.cancel()
	<-t.done
}

// tuningRec is the feed's recording the wizard holds (nil when none).
func (f *feed) tuningRec(t *tuning) *record.Recorder {
	f.mu.Lock()
	defer f.mu.Unlock()
	return t.rec
}

// wizardLog adds a wizard line to the feed's event log and, when rec is
// not nil, to the recording.
func (f *feed) wizardLog(rec *record.Recorder, detail string) {
	now := time.Now()
	f.mu.Lock()
	f.appendLog(LogEntry{Time: now, Kind: string(EventWizard), Detail: detail})
	f.mu.Unlock()
	if rec != nil {
		rec.Event(session.Event{Time: now, Kind: EventWizard, Detail: detail})
	}
}

// newRecording starts a recording for spec like a feed start does; nil
// when it cannot (the reason goes to the feed log).
func (f *feed) newRecording(spec FeedSpec) *record.Recorder {
	r, err := f.opts.Recorder.Start(context.Background(), record.NewSession{
		Name: spec.Name, URL: spec.Config.RedactedURL(), Mode: string(spec.Config.Mode),
		LatencyMs: spec.Config.LatencyMs, Started: time.Now(),
	}, record.Options{})
	if err != nil {
		f.wizardLog(nil, "latency wizard result not recorded: "+err.Error())
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
