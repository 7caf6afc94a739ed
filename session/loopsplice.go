package session

import (
	"fmt"
	"io"

	"github.com/srtscope/srtscope/probe/ts"
)

// loopSplicer makes a looped TS file look like one endless stream, as an
// encoder would send it: on the k-th repeat every continuity counter
// carries on from where the previous pass ended, and every PCR, PTS and DTS
// is moved on by k times the file's duration. Without it each loop point is
// a burst of continuity errors, a PCR jump and timestamps going backwards,
// which a monitor rightly reports and an operator would take for a fault
// of the path.
type loopSplicer struct {
	ccStep [ts.NumPIDs]uint8 // per PID: how far its counter moves in one pass
	shift  int64             // one pass in 27 MHz ticks, a multiple of 300
}

// newLoopSplicer scans src for each PID's first and last continuity
// counter. duration is one pass of the file in seconds (the pacing
// timeline's), so the timestamps move exactly as the pacing does.
func newLoopSplicer(src io.ReaderAt, size int64, duration float64) (*loopSplicer, error) {
	ls := &loopSplicer{shift: int64(duration*90_000+0.5) * 300}
	var first, last [ts.NumPIDs]int16
	for i := range first {
		first[i], last[i] = -1, -1
	}
	const block = ts.PacketSize * 512
	buf := make([]byte, block)
	for base := int64(0); base+ts.PacketSize <= size; base += block {
		n, err := src.ReadAt(buf, base)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("session: reading the input: %w", err)
		}
		for i := 0; i+ts.PacketSize <= n; i += ts.PacketSize {
			p := buf[i : i+ts.PacketSize]
			if p[0] != ts.SyncByte {
				continue
			}
			h := ts.HeaderOf(p)
			if !h.HasPayload() { // no payload: CC does not count
				continue
			}
			pid := h.PID()
			cc := int16(h.CC())
			if first[pid] < 0 {
				first[pid] = cc
			}
			last[pid] = cc
		}
		if n < block {
			break
		}
	}
	for pid := range first {
		if first[pid] >= 0 {
			ls.ccStep[pid] = uint8((last[pid] + 1 - first[pid]) & 0x0f)
		}
	}
	return ls, nil
}

// rewrite patches the whole TS packets of b, which belong to pass loop
// (0 = the file as it is), in place.
func (ls *loopSplicer) rewrite(b []byte, loop int64) {
	if loop <= 0 {
		return
	}
	shift27 := loop * ls.shift % ts.PCRWrap
	shift90 := shift27 / 300
	for i := 0; i+ts.PacketSize <= len(b); i += ts.PacketSize {
		p := b[i : i+ts.PacketSize]
		if p[0] != ts.SyncByte {
			continue
		}
		h := ts.HeaderOf(p)
		if h.HasPayload() {
			h = h&^0x0f | ts.Header(h.CC()+uint8(loop*int64(ls.ccStep[h.PID()])))&0x0f
			h.Put(p)
		}
		if h.HasAdaptation() {
			if af := ts.AdaptationOf(p); af.HasPCR() {
				ts.PutPCR(p[6:12], ts.PacketPCR(p).Add(shift27))
			}
		}
		if h.PUSI() {
			if pl := ts.Payload(p); pl != nil {
				shiftPES(pl, shift90)
			}
		}
	}
}

// shiftPES moves the PTS and DTS of the PES header starting at b by shift
// 90 kHz ticks (modulo 2^33), when b starts a PES packet that has them.
func shiftPES(b []byte, shift int64) {
	h, err := ts.ParsePES(b)
	if err != nil {
		return
	}
	if h.PTS >= 0 {
		ts.PutTimestamp(b[ts.PTSOffset:], ts.AddTimestamp(h.PTS, shift))
	}
	if h.DTS >= 0 {
		ts.PutTimestamp(b[ts.DTSOffset:], ts.AddTimestamp(h.DTS, shift))
	}
}
