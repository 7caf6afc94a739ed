package app

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/srtscope/srtscope/session"
)

// Health is a feed's traffic light.
type Health int

// Health levels, worst last.
const (
	HealthGreen Health = iota
	HealthAmber
	HealthRed
)

func (h Health) String() string {
	switch h {
	case HealthAmber:
		return "amber"
	case HealthRed:
		return "red"
	}
	return "green"
}

// AlarmKind names one alarm rule.
type AlarmKind string

// Alarm rules.
const (
	AlarmNoData   AlarmKind = "no-data"
	AlarmRTT      AlarmKind = "rtt"
	AlarmDropped  AlarmKind = "dropped"
	AlarmBitrate  AlarmKind = "bitrate"
	AlarmBlack    AlarmKind = "black"
	AlarmFreeze   AlarmKind = "freeze"
	AlarmSilence  AlarmKind = "silence"
	AlarmCCErrors AlarmKind = "cc-errors"
	// AlarmTooLoud and AlarmTooQuiet: the programme's loudness over
	// Thresholds.LoudnessWindow is more than the tolerance above or below
	// the target (EBU R128 / ITU-R BS.1770).
	AlarmTooLoud  AlarmKind = "too-loud"
	AlarmTooQuiet AlarmKind = "too-quiet"
	// AlarmDiskFull: a recording output of the feed stopped because its
	// disk is full. Amber: the feed and its other outputs go on, what is
	// lost is the recording from now on.
	AlarmDiskFull AlarmKind = "disk-full"
)

// Thresholds are a feed's alarm settings. A zero duration or limit turns
// that rule off, except where the field says otherwise.
type Thresholds struct {
	NoDataFor      time.Duration `json:"no_data_for"`        // no packets for this long while started
	RTTAboveMs     float64       `json:"rtt_above_ms"`       // smoothed RTT above this
	DroppedWindow  time.Duration `json:"dropped_window"`     // any dropped packet within this window
	BitrateBelow   float64       `json:"bitrate_below_mbps"` // received rate below this over a whole connected interval
	BlackFor       time.Duration `json:"black_for"`
	FreezeFor      time.Duration `json:"freeze_for"`
	SilenceFor     time.Duration `json:"silence_for"`
	CCErrorsWindow time.Duration `json:"cc_errors_window"` // any continuity error within this window

	// Loudness alarms (issue 16): the energy mean of the programme's
	// short-term loudness over LoudnessWindow (readings under the -70 LUFS
	// absolute gate of BS.1770 left out: silence has its own alarm) more
	// than LoudnessToleranceLU above LoudnessTargetLUFS is "too loud",
	// below it "too quiet". A zero window turns both off.
	LoudnessTargetLUFS  float64       `json:"loudness_target_lufs"`
	LoudnessToleranceLU float64       `json:"loudness_tolerance_lu"`
	LoudnessWindow      time.Duration `json:"loudness_window"`

	// PIDBands are optional per-PID bitrate bands (issue 16): a PID out of
	// its band for PIDBandHold raises AlarmPIDBitrate. Empty: no rule.
	PIDBands PIDBands `json:"pid_bands"`
}

// LoudnessStandard is a named loudness target an operator picks from.
type LoudnessStandard struct {
	Name       string
	TargetLUFS float64
}

// LoudnessStandards are the usual delivery targets: EBU R128 (European
// broadcast), ATSC A/85 (US broadcast), and the -14 and -16 LUFS that
// streaming platforms normalise to.
var LoudnessStandards = []LoudnessStandard{
	{"EBU R128", -23},
	{"ATSC A/85", -24},
	{"Streaming -14 LUFS", -14},
	{"Streaming -16 LUFS", -16},
}

// Loudness alarm settings when an operator turns the alarm on without
// choosing: EBU R128's target, and a tolerance and window wide enough for
// real programme. R128's ±1 LU holds for a whole programme's integrated
// loudness; over half a minute speech pauses and music swing a few LU, so a
// tighter band would nag. ±3 LU over 30 s still catches what goes wrong on
// the day: a streaming master (-14/-16) on a -23 chain, a missing gain
// stage, a downmix 6 dB down.
const (
	DefaultLoudnessTargetLUFS  = -23.0
	DefaultLoudnessToleranceLU = 3.0
	DefaultLoudnessWindow      = 30 * time.Second
)

// loudnessGateLUFS is BS.1770's absolute gate: quieter readings are not
// programme.
const loudnessGateLUFS = -70.0

// DefaultThresholds are the alarm settings a new feed starts with.
func DefaultThresholds() Thresholds {
	return Thresholds{
		NoDataFor:      3 * time.Second,
		RTTAboveMs:     250,
		DroppedWindow:  10 * time.Second,
		BitrateBelow:   0.1,
		BlackFor:       2 * time.Second,
		FreezeFor:      2 * time.Second,
		SilenceFor:     2 * time.Second,
		CCErrorsWindow: 10 * time.Second,
		// The loudness alarm is off by default (LoudnessWindow 0): the
		// right target depends on the deliverable (-23 broadcast in
		// Europe, -24 in the US, -14/-16 streaming), and a wrong one would
		// light a correct feed amber; the demo's line-up tone reads -18.
		// The target is still EBU R128's, for the meters.
		LoudnessTargetLUFS:  DefaultLoudnessTargetLUFS,
		LoudnessToleranceLU: DefaultLoudnessToleranceLU,
	}
}

// severity says how bad each alarm is for the traffic light: what the
// audience sees or loses is red, what threatens it is amber.
var severity = map[AlarmKind]Health{
	AlarmNoData:   HealthRed,
	AlarmDropped:  HealthRed,
	AlarmBlack:    HealthRed,
	AlarmFreeze:   HealthRed,
	AlarmSilence:  HealthRed,
	AlarmRTT:      HealthAmber,
	AlarmBitrate:  HealthAmber,
	AlarmCCErrors: HealthAmber,
	AlarmTooLoud:  HealthAmber,
	AlarmTooQuiet: HealthAmber,

	AlarmPIDBitrate: HealthAmber,
	AlarmDiskFull:   HealthAmber,
}

// Observation is what the alarm rules look at, once per sample.
type Observation struct {
	Sample   session.Sample
	Running  bool          // the operator started the feed
	CCErrors uint64        // cumulative continuity errors from the probe
	Black    time.Duration // how long the picture has been black (0 = not black)
	Frozen   time.Duration // how long the picture has been frozen
	Silent   time.Duration // how long the sound has been silent
	// ShortTermLUFS is the programme's latest EBU R128 short-term (3 s)
	// loudness, when HasLoudness (the first audio PID of the analysis).
	ShortTermLUFS float64
	HasLoudness   bool
	// PIDRates are each PID's bitrate over the last second, with its
	// codec, from the inspection (nil without one).
	PIDRates []PIDRate
	// EverConnected: the session has had a peer since the operator
	// started it. A listener still waiting for its first caller has no
	// data to miss: it waits, it does not alarm.
	EverConnected bool
	// Cause is the last connection failure since data last flowed (a
	// rejected caller, a refused call), nil when none; Rejections counts
	// them. The no-data alarm names it.
	Cause      error
	Rejections int
	// DiskFull is the segment a recording output of the feed was writing
	// when its disk filled up, "" while every recording has room.
	DiskFull string
}

// AlarmChange is an alarm starting or ending, with the figures that tripped
// it. Detail is the one wording of those figures (Describe), for every
// screen, log and report that shows the alarm.
type AlarmChange struct {
	Time   time.Time
	Kind   AlarmKind
	Raised bool // false: the condition cleared

	Value float64       // the measured figure: RTT in ms, bitrate in Mbit/s
	Limit float64       // the threshold it crossed, same unit as Value
	Count uint64        // dropped packets, continuity errors or rejected callers so far
	For   time.Duration // how long the condition has lasted (no data, black, frozen, silent)
	Cause error         // no data: the connection failure behind it, nil when none is known
	PID   uint16        // per-PID bitrate: the PID (Count: how many more are out of band)
	Codec string        // per-PID bitrate: its codec, "" when unknown
	Above bool          // per-PID bitrate: above the band's maximum, not below its minimum
	Path  string        // disk full: the segment the recording stopped in

	Detail string // Describe(), in words
}

// Describe says the alarm in words, with the figure that tripped it and,
// where there is one, what to do.
func (c AlarmChange) Describe() string {
	if !c.Raised {
		return "cleared"
	}
	switch c.Kind {
	case AlarmNoData:
		if c.Cause != nil {
			return fmt.Sprintf("no packets for %s: %s", c.For.Round(time.Second), failureWords(c.Cause, int(c.Count)))
		}
		return fmt.Sprintf("no packets for %s: check the encoder is sending", c.For.Round(time.Second))
	case AlarmRTT:
		return fmt.Sprintf("round trip %.0f ms is above %.0f ms", c.Value, c.Limit)
	case AlarmDropped:
		return fmt.Sprintf("packets lost for good (%d so far): raise the latency", c.Count)
	case AlarmBitrate:
		return fmt.Sprintf("bitrate %.2f Mbit/s is below %.2f Mbit/s", c.Value, c.Limit)
	case AlarmBlack:
		return "picture black for " + c.For.Round(100*time.Millisecond).String()
	case AlarmFreeze:
		return "picture frozen for " + c.For.Round(100*time.Millisecond).String()
	case AlarmSilence:
		return "sound silent for " + c.For.Round(100*time.Millisecond).String()
	case AlarmCCErrors:
		return fmt.Sprintf("continuity errors in the transport stream (%d so far)", c.Count)
	case AlarmTooLoud:
		return fmt.Sprintf("too loud: %.1f LUFS over the last %s, %.1f LU above the %.0f LUFS target: turn the programme down",
			c.Value, c.For.Round(time.Second), c.Value-c.Limit, c.Limit)
	case AlarmPIDBitrate:
		return describePIDBitrate(c)
	case AlarmDiskFull:
		return "disk full: recording stopped: " + c.Path + ": free space or record to another directory, then remove and add the recording"
	case AlarmTooQuiet:
		return fmt.Sprintf("too quiet: %.1f LUFS over the last %s, %.1f LU below the %.0f LUFS target: turn the programme up",
			c.Value, c.For.Round(time.Second), c.Limit-c.Value, c.Limit)
	}
	return string(c.Kind)
}

// failureWords says a connection failure in words, with how many there
// were when more than one.
func failureWords(err error, n int) string {
	words := err.Error()
	var ce *session.ConnectError
	if errors.As(err, &ce) {
		words = ce.Detail
	}
	if n > 1 {
		words += fmt.Sprintf(" (%d times)", n)
	}
	return words
}

// AlarmRecord is one alarm's life on a feed: when it was raised, cleared
// and acknowledged. An alarm latches: its record asks for attention until
// the operator acknowledges it, even after the condition has cleared.
type AlarmRecord struct {
	Kind    AlarmKind
	Raised  time.Time
	Cleared time.Time   // zero while the condition lasts
	Acked   time.Time   // zero until acknowledged
	Last    AlarmChange // the latest figures while it lasted (Detail in words)
	// ClearedBy says why it cleared when that was not the condition
	// ending (the feed was stopped); "" otherwise.
	ClearedBy string
}

// Active reports whether the condition still lasts.
func (r AlarmRecord) Active() bool { return r.Cleared.IsZero() }

// Latched reports whether the record still asks for attention.
func (r AlarmRecord) Latched() bool { return r.Acked.IsZero() }

// alarmHistoryLen bounds a feed's alarm history.
const alarmHistoryLen = 200

// Alarms evaluates the rules for one feed and keeps its alarm history. It
// is not safe for concurrent use; the feed's owner calls Observe once per
// sample.
type Alarms struct {
	th          Thresholds
	active      map[AlarmKind]AlarmChange
	open        map[AlarmKind]int // index in history of each active alarm's record
	history     []AlarmRecord     // oldest first
	lastData    time.Time
	lastBytes   uint64
	lastDropped uint64
	dropAt      time.Time
	lastCC      uint64
	ccAt        time.Time
	loud        []loudReading // short-term loudness within the window, oldest first
	loudSince   time.Time     // first reading of the current unbroken run
	pidBands    pidBandState
	prevSample  time.Time // the previous observation's sample time (zero before the first)
	prevConn    bool      // the previous observation's sample was connected
}

// loudReading is one short-term loudness reading as energy (10^(L/10)).
type loudReading struct {
	at     time.Time
	energy float64
}

// windowLoudness keeps o's reading and returns the energy mean of the
// gated readings over the loudness window, once readings have covered the
// whole window.
func (a *Alarms) windowLoudness(now time.Time, o Observation) (float64, bool) {
	w := a.th.LoudnessWindow
	if w <= 0 || !o.HasLoudness {
		a.loud, a.loudSince = nil, time.Time{}
		return 0, false
	}
	if a.loudSince.IsZero() {
		a.loudSince = now
	}
	if o.ShortTermLUFS > loudnessGateLUFS {
		a.loud = append(a.loud, loudReading{at: now, energy: math.Pow(10, o.ShortTermLUFS/10)})
	}
	keep := 0
	for keep < len(a.loud) && now.Sub(a.loud[keep].at) >= w {
		keep++
	}
	a.loud = a.loud[keep:]
	if now.Sub(a.loudSince) < w || len(a.loud) == 0 {
		return 0, false
	}
	sum := 0.0
	for _, r := range a.loud {
		sum += r.energy
	}
	return 10 * math.Log10(sum/float64(len(a.loud))), true
}

// NewAlarms returns an evaluator with the given thresholds.
func NewAlarms(th Thresholds) *Alarms {
	return &Alarms{th: th, active: map[AlarmKind]AlarmChange{}, open: map[AlarmKind]int{}}
}

// Thresholds returns the settings in force.
func (a *Alarms) Thresholds() Thresholds { return a.th }

// Observe applies the rules to o and returns the alarms that started or
// ended with it.
func (a *Alarms) Observe(o Observation) []AlarmChange {
	now := o.Sample.Time
	s := o.Sample
	if a.lastData.IsZero() || s.BytesRecv != a.lastBytes {
		a.lastData = now
		a.lastBytes = s.BytesRecv
	}
	if s.PktsDropped > a.lastDropped {
		a.dropAt = now
		a.lastDropped = s.PktsDropped
	}
	if o.CCErrors > a.lastCC {
		a.ccAt = now
		a.lastCC = o.CCErrors
	}
	connected := s.State == session.StateConnected
	want := map[AlarmKind]AlarmChange{}
	raise := func(c AlarmChange) {
		c.Time, c.Raised = now, true
		c.Detail = c.Describe()
		want[c.Kind] = c
	}
	if o.Running && (o.EverConnected || o.Cause != nil) && a.th.NoDataFor > 0 && now.Sub(a.lastData) >= a.th.NoDataFor {
		raise(AlarmChange{Kind: AlarmNoData, For: now.Sub(a.lastData), Cause: o.Cause, Count: uint64(o.Rejections)})
	}
	if connected && a.th.RTTAboveMs > 0 && s.RTTMs > a.th.RTTAboveMs {
		raise(AlarmChange{Kind: AlarmRTT, Value: s.RTTMs, Limit: a.th.RTTAboveMs})
	}
	if a.th.DroppedWindow > 0 && !a.dropAt.IsZero() && now.Sub(a.dropAt) < a.th.DroppedWindow {
		raise(AlarmChange{Kind: AlarmDropped, Count: s.PktsDropped})
	}
	if connected && a.th.BitrateBelow > 0 && a.rateMeasured(s) && s.RecvMbps < a.th.BitrateBelow {
		raise(AlarmChange{Kind: AlarmBitrate, Value: s.RecvMbps, Limit: a.th.BitrateBelow})
	}
	media := []struct {
		kind  AlarmKind
		limit time.Duration
		dur   time.Duration
	}{
		{AlarmBlack, a.th.BlackFor, o.Black},
		{AlarmFreeze, a.th.FreezeFor, o.Frozen},
		{AlarmSilence, a.th.SilenceFor, o.Silent},
	}
	for _, m := range media {
		if m.limit > 0 && m.dur >= m.limit {
			raise(AlarmChange{Kind: m.kind, For: m.dur})
		}
	}
	if a.th.CCErrorsWindow > 0 && !a.ccAt.IsZero() && now.Sub(a.ccAt) < a.th.CCErrorsWindow {
		raise(AlarmChange{Kind: AlarmCCErrors, Count: o.CCErrors})
	}
	if l, ok := a.windowLoudness(now, o); ok {
		tgt, tol := a.th.LoudnessTargetLUFS, a.th.LoudnessToleranceLU
		switch {
		case l > tgt+tol:
			raise(AlarmChange{Kind: AlarmTooLoud, Value: l, Limit: tgt, For: a.th.LoudnessWindow})
		case l < tgt-tol:
			raise(AlarmChange{Kind: AlarmTooQuiet, Value: l, Limit: tgt, For: a.th.LoudnessWindow})
		}
	}

	if c, ok := a.pidBands.observe(now, a.th.PIDBands, o.PIDRates); ok && connected {
		raise(c)
	}
	if o.DiskFull != "" {
		raise(AlarmChange{Kind: AlarmDiskFull, Path: o.DiskFull})
	}

	var changes []AlarmChange
	for _, k := range alarmOrder {
		c, on := want[k]
		_, was := a.active[k]
		switch {
		case on && was:
			// Still on: it keeps the time it was raised.
			c.Time = a.active[k].Time
			want[k] = c
			a.history[a.open[k]].Last = c
		case on && !was:
			changes = append(changes, c)
			a.record(c)
		case !on && was:
			changes = append(changes, a.clear(k, now, ""))
		}
	}
	a.active = want
	a.prevSample, a.prevConn = now, connected
	return changes
}

// rateMeasured reports whether s's rate covers a whole sample interval of
// connected data. The rate is what was delivered between the previous
// sample and s, so right after a (re)connection (a restart, a latency
// change) it spans time before the caller was there, and the first
// deliveries wait for the receive latency (TSBPD): a healthy feed reads
// 0.00 Mbit/s for a sample or two. The bitrate rule waits until the
// previous sample is at least the latency past the connection's start;
// without a known start (Conn.Since zero) it waits for one connected
// sample before s.
func (a *Alarms) rateMeasured(s session.Sample) bool {
	if a.prevSample.IsZero() || !a.prevConn {
		return false
	}
	if s.Conn.Since.IsZero() {
		return true
	}
	delivering := s.Conn.Since.Add(time.Duration(s.LatencyMs) * time.Millisecond)
	return !a.prevSample.Before(delivering)
}

// record starts the history record of a raised alarm.
func (a *Alarms) record(c AlarmChange) {
	if len(a.history) >= alarmHistoryLen {
		a.trimHistory()
	}
	a.open[c.Kind] = len(a.history)
	a.history = append(a.history, AlarmRecord{Kind: c.Kind, Raised: c.Time, Last: c})
}

// trimHistory drops the oldest records that no longer ask for anything
// (cleared and acknowledged), or else the oldest, to make room.
func (a *Alarms) trimHistory() {
	drop := -1
	for i, r := range a.history {
		if !r.Active() && !r.Latched() {
			drop = i
			break
		}
	}
	for i := 0; drop < 0; i++ { // all latched: the oldest that has cleared
		if !a.history[i].Active() {
			drop = i
		}
	}
	a.history = append(a.history[:drop:drop], a.history[drop+1:]...)
	for k, i := range a.open {
		if i > drop {
			a.open[k] = i - 1
		}
	}
}

// clear ends alarm k's record at now; by says why when not because the
// condition ended.
func (a *Alarms) clear(k AlarmKind, now time.Time, by string) AlarmChange {
	if i, ok := a.open[k]; ok {
		a.history[i].Cleared, a.history[i].ClearedBy = now, by
		delete(a.open, k)
	}
	c := AlarmChange{Time: now, Kind: k}
	c.Detail = c.Describe()
	if by != "" {
		c.Detail = "cleared: " + by
	}
	return c
}

// ClearAll ends every active alarm at now because of by ("the feed was
// stopped"); the records stay latched until acknowledged.
func (a *Alarms) ClearAll(now time.Time, by string) []AlarmChange {
	var changes []AlarmChange
	for _, k := range alarmOrder {
		if _, on := a.active[k]; on {
			changes = append(changes, a.clear(k, now, by))
		}
	}
	a.active = map[AlarmKind]AlarmChange{}
	return changes
}

// History returns a copy of the alarm records, oldest first.
func (a *Alarms) History() []AlarmRecord {
	return append([]AlarmRecord(nil), a.history...)
}

var alarmOrder = []AlarmKind{AlarmNoData, AlarmDropped, AlarmBlack, AlarmFreeze, AlarmSilence, AlarmRTT, AlarmBitrate, AlarmCCErrors, AlarmTooLoud, AlarmTooQuiet,
	AlarmPIDBitrate, AlarmDiskFull}

// Active returns the alarms now on, in a fixed order, with their details.
func (a *Alarms) Active() []AlarmChange {
	var out []AlarmChange
	for _, k := range alarmOrder {
		if c, ok := a.active[k]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Acknowledge marks every alarm record as seen at now and returns the kinds
// it acknowledged: an active alarm stays on the feed's light but no longer
// asks for attention until it clears and comes back; a cleared one stops
// latching.
func (a *Alarms) Acknowledge(now time.Time) []AlarmKind {
	var kinds []AlarmKind
	for i := range a.history {
		if r := &a.history[i]; r.Latched() {
			r.Acked = now
			if !slices.Contains(kinds, r.Kind) {
				kinds = append(kinds, r.Kind)
			}
		}
	}
	return kinds
}

// Unacknowledged reports whether an alarm, active or cleared since, has not
// been acknowledged.
func (a *Alarms) Unacknowledged() bool {
	for _, r := range a.history {
		if r.Latched() {
			return true
		}
	}
	return false
}

// HadAlarm reports whether an alarm has cleared without being
// acknowledged: the wall says "had an alarm" until the operator has seen it.
func (a *Alarms) HadAlarm() bool {
	for _, r := range a.history {
		if r.Latched() && !r.Active() {
			return true
		}
	}
	return false
}

// Health is the traffic light: the worst severity of the active alarms.
func (a *Alarms) Health() Health {
	h := HealthGreen
	for k := range a.active {
		if severity[k] > h {
			h = severity[k]
		}
	}
	return h
}
