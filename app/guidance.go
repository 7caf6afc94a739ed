package app

import "github.com/srtscope/srtscope/app/guidance"

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
