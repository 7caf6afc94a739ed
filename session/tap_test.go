package session

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"net"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

func TestParseData(t *testing.T) {
	hdr := func(b0 byte, seq uint32, b4 byte, ts uint32) []byte {
		b := make([]byte, 16)
		b[0], b[1], b[2], b[3] = b0|byte(seq>>24), byte(seq>>16), byte(seq>>8), byte(seq)
		b[4] = b4
		b[8], b[9], b[10], b[11] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
		return b
	}
	tests := []struct {
		name        string
		b           []byte
		ok, retrans bool
		seq, ts     uint32
	}{
		{"original", hdr(0, 0x12345678, 0xc0, 99), true, false, 0x12345678, 99},
		{"retransmission", hdr(0, 7, 0xc4, 1<<31), true, true, 7, 1 << 31},
		{"control packet", hdr(0x80, 2, 0, 0), false, false, 0, 0},
		{"too short", []byte{0, 0, 0, 1}, false, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seq, ts, retrans, ok := parseData(tt.b)
			if ok != tt.ok || (ok && (seq != tt.seq || ts != tt.ts || retrans != tt.retrans)) {
				t.Errorf("parseData = seq %d ts %d retrans %v ok %v, want %d %d %v %v", seq, ts, retrans, ok, tt.seq, tt.ts, tt.retrans, tt.ok)
			}
		})
	}
}

func TestArrivalsKeepBothCopies(t *testing.T) {
	a := newArrivals()
	a.record(10, 1000, false, 5)
	a.record(10, 1000, true, 9)
	a.record(10, 1000, true, 12) // a second retransmission changes nothing
	e, ok := a.lookup(10)
	if !ok || e.orig != 5 || e.rexmit != 9 {
		t.Errorf("lookup = %+v %v, want original at 5, retransmission at 9", e, ok)
	}
	if _, ok := a.lookup(10 + arrivalRing); ok {
		t.Error("a sequence number sharing the slot was found")
	}
	for seq := uint32(11); seq < 15; seq++ {
		a.record(seq, 1000+(seq-10)*100, false, 20)
	}
	// Delivered up to 11: 12, 13 and 14 wait, their timestamps 200 µs
	// from first to last.
	pkts, span := a.buffered(1100, 30, time.Second)
	if pkts != 3 || span != 200*time.Microsecond {
		t.Errorf("buffered = %d packets over %s, want 3 over 200µs", pkts, span)
	}
}

func TestMarginStats(t *testing.T) {
	m := newMarginStats()
	for _, ms := range []int{-5, 0, 3, 15, 15, 30, 700, 2000} {
		m.add(time.Duration(ms) * time.Millisecond)
	}
	minM, p5, ok := m.takeWindow()
	if !ok || minM != -5*time.Millisecond || p5 != -5*time.Millisecond {
		t.Errorf("window min %s p5 %s ok %v", minM, p5, ok)
	}
	if _, _, ok := m.takeWindow(); ok {
		t.Error("the window did not start anew")
	}
	h := m.histogram()
	want := []uint64{1, 2, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1} // <0, <5, <10, <20, <30, <40, ..., <1280, >=1280
	if !slices.Equal(h.Pkts, want) {
		t.Errorf("histogram %v over edges %v, want %v", h.Pkts, h.EdgesMs, want)
	}
}

// TestSkipAt: libsrt skips a missing packet only when a later packet is
// in its buffer and due to play. Packets are 1 ms apart (timestamps in
// µs, times in ms here), play time = timestamp + 100 ms.
func TestSkipAt(t *testing.T) {
	const ms = int64(time.Millisecond)
	play := func(seq uint32) int64 { return int64(seq)*ms + 100*ms }
	type copyAt struct {
		seq     uint32
		retrans bool
		at      int64 // ms
	}
	tests := []struct {
		name      string
		arrivals  []copyAt
		seq       uint32 // the packet judged, delivered as the copy that arrived last
		needs     time.Duration
		late      bool
		fixedInMs int64 // -1: none
	}{
		{
			// A 300 ms outage from 10 ms: 10..309 lost; packets from 310
			// arrive at once, then the retransmissions in order from 350:
			// nothing later was due before them, libsrt plays them late.
			name: "after an outage",
			arrivals: func() []copyAt {
				var c []copyAt
				for s := uint32(0); s < 10; s++ {
					c = append(c, copyAt{s, false, int64(s)})
				}
				for s := uint32(310); s < 340; s++ {
					c = append(c, copyAt{s, false, int64(s)})
				}
				for s := uint32(10); s < 310; s++ {
					c = append(c, copyAt{s, true, 350 + int64(s-10)/10})
				}
				return c
			}(),
			seq: 50, needs: 20 * time.Millisecond, late: false, fixedInMs: -1,
		},
		{
			// 5 lost, its retransmission 150 ms later: 6 arrived at 6 ms
			// and was due at 106 ms, so libsrt had skipped 5 by then.
			name:     "retransmission after the next packet's play time",
			arrivals: []copyAt{{4, false, 4}, {6, false, 6}, {7, false, 7}, {5, true, 155}},
			seq:      5, needs: 20 * time.Millisecond, late: true,
		},
		{
			// 5 and 6 lost, 7 arrived on time; 5 comes back after 7's
			// play time (107 ms), 6 only after it: 7 decides.
			name:     "a later packet than the next one decides",
			arrivals: []copyAt{{4, false, 4}, {7, false, 7}, {8, false, 8}, {5, true, 110}, {6, true, 111}},
			seq:      5, needs: 20 * time.Millisecond, late: true,
		},
		{
			// 5 comes back 5 ms before 6 is due: recovered, at risk.
			name:     "recovered with little to spare",
			arrivals: []copyAt{{4, false, 4}, {6, false, 6}, {7, false, 7}, {5, true, 101}},
			seq:      5, needs: 20 * time.Millisecond, late: false, fixedInMs: 106,
		},
		{
			// 5 comes back early: the walk stops where play times pass
			// arrival + needs and nothing counts.
			name:     "recovered early",
			arrivals: []copyAt{{4, false, 4}, {6, false, 6}, {7, false, 7}, {5, true, 30}},
			seq:      5, needs: 20 * time.Millisecond, late: false, fixedInMs: -1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArrivals()
			var at int64
			for _, c := range tt.arrivals {
				a.record(c.seq, c.seq*1000, c.retrans, c.at*ms+1) // +1: 0 means "not seen"
				if c.seq == tt.seq {
					at = c.at*ms + 1
				}
			}
			v := a.skipAt(tt.seq, tt.seq*1000, play(tt.seq), at, tt.needs)
			wantFixed := int64(math.MaxInt64)
			if tt.fixedInMs >= 0 {
				wantFixed = tt.fixedInMs * ms
			}
			if v.late != tt.late || (!tt.late && v.fixed != wantFixed) {
				t.Errorf("skipAt = late %v, fixed %d; want late %v, fixed %d", v.late, v.fixed, tt.late, wantFixed)
			}
		})
	}
}

// TestMendBackdated: a data packet whose timestamp lies before the
// connection started (2^32 - x early on) gets the sender's current time,
// and counts; retransmissions with old timestamps, the 32-bit wrap and a
// new connection's clock (after a handshake) pass untouched.
func TestMendBackdated(t *testing.T) {
	const ms = int64(time.Millisecond)
	data := func(seq, ts uint32, retrans bool) []byte {
		b := make([]byte, 16)
		binary.BigEndian.PutUint32(b[0:4], seq)
		if retrans {
			b[4] = 0x04
		}
		binary.BigEndian.PutUint32(b[8:12], ts)
		return b
	}
	handshake := []byte{0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	a := newArrivals()
	a.setLatency(120 * time.Millisecond)
	b := newTapBatch()
	feed := func(at int64, d []byte) uint32 {
		b.n, b.size[0], b.at[0] = 1, len(d), at
		copy(b.bufs[0], d)
		a.recordBatch(b)
		return binary.BigEndian.Uint32(b.bufs[0][8:12])
	}
	feed(0, handshake)
	for i := range uint32(100) { // 1 packet per 10 ms from timestamp 0
		feed(int64(i)*10*ms, data(i, i*10_000, false))
	}
	if got := feed(1000*ms, data(100, 1<<32+1_000_000-10_000_000, false)); got != 1_000_000 || a.backdated.Load() != 1 {
		t.Errorf("backdated timestamp now %d (want the sender's clock, 1000000), counted %d", got, a.backdated.Load())
	}
	if got := feed(1010*ms, data(50, 500_000, true)); got != 500_000 || a.backdated.Load() != 1 {
		t.Errorf("a retransmission 0.5 s old became %d, counted %d", got, a.backdated.Load())
	}
	// Across the wrap: 2^32 - 5 ms, then 5 ms after it.
	feed(2000*ms, handshake)
	feed(2000*ms, data(1000, 1<<32-5_000, false))
	if got := feed(2010*ms, data(1001, 5_000, false)); got != 5_000 || a.backdated.Load() != 1 {
		t.Errorf("the wrap: timestamp became %d, counted %d", got, a.backdated.Load())
	}
	// A new connection starts its clock at 0 again.
	feed(3000*ms, handshake)
	if got := feed(3010*ms, data(7, 0, false)); got != 0 || a.backdated.Load() != 1 {
		t.Errorf("a new connection's first timestamp became %d, counted %d", got, a.backdated.Load())
	}
}

// TestBatchWriterKeepsDatagrams sends batches of datagrams of various
// sizes through batchWriter over loopback and checks that each arrives
// whole, as its own datagram and in order: runs of equal size go as one
// GSO message on Linux, split again by the receiving socket.
func TestBatchWriterKeepsDatagrams(t *testing.T) {
	run := func(n, size int) []int { return slices.Repeat([]int{size}, n) }
	tests := []struct {
		name  string
		sizes []int
		noGSO bool
		to    bool // from an unconnected socket to an address, as a caller's tap
	}{
		{"one datagram", []int{1332}, false, false},
		{"a run of data", run(12, 1332), false, false},
		{"a run and a short tail", append(run(5, 1332), 44), false, false},
		{"control between runs", slices.Concat(run(3, 1332), []int{44, 16}, run(4, 1332), []int{1000}), false, false},
		{"a longer datagram breaks the run", slices.Concat(run(3, 1000), []int{1332}, run(2, 1000)), false, false},
		{"a full batch", run(tapBatchSize, 1456), false, false},
		{"more than one GSO message holds", run(tapBatchSize, 1500), false, false},
		{"without GSO", slices.Concat(run(3, 1332), []int{44}, run(4, 1332)), true, false},
		{"to an address", slices.Concat(run(3, 1332), []int{44}, run(4, 1332)), false, true},
		{"to an address without GSO", slices.Concat(run(3, 1332), []int{44}, run(4, 1332)), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.sizes) > tapBatchSize {
				t.Skipf("%d datagrams, batches here hold %d", len(tt.sizes), tapBatchSize)
			}
			rx, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = rx.Close() }()
			var tx *net.UDPConn
			var to netip.AddrPort
			if tt.to {
				tx, err = net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
				to = rx.LocalAddr().(*net.UDPAddr).AddrPort()
			} else {
				tx, err = net.DialUDP("udp", nil, rx.LocalAddr().(*net.UDPAddr))
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = tx.Close() }()
			w, err := newBatchWriter(tx, to)
			if err != nil {
				t.Fatal(err)
			}
			forceNoGSO(w, tt.noGSO)
			b := newTapBatch()
			for i, size := range tt.sizes {
				for k := range size {
					b.bufs[i][k] = byte(i*7 + k)
				}
				b.size[i] = size
			}
			b.n = len(tt.sizes)
			if err := w.write(b, 0, b.n); err != nil {
				t.Fatalf("write: %v", err)
			}
			if !tt.noGSO && gsoRefused(w) {
				t.Logf("the kernel refused UDP GSO: sent one datagram per message")
			}
			buf := make([]byte, 65536)
			for i, size := range tt.sizes {
				if err := rx.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
					t.Fatal(err)
				}
				n, err := rx.Read(buf)
				if err != nil {
					t.Fatalf("datagram %d of %d: %v", i, len(tt.sizes), err)
				}
				if !bytes.Equal(buf[:n], b.bufs[i][:size]) {
					t.Fatalf("datagram %d: got %d bytes, want %d (%d bytes, in order)", i, n, i, size)
				}
			}
		})
	}
}

// TestJudge: the verdict on a delivered packet, late (libsrt had skipped
// it) or at risk (a retransmission within libsrt's unseen drift, 5 ms, of
// a later original's play time), from synthetic arrivals. Play times are
// seq ms + 100 ms, the packets 1 ms apart.
func TestJudge(t *testing.T) {
	const ms = int64(time.Millisecond)
	type copyAt struct {
		seq     uint32
		retrans bool
		atUs    int64
	}
	around5 := func(rexmitUs int64) []copyAt {
		return []copyAt{{4, false, 4000}, {6, false, 6000}, {7, false, 7000}, {5, true, rexmitUs}}
	}
	tests := []struct {
		name         string
		arrivals     []copyAt
		seq          uint32 // judged as the copy that arrived last
		late, atRisk bool
	}{
		{"an original in time", around5(50_000)[:3], 6, false, false},
		{"repaired long before the next packet is due", around5(60_000), 5, false, false},
		// 6 is due at 106 ms.
		{"repaired 8 ms before the next packet is due: the NAK phase moves a repair either way, not at risk", around5(98_000), 5, false, false},
		{"repaired 5.1 ms before", around5(100_900), 5, false, false},
		{"repaired 3 ms before: within libsrt's drift", around5(103_000), 5, false, true},
		{"repaired 0.1 ms before", around5(105_900), 5, false, true},
		{"repaired after the next packet was due", around5(106_500), 5, true, false},
		{
			// 5 and 6 lost and repaired by one NAK, 6 just after 5: only
			// 7, an original due at 107 ms, sets the deadline.
			"the next packet repaired with it sets no deadline",
			[]copyAt{{4, false, 4000}, {7, false, 7000}, {5, true, 101_000}, {6, true, 101_100}},
			5, false, false,
		},
		{
			// After a 300 ms outage the retransmissions come in order,
			// each long past its own play time, before anything later is
			// due: libsrt plays them late and drops none.
			"after an outage",
			func() []copyAt {
				c := []copyAt{{0, false, 0}, {320, false, 320_000}}
				for s := uint32(1); s < 320; s++ {
					c = append(c, copyAt{s, true, 360_000 + int64(s)*10})
				}
				return c
			}(),
			200, false, false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newArrivals()
			var at int64
			var retrans bool
			for _, c := range tt.arrivals {
				a.record(c.seq, c.seq*1000, c.retrans, c.atUs*1000+1) // +1: 0 means "not seen"
				if c.seq == tt.seq {
					at, retrans = c.atUs*1000+1, c.retrans
				}
			}
			late, atRisk := a.judge(tt.seq, tt.seq*1000, int64(tt.seq)*ms+100*ms, at, retrans)
			if late != tt.late || atRisk != tt.atRisk {
				t.Errorf("judge = late %v, at risk %v; want %v, %v", late, atRisk, tt.late, tt.atRisk)
			}
		})
	}
}

// TestTapListenerNamesThePublicPort: behind a listener's tap gosrt listens
// on a loopback port the kernel picks as it binds; every event still names
// the port the operator set and the caller's own address, and the stream
// flows through.
func TestTapListenerNamesThePublicPort(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	r, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Interval: 250 * time.Millisecond, ArrivalTap: true})
	public := fmt.Sprintf("127.0.0.1:%d", port)
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening on UDP "+public)
	startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	e := waitEvent(t, sub, EventConnected, 10*time.Second)
	if r.tap == nil {
		t.Fatal("the receiver runs without its tap")
	}
	r.tap.mu.Lock()
	inner := r.tap.inner
	var callers, upstreams []string
	for peer, u := range r.tap.peers {
		callers = append(callers, peer.String())
		upstreams = append(upstreams, u.conn.LocalAddr().String())
	}
	r.tap.mu.Unlock()
	if !inner.IsValid() || inner.Port() == uint16(port) {
		t.Errorf("gosrt listens at %v behind the public port %d", inner, port)
	}
	if len(callers) != 1 || e.Remote != callers[0] || strings.Contains(e.Detail, upstreams[0]) || strings.Contains(e.Detail, inner.String()) {
		t.Errorf("connected event %q (remote %q): want the caller %v, not the tap's side %v or gosrt's %v", e.Detail, e.Remote, callers, upstreams, inner)
	}
	waitSample(t, sub, 10*time.Second, "packets through the tap", func(s Sample) bool { return s.PktsRecv > 50 && s.RcvBufPkts > 0 })
}
