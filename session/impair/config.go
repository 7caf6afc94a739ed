// Package impair is a UDP relay that makes a bad network on purpose: random
// and burst loss, fixed delay, jitter and periodic outages, in either or both
// directions. The kernel here has no netem, so every test and the demo that
// needs loss or delay puts this relay between an SRT caller and listener:
//
//	caller --> relay (Listen) --> listener (Upstream)
//	caller <-- relay          <-- listener
//
// Packets from any client reaching Listen go to Upstream (the Forward
// direction); whatever Upstream sends back goes to the client address seen
// last (the Reverse direction). A seed makes the drop pattern repeatable:
// the n-th packet of a direction is dropped or not by the same rule in every
// run with the same seed, whatever the timing.
package impair

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// Limits of the impairment settings; Config.Validate enforces them.
const (
	MaxBurst     = 10000
	MaxDelay     = 10 * time.Second
	MaxJitter    = 10 * time.Second
	MinOutageGap = 10 * time.Millisecond
	MaxOutageGap = 24 * time.Hour
	DefaultQueue = 1 << 16
	// MaxRateMbps is the highest RateLimitMbps.
	MaxRateMbps = 100000
	// DefaultRateQueueBytes is the bottleneck queue of a rate limit when
	// RateQueueBytes is 0: 64 KiB, about 52 ms at 10 Mbit/s, a small
	// router buffer.
	DefaultRateQueueBytes = 64 << 10
	// DefaultRateBurstBytes is the token bucket's depth: a few full-size
	// packets may pass back to back before the rate applies.
	DefaultRateBurstBytes = 4 * 1500
	// ipUDPOverhead is counted on top of each datagram against a rate
	// limit: the IPv4 and UDP headers a real link carries too.
	ipUDPOverhead = 28
	maxDatagram   = 65535
	pooledBufSize = 2048
)

// Impairment is what happens to the packets of one direction.
type Impairment struct {
	// LossPct is the chance, in percent (0..100), that a packet starts a
	// loss event. Each event drops Burst consecutive packets, so with Burst
	// above 1 the share of packets lost is higher than LossPct:
	// Burst*p / (1 + (Burst-1)*p) with p = LossPct/100.
	LossPct float64
	// Burst is the number of consecutive packets a loss event drops
	// (1..MaxBurst; 0 means 1).
	Burst int
	// Delay is added to every forwarded packet.
	Delay time.Duration
	// Jitter varies the delay over Delay-Jitter..Delay+Jitter (never below
	// zero). Without Reorder the delay drifts smoothly between random
	// points at least 4*Jitter (and 20 ms) apart, as a queue in a real path
	// fills and drains: packets keep their order and the mean stays Delay.
	Jitter time.Duration
	// Reorder draws each packet's delay on its own (like netem), so a
	// packet may overtake the one before it.
	Reorder bool
	// OutageEvery and OutageFor cut the path periodically: from
	// OutageEvery after the relay was created, every OutageEvery, all
	// packets are dropped for OutageFor. Both zero means no outage.
	OutageEvery time.Duration
	OutageFor   time.Duration
	// DropConclusions drops the first DropConclusions SRT conclusion
	// handshakes of this direction, whatever the other settings say: in
	// Reverse, the listener's answer to a caller's conclusion is lost, so
	// the test can see whether the caller repeats it and the listener
	// answers again.
	DropConclusions int
	// RateLimitMbps caps the direction at this many Mbit/s (10^6 bit/s,
	// counting each datagram with its IP and UDP headers), like a
	// bottleneck link: a token bucket DefaultRateBurstBytes deep lets
	// packets through at the rate, packets over it wait in a queue of
	// RateQueueBytes and, when the queue is full, are dropped. 0 means no
	// limit.
	RateLimitMbps float64
	// RateQueueBytes is the bottleneck queue behind RateLimitMbps; 0 means
	// DefaultRateQueueBytes.
	RateQueueBytes int
}

// rateQueueBytes returns RateQueueBytes with 0 read as the default.
func (im Impairment) rateQueueBytes() int {
	if im.RateQueueBytes <= 0 {
		return DefaultRateQueueBytes
	}
	return im.RateQueueBytes
}

// queued reports whether packets of this direction go through the
// relay's queue (for a delay or a rate limit) rather than straight out.
func (im Impairment) queued() bool { return im.delays() || im.RateLimitMbps > 0 }

// burst returns Burst with 0 read as 1.
func (im Impairment) burst() int {
	if im.Burst <= 0 {
		return 1
	}
	return im.Burst
}

// delays reports whether packets of this direction go through the delay
// queue rather than straight out.
func (im Impairment) delays() bool { return im.Delay > 0 || im.Jitter > 0 }

// IsZero reports whether the impairment leaves packets untouched.
func (im Impairment) IsZero() bool {
	return im.LossPct == 0 && !im.queued() && im.OutageEvery == 0 && im.DropConclusions == 0
}

// String describes the impairment in a few words, e.g.
// "loss 3% burst 1, delay 20ms ±5ms, outage 1s every 10s".
func (im Impairment) String() string {
	if im.IsZero() {
		return "no impairment"
	}
	s := ""
	add := func(part string) {
		if s != "" {
			s += ", "
		}
		s += part
	}
	if im.LossPct > 0 {
		add(fmt.Sprintf("loss %s%% burst %d", strconv.FormatFloat(im.LossPct, 'f', -1, 64), im.burst()))
	}
	if im.delays() {
		d := fmt.Sprintf("delay %v", im.Delay)
		if im.Jitter > 0 {
			d += fmt.Sprintf(" ±%v", im.Jitter)
			if im.Reorder {
				d += " (reordering)"
			}
		}
		add(d)
	}
	if im.OutageEvery > 0 {
		add(fmt.Sprintf("outage %v every %v", im.OutageFor, im.OutageEvery))
	}
	if im.RateLimitMbps > 0 {
		add(fmt.Sprintf("rate limit %s Mbit/s (queue %d KiB)", strconv.FormatFloat(im.RateLimitMbps, 'f', -1, 64), im.rateQueueBytes()>>10))
	}
	if im.DropConclusions > 0 {
		add(fmt.Sprintf("first %d conclusion handshakes dropped", im.DropConclusions))
	}
	return s
}

// Config is everything a Relay needs.
type Config struct {
	// Listen is the UDP address clients send to, "host:port"; port 0 picks
	// a free port (see Relay.Addr).
	Listen string
	// Upstream is the UDP address packets from clients are relayed to.
	Upstream string
	// Forward impairs packets from clients to Upstream; Reverse impairs
	// packets from Upstream back to the client.
	Forward, Reverse Impairment
	// Seed makes the loss and jitter pattern repeatable.
	Seed int64
	// BySRTSequence keys the loss draw of each SRT data packet to the
	// seed, its sequence number and how often that number has been sent,
	// instead of to its position in the stream of datagrams. Control
	// packets (ACK, ACKACK, keepalive) and retransmissions then no longer
	// shift the pattern, so two runs of the same sender through relays with
	// the same seed lose the same original packets: what a comparison of
	// two receivers over "the same path" needs. NAKs are keyed the same
	// way, to the first packet they ask for and how many NAKs asked first
	// for it before, so the two receivers also lose the same requests: the
	// positional draw gave a NAK whatever draw the receiver's own mix of
	// ACKs left it, and at 30% loss that alone decided whether a packet
	// needing several retransmissions came in time. Other datagrams keep
	// the positional draw.
	BySRTSequence bool
	// QueueLimit is the most packets one direction holds in its delay
	// queue; beyond it packets are dropped and counted. 0 means
	// DefaultQueue.
	QueueLimit int
	// Trace, when set, is called for every packet read, from the reading
	// goroutine of its direction (so from two goroutines at once). It must
	// be quick and must not call back into the Relay.
	Trace func(TraceEvent)
}

// ConfigError is a setting outside its allowed range. Field is named like
// the relay command's flag ("loss", "outage-for", ...) so that a command
// line can point at the flag to fix.
type ConfigError struct {
	Direction string // "forward", "reverse" or "" for settings of the relay
	Field     string
	Value     string
	Allowed   string
}

func (e *ConfigError) Error() string {
	dir := ""
	if e.Direction != "" {
		dir = e.Direction + " "
	}
	return fmt.Sprintf("impair: %s%s %s: allowed %s", dir, e.Field, e.Value, e.Allowed)
}

// ErrConfig is matched by every *ConfigError (errors.Is).
var ErrConfig = errors.New("impair: invalid configuration")

// Is makes errors.Is(err, ErrConfig) true for configuration errors.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

// Validate checks one direction's settings.
func (im Impairment) Validate() error { return im.validate("") }

func (im Impairment) validate(dir string) error {
	bad := func(field, value, allowed string) error {
		return &ConfigError{Direction: dir, Field: field, Value: value, Allowed: allowed}
	}
	if math.IsNaN(im.LossPct) || im.LossPct < 0 || im.LossPct > 100 {
		return bad("loss", strconv.FormatFloat(im.LossPct, 'g', -1, 64), "0..100 (percent of packets)")
	}
	if im.Burst < 0 || im.Burst > MaxBurst {
		return bad("burst", strconv.Itoa(im.Burst), fmt.Sprintf("1..%d (packets dropped per loss event)", MaxBurst))
	}
	if im.Delay < 0 || im.Delay > MaxDelay {
		return bad("delay", im.Delay.String(), fmt.Sprintf("0s..%v", MaxDelay))
	}
	if im.DropConclusions < 0 {
		return bad("drop-conclusions", strconv.Itoa(im.DropConclusions), "0 or more handshakes")
	}
	if im.Jitter < 0 || im.Jitter > MaxJitter {
		return bad("jitter", im.Jitter.String(), fmt.Sprintf("0s..%v", MaxJitter))
	}
	if math.IsNaN(im.RateLimitMbps) || im.RateLimitMbps < 0 || im.RateLimitMbps > MaxRateMbps {
		return bad("rate-limit", strconv.FormatFloat(im.RateLimitMbps, 'g', -1, 64), fmt.Sprintf("0 (no limit) to %d (Mbit/s)", MaxRateMbps))
	}
	if im.RateQueueBytes < 0 {
		return bad("rate-queue", strconv.Itoa(im.RateQueueBytes), "0 (default) or more bytes")
	}
	switch {
	case im.OutageEvery == 0 && im.OutageFor == 0:
	case im.OutageEvery == 0:
		return bad("outage-every", "0s", "10ms..24h, required with outage-for")
	case im.OutageEvery < MinOutageGap || im.OutageEvery > MaxOutageGap:
		return bad("outage-every", im.OutageEvery.String(), "10ms..24h")
	case im.OutageFor <= 0 || im.OutageFor >= im.OutageEvery:
		return bad("outage-for", im.OutageFor.String(), fmt.Sprintf("more than 0s and less than outage-every (%v)", im.OutageEvery))
	}
	return nil
}

// Validate checks every setting and returns a *ConfigError for the first
// one out of range.
func (c Config) Validate() error {
	if c.Listen == "" {
		return &ConfigError{Field: "listen", Value: `""`, Allowed: "host:port (port 0..65535)"}
	}
	if c.Upstream == "" {
		return &ConfigError{Field: "to", Value: `""`, Allowed: "host:port (port 1..65535)"}
	}
	if c.QueueLimit < 0 {
		return &ConfigError{Field: "queue", Value: strconv.Itoa(c.QueueLimit), Allowed: "0 (default) or more packets"}
	}
	if err := c.Forward.validate("forward"); err != nil {
		return err
	}
	return c.Reverse.validate("reverse")
}
