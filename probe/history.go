package probe

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// History event kinds (PIDEvent.Kind).
const (
	PIDStart   = "pid_start"   // first packet of a PID, or the first after it stopped
	PIDStop    = "pid_stop"    // no packet for longer than the PID's timeout
	PMTVersion = "pmt_version" // a program's PMT changed version
	Scrambled  = "scrambled"   // packets of the PID became scrambled
	Clear      = "clear"       // packets of the PID became clear again
)

// maxHistory bounds the PID history kept for a long live session.
const maxHistory = 500

// siStopTimeout is the shortest stop timeout of a DVB SI PID (0x10-0x1f):
// a TDT/TOT may come only every 30 s.
const siStopTimeout = 35 * second

// PIDEvent is a change in the make-up of the multiplex, in seconds of the
// stream clock from the first PCR (like the TR 101 290 times).
type PIDEvent struct {
	TimeS   float64 `json:"time_s"`
	Kind    string  `json:"kind"` // pid_start, pid_stop, pmt_version, scrambled, clear
	PID     uint16  `json:"pid"`
	Program uint16  `json:"program,omitempty"`
	Detail  string  `json:"detail,omitempty"`
}

func (a *Analyzer) event(t int64, kind string, pid, program uint16, detail string) {
	if len(a.history) >= maxHistory {
		a.histDropped++
		return
	}
	a.history = append(a.history, PIDEvent{TimeS: round3(ticksToS(t)), Kind: kind, PID: pid, Program: program, Detail: detail})
}

// pidStarted records the first packet of st, or its return after a stop.
func (a *Analyzer) pidStarted(st *pidState) {
	st.active = true
	if st.packets <= 1 {
		a.event(a.now, PIDStart, st.pid, 0, "")
		return
	}
	a.event(a.now, PIDStart, st.pid, 0, fmt.Sprintf("back after %.2f s without packets", ticksToS(a.now-st.lastSeen)))
}

// stopTimeout is how long st may go without packets before it counts as
// stopped: the PID timeout, or four times the longest gap it has already
// shown (sparse tables), and at least siStopTimeout for DVB SI PIDs.
func (a *Analyzer) stopTimeout(st *pidState) int64 {
	to := max(int64(a.opt.PIDTimeout/time.Microsecond*27), 4*st.maxGap)
	if st.pid >= 0x10 && st.pid <= 0x1f {
		to = max(to, siStopTimeout)
	}
	return to
}

// pidStops declares the PIDs silent for longer than their timeout stopped
// and returns the earliest next time one may stop (at most next).
func (a *Analyzer) pidStops(now, next int64) int64 {
	for _, st := range a.pids {
		if !st.active {
			continue
		}
		due := st.lastSeen + a.stopTimeout(st)
		if now < due {
			next = min(next, due)
			continue
		}
		st.active = false
		a.event(st.lastSeen, PIDStop, st.pid, 0, fmt.Sprintf("no packet for %.2f s since", ticksToS(now-st.lastSeen)))
	}
	return next
}

// scramblingChanged records a change of transport_scrambling_control.
func (a *Analyzer) scramblingChanged(st *pidState, sc uint8) {
	st.scr = sc
	if sc == 0 {
		a.event(a.now, Clear, st.pid, 0, "")
		return
	}
	a.event(a.now, Scrambled, st.pid, 0, fmt.Sprintf("transport_scrambling_control %d", sc))
}

// pmtChanged records a new PMT version of pg with the PIDs it added and removed.
func (a *Analyzer) pmtChanged(pg *program, from int, pids, removed []uint16) {
	var added []uint16
	for _, p := range pids {
		if !slices.Contains(pg.streams, p) {
			added = append(added, p)
		}
	}
	d := fmt.Sprintf("version %d to %d", from, a.curVersion)
	if len(added) > 0 {
		d += ", added PID " + joinPIDs(added)
	}
	if len(removed) > 0 {
		d += ", removed PID " + joinPIDs(removed)
	}
	a.event(a.now, PMTVersion, pg.pmtPID, pg.number, d)
}

func joinPIDs(p []uint16) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", ")
}

// closeWindow ends the current 1 s window of the stream clock: the bit rate
// of every PID present for all of it goes into its min/max.
func (a *Analyzer) closeWindow() {
	d := a.now - a.winStart
	for _, st := range a.pids {
		if st.firstWin <= a.winIdx {
			r := float64(st.winPackets*PacketSize*8) * second / float64(d)
			if st.rateN == 0 || r < st.rateMin {
				st.rateMin = r
			}
			st.rateMax = max(st.rateMax, r)
			st.rateN++
			st.rate1s = r
		}
		st.winPackets = 0
	}
	a.winIdx++
	a.winStart = a.now
}

// historyReport is the history in time order (a stop is noted when its
// timeout ends, after later events). Caller holds a.mu.
func (a *Analyzer) historyReport() []PIDEvent {
	h := slices.Clone(a.history)
	if h == nil {
		h = []PIDEvent{}
	}
	slices.SortStableFunc(h, func(x, y PIDEvent) int { return cmp.Compare(x.TimeS, y.TimeS) })
	return h
}
