package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/media"
	"github.com/srtscope/srtscope/session"
)

// errFeedGone is returned to a command sent to a feed that was removed or
// whose controller closed while the command waited.
var errFeedGone = errors.New("app: the feed was removed")

// feed is one monitored SRT session and everything hanging off it. One
// goroutine (loop) owns all of its state, from Add until Remove or the
// controller's end: the receiver and its subscription, the inspection, the
// recording, the alarms, the history and the latency wizard. Everyone else
// sends it commands and reads the immutable FeedView it publishes after
// every change; nothing outside the loop takes a lock on a feed.
type feed struct {
	id   FeedID
	cmds chan command
	snap atomic.Pointer[FeedView]
	// pull is the running pull point of a feed on a port (nil otherwise):
	// the port's accepting goroutine hands it callers with m=request.
	pull atomic.Pointer[session.ListenerOutput]
	quit chan struct{} // closed by Remove
	done chan struct{} // closed when the loop has ended and let go of everything
}

// command is a request to the feed's loop. run is called on the loop's
// goroutine with the loop's state and must answer exactly once, at once or
// later (Stop during the latency wizard answers when the wizard has let go
// of the feed).
type command struct {
	run   func(st *feedState, answer answer)
	reply chan error
}

// answer replies to a command. The reply goes out after the loop has
// published the state the command left, so the caller sees its effect.
type answer func(error)

// newFeed starts the loop of a stopped feed.
func newFeed(ctx context.Context, id FeedID, spec FeedSpec, opts *ControllerOptions, attach portAttacher) *feed {
	f := &feed{id: id, cmds: make(chan command), quit: make(chan struct{}), done: make(chan struct{})}
	st := &feedState{f: f, ctx: ctx, opts: opts, attach: attach, spec: spec, alarms: NewAlarms(spec.Thresholds),
		status: FeedStatus{Phase: PhaseStopped, Since: time.Now()}}
	st.publish()
	go f.loop(ctx, st)
	return f
}

// view returns the latest snapshot.
func (f *feed) view() FeedView { return *f.snap.Load() }

// call runs fn on the feed's loop and waits for its answer.
func (f *feed) call(fn func(st *feedState, answer answer)) error {
	reply := make(chan error, 1)
	select {
	case f.cmds <- command{run: fn, reply: reply}:
	case <-f.done:
		return errFeedGone
	}
	select {
	case err := <-reply:
		return err
	case <-f.done:
		// The loop may have answered just before it ended.
		select {
		case err := <-reply:
			return err
		default:
			return errFeedGone
		}
	}
}

// do runs fn on the feed's loop and returns its error at once.
func (f *feed) do(fn func(st *feedState) error) error {
	return f.call(func(st *feedState, answer answer) { answer(fn(st)) })
}

// close ends the loop (stopping the session and any latency wizard) and
// waits for it.
func (f *feed) close() {
	select {
	case <-f.quit:
	default:
		close(f.quit)
	}
	<-f.done
}

// feedRun is one start..stop span of the feed's receiver.
type feedRun struct {
	ctx     context.Context // the run's: ended by cancel
	cancel  context.CancelFunc
	rcv     *session.Receiver
	samples <-chan session.Sample
	events  <-chan session.Event
	ended   chan error // Run's result
	media   chan mediaMsg
	insp    *LiveInspection // nil when the feed is not inspected
	detach  func()          // a feed on a port: lets go of the port's router
	cues    CueTracker      // the SCTE-35 cues of insp already logged

	// The outputs, in the order of the spec's Outputs, fed by tee; their
	// events reach the loop through outEvents, carried by goroutines
	// counted in outWG.
	tee       *outputTee
	outs      []*runningOutput
	outEvents chan outputEvent
	outWG     sync.WaitGroup
	// pull is the pull point of a feed on a port: callers of the port with
	// m=request for the feed's name get its TS through it. It is no output
	// of the spec; its view follows the outputs'. Nil off a port.
	pull *runningOutput
}

// mediaMsg is a media analyser callback carried to the loop: an event,
// new audio levels or a new loudness reading.
type mediaMsg struct {
	event    *media.Event
	levels   *media.Levels
	loudness *media.Loudness
}

// feedState is what the loop owns. Only the loop goroutine touches it.
type feedState struct {
	f      *feed
	ctx    context.Context
	opts   *ControllerOptions
	attach portAttacher // hands the receiver of a feed on a port to the port

	spec           FeedSpec
	alarms         *Alarms
	sample         session.Sample
	history        []session.Sample // append-only between trims: snapshots share it
	log            []LogEntry       // likewise
	started        time.Time
	connectedSince time.Time
	lastError      string
	status         FeedStatus
	lastBytes      uint64 // BytesRecv of the last sample: data flows when it grows

	run            *feedRun         // nil while stopped
	rec            *record.Recorder // the recorded session, kept across the latency wizard
	recFailed      bool             // the recording could not start in this run
	lastInspection time.Time        // when the inspection was last recorded
	tune           *tuning          // non-nil while the latency wizard has the feed
	replies        []func()         // answers to send once the state is published

	mediaAnalysis string
	mediaNote     string
	levels        *media.Levels
	loudness      map[uint16]media.Loudness // latest EBU R128 reading per audio PID
	ongoing       map[string]time.Time      // media condition -> wall-clock onset
	inspection    *probe.Report
	thumbnail     []byte
	outputs       []OutputView // as last sampled
}

// detectorLag is how long a condition has lasted when the analyser first
// reports it: every detector (blackdetect through the parser's pending
// onset, freezedetect, silencedetect, and the bitstream silence check)
// reports a span once its minimum duration, media.MinEventS, has passed.
var detectorLag = map[string]time.Duration{
	media.KindBlack:   time.Duration(media.MinEventS * float64(time.Second)),
	media.KindFreeze:  time.Duration(media.MinEventS * float64(time.Second)),
	media.KindSilence: time.Duration(media.MinEventS * float64(time.Second)),
}

// loop is the feed's owner goroutine.
func (f *feed) loop(ctx context.Context, st *feedState) {
	defer close(f.done)
	defer st.shutdown()
	for {
		var (
			samples <-chan session.Sample
			events  <-chan session.Event
			ended   <-chan error
			mediaIn <-chan mediaMsg
			wiz     <-chan wizardMsg
			outEvs  <-chan outputEvent
		)
		if r := st.run; r != nil {
			samples, events, ended, mediaIn, outEvs = r.samples, r.events, r.ended, r.media, r.outEvents
		}
		if t := st.tune; t != nil {
			wiz = t.msgs
		}
		select {
		case <-ctx.Done():
			return
		case <-f.quit:
			return
		case c := <-f.cmds:
			c.run(st, st.answerer(c.reply))
		case s, ok := <-samples:
			if !ok {
				st.run.samples = nil
				continue
			}
			st.onSample(s)
		case e, ok := <-events:
			if !ok {
				st.run.events = nil
				continue
			}
			st.onEvent(e)
		case err := <-ended:
			st.endRun(err, true)
		case m := <-mediaIn:
			st.onMedia(m)
		case oe := <-outEvs:
			st.onOutputEvent(oe)
		case m := <-wiz:
			st.onWizard(m)
		}
		st.publish()
		st.sendReplies()
	}
}

// answerer returns the answer function for a command's reply channel.
func (st *feedState) answerer(reply chan<- error) answer {
	return func(err error) {
		st.replies = append(st.replies, func() { reply <- err })
	}
}

// sendReplies answers the commands done since the last snapshot. Reply
// channels are buffered: this never blocks.
func (st *feedState) sendReplies() {
	for _, r := range st.replies {
		r()
	}
	st.replies = st.replies[:0]
}

// publish makes the current state the feed's snapshot. The history and log
// slices are shared with the loop, which only appends past their length or
// replaces them with new arrays, so a snapshot never changes.
func (st *feedState) publish() {
	v := &FeedView{
		ID: st.f.id, Spec: st.spec, Running: st.run != nil, Tuning: st.tune != nil, Sample: st.sample,
		History: tail(st.history, HistoryLen), Log: tail(st.log, LogLen),
		Alarms: st.alarms.Active(), Health: st.alarms.Health(), Unacknowledged: st.alarms.Unacknowledged(),
		AlarmHistory: st.alarms.History(), HadAlarm: st.alarms.HadAlarm(), Status: st.status,
		Started: st.started, ConnectedSince: st.connectedSince, Inspection: st.inspection,
		MediaAnalysis: st.mediaAnalysis, MediaNote: st.mediaNote, Levels: st.levels,
		Thumbnail: st.thumbnail, LastError: st.lastError, Loudness: loudnessByPID(st.loudness),
		Outputs: st.outputs,
	}
	st.f.snap.Store(v)
}

// loudnessByPID is a copy of the loudness readings, ordered by PID: the
// loop keeps changing its map.
func loudnessByPID(m map[uint16]media.Loudness) []media.Loudness {
	if len(m) == 0 {
		return nil
	}
	out := make([]media.Loudness, 0, len(m))
	for _, l := range m {
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b media.Loudness) int { return int(a.PID) - int(b.PID) })
	return out
}

// tail is the last n elements of s, capped so that a reader's append
// copies instead of writing into the loop's array.
func tail[T any](s []T, n int) []T {
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return s[:len(s):len(s)]
}

// appendBounded appends v to s, keeping at most n elements visible. The
// backing array is replaced (never overwritten) when it has grown to twice
// n, so snapshots taken earlier stay intact.
func appendBounded[T any](s []T, v T, n int) []T {
	if len(s) >= 2*n {
		s = append(make([]T, 0, 2*n), s[len(s)-n+1:]...)
	}
	return append(s, v)
}

// shutdown stops everything the feed runs; the loop is ending.
func (st *feedState) shutdown() {
	if st.tune != nil {
		st.tune.stopped = true
		st.finishTuning()
	}
	st.stopRun(true)
	st.publish()
	st.sendReplies()
}

// startRun opens the feed's session with its settings. rec is kept when the
// feed already has a recording (the latency wizard's restart); otherwise a
// new recorded session starts.
func (st *feedState) startRun() error {
	if st.run != nil {
		return nil
	}
	spec := st.spec
	runCtx, cancel := context.WithCancel(st.ctx)
	r := &feedRun{ctx: runCtx, cancel: cancel, ended: make(chan error, 1), media: make(chan mediaMsg, 64), outEvents: make(chan outputEvent, 256)}

	st.levels, st.inspection, st.thumbnail = nil, nil, nil
	st.loudness = nil
	st.mediaAnalysis, st.mediaNote = "", ""
	st.ongoing = map[string]time.Time{}
	// The window's dropped count and its buffer gauge mean a libsrt
	// decoder's only with arrival times; the tap costs a loopback hop per
	// packet (session's package doc), which a feed pays for the truth.
	ropts := session.ReceiverOptions{Handed: spec.Port != "", ArrivalTap: spec.ArrivalTimed()}
	if spec.Inspect || spec.Media {
		// The analyser's callbacks run on its own goroutine: they hand
		// their news to the loop, and give up once the run is over.
		toLoop := func(m mediaMsg) {
			select {
			case r.media <- m:
			case <-runCtx.Done():
			}
		}
		r.insp = NewLiveInspection(runCtx, LiveInspectionOptions{
			Media: media.Config{
				FFmpegPath: st.opts.ffmpegPath(), Light: spec.LightMedia,
				OnEvent:    func(e media.Event) { toLoop(mediaMsg{event: &e}) },
				OnLevels:   func(l media.Levels) { toLoop(mediaMsg{levels: &l}) },
				OnLoudness: func(l media.Loudness) { toLoop(mediaMsg{loudness: &l}) },
			},
			NoMedia:           !spec.Media,
			MissingFFmpegNote: "black and freeze detection needs ffmpeg: install it or set its path in Settings (silence and MP2 levels still work)",
		})
		if spec.Media {
			st.mediaAnalysis, st.mediaNote = r.insp.MediaAnalysis()
		}
	}
	// The receiver's one sink is a tee to the inspection and every output.
	var insp io.Writer
	if r.insp != nil {
		insp = r.insp.Sink()
	}
	r.tee = newOutputTee(insp)
	ropts.Sink = r.tee
	rcv, err := session.NewReceiver(spec.Config, ropts)
	if err != nil {
		cancel()
		r.insp.Close()
		st.mediaAnalysis, st.mediaNote = "", ""
		return err
	}
	if spec.Port != "" {
		detach, err := st.attach(spec, rcv)
		if err != nil {
			cancel()
			r.insp.Close()
			st.mediaAnalysis, st.mediaNote = "", ""
			return err
		}
		r.detach = detach
	}
	sub := rcv.Subscribe(16, 256)
	r.rcv, r.samples, r.events = rcv, sub.Samples, sub.Events
	st.run = r
	st.started = time.Now()
	st.lastError = ""
	st.lastBytes = 0
	st.recFailed = false
	st.status = startStatus(spec.Config, st.started)
	st.status.Stream = spec.portStream()
	st.alarms = NewAlarms(spec.Thresholds)
	st.lastInspection = time.Time{}
	st.outputs = nil
	for i, oc := range spec.Outputs {
		ro, err := startOutput(runCtx, spec.Name, oc, r.outEvents, &r.outWG)
		if err != nil {
			// Validated when added: only a hand-edited workspace gets here.
			st.appendLog(LogEntry{Time: time.Now(), Kind: "output error", Detail: fmt.Sprintf("output %d not started: %v", i+1, err)})
			ro = failedOutput(oc, err)
		}
		r.outs = append(r.outs, ro)
	}
	if spec.Port != "" {
		pp := NewPullPoint(spec.Port, spec.Config.StreamID, spec.Config)
		r.pull = runOutput(runCtx, pullPointName(spec), pp, r.outEvents, &r.outWG)
		st.f.pull.Store(pp)
	}
	r.setTee()
	st.outputs = r.sampleOutputs(time.Now())
	go func() { r.ended <- rcv.Run(runCtx) }()
	return nil
}

// stopRun stops the receiver and waits for it; the recording is closed
// when closeRec (the latency wizard carries it on instead). Its active
// alarms clear: a stopped feed has none, though they stay latched until
// acknowledged.
func (st *feedState) stopRun(closeRec bool) {
	r := st.run
	if r == nil {
		if closeRec {
			st.closeRecording()
		}
		return
	}
	r.cancel()
	st.alarmChanges(st.alarms.ClearAll(time.Now(), "the feed was stopped"))
	st.endRun(<-r.ended, closeRec)
}

// endRun finishes a run whose receiver has returned err: what the
// subscription still holds is taken in, the analysers stop, the error is
// logged, and the recording is closed when closeRec.
func (st *feedState) endRun(err error, closeRec bool) {
	r := st.run
	r.cancel()
	if r.detach != nil {
		r.detach()
	}
	// Run closes the subscription when it returns: take in what is left.
	if r.samples != nil {
		for s := range r.samples {
			st.onSample(s)
		}
	}
	if r.events != nil {
		for e := range r.events {
			st.onEvent(e)
		}
	}
	// Close waits for the media analyser, whose callbacks give up now that
	// the run's context is cancelled.
	r.insp.Close()
	// The receiver has returned: nothing writes to the outputs any more.
	st.f.pull.Store(nil)
	for _, o := range r.allOutputs() {
		o.stop()
	}
	r.outWG.Wait()
	st.outputs = sampleOutputs(r.outs, time.Now()) // no pull point without a run
	for i := range st.outputs {
		// Stopped with the feed, whatever it was doing.
		st.outputs[i].State, st.outputs[i].Pullers = session.StateDisconnected, nil
	}
	if err != nil {
		st.appendLog(LogEntry{Time: time.Now(), Kind: "error", Detail: err.Error()})
	}
	st.refreshLastError()
	st.run = nil
	st.connectedSince = time.Time{}
	st.sample.State = session.StateDisconnected
	now := time.Now()
	if err != nil {
		st.status.Cause = err
		st.status.setPhase(PhaseFailed, now)
	} else {
		st.status.setPhase(PhaseStopped, now)
	}
	st.status.Peer, st.status.Attempt = "", 0
	if closeRec {
		st.closeRecording()
	}
}

// ensureRecording starts the recorded session once the run has shown it is
// up (it listens, calls or samples): a feed that failed to start is not
// recorded as a session.
func (st *feedState) ensureRecording() {
	if st.rec != nil || st.opts.Recorder == nil || st.run == nil || st.recFailed {
		return
	}
	spec := st.spec
	rec, err := st.opts.Recorder.Start(st.ctx, record.NewSession{
		Name: spec.Name, URL: spec.Config.RedactedURL(), Mode: string(spec.Config.Mode),
		LatencyMs: spec.Config.LatencyMs, Started: st.started,
	}, record.Options{})
	if err != nil {
		st.recFailed = true // once per run
		st.appendLog(LogEntry{Time: time.Now(), Kind: "recording", Detail: "not recording this session: " + err.Error()})
		return
	}
	st.rec = rec
}

// closeRecording ends the recorded session; when its last rows or its end
// time could not be written, the feed log says so.
func (st *feedState) closeRecording() {
	if st.rec != nil {
		now := time.Now()
		if err := st.rec.Close(now); err != nil {
			st.appendLog(LogEntry{Time: now, Kind: "recording", Detail: "recording not closed cleanly: " + err.Error()})
		}
		st.rec = nil
	}
}

func (st *feedState) onSample(s session.Sample) {
	var rep *probe.Report
	if r := st.run; r != nil && r.insp != nil {
		rp := r.insp.Report()
		rep = &rp
		if jpeg, ok := r.insp.Thumbnail(); ok {
			st.thumbnail = jpeg
		}
	}
	st.sample = s
	st.history = appendBounded(st.history, s, HistoryLen)
	if r := st.run; r != nil && (len(r.outs) > 0 || r.pull != nil) {
		st.outputs = r.sampleOutputs(s.Time)
	}
	st.refreshLastError()
	if s.BytesRecv > st.lastBytes {
		st.status.onData()
	}
	st.lastBytes = s.BytesRecv
	st.ensureRecording()
	obs := Observation{Sample: s, Running: true, EverConnected: st.status.EverConnected,
		Cause: st.status.Cause, Rejections: st.status.Rejections}
	if rep != nil {
		obs.CCErrors = rep.TR101290.CCError
		obs.PIDRates = pidRates(rep)
		st.inspection = rep
		st.cueEvents(*rep, s.Time)
	}
	now := time.Now()
	for kind, onset := range st.ongoing {
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
	obs.ShortTermLUFS, obs.HasLoudness = programmeLoudness(st.loudness)
	for _, o := range st.outputs {
		if o.Recording != nil && o.Recording.State == RecordDiskFull {
			obs.DiskFull = o.Recording.DiskFullPath
			break
		}
	}
	if rec := st.rec; rec != nil {
		rec.Sample(s)
		for _, o := range st.outputs {
			rec.Output(recordOutput(o))
			for _, p := range o.Pullers {
				rec.Output(recordOutput(p))
			}
		}
		if rep != nil && s.Time.Sub(st.lastInspection) >= 10*time.Second {
			rec.Inspection(s.Time, *rep)
			st.lastInspection = s.Time
		}
	}
	st.alarmChanges(st.alarms.Observe(obs))
}

// programmeLoudness is the short-term loudness the loudness alarms watch:
// that of the first audio PID analysed (the programme's main sound).
func programmeLoudness(m map[uint16]media.Loudness) (float64, bool) {
	first, ok := media.Loudness{}, false
	for pid, l := range m {
		if !ok || pid < first.PID {
			first, ok = l, true
		}
	}
	return first.ShortTermLUFS, ok
}

// cueEvents logs and records each SCTE-35 cue of rep not seen before.
func (st *feedState) cueEvents(rep probe.Report, at time.Time) {
	if st.run == nil {
		return
	}
	for _, e := range st.run.cues.New(rep, at) {
		st.appendLog(LogEntry{Time: e.Time, Kind: string(e.Kind), Detail: e.Detail})
		if st.rec != nil {
			st.rec.Event(e)
		}
	}
}

// alarmChanges logs alarms raised and cleared, records the raised ones and
// tells OnAlarm.
func (st *feedState) alarmChanges(changes []AlarmChange) {
	for _, c := range changes {
		st.appendLog(LogEntry{Time: c.Time, Kind: "alarm " + string(c.Kind), Detail: c.Detail, Alarm: c.Raised})
		if c.Raised && st.rec != nil {
			st.rec.Alarm(record.Alarm{Time: c.Time, Severity: recordSeverity(c.Kind), Kind: string(c.Kind), Message: c.Detail})
		}
		if c.Raised && st.opts.OnAlarm != nil {
			st.opts.OnAlarm(st.f.id, st.spec.Name, c)
		}
	}
}

// acknowledge marks the feed's alarms as seen, and says so in its log and
// recording.
func (st *feedState) acknowledge(now time.Time) {
	kinds := st.alarms.Acknowledge(now)
	if len(kinds) == 0 {
		return
	}
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	detail := "alarms acknowledged: " + strings.Join(names, ", ")
	st.appendLog(LogEntry{Time: now, Kind: string(EventAcknowledged), Detail: detail})
	if st.rec != nil {
		st.rec.Event(session.Event{Time: now, Kind: EventAcknowledged, Detail: detail})
	}
}

func recordSeverity(k AlarmKind) record.Severity {
	if severity[k] == HealthRed {
		return record.SeverityCritical
	}
	return record.SeverityWarning
}

func (st *feedState) onEvent(e session.Event) {
	switch e.Kind {
	case session.EventConnected:
		st.connectedSince = e.Time
	case session.EventDisconnected:
		st.connectedSince = time.Time{}
	}
	st.status.onEvent(e)
	st.appendLog(LogEntry{Time: e.Time, Kind: string(e.Kind), Detail: e.Detail})
	if e.Kind != session.EventError {
		st.ensureRecording()
	}
	if st.rec != nil {
		st.rec.Event(e)
	}
	st.refreshLastError()
}

// refreshLastError takes the receiver's latest failure, which a caller
// that keeps retrying changes while the feed runs.
func (st *feedState) refreshLastError() {
	if st.run == nil {
		return
	}
	st.lastError = ""
	if err := st.run.rcv.LastError(); err != nil {
		st.lastError = err.Error()
	}
}

// onMedia takes in a media analyser callback.
func (st *feedState) onMedia(m mediaMsg) {
	if m.levels != nil {
		st.levels = m.levels
	}
	if l := m.loudness; l != nil {
		if st.loudness == nil {
			st.loudness = map[uint16]media.Loudness{}
		}
		st.loudness[l.PID] = *l
	}
	e := m.event
	if e == nil {
		return
	}
	now := time.Now()
	_, on := st.ongoing[e.Kind]
	switch {
	case e.EndS == 0 && !on:
		st.ongoing[e.Kind] = now.Add(-detectorLag[e.Kind])
		st.appendLog(LogEntry{Time: now, Kind: e.Kind, Detail: e.Kind + " started"})
	case e.EndS != 0 && on:
		delete(st.ongoing, e.Kind)
		st.appendLog(LogEntry{Time: now, Kind: e.Kind, Detail: e.Kind + " ended"})
	}
}

// appendLog adds a line to the feed's event log.
func (st *feedState) appendLog(e LogEntry) {
	st.log = appendBounded(st.log, e, LogLen)
}

// teeSink hands the received TS bytes to every analyser. Each of them is
// non-blocking or cheap; the session feeds it from its own bounded queue.
// Write errors are dropped: only ffmpeg's analyser fails, once closed, and
// it reports its own end; the other analysers must still get the bytes.
type teeSink []io.Writer

func (t teeSink) Write(p []byte) (int, error) {
	for _, w := range t {
		_, _ = w.Write(p)
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
