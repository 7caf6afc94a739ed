package session

import (
	"math"
	"time"
)

// State is where a session stands in its connection life cycle.
type State string

// Session states, as printed in the "state" field of a sample.
const (
	StateConnecting   State = "connecting"
	StateConnected    State = "connected"
	StateDisconnected State = "disconnected"
)

// Sample is one statistics snapshot of a receiving session. Counters are
// cumulative over the whole life of the session, across reconnects. Field
// names and meanings follow libsrt so that engineers recognise them; the JSON
// names are part of the command-line contract and must not change.
type Sample struct {
	Time          time.Time `json:"time"`
	State         State     `json:"state"`
	Peer          string    `json:"peer"`
	RTTMs         float64   `json:"rtt_ms"`         // smoothed round-trip time
	LatencyMs     int       `json:"latency_ms"`     // negotiated receive latency (TSBPD delay)
	RTTMultiplier float64   `json:"rtt_multiplier"` // LatencyMs / RTTMs: headroom for retransmission
	RecvMbps      float64   `json:"recv_mbps"`      // received payload rate over the last interval, Mbit/s (10^6)
	PktsRecv      uint64    `json:"pkts_recv"`      // data packets delivered (cumulative)
	PktsLost      uint64    `json:"pkts_lost"`      // detected missing: recovered + unrecovered (pktRcvLoss)
	PktsRetrans   uint64    `json:"pkts_retrans"`   // retransmitted packets received (pktRcvRetrans)
	PktsDropped   uint64    `json:"pkts_dropped"`   // never delivered in time: unrecovered, or late (pktRcvDrop)
	BytesRecv     uint64    `json:"bytes_recv"`     // payload bytes delivered (cumulative)

	// PktsLate counts, of PktsDropped, the packets gosrt delivered after
	// their play time: a libsrt receiver would have skipped them.
	PktsLate uint64 `json:"pkts_late"`
	// PktsAtRisk counts recovered packets whose retransmission arrived with
	// less time to spare than a libsrt receiver's slower recovery needs
	// (see the package doc): delivered here, likely dropped by a libsrt
	// decoder. PktsDropped + PktsAtRisk is what latency advice judges by.
	PktsAtRisk uint64 `json:"pkts_at_risk"`
	// RecoveryMarginMinMs and RecoveryMarginP5Ms are the smallest and the
	// 5th percentile recovery margin over this sample's window: the time
	// left before its play time when a retransmitted packet arrived.
	// Absent when nothing was recovered in the window.
	RecoveryMarginMinMs *float64 `json:"recovery_margin_min_ms,omitempty"`
	RecoveryMarginP5Ms  *float64 `json:"recovery_margin_p5_ms,omitempty"`

	// Receiver detail: the receive buffer (libsrt's msRcvBuf and
	// pktRcvBuf: what arrived and is not yet due at a libsrt receiver's
	// play time, which gosrt's later play-out would overstate; with the
	// arrival tap only), the RTT spread over the window,
	// the rate of arriving packets and the time since the last one.
	RcvBufMs          float64 `json:"rcv_buf_ms"`
	RcvBufPkts        int     `json:"rcv_buf_pkts"`
	RTTMinMs          float64 `json:"rtt_min_ms"`
	RTTMaxMs          float64 `json:"rtt_max_ms"`
	RTTVarMs          float64 `json:"rtt_var_ms"`
	RecvPktsPerS      float64 `json:"recv_pkts_per_s"`
	SinceLastPacketMs float64 `json:"since_last_packet_ms"`

	// Bad input from the peer, counted and survived. PktsBackdated counts
	// data packets whose timestamp lay before the connection started (or
	// far behind the sender's clock): libsrt and gosrt would hold such a
	// packet ~71 minutes, and the stream behind it; the arrival tap gives
	// it the sender's current time instead. PktsUndecryptable counts
	// packets that could not be decrypted (libsrt's pktRcvUndecrypt): the
	// SRT library's own count, plus delivered payloads of an encrypted TS
	// stream that stopped reading as TS, which is what decrypting with a
	// stale key gives (the sender switched keys and the announcement was
	// lost).
	PktsBackdated     uint64 `json:"pkts_backdated"`
	PktsUndecryptable uint64 `json:"pkts_undecryptable"`

	// SinkSkippedBytes counts received bytes the payload sink (the probe)
	// could not take in time; reception itself never waits for the sink.
	SinkSkippedBytes uint64 `json:"sink_skipped_bytes,omitempty"`

	// Conn is the current connection's share of the counters above: what
	// arrived since it was established. Zero while not connected. The
	// counters above span the session; RTT, latency and the latency advice
	// belong to this connection, so loss beside them must come from here.
	Conn ConnCounters `json:"conn,omitzero"`
}

// ConnCounters are the receive counters of one connection, with the same
// meanings (and JSON names) as the session's cumulative ones in Sample.
type ConnCounters struct {
	Since       time.Time `json:"since"`        // when the connection was established
	PktsRecv    uint64    `json:"pkts_recv"`    // data packets delivered
	PktsLost    uint64    `json:"pkts_lost"`    // detected missing: recovered + unrecovered
	PktsRetrans uint64    `json:"pkts_retrans"` // retransmitted packets received
	PktsDropped uint64    `json:"pkts_dropped"` // never delivered in time: unrecovered or late
	BytesRecv   uint64    `json:"bytes_recv"`   // payload bytes delivered
	PktsLate    uint64    `json:"pkts_late"`    // of PktsDropped, delivered after their play time
	PktsAtRisk  uint64    `json:"pkts_at_risk"` // recovered with less margin than libsrt needs
}

// EventKind names what happened to a session.
type EventKind string

// Event kinds. Detail always says in words what happened and, for failures,
// what to check.
const (
	EventConnecting   EventKind = "connecting"
	EventConnected    EventKind = "connected"
	EventDisconnected EventKind = "disconnected"
	EventRejected     EventKind = "rejected"
	EventError        EventKind = "error"
	EventIdle         EventKind = "idle"
	EventWarning      EventKind = "warning" // the session runs, but something may cost packets
)

// Event is one thing that happened to a session, with its time. Detail
// says it in words; the fields after it carry the figures behind the words,
// for screens that word it their own way and for code that branches on it.
type Event struct {
	Time   time.Time `json:"time"`
	Kind   EventKind `json:"kind"`
	Detail string    `json:"detail"`
	Remote string    `json:"remote,omitempty"` // the peer's address, when there is one
	// Feed is the stream name a Port's caller asked for (its streamid's
	// r= or the plain streamid), on the Port's own events; "" otherwise.
	Feed string `json:"feed,omitempty"`

	// Code is the SRT reject code (REJ_*, REJX_*) of a rejection or a
	// failed connection attempt, 0 otherwise.
	Code uint32 `json:"code,omitempty"`
	// Count is how many occurrences a summary event stands for (rejected
	// callers or malformed handshakes not shown one by one) or, on the
	// event that ends a caller's connection attempt, how many handshakes
	// it sent; 0 otherwise.
	Count int `json:"count,omitempty"`
	// Attempt numbers a caller's connection attempts from 1 (0 otherwise).
	Attempt int `json:"attempt,omitempty"`
	// ConnectMs is how long a caller's connection attempt took, in ms,
	// from its first handshake to the answer (on the connected event and
	// the handshake event before it) or to giving up (on the failure
	// event); 0 otherwise.
	ConnectMs float64 `json:"connect_ms,omitempty"`
	// Err is the failure behind the event, for errors.Is and errors.As
	// (a *ConnectError wrapping ErrWrongPassphrase, ...); nil otherwise.
	Err error `json:"-"`

	// handshake marks the event of a completed caller handshake, whose
	// ConnectMs and Count the hub copies onto the connected event after it.
	handshake bool
}

// SenderSample is one statistics snapshot of a sending session, with
// libsrt's meanings. Counters are cumulative over the whole life of the
// sender, across reconnects; the JSON names are part of the command-line
// contract (send --format json) and must not change.
//
// gosrt's sender figures were checked against what a libsrt receiver at the
// far end reports through the impairment relay (see sendertruth_test.go):
// its retransmission, NAK, drop and RTT counters hold, but its rates are
// Mibit/s, its "flight size" is the queue of packets not yet sent and its
// buffer span leaves out that queue and is skewed by packet-pair probes, so
// SendMbps, FlightPkts and SndBufMs are derived here.
type SenderSample struct {
	Time  time.Time `json:"time"`
	State State     `json:"state"`
	Peer  string    `json:"peer"`
	SenderFigures
	LatencyMs      int    `json:"latency_ms"`       // the receiver's TSBPD delay, as negotiated
	PktsUniqueSent uint64 `json:"pkts_unique_sent"` // data packets sent the first time (pktSentUnique)
	BytesSent      uint64 `json:"bytes_sent"`       // payload bytes handed to SRT
	SndBufPkts     uint64 `json:"snd_buf_pkts"`     // packets in the send buffer (pktSndBuf)
	Connects       int    `json:"connects"`         // connections so far
}

// SenderFigures are the sender statistics every view of a sending session
// or an SRT output shows (watch's outputs, the recording, the API), with
// libsrt's meanings and names.
type SenderFigures struct {
	RTTMs           float64 `json:"rtt_ms"`            // smoothed round-trip time
	SendMbps        float64 `json:"send_mbps"`         // sent over the last interval, with retransmissions and headers, Mbit/s (10^6) (mbpsSendRate)
	PktsSent        uint64  `json:"pkts_sent"`         // data packets sent, retransmissions included (pktSent)
	PktsRetransSent uint64  `json:"pkts_retrans_sent"` // retransmitted packets sent (pktRetrans)
	NaksRecv        uint64  `json:"naks_recv"`         // NAK reports received (pktRecvNAK)
	PktsSendDropped uint64  `json:"pkts_send_dropped"` // dropped by the sender: too late to be played (pktSndDrop)
	SndBufMs        float64 `json:"snd_buf_ms"`        // time span of the unacknowledged packets in the send buffer (msSndBuf): about RTT when healthy, at or above latency = not enough bandwidth
	FlightPkts      uint64  `json:"flight_pkts"`       // sent but not yet acknowledged (pktFlightSize)
}

// Rounded is f at the precision srtscope prints: RTT and rate to the
// microsecond and kbit/s, the buffer span to 0.1 ms.
func (f SenderFigures) Rounded() SenderFigures {
	f.RTTMs = roundTo(f.RTTMs, 3)
	f.SendMbps = roundTo(f.SendMbps, 3)
	f.SndBufMs = roundTo(f.SndBufMs, 1)
	return f
}

// roundTo rounds v to n decimals; NaN and infinities, which JSON cannot
// carry, become 0.
func roundTo(v float64, n int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, float64(n))
	return math.Round(v*p) / p
}
