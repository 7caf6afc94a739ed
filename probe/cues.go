package probe

import (
	"errors"
	"fmt"
	"math"

	"github.com/srtscope/srtscope/probe/scte35"
	"github.com/srtscope/srtscope/probe/ts"
)

// maxCues bounds the cues kept for a long live session.
const maxCues = 1000

// Cue is one SCTE-35 splice_insert or time_signal, an ad-break or programme
// boundary signal. Times are seconds of media time from the start of the
// input (the smallest first PTS of the elementary streams), like the media
// events.
type Cue struct {
	PID          uint16  `json:"pid"`
	Command      string  `json:"command"`  // splice_insert or time_signal
	EventID      uint32  `json:"event_id"` // splice_event_id, or a time_signal's segmentation_event_id
	OutOfNetwork bool    `json:"out_of_network"`
	PTSS         float64 `json:"pts_s"`      // splice time (pts_time + pts_adjustment); the arrival for an immediate splice
	DurationS    float64 `json:"duration_s"` // break_duration or segmentation_duration, 0 when none
	PrerollS     float64 `json:"preroll_s"`  // splice time minus the PCR when the section arrived
	ArrivalS     float64 `json:"arrival_s"`  // media time the section arrived

	PTS           int64  `json:"pts"`            // pts_time as sent, 90 kHz; -1 when none (immediate)
	PTSAdjustment int64  `json:"pts_adjustment"` // 90 kHz
	Immediate     bool   `json:"immediate,omitempty"`
	Cancel        bool   `json:"cancel,omitempty"` // splice_event_cancel_indicator: an earlier cue is withdrawn
	AutoReturn    bool   `json:"auto_return,omitempty"`
	SegmentType   uint8  `json:"segmentation_type_id,omitempty"`
	Segmentation  string `json:"segmentation,omitempty"` // segmentation_type_id in words
	Repeats       int    `json:"repeats,omitempty"`      // identical sections after the first
}

// cueState is a cue as the packet loop noted it: absolute 90 kHz times,
// turned into media time when the report is made (the origin may still
// move while the first PES packets arrive).
type cueState struct {
	Cue
	crc        uint32
	splice     int64 // 90 kHz, with the adjustment
	arrival    int64 // 90 kHz system clock at arrival, -1 unknown
	arrivalClk int64 // stream clock at arrival, for a missing origin
}

// spliceSection handles one complete section on an SCTE-35 PID.
func (a *Analyzer) spliceSection(st *pidState, s []byte) {
	sec, err := scte35.Parse(s)
	if errors.Is(err, scte35.ErrCRC) {
		a.tr(chkCRC)
		return
	}
	if err != nil {
		a.note(fmt.Sprintf("unreadable SCTE-35 section on PID %d: %v", st.pid, err))
		return
	}
	a.sectionArrived(st.sec)
	if sec.Encrypted {
		a.note(fmt.Sprintf("SCTE-35 cues on PID %d are encrypted: their commands were not read", st.pid))
		return
	}
	c := cueState{Cue: Cue{PID: st.pid, Command: scte35.CommandName(sec.CommandType), PTS: -1, PTSAdjustment: sec.PTSAdjustment},
		crc: sec.CRC, arrival: a.systemClock(st.pid), arrivalClk: a.now}
	var t scte35.SpliceTime
	switch {
	case sec.Insert != nil:
		in := sec.Insert
		c.EventID, c.Cancel, c.OutOfNetwork, c.Immediate = in.EventID, in.Cancel, in.OutOfNetwork, in.Immediate
		t = in.Time
		if !in.ProgramSplice && len(in.Components) > 0 {
			t = in.Components[0].Time // component splices: the first component's time
		}
		if in.HasDuration {
			c.AutoReturn, c.DurationS = in.Duration.AutoReturn, round6(float64(in.Duration.Duration)/scte35.PTSHz)
		}
	case sec.TimeSignal != nil:
		t = *sec.TimeSignal
		for _, d := range sec.Descriptors {
			if g := d.Segmentation; g != nil {
				c.EventID, c.Cancel, c.SegmentType = g.EventID, g.Cancel, g.TypeID
				c.Segmentation = scte35.SegmentationTypeName(g.TypeID)
				c.OutOfNetwork = scte35.StartsBreak(g.TypeID)
				if g.HasDuration {
					c.DurationS = round6(float64(g.Duration) / scte35.PTSHz)
				}
				break
			}
		}
	default:
		return // splice_null heartbeats and others: counted in the PID's table stats
	}
	switch {
	case t.TimeSpecified:
		c.PTS = t.PTS
		c.splice = sec.AddPTS(t.PTS)
	case c.arrival >= 0:
		c.Immediate, c.splice = true, c.arrival
	default:
		c.Immediate, c.splice = true, -1
	}
	for i := len(a.cues) - 1; i >= 0 && i >= len(a.cues)-16; i-- {
		if p := &a.cues[i]; p.PID == c.PID && p.crc == c.crc {
			p.Repeats++
			return
		}
	}
	if len(a.cues) >= maxCues {
		a.cuesDropped++
		return
	}
	a.cues = append(a.cues, c)
}

// systemClock is the 90 kHz system time (PCR / 300) now on the program of
// PID pid, from its PCR PID's last PCR and the packets since; -1 if no
// PCR has arrived.
func (a *Analyzer) systemClock(pid uint16) int64 {
	ref := int32(-1)
	for _, pg := range a.programs {
		if pg.pcrPID != 0 && pg.pcrPID != NullPID && contains(pg.streams, pid) {
			ref = int32(pg.pcrPID)
		}
	}
	if ref < 0 || a.idx[ref] == 0 || a.pids[a.idx[ref]-1].pcrCount == 0 {
		ref = a.refPID
	}
	if ref < 0 || a.idx[ref] == 0 {
		return -1
	}
	st := a.pids[a.idx[ref]-1]
	if st.pcrCount == 0 {
		return -1
	}
	pcr := st.lastPCR.Add(int64(float64(a.pktN-st.lastPCRPkt) * a.ticksPerPkt))
	return int64(pcr) / 300
}

func contains(s []uint16, v uint16) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// cueReport turns the noted cues into media time. Caller holds a.mu.
func (a *Analyzer) cueReport() []Cue {
	out := make([]Cue, 0, len(a.cues))
	origin := a.originPTS
	for _, c := range a.cues {
		r := c.Cue
		if c.arrival >= 0 && c.splice >= 0 {
			r.PrerollS = round6(float64(ts.TimestampDelta(c.arrival, c.splice)) / scte35.PTSHz)
		}
		switch {
		case origin >= 0 && c.splice >= 0:
			r.PTSS = round6(float64(ts.TimestampDelta(origin, c.splice)) / scte35.PTSHz)
		case c.splice >= 0 && c.arrival >= 0: // no PES yet: arrival on the stream clock
			r.PTSS = round6(ticksToS(c.arrivalClk) + r.PrerollS)
		}
		if origin >= 0 && c.arrival >= 0 {
			r.ArrivalS = round6(float64(ts.TimestampDelta(origin, c.arrival)) / scte35.PTSHz)
		} else {
			r.ArrivalS = round6(ticksToS(c.arrivalClk))
		}
		out = append(out, r)
	}
	return out
}

// round6 rounds to the microsecond: cue times stay exact to well under a
// 90 kHz tick.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
