package tsrecord

import "github.com/srtscope/srtscope/probe/ts"

// maxGatePackets bounds how long a StartGate waits for the PAT, the PMTs
// and a random access point: after this many packets (9.4 MB) it gives up
// and passes the stream on as it comes, for streams without PSI.
const maxGatePackets = 50_000

// StartGate holds back the start of a live stream for one new receiver
// (a decoder pulling a feed that is already running) until a decoder can
// start there: it waits for the PAT and every PMT it lists, then for a
// random access point (on a video PID when there is video, the same rule
// a recording's segments start by) and passes the stream on from there,
// after copies of the latest PAT and PMT packets. A receiver that joins
// mid-GOP would otherwise get pictures that refer to ones it never had.
// One StartGate serves one receiver, on one goroutine.
type StartGate struct {
	psi     psiTracker
	waited  int
	started bool
}

// NewStartGate returns a gate that waits for a random access point.
func NewStartGate() *StartGate { return &StartGate{} }

// Next appends to dst what of payload p (whole TS packets) to pass on and
// reports whether the stream has started: nothing before the start; at
// the start the PAT and PMT copies and the packets from the random access
// point on; after it all of p, which the caller may then send without
// asking again.
func (g *StartGate) Next(dst, p []byte) ([]byte, bool) {
	if g.started {
		return append(dst, p...), true
	}
	for i := 0; i+ts.PacketSize <= len(p); i += ts.PacketSize {
		pk := p[i : i+ts.PacketSize]
		if pk[0] != ts.SyncByte {
			continue
		}
		g.psi.observe(pk)
		g.waited++
		if g.ready() && g.psi.randomAccess(pk) || g.waited >= maxGatePackets {
			g.started = true
			dst = g.psi.appendPrefix(dst, pk)
			return append(dst, p[i:]...), true
		}
	}
	return dst, false
}

// ready reports whether the PAT and every PMT it lists have been seen.
func (g *StartGate) ready() bool {
	if len(g.psi.patSec) == 0 || len(g.psi.pmts) == 0 {
		return false
	}
	for _, c := range g.psi.pmts {
		if len(c.sec) == 0 {
			return false
		}
	}
	return true
}
