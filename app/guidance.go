package app

import (
	"fmt"

	"github.com/srtscope/srtscope/app/guidance"
	"github.com/srtscope/srtscope/session"
)

// HeadroomHealth colours a latency against the guidance (app/guidance) for
// its loss and RTT: green at or above the advised latency, amber within a
// quarter below it, red further below. With no RTT measured yet it is green.
func HeadroomHealth(latencyMs, rttMs, lossPct float64) Health {
	return headroomColour(guidance.JudgeHeadroom(latencyMs, rttMs, lossPct))
}

// headroomColour maps a headroom judgement to the health colours.
func headroomColour(h guidance.Headroom) Health {
	switch h {
	case guidance.HeadroomOK:
		return HealthGreen
	case guidance.HeadroomShort:
		return HealthAmber
	}
	return HealthRed
}

// LatencyAdvice is what a feed's header says about its latency: the RTT
// multiplier it runs at, the guide's advice for the loss on its current
// connection, and the colour of the judgement.
type LatencyAdvice struct {
	Multiplier float64 // latency / RTT now
	Loss       guidance.Loss
	Advice     guidance.Advice
	Health     Health
}

// AdviseLatency is the latency advice for a feed, from its current
// connection's loss, RTT and latency; ok is false while there is no RTT or
// latency to judge (not connected yet).
func AdviseLatency(v FeedView) (a LatencyAdvice, ok bool) {
	s := v.Sample
	if s.RTTMs <= 0 || s.LatencyMs == 0 {
		return LatencyAdvice{}, false
	}
	loss := guidance.ConnectionLoss(s)
	m := s.RTTMultiplier
	if m <= 0 {
		m = float64(s.LatencyMs) / s.RTTMs
	}
	return LatencyAdvice{
		Multiplier: m,
		Loss:       loss,
		Advice:     guidance.Advise(loss.Pct, s.RTTMs),
		Health:     HeadroomHealth(float64(s.LatencyMs), s.RTTMs, loss.Pct),
	}, true
}

// BufferReading is the receive-buffer gauge of a feed: how much of the
// latency its buffer holds now, and how often it ran empty lately, read
// as Haivision reads a decoder's buffer. A buffer that holds about the
// latency has its full time to repair losses; one that touches 0 now and
// then had a gap longer than the latency could hide (raise the latency);
// one that is often at 0 is starved (the bitrate is too high for the
// link).
type BufferReading struct {
	LevelMs   float64 // now (libsrt's msRcvBuf)
	LevelPkts int     // now (pktRcvBuf)
	LatencyMs int
	Judged    int // samples of the current connection in the window while packets came
	Empty     int // of them, those with nothing buffered
	Health    Health
}

// BufferWindow is how many of the latest samples (one a second) the
// buffer reading judges.
const BufferWindow = 60

// Fill is the level as a share of the latency, 0..1.
func (b BufferReading) Fill() float64 {
	if b.LatencyMs <= 0 {
		return 0
	}
	return min(max(b.LevelMs/float64(b.LatencyMs), 0), 1)
}

// Verdict is the reading in words for the operator.
func (b BufferReading) Verdict() string {
	switch b.Health {
	case HealthRed:
		return fmt.Sprintf("the buffer was empty %d of the last %d s: the bitrate is too high for the link, lower it", b.Empty, b.Judged)
	case HealthAmber:
		times := fmt.Sprintf("%d times", b.Empty)
		if b.Empty == 1 {
			times = "once"
		}
		return fmt.Sprintf("the buffer ran empty %s in the last %d s: raise the latency", times, b.Judged)
	}
	return fmt.Sprintf("never empty in the last %d s", b.Judged)
}

// bufferOftenEmpty is the share of judged samples at 0 from which the
// buffer counts as starved rather than caught now and then;
// bufferJudgedForRed is how many samples it takes to call it often.
const (
	bufferOftenEmpty   = 0.2
	bufferJudgedForRed = 10
)

// ReadBuffer reads a feed's receive buffer from its latest samples; ok is
// false when the feed has no arrival times (ArrivalTimed), is not
// connected or has no sample with packets yet.
func ReadBuffer(v FeedView) (b BufferReading, ok bool) {
	s := v.Sample
	if !v.Spec.ArrivalTimed() || s.State != session.StateConnected || s.LatencyMs == 0 {
		return BufferReading{}, false
	}
	b = BufferReading{LevelMs: s.RcvBufMs, LevelPkts: s.RcvBufPkts, LatencyMs: s.LatencyMs}
	for i := len(v.History) - 1; i >= 0 && len(v.History)-i <= BufferWindow; i-- {
		h := v.History[i]
		if h.State != session.StateConnected || h.Time.Before(v.ConnectedSince) {
			break // an earlier connection's buffer says nothing of this one
		}
		if h.RecvPktsPerS <= 0 {
			continue // nothing came: the no-data alarm speaks for that
		}
		b.Judged++
		if h.RcvBufPkts == 0 {
			b.Empty++
		}
	}
	if b.Judged == 0 {
		return BufferReading{}, false
	}
	switch {
	case b.Judged >= bufferJudgedForRed && float64(b.Empty) >= bufferOftenEmpty*float64(b.Judged):
		b.Health = HealthRed
	case b.Empty > 0:
		b.Health = HealthAmber
	}
	return b, true
}
