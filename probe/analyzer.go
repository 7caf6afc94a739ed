package probe

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/asticode/go-astits"

	"github.com/srtscope/srtscope/probe/ts"
)

// TS constants.
const (
	PacketSize = ts.PacketSize // bytes in an MPEG-TS packet
	NullPID    = ts.NullPID    // stuffing packets
	second     = ts.PCRHz      // 27 MHz ticks
	ms         = second / 1000
	pendCap    = 2048 // > 5 sync positions at the largest stride (204)
)

// Options tune an Analyzer. The zero value gives the defaults.
type Options struct {
	// PIDTimeout is how long an audio or video PID listed in a PMT may stay
	// absent before it counts as a pid_error. Default 2 s.
	PIDTimeout time.Duration
	// DetectPES bounds how many PES packets per elementary stream are handed
	// to the codec parsers before giving up on codec details. Default 200.
	DetectPES int
}

// role is what a PID carries.
type role uint8

const (
	roleOther role = iota
	rolePAT
	rolePMT
	roleES
	roleNull
	roleSDT    // DVB service description (PID 0x11)
	roleSCTE35 // SCTE-35 splice_info_sections (stream_type 0x86)
)

// PIDs of DVB SI tables and their table_ids.
const (
	pidSDT       = 0x11
	tidSDTActual = 0x42
	tidSDTOther  = 0x46
	tidBAT       = 0x4a
)

// pidState is everything the packet loop keeps per PID. It is allocated the
// first time the PID is seen, never per packet.
type pidState struct {
	pid      uint16
	role     role
	packets  uint64
	ccErrors uint64
	tei      uint64
	lastCC   int8 // -1: none yet
	dups     uint8

	lastSeen int64 // stream clock of the last packet
	maxGap   int64 // longest time between two packets
	active   bool  // started and not (yet) declared stopped
	scr      uint8 // transport_scrambling_control of the last packet with payload
	scrPkts  uint64

	// 1 s windows (shared by all PIDs, see Analyzer.winStart)
	firstWin   uint64 // first window the PID was present for the whole of
	winPackets uint64
	rate1s     float64
	rateMin    float64
	rateMax    float64
	rateN      uint64 // windows counted

	// PCR
	pcrCount   uint64
	lastPCR    ts.PCR
	lastPCRPkt uint64
	pcrIntMin  int64
	pcrIntMax  int64
	pcrIntSum  int64
	pcrIntN    int64
	jitterMax  int64

	// PES
	lastPTSAt   int64 // stream clock of the last PTS, -1 none
	hasPTS      bool  // a PTS arrived (the first one counted for the media origin)
	pesWant     int   // bytes the current PES should hold (6+PES_packet_length), 0 unbounded
	pesGot      int
	pesLenLies  uint64
	detect      bool // still feeding astits for codec details
	detectLeft  int
	timed       bool // audio/video PID: checked for pid_error and pts_error
	listed      bool // listed in a PMT
	listedSince int64
	pidDeadline int64

	// PSI
	sec *section
	// stream is the PMT's description, filled with codec details.
	stream    *Stream
	baseCodec string // codec named by the PMT, before the parsers refined it
}

// program is a PAT entry and what its PMT said.
type program struct {
	number     uint16
	pmtPID     uint16
	pcrPID     uint16
	version    int // -1 before the first PMT
	changes    int
	streams    []uint16
	lastPMT    int64 // stream clock of the last PMT section
	pmtSeen    bool
	pmtDue     int64
	inPAT      bool
	lastChange string
}

// Analyzer is a streaming MPEG-TS analyser. Feed it with Write (file chunks or
// live payload of any size, not necessarily packet-aligned) and read a
// snapshot with Report at any time. It is safe for concurrent use: Write and
// Report may be called from different goroutines.
type Analyzer struct {
	mu  sync.Mutex
	opt Options

	// packet loop state
	pend       []byte
	skip       int // bytes to drop from the next input (end of a stride)
	inSync     bool
	stride     int
	everLocked bool
	bytesIn    uint64
	skipped    uint64 // bytes thrown away while searching for sync
	pktN       uint64 // packets processed
	trailing   int    // partial packet left at Flush

	idx  [ts.NumPIDs]int32 // index+1 into pids
	pids []*pidState

	// stream clock from the reference PCR PID, 27 MHz ticks since its first PCR
	now         int64
	refPID      int32 // -1 none
	refElapsed  int64
	refPkt      uint64
	refFirstPkt uint64
	ticksPerPkt float64
	clockReady  bool // the clock has moved: time-based checks may run

	// deadlines (PAT, PMT, PID presence)
	nextDue int64
	patDue  int64
	patSeen bool
	lastPAT int64

	checks [numChecks]counter

	// 1 s bit-rate windows of the stream clock
	winStart int64
	winIdx   uint64

	// SCTE-35, SDT and the PID history
	cues        []cueState
	cuesDropped uint64
	originPTS   int64 // smallest first PTS of the elementary streams, -1 none
	services    map[uint16]service
	history     []PIDEvent
	histDropped uint64

	// PSI
	programs   map[uint16]*program
	patVersion int
	curVersion int // version_number of the section being fed to go-astits
	patChanges int

	// astits
	ctx            context.Context // ends the demuxing
	feed           feedReader
	dmx            *astits.Demuxer
	astitsErrs     uint64
	firstAstitsErr string
	synth          [PacketSize]byte
	synthCC        [ts.NumPIDs]uint8

	notes []string // one-off problems in words

	loopOnly bool // benchmarks: stop after the packet loop (no PSI/PES)
}

// NewAnalyzer returns an Analyzer with the given options. ctx bounds the
// PSI and codec demuxing (go-astits): once it is done the packet loop still
// counts, but tables and codec details are no longer read.
func NewAnalyzer(ctx context.Context, opt Options) *Analyzer {
	if opt.PIDTimeout <= 0 {
		opt.PIDTimeout = 2 * time.Second
	}
	if opt.DetectPES <= 0 {
		opt.DetectPES = 200
	}
	a := &Analyzer{
		opt:        opt,
		ctx:        ctx,
		pend:       make([]byte, 0, pendCap),
		refPID:     -1,
		programs:   map[uint16]*program{},
		services:   map[uint16]service{},
		originPTS:  -1,
		patVersion: -1,
		patDue:     500 * ms,
		nextDue:    500 * ms,
	}
	a.newDemuxer()
	return a
}

// Write feeds TS bytes. It never fails and always consumes all of p; damage
// in the input is counted, not returned.
func (a *Analyzer) Write(p []byte) (int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.write(p)
	return len(p), nil
}

func (a *Analyzer) write(p []byte) {
	a.bytesIn += uint64(len(p))
	for len(p) > 0 {
		if a.skip > 0 {
			k := min(a.skip, len(p))
			p = p[k:]
			a.skip -= k
			continue
		}
		if len(a.pend) == 0 {
			used := a.consume(p, false)
			a.pend = append(a.pend[:0], p[used:]...)
			return
		}
		want := cap(a.pend) - len(a.pend)
		if a.inSync {
			if w := a.stride - len(a.pend); w > 0 && w < want {
				want = w
			}
		}
		k := min(want, len(p))
		a.pend = append(a.pend, p[:k]...)
		p = p[k:]
		used := a.consume(a.pend, false)
		if used == 0 && len(a.pend) == cap(a.pend) {
			used = 1 // cannot happen by construction; never spin
			a.skipped++
		}
		a.pend = a.pend[:copy(a.pend, a.pend[used:])]
	}
}

// Flush processes what is left at the end of the input (a final partial
// packet is counted as truncation) and hands the last incomplete PES to the
// codec parsers. Writing after Flush continues the analysis.
func (a *Analyzer) Flush() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.pend) > 0 {
		used := a.consume(a.pend, true)
		rest := len(a.pend) - used
		if a.inSync {
			a.trailing += rest
		} else {
			a.skipped += uint64(rest)
		}
		a.pend = a.pend[:0]
	}
	a.drainAstits(true)
}

// consume runs the packet loop over buf and returns how many bytes it used.
// It stops early when it needs more bytes to decide (a partial packet, or
// the look-ahead used to acquire sync); with final set it decides with what
// it has.
func (a *Analyzer) consume(buf []byte, final bool) int {
	pos := 0
	for {
		if !a.inSync {
			if pos >= len(buf) {
				return len(buf)
			}
			i := bytes.IndexByte(buf[pos:], ts.SyncByte)
			if i < 0 {
				a.skipped += uint64(len(buf) - pos)
				return len(buf)
			}
			a.skipped += uint64(i)
			pos += i
			if !final && len(buf)-pos < 4*204+1 {
				return pos
			}
			s := detectStride(buf[pos:], final)
			if s == 0 {
				pos++
				a.skipped++
				continue
			}
			a.inSync, a.stride, a.everLocked = true, s, true
		}
		stride := a.stride
		for pos+PacketSize <= len(buf) {
			if buf[pos] != ts.SyncByte {
				if pos+stride >= len(buf) && !final {
					return pos // wait to see the next sync position
				}
				a.tr(chkSyncByte)
				if pos+stride < len(buf) && buf[pos+stride] == ts.SyncByte {
					pos += stride // one corrupted packet
					continue
				}
				a.tr(chkTSSyncLoss)
				a.inSync = false
				pos++
				a.skipped++
				break
			}
			a.packet(buf[pos : pos+PacketSize])
			pos += stride
		}
		if a.inSync {
			if pos > len(buf) {
				a.skip = pos - len(buf)
				return len(buf)
			}
			return pos
		}
	}
}

// detectStride returns the packet spacing (188, 204 or 192) at which b holds
// five sync bytes in a row, or with final set as many as b holds (at least
// two), or 0.
func detectStride(b []byte, final bool) int {
	for _, s := range [...]int{188, 204, 192} {
		ok, n := true, 0
		for k := 1; k <= 4; k++ {
			if k*s >= len(b) {
				if !final {
					ok = false
				}
				break
			}
			if b[k*s] != ts.SyncByte {
				ok = false
				break
			}
			n++
		}
		if ok && n >= 1 && len(b) >= PacketSize {
			return s
		}
	}
	return 0
}

func (a *Analyzer) state(pid uint16) *pidState {
	if i := a.idx[pid]; i > 0 {
		return a.pids[i-1]
	}
	st := &pidState{pid: pid, lastCC: -1, lastPTSAt: -1, firstWin: a.winIdx}
	if a.clockReady {
		st.firstWin++ // the current window started without it
	}
	switch pid {
	case 0:
		st.role = rolePAT
		st.sec = newSection(maxSection)
	case NullPID:
		st.role = roleNull
	case pidSDT:
		st.role = roleSDT
		st.sec = newSection(maxSection)
	}
	a.pids = append(a.pids, st)
	a.idx[pid] = int32(len(a.pids))
	return st
}

// packet handles one 188-byte packet starting with the sync byte.
func (a *Analyzer) packet(p []byte) {
	a.pktN++
	h := ts.HeaderOf(p)
	pid := h.PID()
	st := a.state(pid)
	st.packets++

	// adaptation field: discontinuity flag and PCR
	payload := ts.HeaderSize
	disc := false
	if h.HasAdaptation() {
		af := ts.AdaptationOf(p)
		payload = af.End()
		disc = af.Discontinuity()
		if af.HasPCR() {
			a.pcr(st, ts.PacketPCR(p), disc)
		}
	}
	if a.ticksPerPkt > 0 && pid != uint16(a.refPID) {
		a.now = a.refElapsed + int64(float64(a.pktN-a.refPkt)*a.ticksPerPkt)
	}
	if a.clockReady && a.now-a.winStart >= second {
		a.closeWindow()
	}
	if st.packets > 1 && a.clockReady {
		st.maxGap = max(st.maxGap, a.now-st.lastSeen)
	}
	if !st.active {
		a.pidStarted(st)
	}
	st.lastSeen = a.now
	st.winPackets++
	if a.now >= a.nextDue && a.clockReady {
		a.deadlines()
	}
	if h.TEI() {
		st.tei++
		a.tr(chkTransport)
	}
	if st.role == roleNull || h.AFC() == 0 {
		return
	}
	if h.HasPayload() {
		if sc := h.Scrambling(); sc != st.scr {
			a.scramblingChanged(st, sc)
		}
		if st.scr != 0 {
			st.scrPkts++
		}
	}

	// continuity counter: only packets with payload advance it
	if !h.HasPayload() {
		return
	}
	cc := int8(h.CC())
	switch {
	case st.lastCC < 0 || disc:
		st.lastCC, st.dups = cc, 0
	case cc == st.lastCC:
		st.dups++
		if st.dups > 1 {
			st.ccErrors++
			a.tr(chkCC)
		}
		return // a duplicate carries nothing new
	case cc != (st.lastCC+1)&0x0f:
		st.ccErrors++
		a.tr(chkCC)
		st.lastCC, st.dups = cc, 0
		if st.sec != nil {
			st.sec.reset()
		}
		if st.pesWant > 0 {
			st.pesWant = -1 // length unknowable now
		}
	default:
		st.lastCC, st.dups = cc, 0
	}
	if payload >= PacketSize || a.loopOnly {
		return
	}
	pusi := h.PUSI()
	switch st.role {
	case rolePAT, rolePMT, roleSDT, roleSCTE35:
		if h.Scrambling() != 0 {
			switch st.role {
			case rolePAT:
				a.tr(chkPAT)
			case rolePMT:
				a.tr(chkPMT)
			}
			return
		}
		a.psi(st, p[payload:], pusi)
	case roleES:
		if pusi {
			a.pesStart(st, p[payload:])
		} else {
			st.pesGot += PacketSize - payload
		}
		if st.detect {
			a.toAstits(p)
		}
	}
}

// pcr handles a PCR on st: repetition and discontinuity checks, interval
// and jitter statistics, and the stream clock when st is the reference.
func (a *Analyzer) pcr(st *pidState, pcr ts.PCR, disc bool) {
	valid := false // d is a usable step of the stream clock
	var d int64
	if st.pcrCount > 0 {
		d = pcr.Since(st.lastPCR)
		switch {
		case disc: // announced jump
		case d < 0 || d > 100*ms:
			a.tr(chkPCRDiscontinuity)
			if d > 100*ms {
				// A gap this long also broke the 40 ms repetition rule.
				a.tr(chkPCRRepetition)
			}
			valid = d > 0 && d <= 2*second // a sparse PCR still tells the time
		default:
			valid = true
			if d > 40*ms {
				a.tr(chkPCRRepetition)
			}
			if st.pcrIntN == 0 || d < st.pcrIntMin {
				st.pcrIntMin = d
			}
			st.pcrIntMax = max(st.pcrIntMax, d)
			st.pcrIntSum += d
			st.pcrIntN++
			if a.ticksPerPkt > 0 {
				j := d - int64(float64(a.pktN-st.lastPCRPkt)*a.ticksPerPkt)
				if j < 0 {
					j = -j
				}
				st.jitterMax = max(st.jitterMax, j)
			}
		}
	}
	st.pcrCount++
	st.lastPCR, st.lastPCRPkt = pcr, a.pktN
	switch {
	case a.refPID < 0:
		a.refPID = int32(st.pid)
		a.refFirstPkt, a.refPkt = a.pktN, a.pktN
	case int32(st.pid) == a.refPID:
		if valid {
			a.refElapsed += d
		} else if a.ticksPerPkt > 0 { // carry on at the measured rate
			a.refElapsed += int64(float64(a.pktN-a.refPkt) * a.ticksPerPkt)
		}
		a.refPkt = a.pktN
		if a.pktN > a.refFirstPkt {
			a.ticksPerPkt = float64(a.refElapsed) / float64(a.pktN-a.refFirstPkt)
		}
		a.now = a.refElapsed
		if !a.clockReady && a.ticksPerPkt > 0 {
			a.startClock()
		}
	}
}

// startClock runs once, when the stream clock first moves: times noted
// before it are unknown, so every repetition timer starts from now.
func (a *Analyzer) startClock() {
	a.clockReady = true
	now := a.now
	a.patDue = now + 500*ms
	for _, pg := range a.programs {
		pg.pmtDue = now + 500*ms
	}
	for _, st := range a.pids {
		if st.sec != nil && st.sec.count > 0 {
			st.sec.lastAt = now
		}
		if st.listed {
			st.listedSince, st.pidDeadline = now, 0
		}
		if st.lastPTSAt >= 0 {
			st.lastPTSAt = now
		}
		st.lastSeen, st.winPackets = now, 0
	}
	a.winStart = now
	a.nextDue = now
}

// pesStart looks at the start of a PES: PTS presence (pts_error) and whether
// the previous PES held as many bytes as its header announced.
func (a *Analyzer) pesStart(st *pidState, b []byte) {
	if st.pesWant > 0 && st.pesGot != st.pesWant {
		st.pesLenLies++
	}
	st.pesWant, st.pesGot = 0, len(b)
	h, err := ts.ParsePES(b)
	if h.PacketLength > 0 {
		st.pesWant = 6 + h.PacketLength
	}
	if err != nil || h.PTS < 0 {
		return
	}
	if !st.hasPTS {
		st.hasPTS = true
		if a.originPTS < 0 || ts.TimestampDelta(a.originPTS, h.PTS) < 0 {
			a.originPTS = h.PTS
		}
	}
	if st.timed && st.lastPTSAt >= 0 && a.now-st.lastPTSAt > 700*ms {
		a.tr(chkPTS)
	}
	st.lastPTSAt = a.now
}

// deadlines runs the time-based checks (PAT, PMT and PID repetition) and
// sets the next time they are due.
func (a *Analyzer) deadlines() {
	now := a.now
	if now >= a.patDue {
		a.tr(chkPAT)
		a.patDue = now + 500*ms
	}
	next := a.patDue
	for _, pg := range a.programs {
		if !pg.inPAT {
			continue
		}
		if now >= pg.pmtDue {
			a.tr(chkPMT)
			pg.pmtDue = now + 500*ms
		}
		next = min(next, pg.pmtDue)
	}
	to := int64(a.opt.PIDTimeout / time.Microsecond * 27)
	next = a.pidStops(now, next)
	for _, st := range a.pids {
		if !st.listed || !st.timed {
			continue
		}
		if st.pidDeadline == 0 {
			st.pidDeadline = max(st.lastSeen, st.listedSince) + to
		}
		if now >= st.pidDeadline {
			if now-max(st.lastSeen, st.listedSince) >= to {
				a.tr(chkPID)
				st.pidDeadline = now + to
			} else {
				st.pidDeadline = max(st.lastSeen, st.listedSince) + to
			}
		}
		next = min(next, st.pidDeadline)
	}
	a.nextDue = next
}
