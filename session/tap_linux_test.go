//go:build linux

package session

import (
	"net"
	"testing"
	"time"
)

// forceNoGSO makes w send one datagram per message, as after the kernel
// refused GSO.
func forceNoGSO(w *batchWriter, no bool) { w.noGSO = w.noGSO || no }

// gsoRefused reports whether the kernel refused w's GSO messages.
func gsoRefused(w *batchWriter) bool { return w.noGSO }

// TestTapForwardAllocatesNothing: reading a batch with recvmmsg and
// passing it on with sendmmsg allocates nothing per batch, whatever the
// batch holds (the tap forwards about a thousand batches a second at
// 50 Mbit/s).
func TestTapForwardAllocatesNothing(t *testing.T) {
	tests := []struct {
		name  string
		sizes []int
	}{
		{"one datagram", []int{1332}},
		{"a burst of data", []int{1332, 1332, 1332, 1332, 1332}},
		{"data and control", []int{1332, 1332, 44, 16, 1332}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pub, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = pub.Close() }()
			sink, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = sink.Close() }()
			peer, err := net.DialUDP("udp", nil, pub.LocalAddr().(*net.UDPAddr))
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = peer.Close() }()
			b := newTapBatch()
			rd, err := newBatchReader(pub, b)
			if err != nil {
				t.Fatal(err)
			}
			w, err := newBatchWriter(pub, sink.LocalAddr().(*net.UDPAddr).AddrPort())
			if err != nil {
				t.Fatal(err)
			}
			rec := newArrivals()
			buf := make([]byte, 1500)
			pkt := make([]byte, 1500)
			seq := uint32(0)
			forward := func() {
				for _, size := range tt.sizes {
					binsetData(pkt, seq)
					seq++
					if _, err := peer.Write(pkt[:size]); err != nil {
						t.Fatal(err)
					}
				}
				// Every datagram queued before the read: the read takes
				// them, whatever arrived, and never waits in the poller.
				for got := 0; got < len(tt.sizes); got += b.n {
					if err := rd.read(b); err != nil {
						t.Fatal(err)
					}
					rec.recordBatch(b)
					if err := w.write(b, 0, b.n); err != nil {
						t.Fatal(err)
					}
				}
				for range tt.sizes {
					if err := sink.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
						t.Fatal(err)
					}
					if _, err := sink.Read(buf); err != nil {
						t.Fatal(err)
					}
				}
			}
			forward() // warm up: first calls may set things up
			if n := testing.AllocsPerRun(50, forward); n != 0 {
				t.Errorf("%.1f allocations per batch forwarded, want 0", n)
			}
		})
	}
}

// binsetData makes b an SRT data packet header with sequence number seq.
func binsetData(b []byte, seq uint32) {
	clear(b[:16])
	b[0], b[1], b[2], b[3] = byte(seq>>24)&0x7f, byte(seq>>16), byte(seq>>8), byte(seq)
}
