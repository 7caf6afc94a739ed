package guidance

import (
	"fmt"

	"github.com/srtscope/srtscope/session"
)

// LossPct is THE loss percentage: packets detected missing over packets
// the sender sent in the same span, in percent.
//
// The receiver (session.Receiver) counts in pkts_recv every packet it
// delivers, once: a packet recovered by retransmission is delivered (and
// counted) once, duplicates are never delivered, and a packet that never
// arrives is not counted there but in pkts_dropped. So the packets the
// sender sent in the span are exactly recv + dropped (unique delivered +
// unrecovered), and lost (recovered + unrecovered, pktRcvLoss) over that
// is the share of the sender's packets the path lost, whether SRT repaired
// them or not. Retransmissions the path lost again are not counted twice.
func LossPct(recv, lost, dropped uint64) float64 {
	sent := recv + dropped
	if sent == 0 {
		return 0
	}
	return 100 * float64(lost) / float64(sent)
}

// Span says which stretch of time a loss figure covers, so that a screen
// can say which.
type Span int

// Spans of a loss figure.
const (
	// SpanConnection: since the current connection was established. The
	// latency advice is about this span: the latency and RTT it is judged
	// with are this connection's.
	SpanConnection Span = iota + 1
	// SpanSession: the whole session, across reconnects (what reports
	// summarise).
	SpanSession
)

// String names the span in words, for labels: "this connection" or
// "this session".
func (s Span) String() string {
	switch s {
	case SpanConnection:
		return "this connection"
	case SpanSession:
		return "this session"
	}
	return fmt.Sprintf("Span(%d)", int(s))
}

// Loss is a loss percentage with the counters it came from and the span
// it covers.
type Loss struct {
	Pct  float64 // LossPct(Recv, Lost, Dropped)
	Lost uint64  // detected missing: recovered + unrecovered
	Sent uint64  // packets sent in the span: delivered + unrecovered
	Span Span
}

// String is the figure with its span, e.g. "2.6% loss on this connection".
func (l Loss) String() string {
	return fmt.Sprintf("%.1f%% loss on %s", l.Pct, l.Span)
}

// NewLoss computes the loss of a span from its counters.
func NewLoss(span Span, recv, lost, dropped uint64) Loss {
	return Loss{Pct: LossPct(recv, lost, dropped), Lost: lost, Sent: recv + dropped, Span: span}
}

// ConnectionLoss is the loss on the sample's current connection (zero
// while not connected).
func ConnectionLoss(s session.Sample) Loss {
	c := s.Conn
	return NewLoss(SpanConnection, c.PktsRecv, c.PktsLost, c.PktsDropped)
}

// SessionLoss is the loss over the whole session the sample's cumulative
// counters cover, across reconnects.
func SessionLoss(s session.Sample) Loss {
	return NewLoss(SpanSession, s.PktsRecv, s.PktsLost, s.PktsDropped)
}
