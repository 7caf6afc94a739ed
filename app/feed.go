package app

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
)

// feed is one monitored SRT session and everything hanging off it. Its
// goroutine (run) is the only writer of the fields below mu besides start
// and stop; views read snapshots through view.
type feed struct {
	id   FeedID
	opts *ControllerOptions

	mu             sync.Mutex
	spec           FeedSpec
	alarms         *Alarms
	cancel         context.CancelFunc
	done           chan struct{}
	receiver       *session.Receiver
	sample         session.Sample
	history        []session.Sample
	log            []LogEntry
	started        time.Time
	connectedSince time.Time
	insp           *LiveInspection // nil when the feed is not inspected
	mediaAnalysis  string
	mediaNote      string
	levels         *media.Levels
	ongoing        map[string]time.Time // media condition -> wall-clock onset
	inspection     *probe.Report
	// tuning is set while the latency wizard has the feed (wizard_run.go).
	tuning *tuning
}

// detectorLag is how long a condition has lasted when the analyser first
// reports it: freezedetect and silencedetect report once their minimum
// duration has passed, black is reported at its onset.
var detectorLag = map[string]time.Duration{
	media.KindFreeze:  2 * time.Second,
	media.KindSilence: 2 * time.Second,
}

func (f *feed) start() error { return f.startWith(nil, false) }

// startWith starts the feed. rec, when not nil, is an open recording to
// continue instead of starting a new one; the caller closes it when
// startWith fails. Only the latency wizard (byWizard) may start a feed it
// is tuning.
func (f *feed) startWith(rec *record.Recorder, byWizard bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.tuning != nil && !byWizard {
		return errTuning(f.spec.Name)
	}
	if f.cancel != nil {
		return nil
	}
	spec := f.spec
	ctx, cancel := context.WithCancel(context.Background())

	f.insp, f.levels, f.inspection = nil, nil, nil
	f.mediaAnalysis, f.mediaNote = "", ""
	f.ongoing = map[string]time.Time{}
	ropts := session.ReceiverOptions{}
	if spec.Inspect || spec.Media {
		f.insp = NewLiveInspection(ctx, LiveInspectionOptions{
			Media:             media.Config{FFmpegPath: f.opts.ffmpegPath(), Light: spec.LightMedia, OnEvent: f.onMediaEvent, OnLevels: f.onLevels},
			NoMedia:           !spec.Media,
			MissingFFmpegNote: "black and freeze detection needs ffmpeg: install it or set its path in Settings (silence and MP2 levels still work)",
		})
		if spec.Media {
			f.mediaAnalysis, f.mediaNote = f.insp.MediaAnalysis()
		}
		ropts.Sink = f.insp.Sink()
	}
	rcv, err := session.NewReceiver(spec.Config, ropts)
	if err != nil {
		cancel()
		if insp := f.insp; insp != nil {
			f.insp = nil
			// The analyser's callbacks take f.mu: close it without holding it.
			f.mu.Unlock()
			insp.Close()
			f.mu.Lock()
		}
		return err
	}
	sub := rcv.Subscribe(16, 256)
	f.receiver = rcv
	f.cancel = cancel
	f.done = make(chan struct{})
	f.started = time.Now()
	f.alarms = NewAlarms(spec.Thresholds)

	if rec == nil && f.opts.Recorder != nil {
		r, err := f.opts.Recorder.Start(ctx, record.NewSession{
			Name: spec.Name, URL: spec.Config.RedactedURL(), Mode: string(spec.Config.Mode),
			LatencyMs: spec.Config.LatencyMs, Started: f.started,
		}, record.Options{})
		if err == nil {
			rec = r
		} else {
			f.appendLog(LogEntry{Time: f.started, Kind: "recording", Detail: "not recording this session: " + err.Error()})
		}
	}
	go f.run(ctx, rcv, sub, rec, f.done)
	return nil
}

// stop ends a latency wizard running on the feed (the feed is not
// restarted) and stops the feed's session.
func (f *feed) stop() {
	f.stopTuning()
	f.halt()
}

// halt stops the feed's session and waits for it to finish.
func (f *feed) halt() {
	f.mu.Lock()
	cancel, done := f.cancel, f.done
	f.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// run owns the receiver for one start..stop span.
func (f *feed) run(ctx context.Context, rcv *session.Receiver, sub *session.Subscription, rec *record.Recorder, done chan struct{}) {
	runErr := make(chan error, 1)
	go func() { runErr <- rcv.Run(ctx) }()
	samples, events := sub.Samples, sub.Events
	lastInspection := time.Time{}
	for samples != nil || events != nil {
		select {
		case s, ok := <-samples:
			if !ok {
				samples = nil
				continue
			}
			f.onSample(s, rec, &lastInspection)
		case e, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			f.onEvent(e, rec)
		}
	}
	err := <-runErr
	f.mu.Lock()
	insp := f.insp
	f.mu.Unlock()
	// Close waits for the media analyser's output goroutine, whose
	// callbacks (onLevels, onMediaEvent) take f.mu: never hold it here.
	insp.Close()
	f.mu.Lock()
	if err != nil {
		f.appendLog(LogEntry{Time: time.Now(), Kind: "error", Detail: err.Error()})
	}
	f.cancel = nil
	f.connectedSince = time.Time{}
	f.sample.State = session.StateDisconnected
	if t := f.tuning; t != nil && rec != nil {
		// The latency wizard keeps this recording going (wizard_run.go).
		t.rec, rec = rec, nil
	}
	f.mu.Unlock()
	if rec != nil {
		rec.Close(time.Now())
	}
	close(done)
}

func (f *feed) onSample(s session.Sample, rec *record.Recorder, lastInspection *time.Time) {
	var rep *probe.Report
	if f.insp != nil {
		r := f.insp.Report()
		rep = &r
	}
	f.mu.Lock()
	f.sample = s
	f.history = append(f.history, s)
	if len(f.history) > HistoryLen {
		f.history = append(f.history[:0:0], f.history[len(f.history)-HistoryLen:]...)
	}
	obs := Observation{Sample: s, Running: true}
	if rep != nil {
		obs.CCErrors = rep.TR101290.CCError
		f.inspection = rep
	}
	now := time.Now()
	for kind, onset := range f.ongoing {
		d := now.Sub(onset)
		switch kind {
		case media.KindBlack:
			obs.Black = d
		case media.KindFreeze:
			obs.Frozen = d
		case media.KindSilence:
			obs.Silent = d
		}
	}
	changes := f.alarms.Observe(obs)
	for _, c := range changes {
		f.appendLog(LogEntry{Time: c.Time, Kind: "alarm " + string(c.Kind), Detail: c.Detail, Alarm: c.Raised})
	}
	name := f.spec.Name
	f.mu.Unlock()

	if rec != nil {
		rec.Sample(s)
		for _, c := range changes {
			if c.Raised {
				rec.Alarm(record.Alarm{Time: c.Time, Severity: recordSeverity(c.Kind), Kind: string(c.Kind), Message: c.Detail})
			}
		}
		if rep != nil && s.Time.Sub(*lastInspection) >= 10*time.Second {
			rec.Inspection(s.Time, *rep)
			*lastInspection = s.Time
		}
	}
	if f.opts.OnAlarm != nil {
		for _, c := range changes {
			if c.Raised {
				f.opts.OnAlarm(f.id, name, c)
			}
		}
	}
}

func recordSeverity(k AlarmKind) record.Severity {
	if severity[k] == HealthRed {
		return record.SeverityCritical
	}
	return record.SeverityWarning
}

func (f *feed) onEvent(e session.Event, rec *record.Recorder) {
	f.mu.Lock()
	switch e.Kind {
	case session.EventConnected:
		f.connectedSince = e.Time
	case session.EventDisconnected:
		f.connectedSince = time.Time{}
	}
	f.appendLog(LogEntry{Time: e.Time, Kind: string(e.Kind), Detail: e.Detail})
	f.mu.Unlock()
	if rec != nil {
		rec.Event(e)
	}
}

// onMediaEvent is called from the media analyser's goroutine.
func (f *feed) onMediaEvent(e media.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := time.Now()
	if e.EndS == 0 {
		if _, on := f.ongoing[e.Kind]; !on {
			f.ongoing[e.Kind] = now.Add(-detectorLag[e.Kind])
			f.appendLog(LogEntry{Time: now, Kind: e.Kind, Detail: e.Kind + " started"})
		}
		return
	}
	if _, on := f.ongoing[e.Kind]; on {
		delete(f.ongoing, e.Kind)
		f.appendLog(LogEntry{Time: now, Kind: e.Kind, Detail: e.Kind + " ended"})
	}
}

func (f *feed) onLevels(l media.Levels) {
	f.mu.Lock()
	f.levels = &l
	f.mu.Unlock()
}

// appendLog adds a log line; f.mu must be held.
func (f *feed) appendLog(e LogEntry) {
	f.log = append(f.log, e)
	if len(f.log) > LogLen {
		f.log = append(f.log[:0:0], f.log[len(f.log)-LogLen:]...)
	}
}

func (f *feed) view(full bool) FeedView {
	f.mu.Lock()
	defer f.mu.Unlock()
	v := FeedView{
		ID: f.id, Spec: f.spec, Running: f.cancel != nil, Tuning: f.tuning != nil, Sample: f.sample,
		Alarms: f.alarms.Active(), Health: f.alarms.Health(), Unacknowledged: f.alarms.Unacknowledged(),
		Started: f.started, ConnectedSince: f.connectedSince, Inspection: f.inspection,
		MediaAnalysis: f.mediaAnalysis, MediaNote: f.mediaNote, Levels: f.levels,
	}
	if f.receiver != nil {
		if err := f.receiver.LastError(); err != nil {
			v.LastError = err.Error()
		}
	}
	if full {
		v.History = append([]session.Sample(nil), f.history...)
		v.Log = append([]LogEntry(nil), f.log...)
		if f.insp != nil {
			if jpeg, ok := f.insp.Thumbnail(); ok {
				v.Thumbnail = jpeg
			}
		}
	} else if n := len(f.log); n > 0 {
		v.Log = []LogEntry{f.log[n-1]}
	}
	return v
}

// teeSink hands the received TS bytes to every analyser. Each of them is
// non-blocking or cheap; the session feeds it from its own bounded queue.
type teeSink []io.Writer

func (t teeSink) Write(p []byte) (int, error) {
	for _, w := range t {
		w.Write(p)
	}
	return len(p), nil
}

// lockedWriter serialises writes to a writer that is not safe for
// concurrent use.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
