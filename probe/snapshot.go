package probe

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// Media analysis modes for Report.MediaAnalysis.
const (
	MediaFFmpeg        = "ffmpeg"
	MediaBitstreamOnly = "bitstream-only"
)

// Report returns a snapshot of everything learnt so far. It is safe to call
// while another goroutine writes.
func (a *Analyzer) Report() Report {
	a.mu.Lock()
	defer a.mu.Unlock()
	dur := ticksToS(a.now)
	r := Report{
		DurationS:     dur,
		Programs:      []Program{},
		PIDs:          []PIDStats{},
		Events:        []MediaEvent{},
		Loudness:      []Loudness{},
		Cues:          a.cueReport(),
		PIDHistory:    a.historyReport(),
		MediaAnalysis: MediaBitstreamOnly,
		Packets:       a.pktN,
		Bytes:         a.bytesIn,
	}
	if a.everLocked {
		r.PacketSize = a.stride
	}
	if dur > 0 {
		r.TSBitrateBps = float64(a.pktN*PacketSize*8) / dur
	}
	labels := map[uint16]string{0: "PAT", NullPID: "null"}

	nums := make([]uint16, 0, len(a.programs))
	for n := range a.programs {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	for _, n := range nums {
		pg := a.programs[n]
		p := Program{Number: n, PMTPID: pg.pmtPID, PCRPID: pg.pcrPID, Streams: []Stream{},
			PMTVersion: pg.version, PMTChanges: pg.changes, InPAT: pg.inPAT,
			ServiceName: a.services[n].name, ProviderName: a.services[n].provider}
		if pg.pcrPID == NullPID {
			p.PCRPID = 0
		}
		labels[pg.pmtPID] = fmt.Sprintf("PMT program %d", n)
		for _, pid := range pg.streams {
			i := a.idx[pid]
			if i == 0 || a.pids[i-1].stream == nil {
				continue
			}
			s := *a.pids[i-1].stream
			p.Streams = append(p.Streams, s)
			labels[pid] = s.Codec + " " + s.Kind
		}
		r.Programs = append(r.Programs, p)
	}

	pids := slices.Clone(a.pids)
	slices.SortFunc(pids, func(x, y *pidState) int { return int(x.pid) - int(y.pid) })
	for _, st := range pids {
		ps := PIDStats{
			PID: st.pid, Packets: st.packets, CCErrors: st.ccErrors, Label: labels[st.pid],
			TransportErrors: st.tei, PESLengthErrors: st.pesLenLies, LastS: ticksToS(st.lastSeen),
		}
		if ps.Label == "" && st.pid >= 0x10 && st.pid <= 0x1f {
			ps.Label = dvbTableName(st.pid)
		}
		if dur > 0 {
			ps.BitrateBps = float64(st.packets*PacketSize*8) / dur
		}
		ps.Bitrate1sBps = st.rate1s
		if st.rateN > 0 {
			ps.BitrateMinBps, ps.BitrateMaxBps = st.rateMin, st.rateMax
		}
		ps.ScrambledPackets = st.scrPkts
		if st.pid == NullPID && a.pktN > 0 {
			r.NullPacketPct = round3(float64(st.packets) * 100 / float64(a.pktN))
		}
		if st.pcrCount > 0 {
			pc := &PCRStats{Count: st.pcrCount, IntervalMinMS: msOf(st.pcrIntMin), IntervalMaxMS: msOf(st.pcrIntMax), JitterMaxMS: msOf(st.jitterMax)}
			if st.pcrIntN > 0 {
				pc.IntervalAvgMS = msOf(st.pcrIntSum / st.pcrIntN)
			}
			ps.PCR = pc
		}
		if st.sec != nil {
			ps.Tables = &TableStats{Sections: st.sec.count, LastS: ticksToS(st.sec.lastAt), IntervalMaxMS: msOf(st.sec.maxGap)}
		}
		r.PIDs = append(r.PIDs, ps)
	}
	r.TR101290, r.TR101290Detail = a.trReport()
	r.Problems = a.problems(&r)
	return r
}

func msOf(t int64) float64 { return round3(float64(t) / float64(ms)) }

func dvbTableName(pid uint16) string {
	switch pid {
	case 0x10:
		return "NIT"
	case 0x11:
		return "SDT"
	case 0x12:
		return "EIT"
	case 0x14:
		return "TDT/TOT"
	}
	return "DVB SI"
}

// problems says in words what is wrong with the input. Caller holds a.mu.
func (a *Analyzer) problems(r *Report) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	switch {
	case a.bytesIn == 0:
		add("no input: 0 bytes were received")
		return out
	case a.pktN == 0:
		add("not an MPEG transport stream: no run of packets starting with the sync byte 0x47 in %d bytes", a.bytesIn)
		return out
	}
	switch a.stride {
	case 204:
		add("packets are 204 bytes (188 + 16 Reed-Solomon bytes, DVB-ASI style); analysed the 188-byte part")
	case 192:
		add("packets are 192 bytes (M2TS / Blu-ray timestamps in front); analysed the 188-byte part")
	}
	if n := a.checks[chkTSSyncLoss].n; n > 0 || a.skipped > 0 {
		add("lost transport stream sync %d time(s); %d bytes that were not packets were skipped: the input is damaged or not all TS", n, a.skipped)
	}
	if a.trailing > 0 {
		add("the input ends in the middle of a packet (%d bytes left over): it looks truncated", a.trailing)
	}
	if !a.patSeen {
		add("no valid PAT (program table on PID 0) found: players cannot find the programs")
	}
	for _, p := range r.Programs {
		pg := a.programs[p.Number]
		if pg.inPAT && !pg.pmtSeen {
			add("program %d: its PMT on PID %d never arrived", p.Number, p.PMTPID)
		}
		for _, pid := range pg.streams {
			st := a.pids[a.idx[pid]-1]
			if st.packets == 0 && st.stream != nil {
				add("program %d lists PID %d (%s %s) but no packet of it arrived", p.Number, pid, st.stream.Codec, st.stream.Kind)
			}
		}
		if pg.pcrPID != 0 && pg.pcrPID != NullPID && pg.version >= 0 {
			if i := a.idx[pg.pcrPID]; i == 0 || a.pids[i-1].pcrCount == 0 {
				add("program %d names PID %d as its PCR PID but no PCR arrived on it", p.Number, pg.pcrPID)
			}
		}
		if pg.lastChange != "" {
			add("%s (%d change(s) in all)", pg.lastChange, pg.changes)
		}
	}
	if a.refPID < 0 {
		add("no PCR found: duration, bit rates and the timing checks need a PCR")
	}
	var cc []string
	for _, p := range r.PIDs {
		if p.CCErrors > 0 {
			cc = append(cc, fmt.Sprintf("PID %d: %d", p.PID, p.CCErrors))
		}
	}
	if len(cc) > 0 {
		add("%d continuity errors (packets lost or out of order) - %s", r.TR101290.CCError, strings.Join(cc, ", "))
	}
	if r.TR101290.TransportError > 0 {
		add("%d packets flagged with the transport error indicator: the link before this point could not correct them", r.TR101290.TransportError)
	}
	if r.TR101290.CRCError > 0 {
		add("%d PAT/PMT/SDT/SCTE-35 sections failed their CRC: corrupted tables or cues", r.TR101290.CRCError)
	}
	if a.cuesDropped > 0 {
		add("%d more SCTE-35 cues arrived than the %d kept", a.cuesDropped, maxCues)
	}
	if a.histDropped > 0 {
		add("%d more PID changes happened than the %d kept in the history", a.histDropped, maxHistory)
	}
	for _, p := range r.PIDs {
		if p.PESLengthErrors > 0 {
			add("PID %d: %d PES packets did not hold the number of bytes their header announced", p.PID, p.PESLengthErrors)
		}
	}
	if a.astitsErrs > 0 {
		add("%d tables or PES packets could not be parsed (first: %s)", a.astitsErrs, a.firstAstitsErr)
	}
	out = append(out, a.notes...)
	return out
}

// InspectFile analyses a TS file (or, with duration > 0, only its first
// duration of media time) and returns the report. It fails only when the file
// cannot be read; damage inside it is described in the report.
func InspectFile(ctx context.Context, path string, opt Options, duration time.Duration) (Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return Report{}, fmt.Errorf("probe: %w", err)
	}
	defer func() { _ = f.Close() }() // read only: nothing to lose on close
	return Inspect(ctx, f, opt, duration)
}

// Inspect analyses TS read from r until EOF, ctx is done or duration of
// media time (if > 0) has been analysed.
func Inspect(ctx context.Context, r io.Reader, opt Options, duration time.Duration) (Report, error) {
	a := NewAnalyzer(ctx, opt)
	buf := make([]byte, 1<<20)
	limit := int64(duration / time.Microsecond * 27)
	for {
		if err := ctx.Err(); err != nil {
			a.Flush()
			return a.Report(), fmt.Errorf("probe: inspection stopped: %w", err)
		}
		n, err := r.Read(buf)
		if n > 0 {
			_, _ = a.Write(buf[:n]) // never fails
		}
		if limit > 0 && a.Elapsed() >= duration {
			break
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			a.Flush()
			return a.Report(), fmt.Errorf("probe: reading input: %w", err)
		}
	}
	a.Flush()
	return a.Report(), nil
}

// Elapsed is the media time analysed so far (from the PCR clock).
func (a *Analyzer) Elapsed() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return ts.TicksToDuration(a.now)
}
