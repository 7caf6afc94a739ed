package session

import (
	"fmt"
	"io"
	"sort"

	"github.com/srtscope/srtscope/probe/ts"
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
	pcr    ts.PCR
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
			if dt := pcrs[i].pcr.Since(pcrs[i-1].pcr); dt > 0 && dt <= ts.PCRHz {
				sumTicks += dt
				sumBytes += pcrs[i].offset - pcrs[i-1].offset
			}
		}
		if sumTicks > 0 && sumBytes > 0 {
			tl.avgBps = float64(sumBytes) * 8 / (float64(sumTicks) / ts.PCRHz)
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
		dt := float64(cur.pcr.Since(prev.pcr)) / ts.PCRHz
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
	const block = ts.PacketSize * 512
	buf := make([]byte, block)
	pcrPID := -1
	var out []pcrSample
	for base := int64(0); base+ts.PacketSize <= size; base += block {
		n, err := src.ReadAt(buf, base)
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("session: reading the input: %w", err)
		}
		for i := 0; i+ts.PacketSize <= n; i += ts.PacketSize {
			pkt := buf[i : i+ts.PacketSize]
			if pkt[0] != ts.SyncByte {
				if base == 0 && i == 0 {
					return nil, nil // not TS aligned at 0: no PCR pacing
				}
				continue
			}
			h := ts.HeaderOf(pkt)
			if !h.HasAdaptation() {
				continue
			}
			af := ts.AdaptationOf(pkt)
			pid := int(h.PID())
			if !af.HasPCR() || (pcrPID >= 0 && pid != pcrPID) {
				continue
			}
			pcrPID = pid
			out = append(out, pcrSample{offset: base + int64(i), pcr: ts.PacketPCR(pkt)})
		}
		if n < block {
			break
		}
	}
	return out, nil
}
