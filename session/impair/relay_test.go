package impair

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"net"
	"net/netip"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"
)

// waitTimeout bounds every wait in these tests; nothing should take long on
// loopback, but -race on a busy 2-core machine is slow.
const waitTimeout = 10 * time.Second

// base is the zero of the send timestamps carried in test payloads.
var base = time.Now()

// arrival is one test packet as a peer received it.
type arrival struct {
	seq  uint64
	sent time.Duration // since base, from the payload
	at   time.Duration // since base, when read
	from netip.AddrPort
	size int
}

// peer is a UDP socket on 127.0.0.1 that records what it receives and can
// echo it back.
type peer struct {
	conn *net.UDPConn
	echo bool
	mu   sync.Mutex
	got  []arrival
	bad  int // payloads that did not match what was sent
	done chan struct{}
}

func newPeer(t testing.TB, echo bool) *peer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	_ = conn.SetReadBuffer(socketBuffer)
	p := &peer{conn: conn, echo: echo, done: make(chan struct{})}
	go p.read()
	t.Cleanup(func() {
		_ = conn.Close()
		<-p.done
	})
	return p
}

func (p *peer) addr() netip.AddrPort { return p.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (p *peer) read() {
	defer close(p.done)
	buf := make([]byte, maxDatagram)
	for {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return // closed by the test's cleanup
		}
		at := time.Since(base)
		a := arrival{at: at, from: from, size: n}
		ok := n >= 16
		if ok {
			a.seq = binary.BigEndian.Uint64(buf)
			a.sent = time.Duration(binary.BigEndian.Uint64(buf[8:]))
			for i := 16; i < n; i++ {
				if buf[i] != byte(a.seq+uint64(i)) {
					ok = false
					break
				}
			}
		}
		p.mu.Lock()
		p.got = append(p.got, a)
		if !ok {
			p.bad++
		}
		p.mu.Unlock()
		if p.echo {
			_, _ = p.conn.WriteToUDPAddrPort(buf[:n], from)
		}
	}
}

func (p *peer) arrivals() ([]arrival, int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.got), p.bad
}

func (p *peer) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.got)
}

// send sends packet seq of size bytes (at least 16) to dest.
func (p *peer) send(t testing.TB, dest netip.AddrPort, seq uint64, size int) {
	t.Helper()
	b := make([]byte, max(size, 16))
	binary.BigEndian.PutUint64(b, seq)
	binary.BigEndian.PutUint64(b[8:], uint64(time.Since(base)))
	for i := 16; i < len(b); i++ {
		b[i] = byte(seq + uint64(i))
	}
	if _, err := p.conn.WriteToUDPAddrPort(b, dest); err != nil {
		t.Fatalf("send %d: %v", seq, err)
	}
}

// harness is a relay between a client peer and an upstream peer, with every
// trace event recorded.
type harness struct {
	r        *Relay
	client   *peer
	upstream *peer
	mu       sync.Mutex
	events   []TraceEvent
	stop     func() error
}

func startRelay(t testing.TB, cfg Config, echo bool) *harness {
	t.Helper()
	h := &harness{upstream: newPeer(t, echo), client: newPeer(t, false)}
	cfg.Listen = "127.0.0.1:0"
	cfg.Upstream = h.upstream.addr().String()
	cfg.Trace = func(ev TraceEvent) {
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
	}
	r, err := Listen(cfg)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	h.r = r
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	var runErr error
	h.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(waitTimeout):
				runErr = errors.New("Run did not return after cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return h
}

func (h *harness) trace(dir Direction) []TraceEvent {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []TraceEvent
	for _, ev := range h.events {
		if ev.Dir == dir {
			out = append(out, ev)
		}
	}
	return out
}

// waitUntil polls cond until it holds, failing the test after waitTimeout.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(waitTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline.C:
			t.Fatalf("timed out after %v waiting for %s", waitTimeout, what)
		}
	}
}

// sendPaced sends packets first..last from the client through the relay,
// waiting after each window until the relay has read them all, so that no
// socket buffer overflows and the kernel drops nothing on its own.
func (h *harness) sendPaced(t testing.TB, first, last uint64, size int) {
	t.Helper()
	const window = 64
	start := h.r.Stats().Forward.Received
	for seq := first; seq <= last; seq++ {
		h.client.send(t, h.r.Addr(), seq, size)
		if sent := seq - first + 1; sent%window == 0 || seq == last {
			waitUntil(t, "the relay to read what was sent", func() bool {
				return h.r.Stats().Forward.Received >= start+sent
			})
		}
	}
}

// waitSettled waits until every packet the relay read in dir has been
// forwarded or dropped, and the receiving peer has all the forwarded ones.
func (h *harness) waitSettled(t testing.TB, dir Direction, received uint64, to *peer) {
	t.Helper()
	waitUntil(t, dir.String()+" packets to settle", func() bool {
		st := h.r.Stats()
		d := st.Forward
		if dir == Reverse {
			d = st.Reverse
		}
		return d.Received >= received && d.Settled() == d.Received && uint64(to.count()) == d.Forwarded
	})
}

func seqsWith(evs []TraceEvent, v Verdict) []uint64 {
	var out []uint64
	for _, ev := range evs {
		if ev.Verdict == v {
			out = append(out, ev.Seq)
		}
	}
	return out
}

// TestSeededLoss checks random and burst loss through real sockets: the
// share dropped is within statistical tolerance of what was asked, and what
// the upstream peer misses is exactly what the relay says it dropped.
func TestSeededLoss(t *testing.T) {
	const n = 10000
	tests := []struct {
		name   string
		loss   float64
		burst  int
		seed   int64
		want   float64 // expected share of packets lost
		tolPct float64 // tolerance, percent of n
	}{
		{"none", 0, 1, 1, 0, 0},
		{"all", 100, 1, 1, 1, 0},
		// 3% of 10000: sd = sqrt(10000*0.03*0.97) = 17 packets; allow 4 sd.
		{"3pct seed 1", 3, 1, 1, 0.03, 0.68},
		{"3pct seed 99", 3, 1, 99, 0.03, 0.68},
		// Bursts of 5 starting with p = 2%: 5p/(1+4p) = 9.26%; events
		// ~185 (sd 13.6, x5 packets), allow 4 sd.
		{"2pct burst 5", 2, 5, 7, 0.1 / 1.08, 2.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startRelay(t, Config{Seed: tt.seed, Forward: Impairment{LossPct: tt.loss, Burst: tt.burst}}, false)
			h.sendPaced(t, 1, n, 64)
			h.waitSettled(t, Forward, n, h.upstream)
			st := h.r.Stats().Forward

			lost := float64(st.DroppedLoss)
			if d := math.Abs(lost - tt.want*n); d > tt.tolPct/100*n {
				t.Errorf("dropped %v of %d (%.2f%%), want %.2f%% ± %.2f%%", lost, n, 100*lost/n, 100*tt.want, tt.tolPct)
			}
			if st.Received != n || st.Forwarded+st.DroppedLoss != n || st.Dropped() != st.DroppedLoss {
				t.Errorf("counters do not add up: %+v", st)
			}

			got, bad := h.upstream.arrivals()
			if bad > 0 {
				t.Errorf("%d packets arrived damaged", bad)
			}
			arrived := make(map[uint64]bool, len(got))
			for _, a := range got {
				arrived[a.seq] = true
			}
			// Trace Seq counts reads, and on loopback the n-th read is the
			// n-th packet sent, so the trace names the missing packets.
			dropped := seqsWith(h.trace(Forward), DroppedLoss)
			for _, s := range dropped {
				if arrived[s] {
					t.Fatalf("packet %d reported dropped but arrived", s)
				}
			}
			if len(arrived)+len(dropped) != n {
				t.Errorf("arrived %d + dropped %d != sent %d", len(arrived), len(dropped), n)
			}

			if tt.burst > 1 {
				// Every run of consecutive drops is a whole number of bursts
				// (adjacent bursts merge), except one cut short at the end.
				run := 0
				for i, s := range dropped {
					run++
					if i == len(dropped)-1 || dropped[i+1] != s+1 {
						if run%tt.burst != 0 && s != n {
							t.Fatalf("run of %d drops ending at %d, want a multiple of %d", run, s, tt.burst)
						}
						run = 0
					}
				}
				if st.LossEvents == 0 || st.DroppedLoss > st.LossEvents*uint64(tt.burst) {
					t.Errorf("loss events %d for %d drops with burst %d", st.LossEvents, st.DroppedLoss, tt.burst)
				}
			}
		})
	}
}

// TestSeedRepeatable checks that the same seed drops exactly the same
// packets in two runs, and another seed does not.
func TestSeedRepeatable(t *testing.T) {
	const n = 3000
	run := func(seed int64) []uint64 {
		h := startRelay(t, Config{Seed: seed, Forward: Impairment{LossPct: 3, Burst: 2}}, false)
		h.sendPaced(t, 1, n, 32)
		h.waitSettled(t, Forward, n, h.upstream)
		if err := h.stop(); err != nil {
			t.Fatalf("Run: %v", err)
		}
		got, _ := h.upstream.arrivals()
		var missing []uint64
		seen := make(map[uint64]bool, len(got))
		for _, a := range got {
			seen[a.seq] = true
		}
		for s := uint64(1); s <= n; s++ {
			if !seen[s] {
				missing = append(missing, s)
			}
		}
		return missing
	}
	a, b, c := run(42), run(42), run(43)
	if len(a) == 0 {
		t.Fatal("seed 42 dropped nothing")
	}
	if !slices.Equal(a, b) {
		t.Errorf("seed 42 dropped different packets in two runs:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 dropped the same packets")
	}
}

// TestLossPatternIgnoresOtherSettings checks the n-th packet's loss verdict
// depends only on seed and n: delay, jitter and outages do not move it.
func TestLossPatternIgnoresOtherSettings(t *testing.T) {
	pattern := func(im Impairment) []Verdict {
		s := newShaper(im, 5, Forward)
		out := make([]Verdict, 5000)
		for i := range out {
			out[i] = s.decide(int64(i)*int64(time.Millisecond), 0, false, 0, false).Verdict
		}
		return out
	}
	plain := pattern(Impairment{LossPct: 5, Burst: 3})
	for _, im := range []Impairment{
		{LossPct: 5, Burst: 3, Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond},
		{LossPct: 5, Burst: 3, Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond, Reorder: true},
		{LossPct: 5, Burst: 3, OutageEvery: 100 * time.Millisecond, OutageFor: 30 * time.Millisecond},
	} {
		got := pattern(im)
		outages := 0
		for i := range got {
			if got[i] == DroppedOutage {
				outages++ // an outage hides the loss verdict, it does not shift it
				continue
			}
			if got[i] != plain[i] {
				t.Fatalf("%v: packet %d %v, without it %v", im, i+1, got[i], plain[i])
			}
		}
		if im.OutageEvery > 0 && outages == 0 {
			t.Errorf("%v: no outage drops", im)
		}
	}
	// Directions draw from different streams.
	a, b := newShaper(Impairment{LossPct: 50}, 5, Forward), newShaper(Impairment{LossPct: 50}, 5, Reverse)
	same := 0
	for i := range 200 {
		if (a.decide(int64(i), 0, false, 0, false).Verdict == DroppedLoss) == (b.decide(int64(i), 0, false, 0, false).Verdict == DroppedLoss) {
			same++
		}
	}
	if same > 150 {
		t.Errorf("forward and reverse agree on %d of 200 drops: same random stream?", same)
	}
}

// TestDelay measures the delay and jitter a peer sees.
func TestDelay(t *testing.T) {
	const n = 200
	tests := []struct {
		name    string
		im      Impairment
		inOrder bool
	}{
		{"fixed 30ms", Impairment{Delay: 30 * time.Millisecond}, true},
		{"20ms ±10ms in order", Impairment{Delay: 20 * time.Millisecond, Jitter: 10 * time.Millisecond}, true},
		{"20ms ±15ms reordering", Impairment{Delay: 20 * time.Millisecond, Jitter: 15 * time.Millisecond, Reorder: true}, false},
		{"jitter only, 5ms", Impairment{Jitter: 5 * time.Millisecond}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := startRelay(t, Config{Seed: 3, Forward: tt.im}, false)
			h.sendPaced(t, 1, n, 200)
			h.waitSettled(t, Forward, n, h.upstream)
			got, bad := h.upstream.arrivals()
			if len(got) != n || bad != 0 {
				t.Fatalf("got %d packets (%d damaged), want %d intact", len(got), bad, n)
			}
			lo := tt.im.Delay - tt.im.Jitter
			delays := make([]time.Duration, n)
			inversions := 0
			for i, a := range got {
				delays[i] = a.at - a.sent
				// The relay reads a packet after it was sent and holds it at
				// least lo, so no packet can be early.
				if delays[i] < lo {
					t.Errorf("packet %d took %v, less than the minimum %v", a.seq, delays[i], lo)
				}
				if i > 0 && a.seq < got[i-1].seq {
					inversions++
				}
			}
			sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
			median := delays[n/2]
			// Only a sanity bound: on a loaded machine the scheduler adds tens
			// of ms. The relay's own schedule is checked exactly below.
			if hi := tt.im.Delay + tt.im.Jitter + 500*time.Millisecond; median > hi {
				t.Errorf("median delay %v, want at most %v", median, hi)
			}
			t.Logf("delay min %v median %v max %v, %d inversions", delays[0], median, delays[n-1], inversions)
			if tt.inOrder && inversions > 0 {
				t.Errorf("%d packets out of order; order must be kept without Reorder", inversions)
			}
			if !tt.inOrder && inversions == 0 {
				t.Errorf("no packet reordered with jitter %v and Reorder", tt.im.Jitter)
			}
			// The relay's own schedule stays within Delay ± Jitter when it
			// may reorder; without reordering a packet may wait longer for
			// the one before it, never less.
			for _, ev := range h.trace(Forward) {
				held := ev.SendAt - ev.At
				if held < 0 || held < lo || (tt.im.Reorder && held > tt.im.Delay+tt.im.Jitter) {
					t.Fatalf("packet %d scheduled %v after arrival, want %v..%v", ev.Seq, held, lo, tt.im.Delay+tt.im.Jitter)
				}
			}
		})
	}
}

// TestOutage sends a steady stream across several periodic outages: every
// packet read inside a window is dropped, every other one arrives.
func TestOutage(t *testing.T) {
	im := Impairment{OutageEvery: 120 * time.Millisecond, OutageFor: 40 * time.Millisecond}
	h := startRelay(t, Config{Forward: im}, false)
	// Pace the stream with a ticker for a bit more than three periods.
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	var seq uint64
	for h.r.Stats().Elapsed < 4*im.OutageEvery {
		<-tick.C
		seq++
		h.client.send(t, h.r.Addr(), seq, 100)
	}
	h.waitSettled(t, Forward, seq, h.upstream)

	st := h.r.Stats().Forward
	if st.OutageWindows < 3 {
		t.Errorf("outage windows %d, want >= 3", st.OutageWindows)
	}
	evs := h.trace(Forward)
	inWindow := 0
	for _, ev := range evs {
		want := Forwarded
		if ev.At >= im.OutageEvery && ev.At%im.OutageEvery < im.OutageFor {
			want = DroppedOutage
			inWindow++
		}
		if ev.Verdict != want {
			t.Fatalf("packet %d read at %v: %v, want %v", ev.Seq, ev.At, ev.Verdict, want)
		}
	}
	if inWindow == 0 || uint64(inWindow) != st.DroppedOutage {
		t.Errorf("%d packets read in outage windows, %d counted dropped", inWindow, st.DroppedOutage)
	}
	got, _ := h.upstream.arrivals()
	arrived := make(map[uint64]bool)
	for _, a := range got {
		arrived[a.seq] = true
	}
	for _, s := range seqsWith(evs, DroppedOutage) {
		if arrived[s] {
			t.Fatalf("packet %d arrived although dropped in an outage", s)
		}
	}
	if uint64(len(got)) != st.Forwarded || st.Forwarded+st.DroppedOutage != seq {
		t.Errorf("sent %d, arrived %d, counters %+v", seq, len(got), st)
	}
}

// TestBothDirections is the SRT pattern: a caller talks to the relay, the
// relay to a listener, and the listener's replies reach the caller seen
// last. Only the reverse direction is impaired here.
func TestBothDirections(t *testing.T) {
	const n = 500
	h := startRelay(t, Config{Seed: 11, Reverse: Impairment{LossPct: 10}}, true)
	h.sendPaced(t, 1, n, 1316)
	h.waitSettled(t, Forward, n, h.upstream)
	h.waitSettled(t, Reverse, n, h.client)

	st := h.r.Stats()
	if st.Forward.Forwarded != n || st.Forward.Dropped() != 0 {
		t.Errorf("forward: %+v, want all %d forwarded", st.Forward, n)
	}
	if st.Reverse.Received != n || st.Reverse.DroppedLoss == 0 || st.Reverse.Forwarded+st.Reverse.DroppedLoss != n {
		t.Errorf("reverse: %+v, want %d read, some lost", st.Reverse, n)
	}
	if st.Client != h.client.addr() {
		t.Errorf("client %v, want %v", st.Client, h.client.addr())
	}
	got, bad := h.client.arrivals()
	if bad != 0 || uint64(len(got)) != st.Reverse.Forwarded {
		t.Errorf("client got %d replies (%d damaged), relay forwarded %d", len(got), bad, st.Reverse.Forwarded)
	}
	for _, a := range got {
		if a.from != h.r.Addr() {
			t.Fatalf("reply from %v, want the relay %v", a.from, h.r.Addr())
		}
	}

	// A second caller (a reconnect from a new port) takes the replies over.
	second := newPeer(t, false)
	for seq := uint64(n + 1); seq <= n+20; seq++ {
		second.send(t, h.r.Addr(), seq, 100)
	}
	h.waitSettled(t, Forward, n+20, h.upstream)
	waitUntil(t, "replies to the second client to settle", func() bool {
		r := h.r.Stats().Reverse
		return r.Received >= n+20 && r.Settled() == r.Received && uint64(second.count()+h.client.count()) == r.Forwarded
	})
	if st := h.r.Stats(); st.Client != second.addr() || second.count() == 0 {
		t.Errorf("client %v after the second caller (it got %d replies), want %v", st.Client, second.count(), second.addr())
	}
	if h.client.count() != len(got) {
		t.Errorf("the first client still got replies after the second took over")
	}
}

// TestCut checks a manual cut drops both directions until it is lifted.
func TestCut(t *testing.T) {
	h := startRelay(t, Config{}, true)
	h.r.Cut(time.Hour)
	h.sendPaced(t, 1, 50, 64)
	h.waitSettled(t, Forward, 50, h.upstream)
	if st := h.r.Stats().Forward; st.DroppedOutage != 50 || h.upstream.count() != 0 {
		t.Fatalf("during the cut: %+v, upstream got %d", st, h.upstream.count())
	}
	h.r.Cut(0)
	h.sendPaced(t, 51, 100, 64)
	h.waitSettled(t, Forward, 100, h.upstream)
	h.waitSettled(t, Reverse, 50, h.client)
	if st := h.r.Stats(); st.Forward.Forwarded != 50 || st.Reverse.Forwarded != 50 || h.client.count() != 50 {
		t.Fatalf("after the cut: %+v, client got %d", st, h.client.count())
	}
}

// TestStopDiscardsQueued checks Run returns promptly on cancel with packets
// still delayed, counts them, and frees the listen port.
func TestStopDiscardsQueued(t *testing.T) {
	h := startRelay(t, Config{QueueLimit: 10, Forward: Impairment{Delay: MaxDelay}}, false)
	h.sendPaced(t, 1, 15, 64)
	waitUntil(t, "10 packets queued", func() bool { return h.r.Stats().Forward.Queued == 10 })
	stopped := time.Now()
	if err := h.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if took := time.Since(stopped); took > MaxDelay/2 {
		t.Errorf("Run took %v to return after cancel", took)
	}
	st := h.r.Stats().Forward
	if st.Discarded != 10 || st.DroppedQueueFull != 5 || st.Forwarded != 0 || h.upstream.count() != 0 {
		t.Errorf("after stop: %+v, upstream got %d", st, h.upstream.count())
	}
	if err := h.r.Run(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("second Run: %v, want ErrClosed", err)
	}
	// The port is free again.
	c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(h.r.Addr()))
	if err != nil {
		t.Fatalf("listen port still held after stop: %v", err)
	}
	_ = c.Close()
}

// TestLargeDatagram sends datagrams bigger than the pooled buffers through
// the delay queue and straight through.
func TestLargeDatagram(t *testing.T) {
	for _, im := range []Impairment{{}, {Delay: time.Millisecond}} {
		h := startRelay(t, Config{Forward: im}, false)
		h.sendPaced(t, 1, 5, 9000)
		h.waitSettled(t, Forward, 5, h.upstream)
		got, bad := h.upstream.arrivals()
		if len(got) != 5 || bad != 0 || got[0].size != 9000 {
			t.Errorf("%v: got %d packets, %d damaged", im, len(got), bad)
		}
	}
}

func TestListenErrors(t *testing.T) {
	taken, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = taken.Close() }()
	_, err = Listen(Config{Listen: taken.LocalAddr().String(), Upstream: "127.0.0.1:9"})
	if !errors.Is(err, ErrPortInUse) {
		t.Errorf("listen on a taken port: %v, want ErrPortInUse", err)
	}
	r, err := Listen(Config{Listen: "127.0.0.1:0", Upstream: "0.0.0.0:9000"})
	if err == nil {
		_ = r.Close()
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "to" {
		t.Errorf("upstream 0.0.0.0: %v, want a ConfigError for to", err)
	}
	// Close without Run releases the sockets.
	r, err = Listen(Config{Listen: "127.0.0.1:0", Upstream: "127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.Close()
	if err := r.Run(context.Background()); !errors.Is(err, ErrClosed) {
		t.Errorf("Run after Close: %v, want ErrClosed", err)
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Listen: "127.0.0.1:0", Upstream: "127.0.0.1:9000"}
	tests := []struct {
		name  string
		im    Impairment
		field string // "" = valid
	}{
		{"zero", Impairment{}, ""},
		{"everything", Impairment{LossPct: 100, Burst: MaxBurst, Delay: MaxDelay, Jitter: MaxJitter, OutageEvery: time.Minute, OutageFor: time.Second}, ""},
		{"loss negative", Impairment{LossPct: -1}, "loss"},
		{"loss over 100", Impairment{LossPct: 100.5}, "loss"},
		{"loss NaN", Impairment{LossPct: math.NaN()}, "loss"},
		{"burst negative", Impairment{Burst: -1}, "burst"},
		{"burst too big", Impairment{Burst: MaxBurst + 1}, "burst"},
		{"delay negative", Impairment{Delay: -time.Millisecond}, "delay"},
		{"delay too long", Impairment{Delay: MaxDelay + 1}, "delay"},
		{"jitter negative", Impairment{Jitter: -1}, "jitter"},
		{"outage-for alone", Impairment{OutageFor: time.Second}, "outage-every"},
		{"outage-every alone", Impairment{OutageEvery: time.Second}, "outage-for"},
		{"outage longer than period", Impairment{OutageEvery: time.Second, OutageFor: time.Second}, "outage-for"},
		{"outage period too short", Impairment{OutageEvery: time.Millisecond, OutageFor: time.Microsecond}, "outage-every"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, dir := range []Direction{Forward, Reverse} {
				cfg := ok
				if dir == Forward {
					cfg.Forward = tt.im
				} else {
					cfg.Reverse = tt.im
				}
				err := cfg.Validate()
				if tt.field == "" {
					if err != nil {
						t.Fatalf("%v: %v", dir, err)
					}
					continue
				}
				var ce *ConfigError
				if !errors.As(err, &ce) || ce.Field != tt.field || ce.Direction != dir.String() || !errors.Is(err, ErrConfig) {
					t.Fatalf("%v: error %v, want a ConfigError for %s", dir, err, tt.field)
				}
				if msg := err.Error(); len(msg) < 8 || msg[:8] != "impair: " || ce.Allowed == "" {
					t.Errorf("message %q: want the impair: prefix and the allowed range", msg)
				}
			}
		})
	}
	for _, cfg := range []Config{{Upstream: "127.0.0.1:1"}, {Listen: ":0"}, {Listen: ":0", Upstream: "127.0.0.1:1", QueueLimit: -1}} {
		if err := cfg.Validate(); !errors.Is(err, ErrConfig) {
			t.Errorf("%+v: %v, want a configuration error", cfg, err)
		}
	}
}

func TestImpairmentString(t *testing.T) {
	tests := []struct {
		im   Impairment
		want string
	}{
		{Impairment{}, "no impairment"},
		{Impairment{LossPct: 3}, "loss 3% burst 1"},
		{Impairment{LossPct: 0.5, Burst: 4, Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond, Reorder: true}, "loss 0.5% burst 4, delay 20ms ±5ms (reordering)"},
		{Impairment{OutageEvery: 10 * time.Second, OutageFor: time.Second}, "outage 1s every 10s"},
	}
	for _, tt := range tests {
		if got := tt.im.String(); got != tt.want {
			t.Errorf("%#v: %q, want %q", tt.im, got, tt.want)
		}
	}
}

// TestJitterCurve checks the in-order jitter on the relay's schedule alone:
// over a steady 1 ms packet stream the delay covers most of Delay ± Jitter,
// averages Delay, and no packet is due before the one read ahead of it,
// without the order clamp having to pile packets up.
func TestJitterCurve(t *testing.T) {
	tests := []struct {
		name          string
		delay, jitter time.Duration
		gap           time.Duration // between packets
	}{
		{"20ms ±10ms at 1000 pkt/s", 20 * time.Millisecond, 10 * time.Millisecond, time.Millisecond},
		{"100ms ±50ms at 10000 pkt/s", 100 * time.Millisecond, 50 * time.Millisecond, 100 * time.Microsecond},
		{"5ms ±1ms at 1000 pkt/s", 5 * time.Millisecond, time.Millisecond, time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newShaper(Impairment{Delay: tt.delay, Jitter: tt.jitter}, 9, Forward)
			lo, hi := tt.delay+tt.jitter, tt.delay-tt.jitter
			var sum time.Duration
			var last time.Duration
			const n = 200000
			for i := range n {
				now := time.Second + time.Duration(i)*tt.gap
				ev := s.decide(int64(now), 0, false, 0, false)
				d := ev.SendAt - ev.At
				if raw := time.Duration(s.delayAt(int64(now))); raw != d {
					t.Fatalf("packet %d: due %v after arrival but curve says %v: the order clamp fired", i, d, raw)
				}
				if d < tt.delay-tt.jitter || d > tt.delay+tt.jitter {
					t.Fatalf("packet %d delayed %v, outside %v ± %v", i, d, tt.delay, tt.jitter)
				}
				if ev.SendAt < last {
					t.Fatalf("packet %d due before the one ahead of it", i)
				}
				last = ev.SendAt
				lo, hi = min(lo, d), max(hi, d)
				sum += d
			}
			mean := sum / n
			if lo > tt.delay-tt.jitter*3/4 || hi < tt.delay+tt.jitter*3/4 {
				t.Errorf("delay spans %v..%v, want most of %v ± %v", lo, hi, tt.delay, tt.jitter)
			}
			if diff := mean - tt.delay; diff > tt.jitter/4 || diff < -tt.jitter/4 {
				t.Errorf("mean delay %v, want %v ± %v", mean, tt.delay, tt.jitter/4)
			}
		})
	}
}

// TestDelayHeap checks the queue hands packets out by due time, ties in
// read order, whatever order they were pushed in.
func TestDelayHeap(t *testing.T) {
	var h delayHeap
	ats := []int64{50, 10, 30, 10, 70, 0, 30, 30, 20, 60, 10, 40}
	for i, at := range ats {
		h.push(delayed{at: at, seq: uint64(i + 1)})
	}
	var prev delayed
	for i := range ats {
		p := h.pop()
		if i > 0 && (p.at < prev.at || p.at == prev.at && p.seq < prev.seq) {
			t.Fatalf("popped (%d,%d) after (%d,%d)", p.at, p.seq, prev.at, prev.seq)
		}
		prev = p
	}
	if len(h) != 0 {
		t.Fatalf("%d left", len(h))
	}
}
