package session

import (
	"slices"
	"sync"
	"time"
)

// MarginHistogram counts recovered packets by recovery margin: Pkts[i]
// counts margins below EdgesMs[i] (and at or above EdgesMs[i-1]); the
// last entry of Pkts counts margins at or above the last edge. Margins
// below 0 are packets that came too late.
type MarginHistogram struct {
	EdgesMs []int    `json:"edges_ms"`
	Pkts    []uint64 `json:"pkts"`
}

// marginEdgesMs are the histogram's bucket edges.
var marginEdgesMs = []int{0, 5, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 640, 1280}

// marginStats collects the recovery margins of one session: the window's
// for the sample (min, 5th percentile) and the whole session's histogram.
// The read loop adds, the sampler takes the window.
type marginStats struct {
	mu     sync.Mutex
	window []time.Duration
	hist   []uint64
}

func newMarginStats() *marginStats {
	return &marginStats{hist: make([]uint64, len(marginEdgesMs)+1)}
}

func (m *marginStats) add(d time.Duration) {
	ms := d.Milliseconds()
	if d < 0 && ms == 0 {
		ms = -1
	}
	i, _ := slices.BinarySearch(marginEdgesMs, int(ms)+1)
	m.mu.Lock()
	m.window = append(m.window, d)
	m.hist[i]++
	m.mu.Unlock()
}

// takeWindow returns the window's minimum and 5th percentile margin (ok
// false when nothing was recovered in it) and starts a new window.
func (m *marginStats) takeWindow() (minMargin, p5 time.Duration, ok bool) {
	m.mu.Lock()
	w := m.window
	m.window = make([]time.Duration, 0, len(w))
	m.mu.Unlock()
	if len(w) == 0 {
		return 0, 0, false
	}
	slices.Sort(w)
	return w[0], w[len(w)*5/100], true
}

func (m *marginStats) histogram() MarginHistogram {
	m.mu.Lock()
	defer m.mu.Unlock()
	return MarginHistogram{EdgesMs: slices.Clone(marginEdgesMs), Pkts: slices.Clone(m.hist)}
}
