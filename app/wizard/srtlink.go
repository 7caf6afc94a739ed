package wizard

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/srtscope/srtscope/session"
)

// DefaultConnectTimeout is how long SRTLink waits for each step to connect.
const DefaultConnectTimeout = 15 * time.Second

// Burst detection: one sample interval that lost at least burstMinPackets
// and burstFactor times the median interval is a burst (an outage or a
// loss burst), not random loss.
const (
	burstMinPackets = 5
	burstFactor     = 5
)

// SRTLink is the Link of a real SRT session: every Measure opens a new
// session.Receiver with the step's latency (caller: it dials again;
// listener: it listens again and the remote caller must reconnect by
// itself), waits until connected, soaks and diffs the cumulative counters.
// The receiver is closed before Measure returns.
type SRTLink struct {
	// Config is the session to tune; its LatencyMs is replaced per step.
	Config session.Config
	// ConnectTimeout is how long a step may take to connect; 0 means
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Interval is the sample interval used to spot bursts; 0 means 1 s.
	Interval time.Duration
	// OnEvent, when set, sees every session event (from Measure's
	// goroutine), e.g. to log reconnects.
	OnEvent func(session.Event)
}

// fatalConnect lists failures that waiting will not cure: the step fails at
// once instead of after ConnectTimeout.
var fatalConnect = []error{
	session.ErrWrongPassphrase, session.ErrPassphraseOneSide, session.ErrStreamIDRejected,
	session.ErrNotSupported, session.ErrHostUnknown, session.ErrPortInUse,
}

// Measure implements Link.
func (l *SRTLink) Measure(ctx context.Context, latencyMs int, d time.Duration) (Measurement, error) {
	cfg := l.Config
	cfg.LatencyMs = min(max(latencyMs, session.MinLatencyMs), session.MaxLatencyMs)
	interval := l.Interval
	if interval <= 0 {
		interval = time.Second
	}
	timeout := l.ConnectTimeout
	if timeout <= 0 {
		timeout = DefaultConnectTimeout
	}
	// The arrival tap always: a step's verdict is judged by the packets a
	// libsrt decoder would lose (dropped, late and at risk) and by the
	// recovery margin, which only the tap's arrival times give; a tuning
	// run is short, so its CPU matters less than its truth.
	r, err := session.NewReceiver(cfg, session.ReceiverOptions{Interval: interval, ArrivalTap: true})
	if err != nil {
		return Measurement{}, fmt.Errorf("wizard: latency %d ms: %w", cfg.LatencyMs, err)
	}
	sub := r.Subscribe(256, 256)
	defer sub.Close()
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = r.Run(runCtx)
	}()
	defer func() {
		cancel()
		<-done
	}()

	events := sub.Events
	onEvent := func(ev session.Event) {
		if l.OnEvent != nil {
			l.OnEvent(ev)
		}
	}

	// Wait until connected.
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for connected := false; !connected; {
		select {
		case <-ctx.Done():
			return Measurement{}, fmt.Errorf("wizard: %w", ctx.Err())
		case <-timer.C:
			return Measurement{}, connectFailure(r.LastError(), cfg, timeout)
		case <-done:
			return Measurement{}, connectFailure(firstErr(runErr, r.LastError()), cfg, timeout)
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			onEvent(ev)
			switch ev.Kind {
			case session.EventConnected:
				connected = true
			case session.EventRejected, session.EventError:
				if last := r.LastError(); isFatal(last) {
					return Measurement{}, connectFailure(last, cfg, timeout)
				}
			}
		}
	}

	// Soak.
	start, began := r.Snapshot(), time.Now()
	samples := sub.Samples
	for drained := false; !drained; { // samples from before the connection
		select {
		case <-samples:
		default:
			drained = true
		}
	}
	var lostPer []uint64
	var rtts []float64
	minMargin := math.Inf(1)
	prevLost := start.PktsLost
	reconnects := 0
	soak := time.NewTimer(d)
	defer soak.Stop()
soaking:
	for {
		select {
		case <-ctx.Done():
			return Measurement{}, fmt.Errorf("wizard: %w", ctx.Err())
		case <-soak.C:
			break soaking
		case <-done:
			return Measurement{}, connectFailure(firstErr(runErr, r.LastError()), cfg, timeout)
		case s, ok := <-samples:
			if !ok {
				samples = nil
				continue
			}
			if s.Time.Before(began) {
				continue
			}
			if s.RecoveryMarginMinMs != nil {
				minMargin = math.Min(minMargin, *s.RecoveryMarginMinMs)
			}
			lostPer = append(lostPer, s.PktsLost-prevLost)
			prevLost = s.PktsLost
			if s.State == session.StateConnected && s.RTTMs > 0 {
				rtts = append(rtts, s.RTTMs)
			}
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			onEvent(ev)
			if ev.Kind == session.EventDisconnected {
				reconnects++
			}
		}
	}
	end, elapsed := r.Snapshot(), time.Since(began)
	lostPer = append(lostPer, end.PktsLost-prevLost)

	m := Measurement{
		Duration:    elapsed,
		LatencyMs:   max(end.LatencyMs, start.LatencyMs),
		PktsRecv:    end.PktsRecv - start.PktsRecv,
		PktsLost:    end.PktsLost - start.PktsLost,
		PktsRetrans: end.PktsRetrans - start.PktsRetrans,
		PktsDropped: end.PktsDropped - start.PktsDropped,
		PktsAtRisk:  end.PktsAtRisk - start.PktsAtRisk,
		BurstLoss:   burstSeen(lostPer),
		Reconnects:  reconnects,
	}
	if !math.IsInf(minMargin, 1) {
		m.MinMarginMs, m.HasMargin = minMargin, true
	}
	// Recovered: lost packets that were delivered after all.
	m.PktsRecovered = m.PktsLost - min(m.PktsDropped, m.PktsLost)
	if secs := elapsed.Seconds(); secs > 0 {
		m.RecvMbps = float64(end.BytesRecv-start.BytesRecv) * 8 / secs / 1e6
	}
	switch {
	case len(rtts) > 0:
		m.RTTMs = median(rtts)
	case end.RTTMs > 0:
		m.RTTMs = end.RTTMs
	default:
		m.RTTMs = start.RTTMs
	}
	return m, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func isFatal(err error) bool {
	for _, f := range fatalConnect {
		if errors.Is(err, f) {
			return true
		}
	}
	return false
}

// connectFailure says why a step never connected (or lost its connection
// for good), in words.
func connectFailure(reason error, cfg session.Config, timeout time.Duration) error {
	if reason != nil {
		return fmt.Errorf("wizard: not connected at latency %d ms: %w", cfg.LatencyMs, reason)
	}
	if cfg.Mode == session.ModeListener {
		return fmt.Errorf("wizard: no caller connected to %s within %s at latency %d ms: check the remote caller reconnects by itself", cfg.Address(), timeout, cfg.LatencyMs)
	}
	return fmt.Errorf("wizard: no connection to %s within %s at latency %d ms: check the peer is up and listening", cfg.Address(), timeout, cfg.LatencyMs)
}

// burstSeen reports whether one interval lost far more than the median
// interval: a burst or an outage rather than random loss.
func burstSeen(perInterval []uint64) bool {
	if len(perInterval) == 0 {
		return false
	}
	sorted := slices.Clone(perInterval)
	slices.Sort(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	top := sorted[len(sorted)-1]
	return top >= burstMinPackets && top >= burstFactor*max(med, 1)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
