package probe

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/asticode/go-astits"

	"github.com/srtscope/srtscope/probe/scte35"
	"github.com/srtscope/srtscope/probe/ts"
)

// maxSection is the largest PSI/SI section (section_length <= 1021).
const maxSection = 1024

// section reassembles the sections of one table PID (PAT, PMT, SDT, SCTE-35)
// so that their CRC can be checked and unchanged repetitions skipped before
// go-astits sees them.
type section struct {
	buf    []byte // as long as the largest section of the PID's tables
	n      int
	active bool

	lastCRC uint32
	have    bool // lastCRC is valid

	count  uint64 // good sections received
	lastAt int64  // stream clock of the last good section
	maxGap int64
}

func newSection(size int) *section { return &section{buf: make([]byte, size)} }

func (s *section) reset() { s.n, s.active = 0, false }

// psi handles the payload of a PAT or PMT packet whose CC was in order.
func (a *Analyzer) psi(st *pidState, b []byte, pusi bool) {
	sec := st.sec
	if !pusi {
		if sec.active {
			a.sectionBytes(st, b)
		}
		return
	}
	ptr := int(b[0])
	b = b[1:]
	if ptr > len(b) {
		sec.reset()
		return
	}
	if sec.active {
		a.sectionBytes(st, b[:ptr])
	}
	sec.reset()
	b = b[ptr:]
	for len(b) > 0 && b[0] != 0xff {
		sec.active = true
		used := a.sectionBytes(st, b)
		if sec.active {
			return // continues in the next packet
		}
		b = b[used:]
	}
}

// sectionBytes appends b to the section being assembled and returns how many
// bytes it took; it handles the section when complete.
func (a *Analyzer) sectionBytes(st *pidState, b []byte) int {
	sec := st.sec
	used := 0
	for len(b) > 0 {
		want := 3
		if sec.n >= 3 {
			want = 3 + (int(sec.buf[1]&0x0f)<<8 | int(sec.buf[2]))
			if want > len(sec.buf) || want < 3+5+4 {
				a.badSection(st, fmt.Sprintf("section_length %d out of range", want-3))
				sec.reset()
				return used + len(b)
			}
		}
		k := min(want-sec.n, len(b))
		copy(sec.buf[sec.n:], b[:k])
		sec.n += k
		b = b[k:]
		used += k
		if sec.n == want && want > 3 {
			sec.active = false
			sec.n = 0
			a.section(st, sec.buf[:want])
			return used
		}
	}
	return used
}

// sectionArrived notes a good section in the arrival statistics of its PID.
func (a *Analyzer) sectionArrived(sec *section) {
	if sec.count > 0 && a.clockReady {
		sec.maxGap = max(sec.maxGap, a.now-sec.lastAt)
	}
	sec.count++
	sec.lastAt = a.now
}

func (a *Analyzer) badSection(st *pidState, why string) {
	if st.role == rolePAT {
		a.tr(chkPAT)
	}
	a.note(fmt.Sprintf("malformed %s section on PID %d: %s", roleName(st.role), st.pid, why))
}

// section handles one complete PAT, PMT, SDT or SCTE-35 section.
func (a *Analyzer) section(st *pidState, s []byte) {
	tid := s[0]
	switch {
	case st.role == rolePAT && tid != 0x00:
		a.tr(chkPAT) // TR 101 290 1.3: wrong table_id on PID 0
		return
	case st.role == rolePMT && tid != 0x02:
		return // other tables may share a PMT PID
	case st.role == roleSDT && tid != tidSDTActual && tid != tidSDTOther && tid != tidBAT:
		return // stuffing tables
	case st.role == roleSCTE35:
		if tid == scte35.TableID {
			a.spliceSection(st, s)
		}
		return
	}
	if s[1]&0x80 == 0 {
		a.badSection(st, "section_syntax_indicator not set")
		return
	}
	n := len(s)
	crc := uint32(s[n-4])<<24 | uint32(s[n-3])<<16 | uint32(s[n-2])<<8 | uint32(s[n-1])
	if ts.CRC32(s[:n-4]) != crc {
		a.tr(chkCRC)
		return
	}
	sec := st.sec
	a.sectionArrived(sec)
	if st.role == roleSDT && tid != tidSDTActual {
		return // CRC checked; only the SDT of this multiplex names its services
	}
	due := a.now + 500*ms
	version := int(s[5] >> 1 & 0x1f)
	switch st.role {
	case roleSDT:
		// no repetition deadline: DVB allows 2 s and not every stream is DVB
	case rolePAT:
		a.patSeen, a.lastPAT, a.patDue = true, a.now, due
	default:
		number := uint16(s[3])<<8 | uint16(s[4])
		if pg := a.programs[number]; pg != nil && pg.pmtPID == st.pid {
			pg.lastPMT, pg.pmtDue, pg.pmtSeen = a.now, due, true
		}
	}
	if sec.have && crc == sec.lastCRC {
		return // an unchanged repetition
	}
	if st.role == roleSDT {
		// go-astits knows the SDT PID by itself; no PMT version applies.
		sec.have, sec.lastCRC = true, crc
		a.feedSection(st.pid, s)
		return
	}
	sec.have, sec.lastCRC = true, crc
	a.curVersion = version
	a.feedSection(st.pid, s)
}

// feedSection wraps a section in fresh packets and hands them to go-astits.
func (a *Analyzer) feedSection(pid uint16, s []byte) {
	first := true
	for first || len(s) > 0 {
		p := a.synth[:]
		ts.NewHeader(pid, first, 1, a.synthCC[pid]).Put(p)
		a.synthCC[pid] = (a.synthCC[pid] + 1) & 0x0f
		off := ts.HeaderSize
		if first {
			p[off] = 0 // pointer_field
			off++
		}
		k := copy(p[off:], s)
		s = s[k:]
		for i := off + k; i < PacketSize; i++ {
			p[i] = 0xff
		}
		first = false
		a.toAstits(p)
	}
}

// errNeedMore tells go-astits' reader that the packet loop has no more
// packets for it right now.
var errNeedMore = errors.New("probe: waiting for the next packet")

// feedReader is the io.Reader go-astits pulls packets from.
type feedReader struct {
	b   []byte
	eof bool
}

func (r *feedReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		return 0, errNeedMore
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func (a *Analyzer) newDemuxer() {
	a.feed = feedReader{}
	a.dmx = astits.NewDemuxer(a.ctx, &a.feed, astits.DemuxerOptPacketSize(PacketSize))
}

// toAstits hands one packet to go-astits and handles what it completes.
func (a *Analyzer) toAstits(p []byte) {
	a.feed.b = p
	a.drainAstits(false)
	a.feed.b = nil
}

func (a *Analyzer) drainAstits(final bool) {
	if a.ctx.Err() != nil {
		return // demuxing has ended
	}
	a.feed.eof = final
	defer func() { a.feed.eof = false }()
	for i := 0; i < 1000; i++ {
		d, crashed, err := a.nextData()
		if crashed != nil {
			a.astitsFailed(fmt.Errorf("probe: go-astits panicked: %v", crashed))
			return
		}
		if err != nil {
			if errors.Is(err, errNeedMore) || errors.Is(err, astits.ErrNoMorePackets) || a.ctx.Err() != nil {
				return
			}
			a.astitsFailed(fmt.Errorf("probe: demuxing: %w", err))
			continue
		}
		if d == nil {
			return
		}
		a.onData(d)
	}
}

func (a *Analyzer) nextData() (d *astits.DemuxerData, crashed any, err error) {
	defer func() {
		if r := recover(); r != nil {
			crashed = r
			a.newDemuxer()
			for _, st := range a.pids {
				if st.sec != nil {
					st.sec.have = false // feed the tables again
				}
			}
		}
	}()
	d, err = a.dmx.NextData()
	return d, nil, err
}

func (a *Analyzer) astitsFailed(err error) {
	a.astitsErrs++
	if a.firstAstitsErr == "" {
		a.firstAstitsErr = err.Error()
	}
}

func (a *Analyzer) onData(d *astits.DemuxerData) {
	switch {
	case d.PAT != nil:
		a.onPAT(d.PAT)
	case d.PMT != nil:
		a.onPMT(d.PID, d.PMT)
	case d.SDT != nil:
		a.onSDT(d.SDT)
	case d.PES != nil:
		i := a.idx[d.PID&0x1fff]
		if i == 0 {
			return
		}
		st := a.pids[i-1]
		if !st.detect || st.stream == nil {
			return
		}
		if detectCodec(st.stream, d.PES.Data) {
			st.detect = false
			return
		}
		st.detectLeft--
		if st.detectLeft <= 0 {
			st.detect = false
			if c := st.stream.Codec; (c == "h264" || c == "hevc") && st.stream.Width == 0 {
				st.stream.NoParameterSets = true
			}
		}
	}
}

func (a *Analyzer) onPAT(pat *astits.PATData) {
	if a.patVersion >= 0 && a.curVersion != a.patVersion {
		a.patChanges++
		a.note(fmt.Sprintf("PAT changed mid-stream (version %d to %d) at %.2f s", a.patVersion, a.curVersion, ticksToS(a.now)))
	}
	a.patVersion = a.curVersion
	listed := map[uint16]bool{}
	for _, p := range pat.Programs {
		if p == nil || p.ProgramNumber == 0 {
			continue // NIT
		}
		pid := p.ProgramMapID & 0x1fff
		if pid == 0 || pid == NullPID {
			a.note(fmt.Sprintf("PAT gives program %d an impossible PMT PID %d", p.ProgramNumber, pid))
			continue
		}
		listed[p.ProgramNumber] = true
		pg := a.programs[p.ProgramNumber]
		if pg == nil {
			pg = &program{number: p.ProgramNumber, version: -1, pmtDue: a.now + 500*ms}
			a.programs[p.ProgramNumber] = pg
			a.nextDue = min(a.nextDue, pg.pmtDue)
		}
		pg.pmtPID, pg.inPAT = pid, true
		st := a.state(pid)
		if st.role != rolePMT {
			if st.role == roleES {
				a.note(fmt.Sprintf("PID %d is both an elementary stream and the PMT of program %d", pid, p.ProgramNumber))
			}
			st.role, st.sec = rolePMT, newSection(maxSection)
		}
	}
	for n, pg := range a.programs {
		if !listed[n] && pg.inPAT {
			pg.inPAT = false
			a.note(fmt.Sprintf("program %d left the PAT at %.2f s", n, ticksToS(a.now)))
		}
	}
}

func (a *Analyzer) onPMT(pid uint16, pmt *astits.PMTData) {
	pg := a.programs[pmt.ProgramNumber]
	if pg == nil || pg.pmtPID != pid {
		a.note(fmt.Sprintf("PMT on PID %d describes program %d, which the PAT does not list there", pid, pmt.ProgramNumber))
		if pg == nil {
			return
		}
	}
	changed := pg.version >= 0 && pg.version != a.curVersion
	if changed {
		pg.changes++
		pg.lastChange = fmt.Sprintf("PMT of program %d changed at %.2f s (version %d to %d)", pg.number, ticksToS(a.now), pg.version, a.curVersion)
	}
	from := pg.version
	pg.pcrPID = pmt.PCRPID & 0x1fff
	to := int64(a.opt.PIDTimeout / time.Microsecond * 27)
	var pids []uint16
	now := map[uint16]bool{}
	for _, es := range pmt.ElementaryStreams {
		if es == nil {
			continue
		}
		epid := es.ElementaryPID & 0x1fff
		st := a.state(epid)
		if st.role == rolePAT || st.role == rolePMT || st.role == roleNull {
			a.note(fmt.Sprintf("PMT of program %d lists PID %d, which carries tables, as a %s stream", pg.number, epid, kindOf(uint8(es.StreamType))))
			continue
		}
		desc := describeStream(es)
		desc.PID = epid
		if st.stream == nil || st.stream.StreamType != desc.StreamType || st.baseCodec != desc.Codec {
			d := desc
			st.stream, st.baseCodec = &d, desc.Codec
			st.detect, st.detectLeft = canDetect(desc.Codec), a.opt.DetectPES
		}
		if desc.StreamType == scte35.StreamType {
			if st.role != roleSCTE35 {
				st.role, st.sec = roleSCTE35, newSection(scte35.MaxSection)
			}
		} else {
			if st.role == roleSDT || st.role == roleSCTE35 {
				st.sec = nil // an elementary stream now
			}
			st.role = roleES
		}
		st.timed = desc.Kind == KindVideo || desc.Kind == KindAudio
		if !st.listed {
			st.listed, st.listedSince, st.pidDeadline = true, a.now, 0
			a.nextDue = min(a.nextDue, a.now+to)
		}
		pids = append(pids, epid)
		now[epid] = true
	}
	var removed []uint16
	for _, old := range pg.streams {
		if !now[old] {
			removed = append(removed, old)
			if i := a.idx[old]; i > 0 {
				a.pids[i-1].listed = false
			}
		}
	}
	if changed {
		a.pmtChanged(pg, from, pids, removed)
	}
	pg.version = a.curVersion
	pg.streams = pids
}

func kindOf(t uint8) string {
	k, _ := kindCodec(t)
	return k
}

func roleName(r role) string {
	switch r {
	case rolePAT:
		return "PAT"
	case rolePMT:
		return "PMT"
	case roleSDT:
		return "SDT"
	case roleSCTE35:
		return "SCTE-35"
	case roleNull:
		return "null"
	}
	return "stream"
}

// note records a problem in words once.
func (a *Analyzer) note(s string) {
	for _, n := range a.notes {
		if n == s {
			return
		}
	}
	if len(a.notes) < 50 {
		a.notes = append(a.notes, s)
	}
}
