package media

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/ts"
)

// BitstreamAnalyser looks at audio in a transport stream without ffmpeg: it
// reports digital silence in AAC (ADTS) streams, silence below the
// configured threshold and levels in MP2 streams (from scalefactors). Video
// is not analysed: black and freeze detection needs ffmpeg. Feed it with
// Write; it is not safe for concurrent use.
type BitstreamAnalyser struct {
	cfg Config
	tp  tsPackets
	psi *psiScanner
	es  map[uint16]*esState
	log eventLog
	// firstPTS per elementary stream PID; media time 0 is the smallest.
	firstPTS map[uint16]int64
}

// esState follows one audio elementary stream.
type esState struct {
	pid      uint16
	codec    string // aac or mp2
	buf      []byte
	inPES    bool
	lastPTS  int64 // unwrapped, 90 kHz
	hasPTS   bool
	anchor   int64   // PTS of the first frame starting at or after anchorAt
	anchorAt int     // offset in buf, -1 when none
	next     float64 // media time (s, from the stream's own PTS) of the next frame
	haveT    bool

	// silence run
	runOn, runConfirmed bool
	runStart, lastEnd   float64
	// level window
	lvFrom          float64
	lvPeak, lvPower []float64
	lvFrames        int
}

// NewBitstreamAnalyser makes a pure-Go audio analyser. Of cfg it uses
// AudioPID (0: every AAC and MP2 stream), SilenceNoiseDB and SilenceMinS
// (for MP2 levels), and the OnEvent and OnLevels callbacks.
func NewBitstreamAnalyser(cfg Config) *BitstreamAnalyser {
	return &BitstreamAnalyser{cfg: cfg.withDefaults(), psi: newPSIScanner(),
		es: map[uint16]*esState{}, firstPTS: map[uint16]int64{}}
}

// Write consumes TS bytes. It never fails.
func (b *BitstreamAnalyser) Write(p []byte) (int, error) {
	b.tp.feed(p, b.packet)
	return len(p), nil
}

func (b *BitstreamAnalyser) packet(p []byte) {
	if !b.psi.done() {
		b.psi.packet(p)
		if b.psi.done() {
			for _, s := range b.psi.streams {
				want := b.cfg.AudioPID == 0 || int(s.PID) == b.cfg.AudioPID
				if want && (s.Codec == "aac" || s.Codec == "mp2") {
					b.es[s.PID] = &esState{pid: s.PID, codec: s.Codec, anchorAt: -1}
				}
			}
		}
		return
	}
	h := ts.HeaderOf(p)
	pid := h.PID()
	if h.TEI() { // transport error: do not trust it
		return
	}
	payload := ts.Payload(p)
	if payload == nil {
		return
	}
	st := b.es[pid]
	if h.PUSI() {
		pes, err := ts.ParsePES(payload)
		if err != nil || pes.DataOffset() > len(payload) {
			if st != nil {
				st.inPES = false
			}
			return
		}
		pts := pes.PTS
		if pts >= 0 {
			if _, seen := b.firstPTS[pid]; !seen && b.isES(pid) {
				b.firstPTS[pid] = pts
			}
		}
		if st == nil {
			return
		}
		st.inPES = true
		if pts >= 0 {
			st.setPTS(pts)
		}
		payload = payload[pes.DataOffset():]
	}
	if st == nil || !st.inPES {
		return
	}
	st.buf = append(st.buf, payload...)
	b.frames(st)
}

func (b *BitstreamAnalyser) isES(pid uint16) bool {
	for _, s := range b.psi.streams {
		if s.PID == pid {
			return true
		}
	}
	return false
}

// setPTS anchors the next frame that starts in the new PES.
func (s *esState) setPTS(pts int64) {
	if s.hasPTS { // unwrap the 33-bit PTS
		pts = s.lastPTS + ts.TimestampDelta(s.lastPTS, pts)
	}
	s.lastPTS, s.hasPTS = pts, true
	s.anchor, s.anchorAt = pts, len(s.buf)
}

// frames parses every complete frame in st.buf.
func (b *BitstreamAnalyser) frames(st *esState) {
	i := 0
	for {
		rest := st.buf[i:]
		if len(rest) < 9 {
			break
		}
		if rest[0] != 0xff {
			i++
			continue
		}
		var n, samples, rate int
		var silent bool
		var peak, rms []float64
		switch st.codec {
		case "aac":
			h, err := ParseADTSHeader(rest)
			if err != nil {
				i++
				continue
			}
			if len(rest) < h.FrameLen {
				goto out
			}
			s, _, _ := ADTSFrameSilent(rest[:h.FrameLen])
			n, samples, rate, silent = h.FrameLen, 1024*h.Blocks, h.SampleRate, s
		case "mp2":
			h, err := ParseMP2Header(rest)
			if err != nil || h.FrameLen <= 4 {
				i++
				continue
			}
			if len(rest) < h.FrameLen {
				goto out
			}
			_, lv, err := MP2FrameLevel(rest[:h.FrameLen])
			if err != nil {
				i++
				continue
			}
			n, samples, rate = h.FrameLen, 1152, h.SampleRate
			peak, rms = lv.PeakdB, lv.RMSdB
			silent = true
			for _, p := range peak {
				if p >= b.cfg.SilenceNoiseDB {
					silent = false
				}
			}
		}
		if st.anchorAt >= 0 && i >= st.anchorAt {
			st.next, st.haveT = float64(st.anchor)/90000, true
			st.anchorAt = -1
		}
		if st.haveT {
			t := st.next
			dur := float64(samples) / float64(rate)
			b.frame(st, t, dur, silent, peak, rms)
			st.next = t + dur
		}
		i += n
	}
out:
	st.buf = append(st.buf[:0], st.buf[i:]...)
	if st.anchorAt >= 0 {
		st.anchorAt = max(st.anchorAt-i, 0)
	}
	if len(st.buf) > 1<<16 { // no frames found: start again
		st.buf = st.buf[:0]
	}
}

// origin is media time 0: the smallest first PTS of any stream, in seconds.
func (b *BitstreamAnalyser) origin() float64 {
	o := math.Inf(1)
	for _, p := range b.firstPTS {
		o = math.Min(o, float64(p)/90000)
	}
	if math.IsInf(o, 1) {
		return 0
	}
	return o
}

func (b *BitstreamAnalyser) emit(e Event) {
	b.log.add(e)
	if b.cfg.OnEvent != nil {
		b.cfg.OnEvent(e)
	}
}

// frame handles one decoded-header frame at stream time t (s, PTS based).
func (b *BitstreamAnalyser) frame(st *esState, t, dur float64, silent bool, peak, rms []float64) {
	o := b.origin()
	st.lastEnd = t + dur
	switch {
	case silent && !st.runOn:
		st.runOn, st.runConfirmed, st.runStart = true, false, t
	case !silent && st.runOn:
		if st.runConfirmed {
			b.emit(Event{Kind: KindSilence, PID: st.pid, StartS: st.runStart - o, EndS: t - o})
		}
		st.runOn = false
	}
	if st.runOn && !st.runConfirmed && t+dur-st.runStart >= b.cfg.SilenceMinS-1e-6 {
		st.runConfirmed = true
		b.emit(Event{Kind: KindSilence, PID: st.pid, StartS: st.runStart - o})
	}
	if peak == nil {
		return
	}
	if st.lvFrames == 0 {
		st.lvFrom = t
		st.lvPeak = append(st.lvPeak[:0], peak...)
		st.lvPower = st.lvPower[:0]
		for _, r := range rms {
			st.lvPower = append(st.lvPower, math.Pow(10, r/10))
		}
	} else {
		for ch := range min(len(peak), len(st.lvPeak)) {
			st.lvPeak[ch] = math.Max(st.lvPeak[ch], peak[ch])
			st.lvPower[ch] += math.Pow(10, rms[ch]/10)
		}
	}
	st.lvFrames++
	if t+dur-st.lvFrom >= 0.1-1e-9 {
		l := Levels{PID: st.pid, TimeS: st.lvFrom - o, PeakdB: append([]float64(nil), st.lvPeak...)}
		for _, p := range st.lvPower {
			l.RMSdB = append(l.RMSdB, math.Max(10*math.Log10(p/float64(st.lvFrames)), FloorDB))
		}
		st.lvFrames = 0
		if b.cfg.OnLevels != nil {
			b.cfg.OnLevels(l)
		}
	}
}

// Finish ends the input: silences still going on are closed at the end of
// the last frame.
func (b *BitstreamAnalyser) Finish() {
	o := b.origin()
	for _, st := range b.es {
		if !st.runOn {
			continue
		}
		if st.runConfirmed || st.lastEnd-st.runStart >= b.cfg.SilenceMinS-1e-6 {
			if !st.runConfirmed {
				b.emit(Event{Kind: KindSilence, PID: st.pid, StartS: st.runStart - o})
			}
			b.emit(Event{Kind: KindSilence, PID: st.pid, StartS: st.runStart - o, EndS: st.lastEnd - o})
		}
		st.runOn = false
	}
}

// Events returns the silences found so far, ongoing ones with EndS 0.
func (b *BitstreamAnalyser) Events() []probe.MediaEvent { return b.log.list() }

// AnalyseFileBitstream runs a BitstreamAnalyser over a whole TS file and
// returns its events, closed at the end of the input.
func AnalyseFileBitstream(path string, cfg Config) ([]probe.MediaEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("media: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	b := NewBitstreamAnalyser(cfg)
	buf := make([]byte, ts.PacketSize*1024)
	for {
		n, err := f.Read(buf)
		_, _ = b.Write(buf[:n])
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("media: reading %s: %w", path, err)
		}
	}
	b.Finish()
	return b.Events(), nil
}
