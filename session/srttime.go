package session

import "time"

// SRT timestamps are 32-bit microseconds since the sender's connection
// start: they wrap every 2^32 µs = 71 min 34.967 s. Anything that compares
// or orders them must do it modulo 2^32. gosrt hands over PktTsbpdTime
// already unwrapped (64-bit, monotonic across the wrap, following libsrt's
// wrap-period rule), so code working from delivered packets should use
// that; code reading raw headers (a tap in front of the socket) needs the
// helpers below.

// TimestampWrap is the period of SRT's 32-bit microsecond timestamps.
const TimestampWrap = time.Duration(1<<32) * time.Microsecond

// tsDelta is b - a for two SRT timestamps in microseconds, the short way
// round the wrap: right while they are less than half a period (35 min
// 47 s) apart, as packets of one live stream are.
func tsDelta(a, b uint32) int64 { return int64(int32(b - a)) }

// tsUnwrapper extends the 32-bit timestamps of one connection to a
// monotonic 64-bit timeline in microseconds. Packets may come out of
// order (retransmissions carry their original, older timestamp): each is
// placed relative to the newest seen so far.
type tsUnwrapper struct {
	started  bool
	newest   uint32
	newest64 int64
}

// unwrap returns ts on the connection's 64-bit timeline.
func (u *tsUnwrapper) unwrap(ts uint32) int64 {
	if !u.started {
		u.started, u.newest, u.newest64 = true, ts, int64(ts)
		return int64(ts)
	}
	v := u.newest64 + tsDelta(u.newest, ts)
	if v > u.newest64 {
		u.newest, u.newest64 = ts, v
	}
	return v
}

// backdated reports whether a data packet's timestamp ts lies before its
// connection started, or far behind where the connection stands: age is how
// long the connection has been up (by the receiver's clock) and tolerance
// how far behind a legitimate packet may be (latency, retransmission
// delays and clock offsets). Such a timestamp reads as a value just below
// 2^32 early in a connection, which makes gosrt (and libsrt) start their
// wrap period and schedule the packet ~71 minutes ahead: everything after
// it waits behind it.
func backdated(ts uint32, age, tolerance time.Duration) bool {
	expected := uint32(age.Microseconds()) // modulo 2^32, as the sender's clock
	return tsDelta(expected, ts) < -tolerance.Microseconds()
}
