package impair

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestRateLimitShaper offers packets at a steady rate to a rate-limited
// shaper on a simulated clock and checks the bottleneck: under the cap all
// pass at once; over it, what passes is the cap (within the bucket and
// queue), the rest is dropped, and no packet waits longer than the queue.
func TestRateLimitShaper(t *testing.T) {
	const size = 1332 // an SRT data packet with 7 TS packets
	tests := []struct {
		name        string
		capMbps     float64
		offerMbps   float64
		queueBytes  int
		wantDropped bool
	}{
		{name: "under the cap: nothing waits or drops", capMbps: 10, offerMbps: 8},
		{name: "at twice the cap: half is dropped", capMbps: 10, offerMbps: 20, wantDropped: true},
		{name: "slightly over the cap", capMbps: 10, offerMbps: 12, wantDropped: true},
		{name: "a tiny queue", capMbps: 4, offerMbps: 16, queueBytes: 3000, wantDropped: true},
		{name: "a high cap", capMbps: 200, offerMbps: 100},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im := Impairment{RateLimitMbps: tc.capMbps, RateQueueBytes: tc.queueBytes}
			if err := im.Validate(); err != nil {
				t.Fatal(err)
			}
			s := newShaper(im, 1, Forward)
			gap := float64(size+ipUDPOverhead) * 8 / (tc.offerMbps * 1e6) * 1e9 // ns between packets
			const span = 2 * time.Second
			n := int(float64(span) / gap)
			var passed, dropped int
			var lastOut int64
			maxWait := time.Duration(float64(im.rateQueueBytes()) * 8 / (tc.capMbps * 1e6) * 1e9)
			for i := range n {
				now := int64(float64(i) * gap)
				ev := s.decide(now, size, false, 0, false)
				switch ev.Verdict {
				case Forwarded:
					passed++
					if wait := time.Duration(int64(ev.SendAt) - now); wait < 0 || wait > maxWait {
						t.Fatalf("packet %d waits %v, allowed 0..%v", i, wait, maxWait)
					}
					if int64(ev.SendAt) < lastOut {
						t.Fatalf("packet %d leaves before the one ahead of it", i)
					}
					lastOut = int64(ev.SendAt)
				case DroppedRateLimit:
					dropped++
				default:
					t.Fatalf("packet %d: verdict %v", i, ev.Verdict)
				}
			}
			if (dropped > 0) != tc.wantDropped {
				t.Fatalf("dropped %d of %d, want drops: %v", dropped, n, tc.wantDropped)
			}
			// What passed leaves within span plus the queue; its rate is
			// the smaller of offer and cap, give or take the bucket and
			// the queue.
			gotMbps := float64(passed*(size+ipUDPOverhead)) * 8 / float64(lastOut+int64(gap)) * 1e3
			want := min(tc.offerMbps, tc.capMbps)
			if gotMbps < want*0.97 || gotMbps > want*1.03 {
				t.Fatalf("passed %.2f Mbit/s (%d of %d packets), want %.2f ± 3%%", gotMbps, passed, n, want)
			}
		})
	}
}

func TestRateLimitValidate(t *testing.T) {
	for _, im := range []Impairment{{RateLimitMbps: -1}, {RateLimitMbps: MaxRateMbps + 1}, {RateLimitMbps: 5, RateQueueBytes: -1}} {
		if err := im.Validate(); err == nil {
			t.Errorf("%+v: no error", im)
		}
	}
	if s := (Impairment{RateLimitMbps: 10}).String(); s != "rate limit 10 Mbit/s (queue 64 KiB)" {
		t.Errorf("String() = %q", s)
	}
}

// TestRelayRateLimitOverSockets sends a burst of datagrams through a real
// relay capped at 8 Mbit/s and checks the relay's own counters: what it
// did not forward it counted as over the rate limit, and every packet is
// accounted for.
func TestRelayRateLimitOverSockets(t *testing.T) {
	sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sink.Close() }()
	r, err := Listen(Config{Listen: "127.0.0.1:0", Upstream: sink.LocalAddr().String(),
		Forward: Impairment{RateLimitMbps: 8, RateQueueBytes: 16 << 10}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(r.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close() }()
	// 400 packets of 1332 bytes back to back: far more than a 16 KiB queue
	// at 8 Mbit/s can take in the time it takes to send them.
	pkt := make([]byte, 1332)
	const sent = 400
	for range sent {
		if _, err := c.Write(pkt); err != nil {
			t.Fatal(err)
		}
	}
	// Drain the sink until the relay has settled every packet it read and
	// read no more for a while (the kernel may have lost a few before the
	// relay read them).
	buf := make([]byte, 2048)
	var last uint64
	for {
		st := r.Stats().Forward
		if st.Received > 0 && st.Received == last && st.Settled() == st.Received && st.Queued == 0 {
			break
		}
		last = st.Received
		_ = sink.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		for {
			if _, _, err := sink.ReadFromUDP(buf); err != nil {
				break
			}
		}
	}
	elapsed := r.Stats().Elapsed
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st := r.Stats().Forward
	if st.DroppedRateLimit == 0 || st.Forwarded == 0 {
		t.Fatalf("forwarded %d, dropped over the rate %d: want both", st.Forwarded, st.DroppedRateLimit)
	}
	if st.Forwarded+st.DroppedRateLimit+st.WriteErrors+st.Discarded != st.Received {
		t.Fatalf("counters do not add up: %+v", st)
	}
	// No more than the cap over the relay's whole life, plus what the
	// bucket and the queue let through at once.
	allowed := 8e6/8*elapsed.Seconds() + 16<<10 + DefaultRateBurstBytes
	if got := float64(st.ForwardedBytes + st.Forwarded*ipUDPOverhead); got > allowed {
		t.Fatalf("forwarded %.0f bytes in %v: the 8 Mbit/s cap allows %.0f", got, elapsed, allowed)
	}
}
