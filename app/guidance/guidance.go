// Package guidance holds srtscope's rules about SRT latency, in one place:
// the SRT Deployment Guide's table (loss -> RTT multiplier, minimum latency,
// bandwidth overhead), the latency it advises for a measured loss and RTT,
// the judgement of a feed's headroom against that advice, and the loss
// percentage itself. Every screen, alarm, chart, report and the wizard ask
// this package, so they cannot disagree.
package guidance

import (
	"fmt"
	"math"
)

// Row is one line of the SRT Deployment Guide's latency table.
type Row struct {
	MaxLossPct   float64 // the row applies to a loss up to and including this, in percent
	Multiplier   int     // latency = Multiplier x RTT
	MinLatencyMs int     // Multiplier x RTTFloorMs: the latency below which no link goes
	OverheadPct  int     // bandwidth to budget for retransmissions, percent of the bitrate
}

// RTTFloorMs is the smallest RTT the guide calculates with: an RTT below
// 20 ms counts as 20 ms.
const RTTFloorMs = 20

// CeilingMultiplier is the guide's largest multiplier, its "100% loss" row:
// no loss is advised more than 20x RTT.
const CeilingMultiplier = 20

// table is THE guidance table (DESIGN.md section 3). Each row's minimum
// latency is its multiplier times the 20 ms RTT floor and its overhead is
// 100 / multiplier, rounded; the ceiling row follows the same rules
// (20 x 20 ms = 400 ms, 5%).
var table = []Row{
	{MaxLossPct: 1, Multiplier: 3, MinLatencyMs: 60, OverheadPct: 33},
	{MaxLossPct: 3, Multiplier: 4, MinLatencyMs: 80, OverheadPct: 25},
	{MaxLossPct: 7, Multiplier: 5, MinLatencyMs: 100, OverheadPct: 20},
	{MaxLossPct: 10, Multiplier: 6, MinLatencyMs: 120, OverheadPct: 17},
	{MaxLossPct: 100, Multiplier: CeilingMultiplier, MinLatencyMs: CeilingMultiplier * RTTFloorMs, OverheadPct: 5},
}

// Table returns a copy of the guidance table, lowest loss first.
func Table() []Row { return append([]Row(nil), table...) }

// For returns the table row for a loss in percent: the first row whose
// MaxLossPct is at or above it. A negative or NaN loss counts as none;
// above 100% (impossible) the ceiling row applies.
func For(lossPct float64) Row {
	if math.IsNaN(lossPct) {
		lossPct = 0
	}
	for _, r := range table {
		if lossPct <= r.MaxLossPct {
			return r
		}
	}
	return table[len(table)-1]
}

// LatencyMs is the latency this row advises for rttMs: Multiplier x RTT,
// with an RTT below RTTFloorMs counted as RTTFloorMs, rounded to the
// millisecond.
func (r Row) LatencyMs(rttMs float64) int {
	return int(math.Round(float64(r.Multiplier) * math.Max(rttMs, RTTFloorMs)))
}

// LinkBps is the bandwidth the link must carry for a stream of bitrateBps:
// bitrate x (100 + overhead) / 100.
func (r Row) LinkBps(bitrateBps float64) float64 {
	return bitrateBps * float64(100+r.OverheadPct) / 100
}

// LongestBurstMs is about the longest loss burst SRT can repair at
// latencyMs with this row's overhead: latency x overhead / 100.
func (r Row) LongestBurstMs(latencyMs float64) float64 {
	return latencyMs * float64(r.OverheadPct) / 100
}

// String describes the row in words, e.g. "4x RTT (at least 80 ms) for
// loss up to 3%".
func (r Row) String() string {
	if r.Multiplier == CeilingMultiplier {
		return fmt.Sprintf("%dx RTT (at least %d ms), the ceiling, for loss above %g%%", r.Multiplier, r.MinLatencyMs, table[len(table)-2].MaxLossPct)
	}
	return fmt.Sprintf("%dx RTT (at least %d ms) for loss up to %g%%", r.Multiplier, r.MinLatencyMs, r.MaxLossPct)
}

// Advice is the guide's latency for a measured loss and RTT.
type Advice struct {
	Row
	LossPct   float64 // the loss it was given
	RTTMs     float64 // the RTT it was given (before the 20 ms floor)
	LatencyMs int     // the advised latency
}

// Advise returns the guide's advice for lossPct and rttMs.
func Advise(lossPct, rttMs float64) Advice {
	r := For(lossPct)
	return Advice{Row: r, LossPct: lossPct, RTTMs: rttMs, LatencyMs: r.LatencyMs(rttMs)}
}

// Headroom judges a latency against the advice for its loss and RTT.
type Headroom int

// Headroom judgements.
const (
	// HeadroomOK: the latency is at or above the advised latency (or no
	// RTT is known yet).
	HeadroomOK Headroom = iota
	// HeadroomShort: below the advice, but within a quarter of it.
	HeadroomShort
	// HeadroomFarShort: more than a quarter below the advice.
	HeadroomFarShort
)

// String names the judgement.
func (h Headroom) String() string {
	switch h {
	case HeadroomOK:
		return "ok"
	case HeadroomShort:
		return "short"
	case HeadroomFarShort:
		return "far short"
	}
	return fmt.Sprintf("Headroom(%d)", int(h))
}

// JudgeHeadroom compares latencyMs with the advised latency for lossPct
// and rttMs (multiplier x RTT, RTT at least 20 ms): OK at or above it,
// short within a quarter below, far short further below. With no RTT
// measured (rttMs <= 0) there is nothing to judge: OK.
func JudgeHeadroom(latencyMs, rttMs, lossPct float64) Headroom {
	if rttMs <= 0 {
		return HeadroomOK
	}
	advised := float64(Advise(lossPct, rttMs).LatencyMs)
	switch {
	case latencyMs >= advised:
		return HeadroomOK
	case latencyMs >= 0.75*advised:
		return HeadroomShort
	}
	return HeadroomFarShort
}
