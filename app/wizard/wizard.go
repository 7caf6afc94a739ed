// Package wizard is the latency tuning wizard: a state machine that measures
// the path at the current latency (the baseline), then steps the SRT latency
// through multiples of the measured RTT (4x, 8x, 12x, 16x, 20x by default)
// and recommends the smallest step that dropped no packets.
//
// The machine does no networking. A driver asks it for the next Action
// ("reconnect at latency X ms and soak for D"), performs it and feeds back a
// Measurement (Feed) or the reason it could not connect (Fail). Run is such a
// driver over a Link; SRTLink is the Link of a real SRT receiver.
package wizard

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	guide "github.com/srtscope/srtscope/app/guidance"
)

// Defaults and limits of the wizard.
const (
	DefaultFloorMs          = 80
	DefaultCeilingMs        = 8000
	DefaultLatencyMs        = 120 // SRT's default latency, the original latency when none is given
	DefaultStepDuration     = 10 * time.Second
	MinStepDuration         = 2 * time.Second
	MaxStepDuration         = 10 * time.Minute // a longer soak tells nothing more
	MaxMultiplier           = 100
	DefaultMultipliersInput = "4,8,12,16,20"
)

// StepDurationRange says in words which step and baseline durations are
// allowed.
var StepDurationRange = fmt.Sprintf("%s to %.0fm", MinStepDuration, MaxStepDuration.Minutes())

// DefaultMultipliers are the operator's step method: 4x, 8x, 12x, 16x, 20x RTT.
var DefaultMultipliers = []int{4, 8, 12, 16, 20}

// Sentinel errors callers can branch on with errors.Is.
var (
	// ErrCancelled: the wizard was cancelled; the original latency stays.
	ErrCancelled = errors.New("wizard: cancelled")
	// ErrNotConnected: the baseline could not be measured because the feed
	// is not connected; the wizard did not start.
	ErrNotConnected = errors.New("wizard: the feed is not connected")
	// ErrBadRTT: the baseline RTT is zero, negative, not a number or beyond
	// the latency ceiling, so no step can be computed from it.
	ErrBadRTT = errors.New("wizard: no usable RTT")
	// ErrStepFailed: a step never connected and the wizard was told to stop.
	ErrStepFailed = errors.New("wizard: a step never connected")
	// ErrNoStepMeasured: every step failed to connect.
	ErrNoStepMeasured = errors.New("wizard: no step could be measured")
	// ErrConfig: a setting is out of range.
	ErrConfig = errors.New("wizard: invalid configuration")
	// ErrFinished: a measurement was fed to a wizard that already ended.
	ErrFinished = errors.New("wizard: already finished")
)

// Phase is where the wizard stands.
type Phase string

// Phases, in the order the wizard goes through them. Done, Cancelled and
// Failed are final.
const (
	PhaseBaseline  Phase = "baseline"
	PhaseStep      Phase = "step"
	PhaseDone      Phase = "done"
	PhaseCancelled Phase = "cancelled"
	PhaseFailed    Phase = "failed"
)

// Final reports whether the phase ends the wizard.
func (p Phase) Final() bool {
	return p == PhaseDone || p == PhaseCancelled || p == PhaseFailed
}

// Config is what the wizard needs to know before it starts.
type Config struct {
	// OriginalLatencyMs is the session's latency now: the baseline is
	// measured at it and it is what cancelling restores. 0 means 120 ms.
	OriginalLatencyMs int
	// Multipliers are the steps in x RTT, positive and increasing.
	// Empty means DefaultMultipliers.
	Multipliers []int
	// StepDuration is how long each step soaks once connected; 0 means
	// DefaultStepDuration. BaselineDuration is the baseline window; 0 means
	// StepDuration.
	StepDuration     time.Duration
	BaselineDuration time.Duration
	// FloorMs and CeilingMs clamp every step's latency; 0 means 80 and
	// 8000 ms.
	FloorMs, CeilingMs int
	// StopOnFailedStep makes a step that never connects end the wizard
	// (Failed); by default the step is marked failed and the wizard goes on.
	StopOnFailedStep bool
}

// ConfigError is a setting out of range; Field is named like the command
// line flag.
type ConfigError struct {
	Field, Value, Allowed string
}

// Error implements error.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("wizard: %s %s: allowed %s", e.Field, e.Value, e.Allowed)
}

// Is makes errors.Is(err, ErrConfig) true.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// withDefaults fills the zero values.
func (c Config) withDefaults() Config {
	if c.OriginalLatencyMs == 0 {
		c.OriginalLatencyMs = DefaultLatencyMs
	}
	if len(c.Multipliers) == 0 {
		c.Multipliers = DefaultMultipliers
	}
	c.Multipliers = append([]int(nil), c.Multipliers...)
	if c.StepDuration == 0 {
		c.StepDuration = DefaultStepDuration
	}
	if c.BaselineDuration == 0 {
		c.BaselineDuration = c.StepDuration
	}
	if c.FloorMs == 0 {
		c.FloorMs = DefaultFloorMs
	}
	if c.CeilingMs == 0 {
		c.CeilingMs = DefaultCeilingMs
	}
	return c
}

// Validate checks every setting (after defaults) and returns a *ConfigError
// for the first bad one.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := CheckMultipliers(c.Multipliers); err != nil {
		return err
	}
	if c.StepDuration < MinStepDuration || c.StepDuration > MaxStepDuration {
		return &ConfigError{"step-duration", c.StepDuration.String(), StepDurationRange}
	}
	if c.BaselineDuration < MinStepDuration || c.BaselineDuration > MaxStepDuration {
		return &ConfigError{"baseline-duration", c.BaselineDuration.String(), StepDurationRange}
	}
	if c.FloorMs < 1 || c.CeilingMs < c.FloorMs {
		return &ConfigError{"floor/ceiling", fmt.Sprintf("%d/%d ms", c.FloorMs, c.CeilingMs), "1 <= floor <= ceiling"}
	}
	if c.OriginalLatencyMs < 1 {
		return &ConfigError{"latency", strconv.Itoa(c.OriginalLatencyMs) + " ms", "a positive number of milliseconds"}
	}
	return nil
}

// ParseMultipliers reads a comma-separated list such as "4,8,12,16,20" and
// checks it with CheckMultipliers.
func ParseMultipliers(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, &ConfigError{"steps", strconv.Quote(s), "a comma-separated list of increasing whole multipliers, e.g. " + DefaultMultipliersInput}
	}
	parts := strings.Split(s, ",")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(p), "x"))
		if err != nil {
			return nil, &ConfigError{"steps", s, fmt.Sprintf("whole numbers 1..%d separated by commas, e.g. %s", MaxMultiplier, DefaultMultipliersInput)}
		}
		out = append(out, n)
	}
	if err := CheckMultipliers(out); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.Value = s
		}
		return nil, err
	}
	return out, nil
}

// CheckMultipliers returns a *ConfigError unless ms is a non-empty list of
// positive, strictly increasing multipliers of at most MaxMultiplier.
func CheckMultipliers(ms []int) error {
	allowed := fmt.Sprintf("positive increasing whole multipliers up to %d, e.g. %s", MaxMultiplier, DefaultMultipliersInput)
	if len(ms) == 0 {
		return &ConfigError{"steps", "(none)", allowed}
	}
	for i, m := range ms {
		if m < 1 || m > MaxMultiplier || (i > 0 && m <= ms[i-1]) {
			return &ConfigError{"steps", joinInts(ms), allowed}
		}
	}
	return nil
}

func joinInts(ms []int) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = strconv.Itoa(m)
	}
	return strings.Join(s, ",")
}

// Measurement is what a driver measured at one latency over one soak.
// Counters are for the soak only, not cumulative.
type Measurement struct {
	Duration      time.Duration // how long it soaked while connected
	LatencyMs     int           // negotiated latency (0 if unknown)
	RTTMs         float64       // smoothed RTT over the soak
	PktsRecv      uint64        // data packets delivered
	PktsLost      uint64        // detected missing: recovered + unrecovered
	PktsRecovered uint64        // lost, then recovered in time
	PktsRetrans   uint64        // retransmitted packets received
	PktsDropped   uint64        // never delivered in time: unrecovered, or later than libsrt would play it
	PktsAtRisk    uint64        // recovered with less margin than a libsrt receiver's recovery needs
	MinMarginMs   float64       // smallest recovery margin seen, when HasMargin
	HasMargin     bool          // something was recovered, so MinMarginMs means something
	RecvMbps      float64       // received payload rate, Mbit/s (10^6)
	BurstLoss     bool          // a burst of loss (an outage) was seen
	Reconnects    int           // connection drops during the soak
}

// LossPct is the share of packets lost on the path (recovered or not), in
// percent of the packets sent.
func (m Measurement) LossPct() float64 {
	return guide.LossPct(m.PktsRecv, m.PktsLost, m.PktsDropped)
}

// ActionKind says what the driver must do next.
type ActionKind string

// Action kinds.
const (
	// ActionMeasure: (re)connect at LatencyMs, wait until connected, soak
	// for Duration, then Feed the measurement or Fail with the reason.
	ActionMeasure ActionKind = "measure"
	// ActionFinish: the wizard has ended; read Result. When it was
	// cancelled or failed, the session must go back to RestoreLatencyMs.
	ActionFinish ActionKind = "finish"
)

// Action is the next thing the driver must do.
type Action struct {
	Kind       ActionKind
	Phase      Phase
	Step       int // index into Plan, -1 for the baseline
	Steps      int // number of planned steps, 0 until the baseline is in
	Multiplier int // 0 for the baseline
	LatencyMs  int
	Duration   time.Duration
	// RestoreLatencyMs is the latency the session must be left at when the
	// wizard finishes without Done (the original one).
	RestoreLatencyMs int
}

// String says the action in words.
func (a Action) String() string {
	switch {
	case a.Kind == ActionFinish:
		return fmt.Sprintf("finished (%s)", a.Phase)
	case a.Phase == PhaseBaseline:
		return fmt.Sprintf("baseline: connect at the current latency %d ms and measure RTT and loss for %s", a.LatencyMs, a.Duration)
	default:
		return fmt.Sprintf("step %d/%d: reconnect at latency %d ms (%dx RTT) and soak for %s", a.Step+1, a.Steps, a.LatencyMs, a.Multiplier, a.Duration)
	}
}

// PlannedStep is one step of the plan made from the baseline RTT.
type PlannedStep struct {
	Multiplier int
	LatencyMs  int
}

// Machine is the wizard's state machine. It is not safe for concurrent use.
type Machine struct {
	cfg      Config
	phase    Phase
	step     int
	rtt      float64
	baseline *Measurement
	guidance *Recommendation
	plan     []PlannedStep
	results  []StepResult
	notes    []string
	rec      *Recommendation
	err      error
}

// New validates cfg and returns a machine in the Baseline phase.
func New(cfg Config) (*Machine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Machine{cfg: cfg.withDefaults(), phase: PhaseBaseline}, nil
}

// Phase is where the wizard stands now.
func (m *Machine) Phase() Phase { return m.phase }

// Err is why the wizard failed or ErrCancelled, nil otherwise.
func (m *Machine) Err() error { return m.err }

// Plan is the list of steps computed from the baseline RTT (nil before).
// Multipliers whose latency is clamped to the same value as the step before
// are left out.
func (m *Machine) Plan() []PlannedStep { return append([]PlannedStep(nil), m.plan...) }

// Guidance is the starting recommendation of the SRT deployment guide for
// the baseline loss (nil before the baseline).
func (m *Machine) Guidance() *Recommendation { return m.guidance }

// Next returns what the driver must do now.
func (m *Machine) Next() Action {
	a := Action{Phase: m.phase, Step: -1, Steps: len(m.plan), RestoreLatencyMs: m.cfg.OriginalLatencyMs}
	switch m.phase {
	case PhaseBaseline:
		a.Kind, a.LatencyMs, a.Duration = ActionMeasure, m.cfg.OriginalLatencyMs, m.cfg.BaselineDuration
	case PhaseStep:
		s := m.plan[m.step]
		a.Kind, a.Step, a.Multiplier, a.LatencyMs, a.Duration = ActionMeasure, m.step, s.Multiplier, s.LatencyMs, m.cfg.StepDuration
	default:
		a.Kind = ActionFinish
	}
	return a
}

// Feed gives the machine the measurement of the current action.
func (m *Machine) Feed(meas Measurement) error {
	if !m.phase.Final() && meas.PktsRecv == 0 {
		return m.Fail(fmt.Errorf("connected, but no packets arrived in %s: check the encoder is sending", meas.Duration))
	}
	switch m.phase {
	case PhaseBaseline:
		m.feedBaseline(meas)
	case PhaseStep:
		s := m.plan[m.step]
		m.results = append(m.results, stepResult(s, meas))
		m.advance()
	default:
		return fmt.Errorf("%w (%s): measurement ignored", ErrFinished, m.phase)
	}
	return nil
}

// Fail tells the machine the current action could not be done: the session
// never connected at that latency. reason says why, in words.
func (m *Machine) Fail(reason error) error {
	if reason == nil {
		reason = errors.New("unknown reason")
	}
	reason = unprefixed{reason}
	switch m.phase {
	case PhaseBaseline:
		m.finishFailed(fmt.Errorf("%w: %w; the wizard did not start", ErrNotConnected, reason))
	case PhaseStep:
		s := m.plan[m.step]
		m.results = append(m.results, StepResult{
			Multiplier: s.Multiplier, LatencyMs: s.LatencyMs, Failed: true, Error: reason.Error(),
		})
		if m.cfg.StopOnFailedStep {
			m.finishFailed(fmt.Errorf("%w: step %dx RTT (%d ms): %w; stopped as asked, the original latency %d ms stays",
				ErrStepFailed, s.Multiplier, s.LatencyMs, reason, m.cfg.OriginalLatencyMs))
			return nil
		}
		m.advance()
	default:
		return fmt.Errorf("%w (%s): failure ignored", ErrFinished, m.phase)
	}
	return nil
}

// unprefixed shows an error without its "wizard: " prefix, for errors that
// are quoted inside another wizard error.
type unprefixed struct{ err error }

func (u unprefixed) Error() string { return strings.TrimPrefix(u.err.Error(), "wizard: ") }
func (u unprefixed) Unwrap() error { return u.err }

// Cancel ends the wizard at once; the driver must restore the original
// latency (Action.RestoreLatencyMs). Cancelling a finished wizard does
// nothing.
func (m *Machine) Cancel() {
	if m.phase.Final() {
		return
	}
	m.phase = PhaseCancelled
	m.err = fmt.Errorf("%w; the original latency %d ms stays", ErrCancelled, m.cfg.OriginalLatencyMs)
}

func (m *Machine) finishFailed(err error) {
	m.phase = PhaseFailed
	m.err = err
}

func (m *Machine) feedBaseline(meas Measurement) {
	m.baseline = &meas
	rtt := meas.RTTMs
	switch {
	case math.IsNaN(rtt) || math.IsInf(rtt, 0) || rtt <= 0:
		m.finishFailed(fmt.Errorf("%w: the baseline measured an RTT of %v ms; check the feed is connected and receiving, then run the wizard again", ErrBadRTT, rtt))
		return
	case rtt > float64(m.cfg.CeilingMs):
		m.finishFailed(fmt.Errorf("%w: the baseline RTT %.0f ms is above the %d ms latency ceiling: SRT cannot protect this path, check the network", ErrBadRTT, rtt, m.cfg.CeilingMs))
		return
	}
	m.rtt = rtt
	g := guidance(meas.LossPct(), rtt, m.cfg.CeilingMs)
	m.guidance = &g
	m.plan, m.notes = plan(m.cfg.Multipliers, rtt, m.cfg.FloorMs, m.cfg.CeilingMs)
	m.phase, m.step = PhaseStep, 0
}

// advance moves to the next step or, after the last, decides.
func (m *Machine) advance() {
	m.step++
	if m.step < len(m.plan) {
		return
	}
	rec, err := recommend(m.plan, m.results, m.burstSeen(), m.rtt, m.cfg.CeilingMs)
	if err != nil {
		m.finishFailed(err)
		return
	}
	rec = heldByPeer(rec, m.results, m.rtt)
	m.rec = &rec
	m.phase = PhaseDone
}

func (m *Machine) burstSeen() bool {
	if m.baseline != nil && m.baseline.BurstLoss {
		return true
	}
	for _, r := range m.results {
		if r.BurstLoss {
			return true
		}
	}
	return false
}

// clampLatency is mult x rtt rounded to whole ms and clamped.
func clampLatency(mult int, rtt float64, floor, ceiling int) int {
	l := math.Round(float64(mult) * rtt)
	return int(math.Max(float64(floor), math.Min(float64(ceiling), l)))
}

// plan computes the latency of each multiplier, leaving out multipliers that
// clamp to the same latency as the step before.
func plan(mults []int, rtt float64, floor, ceiling int) ([]PlannedStep, []string) {
	var steps []PlannedStep
	var notes []string
	for _, mult := range mults {
		l := clampLatency(mult, rtt, floor, ceiling)
		if n := len(steps); n > 0 && steps[n-1].LatencyMs == l {
			notes = append(notes, fmt.Sprintf("%dx RTT skipped: clamped to %d ms like %dx", mult, l, steps[n-1].Multiplier))
			continue
		}
		if raw := float64(mult) * rtt; raw < float64(floor) {
			notes = append(notes, fmt.Sprintf("%dx RTT = %.0f ms raised to the %d ms floor", mult, raw, floor))
		} else if raw > float64(ceiling) {
			notes = append(notes, fmt.Sprintf("%dx RTT = %.0f ms lowered to the %d ms ceiling", mult, raw, ceiling))
		}
		steps = append(steps, PlannedStep{Multiplier: mult, LatencyMs: l})
	}
	return steps, notes
}

// guidance is the SRT deployment guide's latency for the measured loss,
// from the one guidance table (app/guidance): multiplier x RTT with an RTT
// below 20 ms counted as 20 ms, 20x RTT above 10% loss, never above the
// wizard's ceiling.
func guidance(lossPct, rtt float64, ceiling int) Recommendation {
	a := guide.Advise(lossPct, rtt)
	l := min(a.LatencyMs, ceiling)
	return Recommendation{
		Multiplier: a.Multiplier, LatencyMs: l, Tested: false,
		Reason: fmt.Sprintf("With %.2f%% loss and %.0f ms RTT the SRT deployment guide suggests %dx RTT (at least %d ms): %d ms.", lossPct, rtt, a.Multiplier, a.MinLatencyMs, l),
	}
}

// heldByPeer corrects a recommendation below what the peer negotiated. SRT
// runs at the larger of both sides' latency, so when the peer asks for
// more than a step set, that step was measured at the peer's value:
// recommending the lower figure would claim a result nobody measured.
func heldByPeer(rec Recommendation, results []StepResult, rtt float64) Recommendation {
	held := 0
	for _, r := range results {
		if !r.Failed && r.LatencyMs <= rec.LatencyMs && r.NegotiatedLatencyMs > rec.LatencyMs {
			held = max(held, r.NegotiatedLatencyMs)
		}
	}
	if held == 0 {
		return rec
	}
	mult := int(math.Round(float64(held) / rtt))
	return Recommendation{
		Multiplier: mult, LatencyMs: held, Tested: true,
		Reason: fmt.Sprintf("The peer holds the latency at %d ms (SRT uses the larger side's), so steps set below it ran at %d ms: %d ms (about %dx RTT) is the lowest latency actually measured; lower the peer's latency too to test less (the steps alone suggested %d ms).",
			held, held, held, mult, rec.LatencyMs),
	}
}

// recommend picks the smallest clean step; one step higher when burst loss
// was seen or when that step was the last one measured; the highest step
// when none was clean.
func recommend(plan []PlannedStep, results []StepResult, burst bool, rtt float64, ceiling int) (Recommendation, error) {
	first, lastMeasured := -1, -1
	fewest := -1
	for i, r := range results {
		if r.Failed {
			continue
		}
		lastMeasured = i
		if r.Clean && first < 0 {
			first = i
		}
		if fewest < 0 || r.PktsDropped+r.PktsAtRisk < results[fewest].PktsDropped+results[fewest].PktsAtRisk {
			fewest = i
		}
	}
	if lastMeasured < 0 {
		return Recommendation{}, fmt.Errorf("%w: every step failed to connect (first: %s); check the peer, the original latency stays", ErrNoStepMeasured, results[0].Error)
	}
	if first < 0 {
		top := plan[len(plan)-1]
		f := results[fewest]
		return Recommendation{
			Multiplier: top.Multiplier, LatencyMs: top.LatencyMs, Tested: !results[len(results)-1].Failed,
			Reason: fmt.Sprintf("No step was free of dropped packets (fewest: %d at %dx RTT), counting those at risk for libsrt decoders, so the highest step, %dx RTT (%d ms), is recommended; more latency alone will not make this path clean: check the network.",
				f.PktsDropped+f.PktsAtRisk, f.Multiplier, top.Multiplier, top.LatencyMs),
		}, nil
	}
	base := plan[first]
	isLast := first == lastMeasured
	if !burst && !isLast {
		return Recommendation{
			Multiplier: base.Multiplier, LatencyMs: base.LatencyMs, Tested: true,
			Reason: fmt.Sprintf("%dx RTT (%d ms) is the smallest step that dropped no packets.", base.Multiplier, base.LatencyMs),
		}, nil
	}
	var why string
	switch {
	case burst && isLast:
		why = "burst loss was seen and it was the last step measured"
	case burst:
		why = "burst loss was seen"
	default:
		why = "it was the last step measured, with no margin shown above it"
	}
	// One step higher: the first clean step above, else the next planned
	// step (not measured), else one increment beyond the plan.
	up, tested := PlannedStep{}, false
	for i := first + 1; i < len(results); i++ {
		if results[i].Clean {
			up, tested = plan[i], true
			break
		}
	}
	if !tested {
		if first+1 < len(plan) {
			up = plan[first+1]
		} else {
			inc := base.Multiplier
			if first > 0 {
				inc = base.Multiplier - plan[first-1].Multiplier
			}
			up.Multiplier = base.Multiplier + inc
			up.LatencyMs = clampLatency(up.Multiplier, rtt, base.LatencyMs, ceiling)
		}
	}
	if up.LatencyMs <= base.LatencyMs {
		limit := fmt.Sprintf("it is already at the %d ms ceiling", ceiling)
		if base.LatencyMs < ceiling {
			limit = fmt.Sprintf("one step higher is still %d ms at this short RTT", base.LatencyMs)
		}
		return Recommendation{
			Multiplier: base.Multiplier, LatencyMs: base.LatencyMs, Tested: true,
			Reason: fmt.Sprintf("%dx RTT (%d ms) is the smallest step that dropped no packets; %s, but %s.", base.Multiplier, base.LatencyMs, why, limit),
		}, nil
	}
	note := ""
	if !tested {
		note = ", not measured"
	}
	return Recommendation{
		Multiplier: up.Multiplier, LatencyMs: up.LatencyMs, Tested: tested,
		Reason: fmt.Sprintf("%dx RTT (%d ms) was the smallest step that dropped no packets, but %s, so one step higher: %dx RTT (%d ms%s).",
			base.Multiplier, base.LatencyMs, why, up.Multiplier, up.LatencyMs, note),
	}, nil
}

// Result is the wizard's outcome so far (final once the phase is final).
func (m *Machine) Result() Result {
	r := Result{
		Steps:             append([]StepResult{}, m.results...),
		Recommended:       m.rec,
		Status:            m.phase,
		OriginalLatencyMs: m.cfg.OriginalLatencyMs,
		Guidance:          m.guidance,
		BurstLoss:         m.burstSeen(),
		Notes:             append([]string(nil), m.notes...),
	}
	if m.baseline != nil {
		r.RTTMs = round2(m.baseline.RTTMs)
		r.LossPct = round2(m.baseline.LossPct())
		b := stepResult(PlannedStep{LatencyMs: m.cfg.OriginalLatencyMs}, *m.baseline)
		r.Baseline = &b
	}
	if m.err != nil {
		r.Error = m.err.Error()
	}
	if m.phase != PhaseDone {
		r.RestoreLatencyMs = m.cfg.OriginalLatencyMs
	}
	return r
}

func round2(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return math.Round(f*100) / 100
}

func stepResult(s PlannedStep, meas Measurement) StepResult {
	r := StepResult{
		Multiplier:    s.Multiplier,
		LatencyMs:     s.LatencyMs,
		DurationS:     round2(meas.Duration.Seconds()),
		PktsLost:      meas.PktsLost,
		PktsRetrans:   meas.PktsRetrans,
		PktsDropped:   meas.PktsDropped,
		PktsAtRisk:    meas.PktsAtRisk,
		RTTMs:         round2(meas.RTTMs),
		PktsRecv:      meas.PktsRecv,
		PktsRecovered: meas.PktsRecovered,
		RecvMbps:      round2(meas.RecvMbps),
		BurstLoss:     meas.BurstLoss,
		Reconnects:    meas.Reconnects,
	}
	if meas.LatencyMs != 0 && meas.LatencyMs != s.LatencyMs {
		r.NegotiatedLatencyMs = meas.LatencyMs
	}
	if meas.HasMargin {
		m := round2(meas.MinMarginMs)
		r.RecoveryMarginMinMs = &m
	}
	// Clean for a libsrt decoder too: nothing dropped, nothing recovered
	// so narrowly that libsrt's slower recovery would have lost it.
	r.Clean = meas.PktsDropped == 0 && meas.PktsAtRisk == 0
	return r
}
