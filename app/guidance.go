package app

// Guidance is the SRT Deployment Guide's latency advice for a measured
// packet loss: the RTT multiplier and the minimum latency.
type Guidance struct {
	Multiplier   float64
	MinLatencyMs int
}

// GuidanceFor returns the latency advice for lossPct (0..100): <= 1% 3x
// (60 ms), <= 3% 4x (80 ms), <= 7% 5x (100 ms), <= 10% 6x (120 ms), beyond
// that the 20x ceiling.
func GuidanceFor(lossPct float64) Guidance {
	switch {
	case lossPct <= 1:
		return Guidance{3, 60}
	case lossPct <= 3:
		return Guidance{4, 80}
	case lossPct <= 7:
		return Guidance{5, 100}
	case lossPct <= 10:
		return Guidance{6, 120}
	}
	return Guidance{20, 400}
}

// HeadroomHealth colours a feed's RTT multiplier against the guidance for its
// loss: green at or above the advice, amber within a quarter below it, red
// further below. With no RTT measured yet it is green.
func HeadroomHealth(latencyMs, rttMs, lossPct float64) Health {
	if rttMs <= 0 {
		return HealthGreen
	}
	g := GuidanceFor(lossPct)
	m := latencyMs / rttMs
	switch {
	case m >= g.Multiplier && latencyMs >= float64(g.MinLatencyMs):
		return HealthGreen
	case m >= 0.75*g.Multiplier:
		return HealthAmber
	}
	return HealthRed
}

// LossPct is the share of packets detected missing over a span: lost over
// received plus unrecovered.
func LossPct(recv, lost, dropped uint64) float64 {
	total := recv + dropped
	if total == 0 {
		return 0
	}
	return 100 * float64(lost) / float64(total)
}
