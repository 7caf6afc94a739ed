package session

import (
	"fmt"
	"io"
)

// loopSplicer makes a looped TS file look like one endless stream, as an
// encoder would send it: on the k-th repeat every continuity counter
// carries on from where the previous pass ended, and every PCR, PTS and DTS
// is moved on by k times the file's duration. Without it each loop point is
// a burst of continuity errors, a PCR jump and timestamps going backwards,
// which a monitor rightly reports and an operator would take for a fault
// of the path.
type loopSplicer struct {
	ccStep [8192]uint8 // per PID: how far its counter moves in one pass
	shift  int64       // one pass in 27 MHz ticks, a multiple of 300
}

// newLoopSplicer scans src for each PID's first and last continuity
// counter. duration is one pass of the file in seconds (the pacing
// timeline's), so the timestamps move exactly as the pacing does.
func newLoopSplicer(src io.ReaderAt, size int64, duration float64) (*loopSplicer, error) {
	ls := &loopSplicer{shift: int64(duration*90_000+0.5) * 300}
	var first, last [8192]int16
	for i := range first {
		first[i], last[i] = -1, -1
	}
	const block = tsPacketSize * 512
	buf := make([]byte, block)
	for base := int64(0); base+tsPacketSize <= size; base += block {
		n, err := src.ReadAt(buf, base)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("session: reading the input: %w", err)
		}
		for i := 0; i+tsPacketSize <= n; i += tsPacketSize {
			p := buf[i : i+tsPacketSize]
			if p[0] != tsSyncByte || p[3]&0x10 == 0 { // no payload: CC does not count
				continue
			}
			pid := int(p[1]&0x1f)<<8 | int(p[2])
			cc := int16(p[3] & 0x0f)
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
	shift27 := loop * ls.shift % pcrWrap
	shift90 := shift27 / 300
	for i := 0; i+tsPacketSize <= len(b); i += tsPacketSize {
		p := b[i : i+tsPacketSize]
		if p[0] != tsSyncByte {
			continue
		}
		pid := int(p[1]&0x1f)<<8 | int(p[2])
		afc := p[3] >> 4 & 3
		if afc&1 != 0 {
			cc := (int64(p[3]&0x0f) + loop*int64(ls.ccStep[pid])) & 0x0f
			p[3] = p[3]&0xf0 | byte(cc)
		}
		payload := 4
		if afc&2 != 0 {
			afLen := int(p[4])
			payload = 5 + afLen
			if afLen >= 7 && p[5]&0x10 != 0 {
				if pcr, _, ok := packetPCR(p); ok {
					putPCR(p[6:12], (pcr+shift27)%pcrWrap)
				}
			}
		}
		if afc&1 != 0 && p[1]&0x40 != 0 && payload+14 <= tsPacketSize {
			shiftPES(p[payload:], shift90)
		}
	}
}

// putPCR writes a 27 MHz PCR as its 33-bit base, 6 reserved bits and
// 9-bit extension.
func putPCR(b []byte, pcr int64) {
	base, ext := pcr/300, pcr%300
	b[0] = byte(base >> 25)
	b[1] = byte(base >> 17)
	b[2] = byte(base >> 9)
	b[3] = byte(base >> 1)
	b[4] = byte(base<<7) | 0x7e | byte(ext>>8)
	b[5] = byte(ext)
}

// shiftPES moves the PTS and DTS of the PES header starting at h by shift
// 90 kHz ticks (modulo 2^33), when h starts a PES packet that has them.
func shiftPES(h []byte, shift int64) {
	if len(h) < 14 || h[0] != 0 || h[1] != 0 || h[2] != 1 {
		return
	}
	switch h[3] { // stream_id without the optional header
	case 0xbc, 0xbe, 0xbf, 0xf0, 0xf1, 0xf2, 0xf8, 0xff:
		return
	}
	if h[6]&0xc0 != 0x80 { // not the MPEG-2 PES header layout
		return
	}
	flags := h[7] >> 6
	if flags&2 != 0 {
		putTimestamp(h[9:14], (readTimestamp(h[9:14])+shift)&(1<<33-1))
	}
	if flags == 3 && len(h) >= 19 {
		putTimestamp(h[14:19], (readTimestamp(h[14:19])+shift)&(1<<33-1))
	}
}

// readTimestamp decodes a 33-bit PTS/DTS spread over 5 bytes with marker bits.
func readTimestamp(b []byte) int64 {
	return int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
}

// putTimestamp writes ts back, keeping the 4-bit prefix of b[0] and
// setting the marker bits.
func putTimestamp(b []byte, ts int64) {
	b[0] = b[0]&0xf0 | byte(ts>>29)&0x0e | 1
	b[1] = byte(ts >> 22)
	b[2] = byte(ts>>14) | 1
	b[3] = byte(ts >> 7)
	b[4] = byte(ts<<1) | 1
}
