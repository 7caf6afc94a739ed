package impair

import (
	"context"
	"net"
	"testing"
	"time"
)

// BenchmarkRelay measures packets per second through the relay on loopback:
// a client sends 1316-byte datagrams (7 TS packets, a typical SRT payload)
// through the relay to a sink. The client keeps at most window packets in
// flight so socket buffers never overflow and every packet is counted.
//
//	go test -run '^$' -bench Relay -benchtime 200000x ./session/impair
func BenchmarkRelay(b *testing.B) {
	b.Run("no_relay", benchLoopback) // the same traffic client -> sink, for the ratio
	cases := []struct {
		name string
		im   Impairment
	}{
		{"plain", Impairment{}},
		{"loss3pct", Impairment{LossPct: 3}},
		{"delay1ms", Impairment{Delay: time.Millisecond}},
		{"delay20ms_jitter5ms", Impairment{Delay: 20 * time.Millisecond, Jitter: 5 * time.Millisecond}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			benchRelay(b, bc.im)
		})
	}
}

// benchLoopback is the baseline: what the same client and sink achieve
// over loopback without a relay between them.
func benchLoopback(b *testing.B) {
	const size, window = 1316, 256
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sink.Close() }()
	_ = sink.SetReadBuffer(socketBuffer)
	client, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	sinkDone := make(chan struct{})
	go func() {
		defer close(sinkDone)
		buf := make([]byte, maxDatagram)
		for {
			if _, _, err := sink.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
			credits <- struct{}{}
		}
	}()
	dest := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	payload := make([]byte, size)
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		select {
		case <-credits:
		default:
			select {
			case <-credits:
			case <-time.After(time.Second):
				b.Fatal("no credit for 1 s: a packet was lost on loopback")
			}
		}
		if _, err := client.WriteToUDPAddrPort(payload, dest); err != nil {
			b.Fatal(err)
		}
	}
	for range window { // every packet read by the sink
		select {
		case <-credits:
		case <-time.After(time.Second):
			b.Fatal("packets lost on loopback")
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "pkts/s")
	_ = sink.Close()
	<-sinkDone
}

func benchRelay(b *testing.B, im Impairment) {
	const size = 1316
	// In flight at most: must fit the sink's socket buffer (4 MiB at
	// ~2.3 KiB of kernel memory per datagram), or the kernel drops. It caps
	// the delayed cases at window/delay packets per second.
	window := 256
	if im.Delay > 0 {
		window = 1024
	}
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = sink.Close() }()
	_ = sink.SetReadBuffer(socketBuffer)
	client, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = client.Close() }()
	_ = client.SetWriteBuffer(socketBuffer)

	r, err := Listen(Config{Listen: "127.0.0.1:0", Upstream: sink.LocalAddr().String(), Forward: im, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- r.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runDone; err != nil {
			b.Error(err)
		}
	}()

	// Credits: one per packet the sink has read; packets the relay dropped
	// on purpose give their credit back through its counters.
	credits := make(chan struct{}, window)
	for range window {
		credits <- struct{}{}
	}
	sinkDone := make(chan struct{})
	go func() {
		defer close(sinkDone)
		buf := make([]byte, maxDatagram)
		for {
			if _, _, err := sink.ReadFromUDPAddrPort(buf); err != nil {
				return
			}
			select {
			case credits <- struct{}{}:
			default:
			}
		}
	}()

	dest := r.Addr()
	payload := make([]byte, size)
	var refunded uint64
	refund := func() { // credits of packets the relay dropped on purpose
		for d := r.Stats().Forward.Dropped(); refunded < d; refunded++ {
			select {
			case credits <- struct{}{}:
			default:
			}
		}
	}
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	// wait takes a credit; after a second without one (a packet lost in a
	// kernel buffer) it goes on without.
	wait := func() {
		for idle := 0; idle < 1000; idle++ {
			select {
			case <-credits:
				return
			case <-tick.C:
				refund()
			}
		}
		b.Log("no credit for 1 s: a packet was lost outside the relay")
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		if i%64 == 0 {
			refund()
		}
		select {
		case <-credits:
		default:
			wait()
		}
		if _, err := client.WriteToUDPAddrPort(payload, dest); err != nil {
			b.Fatal(err)
		}
	}
	// Until every packet has left the relay.
	for last, idle := uint64(0), 0; ; idle++ {
		settled := r.Stats().Forward.Settled()
		if settled >= uint64(b.N) {
			break
		}
		if settled != last {
			last, idle = settled, 0
		}
		if idle > 2000 {
			b.Fatalf("relay stuck at %d of %d packets: %+v", settled, b.N, r.Stats().Forward)
		}
		<-tick.C
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "pkts/s")
	st := r.Stats().Forward
	if st.Received != uint64(b.N) || st.DroppedQueueFull != 0 || st.WriteErrors != 0 {
		b.Errorf("relay counters %+v for %d packets sent", st, b.N)
	}
	_ = sink.Close()
	<-sinkDone
}
