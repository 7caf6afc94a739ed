package media

import (
	"math"
	"sort"
	"strconv"
	"strings"
)

// outputParser turns ffmpeg's log lines (filter reports and metadata prints)
// into events, levels and a media clock. It is not safe for concurrent use.
type outputParser struct {
	cfg      Config
	videoPID uint16
	offset   float64 // added to every ffmpeg time (restarts of a live feed)

	emit     func(Event)
	levels   func(Levels)
	loudness func(Loudness)

	clock     float64 // latest media time seen, offset included
	thumbTime float64 // media time of the latest thumbnail frame
	frameTime map[string]float64

	black      blackState
	freezeOn   bool
	freezeFrom float64
	silence    map[uint16]*silenceState

	lv       *Levels // levels being assembled
	lvPrefix string

	r128 map[string]*r128State // per audio chain prefix
}

// r128State assembles one audio PID's ebur128 readings.
type r128State struct {
	cur     Loudness
	pending bool // keys seen since the last delivery
	seen    bool // a momentary value has been seen (for the maximum)
}

type silenceState struct {
	on bool
	at float64
}

type blackState struct {
	pending   bool // lavfi.black_start seen, not yet long enough
	confirmed bool // start event emitted
	start     float64
	lastEnded float64 // start of the last black span reported, to drop repeats
	ended     bool
}

func newOutputParser(c Config, video uint16, emit func(Event), levels func(Levels)) *outputParser {
	if emit == nil {
		emit = func(Event) {}
	}
	if levels == nil {
		levels = func(Levels) {}
	}
	return &outputParser{cfg: c, videoPID: video, emit: emit, levels: levels, loudness: func(Loudness) {},
		frameTime: map[string]float64{}, silence: map[uint16]*silenceState{}, r128: map[string]*r128State{}}
}

// audioPID returns the PID of the audio chain whose metadata printer logs
// with this prefix ("ametadata@a257").
func audioPID(prefix string) (uint16, bool) {
	rest, ok := strings.CutPrefix(prefix, "ametadata@"+audioPrefix)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(rest, 10, 13)
	return uint16(v), err == nil
}

// splitLine separates "[name @ 0x...] rest" into name and rest.
func splitLine(line string) (prefix, rest string) {
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "[") {
		if i := strings.Index(line, "] "); i > 0 {
			prefix = line[1:i]
			if j := strings.Index(prefix, " @ "); j >= 0 {
				prefix = prefix[:j]
			}
			return prefix, line[i+2:]
		}
	}
	return "", line
}

func parseNum(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, " |"); i >= 0 {
		s = s[:i]
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// field returns the number after key in s ("key" includes its ':' or '=').
func field(s, key string) (float64, bool) {
	i := strings.Index(s, key)
	if i < 0 {
		return 0, false
	}
	return parseNum(s[i+len(key):])
}

func (p *outputParser) tick(t float64) {
	if t > p.clock {
		p.clock = t
	}
	if p.black.pending && !p.black.confirmed && p.clock-p.black.start >= p.cfg.BlackMinS-1e-6 {
		p.black.confirmed = true
		p.emit(Event{Kind: KindBlack, PID: p.videoPID, StartS: p.black.start})
	}
}

// line consumes one line of ffmpeg's stderr.
func (p *outputParser) line(raw string) {
	prefix, s := splitLine(raw)
	switch {
	case strings.HasPrefix(s, "frame:") && strings.Contains(s, "pts_time:"):
		t, ok := field(s, "pts_time:")
		if !ok {
			return
		}
		t += p.offset
		if p.lv != nil && p.lvPrefix == prefix {
			p.flushLevels()
		}
		p.flushLoudness(prefix)
		p.frameTime[prefix] = t
		p.tick(t)
	case strings.HasPrefix(s, "lavfi.astats."):
		p.astats(prefix, s)
	case strings.HasPrefix(s, "lavfi.r128."):
		p.r128Key(prefix, s)
	case strings.HasPrefix(s, "lavfi.black_start="):
		if v, ok := field(s, "="); ok {
			p.blackStart(v + p.offset)
		}
	case strings.HasPrefix(s, "lavfi.black_end="):
		if v, ok := field(s, "="); ok && p.black.pending {
			p.blackEnd(p.black.start, v+p.offset)
		}
	case strings.HasPrefix(s, "black_start:") && strings.Contains(s, "black_end:"):
		st, ok1 := field(s, "black_start:")
		en, ok2 := field(s, "black_end:")
		if ok1 && ok2 {
			p.blackEnd(st+p.offset, en+p.offset)
		}
	case strings.HasPrefix(s, thumbKey+"="):
		p.thumbTime = p.frameTime[prefix]
	case strings.Contains(s, "freezedetect.freeze_start:"):
		if v, ok := field(s, "freeze_start:"); ok && !p.freezeOn {
			p.freezeOn, p.freezeFrom = true, v+p.offset
			p.emit(Event{Kind: KindFreeze, PID: p.videoPID, StartS: p.freezeFrom})
		}
	case strings.Contains(s, "freezedetect.freeze_end:"):
		if v, ok := field(s, "freeze_end:"); ok && p.freezeOn {
			p.freezeOn = false
			p.emit(Event{Kind: KindFreeze, PID: p.videoPID, StartS: p.freezeFrom, EndS: v + p.offset})
		}
	case strings.HasPrefix(s, "lavfi.silence_start="):
		pid, ok1 := audioPID(prefix)
		v, ok2 := field(s, "=")
		if ok1 && ok2 {
			st := p.silence[pid]
			if st == nil {
				st = &silenceState{}
				p.silence[pid] = st
			}
			if !st.on {
				st.on, st.at = true, math.Max(v, 0)+p.offset
				p.emit(Event{Kind: KindSilence, PID: pid, StartS: st.at})
			}
		}
	case strings.HasPrefix(s, "lavfi.silence_end="):
		pid, ok1 := audioPID(prefix)
		v, ok2 := field(s, "=")
		if st := p.silence[pid]; ok1 && ok2 && st != nil && st.on {
			st.on = false
			p.emit(Event{Kind: KindSilence, PID: pid, StartS: st.at, EndS: math.Max(v+p.offset, st.at)})
		}
	}
}

func (p *outputParser) blackStart(t float64) {
	if p.black.pending {
		return
	}
	p.black = blackState{pending: true, start: t, lastEnded: p.black.lastEnded, ended: p.black.ended}
	p.tick(t)
}

// blackEnd handles both the lavfi.black_end metadata (every black span, even
// short ones) and blackdetect's own report (only spans of at least d).
func (p *outputParser) blackEnd(start, end float64) {
	if p.black.ended && math.Abs(p.black.lastEnded-start) < 1e-3 {
		return // already reported through the other path
	}
	if p.black.pending && math.Abs(p.black.start-start) > 1e-3 && start > p.black.start {
		return
	}
	long := end-start >= p.cfg.BlackMinS-1e-3
	if !p.black.confirmed && long {
		p.emit(Event{Kind: KindBlack, PID: p.videoPID, StartS: start})
		p.black.confirmed = true
	}
	if p.black.confirmed {
		p.emit(Event{Kind: KindBlack, PID: p.videoPID, StartS: start, EndS: end})
		p.black.lastEnded, p.black.ended = start, true
	}
	p.black.pending, p.black.confirmed = false, false
}

func (p *outputParser) astats(prefix, s string) {
	// lavfi.astats.<channel>.<RMS_level|Peak_level>=<value>
	rest := strings.TrimPrefix(s, "lavfi.astats.")
	dot := strings.IndexByte(rest, '.')
	eq := strings.IndexByte(rest, '=')
	if dot < 0 || eq < dot {
		return
	}
	ch, err := strconv.Atoi(rest[:dot])
	if err != nil || ch < 1 || ch > 64 {
		return
	}
	name := rest[dot+1 : eq]
	v, err := strconv.ParseFloat(strings.TrimSpace(rest[eq+1:]), 64)
	if err != nil || math.IsNaN(v) || v < FloorDB {
		v = FloorDB
	}
	if p.lv == nil || p.lvPrefix != prefix {
		if p.lv != nil {
			p.flushLevels()
		}
		pid, _ := audioPID(prefix)
		p.lv = &Levels{PID: pid, TimeS: math.Max(p.frameTime[prefix], p.offset)}
		p.lvPrefix = prefix
	}
	grow := func(xs []float64) []float64 {
		for len(xs) < ch {
			xs = append(xs, FloorDB)
		}
		return xs
	}
	switch name {
	case "RMS_level":
		p.lv.RMSdB = grow(p.lv.RMSdB)
		p.lv.RMSdB[ch-1] = v
	case "Peak_level":
		p.lv.PeakdB = grow(p.lv.PeakdB)
		p.lv.PeakdB[ch-1] = v
	}
}

func (p *outputParser) flushLevels() {
	if p.lv == nil {
		return
	}
	lv := *p.lv
	p.lv = nil
	p.levels(lv)
}

// r128Key takes one ebur128 metadata line: lavfi.r128.M, S, I, LRA and
// true_peak (linear, the highest so far over all channels); the per-channel
// and LRA.low/high keys are not needed.
func (p *outputParser) r128Key(prefix, s string) {
	pid, ok := audioPID(prefix)
	if !ok {
		return
	}
	key, val, ok := strings.Cut(strings.TrimPrefix(s, "lavfi.r128."), "=")
	if !ok {
		return
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || math.IsNaN(v) {
		return
	}
	st := p.r128[prefix]
	if st == nil {
		st = &r128State{cur: Loudness{PID: pid, MomentaryLUFS: LoudnessFloorLUFS, ShortTermLUFS: LoudnessFloorLUFS,
			IntegratedLUFS: LoudnessFloorLUFS, TruePeakDBTP: FloorDB, MomentaryMaxLUFS: LoudnessFloorLUFS}}
		p.r128[prefix] = st
	}
	lufs := math.Max(v, LoudnessFloorLUFS) // also turns -inf into the floor
	switch key {
	case "M":
		st.cur.MomentaryLUFS = lufs
		if !st.seen || lufs > st.cur.MomentaryMaxLUFS {
			st.cur.MomentaryMaxLUFS = lufs
		}
		st.seen = true
	case "S":
		st.cur.ShortTermLUFS = lufs
	case "I":
		st.cur.IntegratedLUFS = lufs
	case "LRA":
		if !math.IsInf(v, 0) {
			st.cur.RangeLU = v
		}
	case "true_peak":
		st.cur.TruePeakDBTP = math.Max(st.cur.TruePeakDBTP, dB(v))
	default:
		return
	}
	st.cur.TimeS = math.Max(p.frameTime[prefix], p.offset)
	st.pending = true
}

// flushLoudness delivers the readings of one audio chain once its frame is
// complete (the next frame line, or the end of the input).
func (p *outputParser) flushLoudness(prefix string) {
	if st := p.r128[prefix]; st != nil && st.pending {
		st.pending = false
		p.loudness(st.cur)
	}
}

// finish closes the parse at end of input: pending levels are delivered and
// every open event is ended at the last media time seen.
func (p *outputParser) finish() {
	p.flushLevels()
	prefixes := make([]string, 0, len(p.r128))
	for k := range p.r128 {
		prefixes = append(prefixes, k)
	}
	sort.Strings(prefixes)
	for _, k := range prefixes {
		p.flushLoudness(k)
	}
	end := p.clock
	if p.black.pending && (p.black.confirmed || end-p.black.start >= p.cfg.BlackMinS-1e-3) {
		p.blackEnd(p.black.start, end)
	}
	p.black.pending, p.black.confirmed = false, false
	if p.freezeOn {
		p.freezeOn = false
		p.emit(Event{Kind: KindFreeze, PID: p.videoPID, StartS: p.freezeFrom, EndS: math.Max(end, p.freezeFrom)})
	}
	pids := make([]int, 0, len(p.silence))
	for pid := range p.silence {
		pids = append(pids, int(pid))
	}
	sort.Ints(pids)
	for _, pid := range pids {
		if st := p.silence[uint16(pid)]; st.on {
			st.on = false
			p.emit(Event{Kind: KindSilence, PID: uint16(pid), StartS: st.at, EndS: math.Max(end, st.at)})
		}
	}
}
