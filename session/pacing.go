package session

import (
	"fmt"
	"io"
	"sort"
)

const (
	tsPacketSize = 188
	tsSyncByte   = 0x47
	pcrClockHz   = 27_000_000
	pcrWrap      = (1 << 33) * 300
)

// mediaTimeline maps a byte offset of a TS file to its media time in
// seconds, interpolated between the PCRs of the first PCR PID. PCR jumps
// (discontinuities, wraps) are bridged with the average bitrate, so the
// timeline is always increasing.
type mediaTimeline struct {
	size     int64
	knots    []timeKnot // increasing offset and time
	avgBps   float64    // average bitrate, bits per second
	duration float64    // media duration of the whole file, seconds
	pcrs     int        // PCRs found
}

type timeKnot struct {
	offset int64
	t      float64
}

// pcrSample is one PCR found at a byte offset.
type pcrSample struct {
	offset int64
	pcr    int64 // 27 MHz ticks
}

// newMediaTimeline indexes the PCRs of src. Without usable PCRs (not TS, or
// fewer than two) it paces at fallbackBps.
func newMediaTimeline(src io.ReaderAt, size int64, fallbackBps float64) (*mediaTimeline, error) {
	if size <= 0 {
		return nil, fmt.Errorf("session: nothing to send: the input is empty")
	}
	pcrs, err := scanPCRs(src, size)
	if err != nil {
		return nil, err
	}
	tl := &mediaTimeline{size: size, pcrs: len(pcrs), avgBps: fallbackBps}
	if len(pcrs) >= 2 {
		var sumBytes int64
		var sumTicks int64
		for i := 1; i < len(pcrs); i++ {
			if dt := pcrDelta(pcrs[i-1].pcr, pcrs[i].pcr); dt > 0 && dt <= pcrClockHz {
				sumTicks += dt
				sumBytes += pcrs[i].offset - pcrs[i-1].offset
			}
		}
		if sumTicks > 0 && sumBytes > 0 {
			tl.avgBps = float64(sumBytes) * 8 / (float64(sumTicks) / pcrClockHz)
		}
	}
	if len(pcrs) < 2 || tl.avgBps <= 0 {
		tl.avgBps = fallbackBps
		tl.knots = []timeKnot{{0, 0}}
		tl.duration = float64(size) * 8 / tl.avgBps
		return tl, nil
	}
	first := pcrs[0]
	tl.knots = append(tl.knots, timeKnot{first.offset, float64(first.offset) * 8 / tl.avgBps})
	for i := 1; i < len(pcrs); i++ {
		prev, cur := pcrs[i-1], pcrs[i]
		dt := float64(pcrDelta(prev.pcr, cur.pcr)) / pcrClockHz
		if dt <= 0 || dt > 1 {
			dt = float64(cur.offset-prev.offset) * 8 / tl.avgBps
		}
		last := tl.knots[len(tl.knots)-1]
		if cur.offset > last.offset {
			tl.knots = append(tl.knots, timeKnot{cur.offset, last.t + dt})
		}
	}
	tl.duration = tl.at(size)
	return tl, nil
}

// pcrDelta is b-a in 27 MHz ticks, across the 2^33*300 wrap.
func pcrDelta(a, b int64) int64 {
	d := b - a
	if d < -pcrWrap/2 {
		d += pcrWrap
	}
	return d
}

// at returns the media time at byte offset off (0 <= off <= size).
func (tl *mediaTimeline) at(off int64) float64 {
	k := tl.knots
	i := sort.Search(len(k), func(i int) bool { return k[i].offset > off }) // first knot after off
	if i == 0 {
		return k[0].t - float64(k[0].offset-off)*8/tl.avgBps
	}
	a := k[i-1]
	if i == len(k) {
		return a.t + float64(off-a.offset)*8/tl.avgBps
	}
	b := k[i]
	return a.t + (b.t-a.t)*float64(off-a.offset)/float64(b.offset-a.offset)
}

// atStream returns the media time at position pos of an endless loop of
// the file.
func (tl *mediaTimeline) atStream(pos int64) float64 {
	loops := pos / tl.size
	return float64(loops)*tl.duration + tl.at(pos%tl.size)
}

// scanPCRs reads the PCRs of the first PID that carries one.
func scanPCRs(src io.ReaderAt, size int64) ([]pcrSample, error) {
	const block = tsPacketSize * 512
	buf := make([]byte, block)
	pcrPID := -1
	var out []pcrSample
	for base := int64(0); base+tsPacketSize <= size; base += block {
		n, err := src.ReadAt(buf, base)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("session: reading the input: %w", err)
		}
		for i := 0; i+tsPacketSize <= n; i += tsPacketSize {
			pkt := buf[i : i+tsPacketSize]
			if pkt[0] != tsSyncByte {
				if base == 0 && i == 0 {
					return nil, nil // not TS aligned at 0: no PCR pacing
				}
				continue
			}
			pcr, pid, ok := packetPCR(pkt)
			if !ok || (pcrPID >= 0 && pid != pcrPID) {
				continue
			}
			pcrPID = pid
			out = append(out, pcrSample{offset: base + int64(i), pcr: pcr})
		}
		if n < block {
			break
		}
	}
	return out, nil
}

// packetPCR returns the PCR of a TS packet that carries one.
func packetPCR(pkt []byte) (pcr int64, pid int, ok bool) {
	pid = int(pkt[1]&0x1f)<<8 | int(pkt[2])
	afc := (pkt[3] >> 4) & 0x3
	if afc != 2 && afc != 3 {
		return 0, pid, false
	}
	afLen := int(pkt[4])
	if afLen < 7 || pkt[5]&0x10 == 0 {
		return 0, pid, false
	}
	b := pkt[6:12]
	base := int64(b[0])<<25 | int64(b[1])<<17 | int64(b[2])<<9 | int64(b[3])<<1 | int64(b[4])>>7
	ext := int64(b[4]&0x1)<<8 | int64(b[5])
	return base*300 + ext, pid, true
}
