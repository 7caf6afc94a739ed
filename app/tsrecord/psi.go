package tsrecord

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/srtscope/srtscope/probe/ts"
)

// maxPSIPackets bounds the packets kept of one PAT or PMT section.
const maxPSIPackets = 8

// videoStreamTypes are the PMT stream_type values of video: a segment
// should start at one of their random access points.
var videoStreamTypes = map[uint8]bool{
	0x01: true, // MPEG-1 video
	0x02: true, // MPEG-2 video
	0x10: true, // MPEG-4 part 2
	0x1b: true, // H.264
	0x24: true, // HEVC
	0x33: true, // VVC
	0xea: true, // VC-1
}

// psiTracker follows the PAT and PMTs of a stream: it keeps the packets of
// the latest PAT and of each PMT it lists, to start every segment with
// them, and knows the video PIDs, to split where a decoder can start.
type psiTracker struct {
	pat    []byte              // the latest PAT section's packets
	patSec []byte              // the PAT section last parsed
	pmts   []pmtCache          // one per PMT PID of the latest PAT, in its order
	video  map[uint16]bool     // elementary PIDs of video streams
	vbyPM  map[uint16][]uint16 // video PIDs per PMT PID
}

type pmtCache struct {
	pid     uint16
	packets []byte // the latest section's packets
	sec     []byte // the section last parsed
}

// observe takes one whole packet that starts with the sync byte.
func (t *psiTracker) observe(p []byte) {
	h := ts.HeaderOf(p)
	pid := h.PID()
	if pid == 0 {
		t.pat = keepSection(t.pat, p, h.PUSI())
		if h.PUSI() {
			if sec, ok := section(p, 0x00); ok && !bytes.Equal(sec, t.patSec) {
				t.patSec = append(t.patSec[:0], sec...)
				t.setPMTPIDs(parsePAT(sec))
			}
		}
		return
	}
	for i := range t.pmts {
		c := &t.pmts[i]
		if c.pid != pid {
			continue
		}
		c.packets = keepSection(c.packets, p, h.PUSI())
		if h.PUSI() {
			if sec, ok := section(p, 0x02); ok && !bytes.Equal(sec, c.sec) {
				c.sec = append(c.sec[:0], sec...)
				t.setVideo(pid, parsePMT(sec))
			}
		}
		return
	}
}

// keepSection adds packet p to the packets of a section: a PUSI starts a
// new section; a continuation is kept only after a start, up to
// maxPSIPackets.
func keepSection(kept, p []byte, pusi bool) []byte {
	switch {
	case pusi:
		return append(kept[:0], p[:ts.PacketSize]...)
	case len(kept) > 0 && len(kept) < maxPSIPackets*ts.PacketSize:
		return append(kept, p[:ts.PacketSize]...)
	}
	return kept
}

// setPMTPIDs makes pids the PMT PIDs followed, keeping what is known of
// those already followed.
func (t *psiTracker) setPMTPIDs(pids []uint16) {
	same := len(pids) == len(t.pmts)
	for i := 0; same && i < len(pids); i++ {
		same = t.pmts[i].pid == pids[i]
	}
	if same {
		return
	}
	next := make([]pmtCache, 0, len(pids))
	for _, pid := range pids {
		c := pmtCache{pid: pid}
		if i := slices.IndexFunc(t.pmts, func(c pmtCache) bool { return c.pid == pid }); i >= 0 {
			c = t.pmts[i]
		}
		next = append(next, c)
	}
	t.pmts = next
	for pm := range t.vbyPM {
		if !slices.Contains(pids, pm) {
			delete(t.vbyPM, pm)
		}
	}
	t.rebuildVideo()
}

func (t *psiTracker) setVideo(pmtPID uint16, videos []uint16) {
	if slices.Equal(t.vbyPM[pmtPID], videos) {
		return
	}
	if t.vbyPM == nil {
		t.vbyPM = map[uint16][]uint16{}
	}
	t.vbyPM[pmtPID] = videos
	t.rebuildVideo()
}

func (t *psiTracker) rebuildVideo() {
	t.video = map[uint16]bool{}
	for _, vs := range t.vbyPM {
		for _, v := range vs {
			t.video[v] = true
		}
	}
}

// randomAccess reports whether a segment should start at packet p: it
// starts a PES with the random_access_indicator set, on a video PID when
// the PMTs list any video.
func (t *psiTracker) randomAccess(p []byte) bool {
	h := ts.HeaderOf(p)
	if !h.PUSI() || !h.HasAdaptation() || h.PID() == 0 || !ts.AdaptationOf(p).RandomAccess() {
		return false
	}
	return len(t.video) == 0 || t.video[h.PID()]
}

// appendPrefix appends the latest PAT and PMT packets, the start of a
// segment that begins before packet p; nothing when p itself starts a PAT
// (its PMTs follow it). Each kept section ends with the last packet seen
// on its PID, so the continuity counters run on into the packets after it.
func (t *psiTracker) appendPrefix(dst, p []byte) []byte {
	if h := ts.HeaderOf(p); h.PID() == 0 && h.PUSI() {
		return dst
	}
	dst = append(dst, t.pat...)
	for _, c := range t.pmts {
		dst = append(dst, c.packets...)
	}
	return dst
}

// section returns the PSI section that starts in packet p (PUSI set), when
// it is whole in this packet and its CRC is right.
func section(p []byte, tableID uint8) ([]byte, bool) {
	pl := ts.Payload(p)
	if len(pl) < 1 {
		return nil, false
	}
	start := 1 + int(pl[0])
	if start+3 > len(pl) || pl[start] != tableID {
		return nil, false
	}
	n := 3 + int(binary.BigEndian.Uint16(pl[start+1:])&0x0fff)
	if n < 12 || start+n > len(pl) {
		return nil, false
	}
	s := pl[start : start+n]
	if ts.CRC32(s) != 0 {
		return nil, false
	}
	return s, true
}

// parsePAT returns the PMT PIDs of PAT section s.
func parsePAT(s []byte) []uint16 {
	var pids []uint16
	for i := 8; i+4 <= len(s)-4; i += 4 {
		prog := binary.BigEndian.Uint16(s[i:])
		pid := binary.BigEndian.Uint16(s[i+2:]) & 0x1fff
		if prog != 0 && pid != 0 && !slices.Contains(pids, pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// parsePMT returns the video PIDs of PMT section s.
func parsePMT(s []byte) []uint16 {
	end := len(s) - 4
	i := 12 + int(binary.BigEndian.Uint16(s[10:])&0x0fff)
	var videos []uint16
	for i+5 <= end {
		st := s[i]
		pid := binary.BigEndian.Uint16(s[i+1:]) & 0x1fff
		i += 5 + int(binary.BigEndian.Uint16(s[i+3:])&0x0fff)
		if videoStreamTypes[st] && i <= end {
			videos = append(videos, pid)
		}
	}
	return videos
}
