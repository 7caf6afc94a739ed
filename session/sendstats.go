package session

import (
	"time"

	srt "github.com/datarhei/gosrt"
)

// sendStatsEvery is how often a sending loop reads gosrt's statistics into
// the snapshot its sampler publishes.
const sendStatsEvery = 100 * time.Millisecond

// writeRing is how many write times a sendMeter remembers to measure the
// send buffer's time span: at 20 Mbit/s about 8 s of packets, far more than
// a live send buffer holds.
const writeRing = 1 << 14

// sendTotals are the libsrt-style send counters of one connection or the
// sum of finished ones.
type sendTotals struct {
	sent, unique, retrans, naks, dropped, wireBytes uint64
}

func (t sendTotals) plus(o sendTotals) sendTotals {
	return sendTotals{t.sent + o.sent, t.unique + o.unique, t.retrans + o.retrans, t.naks + o.naks, t.dropped + o.dropped, t.wireBytes + o.wireBytes}
}

func totalsOf(st *srt.Statistics) sendTotals {
	a := st.Accumulated
	return sendTotals{sent: a.PktSent, unique: a.PktSentUnique, retrans: a.PktRetrans, naks: a.PktRecvNAK, dropped: a.PktSendDrop, wireBytes: a.ByteSent}
}

// sendGauges are the instantaneous sender figures of one connection, with
// libsrt's meanings.
type sendGauges struct {
	rttMs      float64
	latencyMs  int
	sndBufMs   float64
	sndBufPkts uint64
	flightPkts uint64
}

// sendMeter derives the libsrt sender statistics of one sending connection
// from gosrt's. It belongs to the goroutine that writes to the connection
// (the file Sender's send loop, a live output's or a puller's), which calls
// wrote after every packet and read now and then.
type sendMeter struct {
	stats    srt.Statistics
	writes   [writeRing]time.Time // write time of packet n at n % writeRing
	written  uint64               // packets written on this connection
	lastRead time.Time
}

// wrote notes one packet written to the connection at now.
func (m *sendMeter) wrote(now time.Time) {
	m.writes[m.written%writeRing] = now
	m.written++
}

// due says whether the statistics should be read again (every
// sendStatsEvery).
func (m *sendMeter) due(now time.Time) bool { return now.Sub(m.lastRead) >= sendStatsEvery }

// read reads gosrt's statistics of conn, deriving what gosrt gets wrong.
// gosrt's sender keeps two lists: packets written but not yet sent (its
// "flight size" is their count, at the last write) and packets sent but not
// yet acknowledged; PktSendBuf counts both. The libsrt meanings: flight =
// sent, not acknowledged; msSndBuf = the time span of what the send buffer
// holds. The span is measured here from the write times of the oldest
// unacknowledged packet and the newest one.
func (m *sendMeter) read(conn srt.Conn, now time.Time) (sendTotals, sendGauges) {
	m.lastRead = now
	conn.Stats(&m.stats)
	in := m.stats.Instantaneous
	var spanMs float64
	if buf := in.PktSendBuf; buf > 0 && m.written > 0 {
		oldest := m.written - min(buf, m.written, writeRing)
		spanMs = float64(m.writes[(m.written-1)%writeRing].Sub(m.writes[oldest%writeRing])) / float64(time.Millisecond)
	}
	flight := uint64(0)
	if in.PktSendBuf > in.PktFlightSize {
		flight = in.PktSendBuf - in.PktFlightSize
	}
	return totalsOf(&m.stats), sendGauges{rttMs: in.MsRTT, latencyMs: int(in.MsSendTsbPdDelay), sndBufMs: spanMs, sndBufPkts: in.PktSendBuf, flightPkts: flight}
}

// sendBook keeps the send statistics of one sender across its connections:
// the totals of finished connections, the current one's as last read, its
// gauges, and the send rate between samples. It is not safe for concurrent
// use: its owner guards it with its own mutex.
type sendBook struct {
	done, cur sendTotals   // finished connections; the current one
	snap      SenderSample // state, peer and gauges of the current connection
	connects  int

	prevWire uint64 // wire bytes at the last rate reading
	prevTime time.Time
	mbps     float64 // the last rate reading
}

// newSendBook starts a book in the connecting state.
func newSendBook() sendBook {
	return sendBook{snap: SenderSample{State: StateConnecting}, prevTime: time.Now()}
}

// connected starts the figures of a new connection to peer.
func (b *sendBook) connected(peer string) {
	b.connects++
	b.snap = SenderSample{State: StateConnected, Peer: peer}
}

// update takes a reading of the current connection.
func (b *sendBook) update(t sendTotals, g sendGauges) {
	b.cur = t
	b.snap.RTTMs, b.snap.LatencyMs = g.rttMs, g.latencyMs
	b.snap.SndBufMs, b.snap.SndBufPkts, b.snap.FlightPkts = g.sndBufMs, g.sndBufPkts, g.flightPkts
}

// disconnected closes the current connection's figures into the totals.
func (b *sendBook) disconnected() {
	b.done = b.done.plus(b.cur)
	b.cur = sendTotals{}
	b.snap = SenderSample{State: StateDisconnected}
}

// setState changes the state shown while not connected.
func (b *sendBook) setState(s State) {
	if b.snap.State != StateConnected {
		b.snap.State = s
	}
}

// wireBytes is every byte sent so far, headers and retransmissions included.
func (b *sendBook) wireBytes() uint64 { return b.done.wireBytes + b.cur.wireBytes }

// rate measures the send rate (mbpsSendRate: headers and retransmissions
// included, Mbit/s of 10^6) since the previous call and keeps it for
// sample.
func (b *sendBook) rate(now time.Time) float64 {
	w := b.wireBytes()
	b.mbps = 0
	if dt := now.Sub(b.prevTime).Seconds(); dt > 0 && w >= b.prevWire {
		b.mbps = float64(w-b.prevWire) * 8 / dt / 1e6
	}
	b.prevWire, b.prevTime = w, now
	return b.mbps
}

// sample is the figures now: counters over every connection, gauges of the
// current one, and the last rate reading; bytesSent is the payload handed
// to SRT.
func (b *sendBook) sample(now time.Time, bytesSent uint64) SenderSample {
	out := b.snap
	out.Time = now
	t := b.done.plus(b.cur)
	out.PktsSent, out.PktsUniqueSent, out.PktsRetransSent = t.sent, t.unique, t.retrans
	out.NaksRecv, out.PktsSendDropped = t.naks, t.dropped
	out.BytesSent = bytesSent
	out.Connects = b.connects
	out.SendMbps = b.mbps
	return out
}
