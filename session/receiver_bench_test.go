//go:build unix

package session

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	srt "github.com/datarhei/gosrt"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// cbrClips caches the constant-bitrate TS files made for the benchmarks.
var cbrClips sync.Map // Mbit/s -> path

// cbrClip returns a 10 s 1280x720 TS muxed at exactly mbps Mbit/s, made
// with ffmpeg into the test binary's temporary directory.
func cbrClip(b *testing.B, mbps int) string {
	b.Helper()
	if p, ok := cbrClips.Load(mbps); ok {
		return p.(string)
	}
	clipTS(b) // creates testClipDir, removed by TestMain
	path := filepath.Join(testClipDir, fmt.Sprintf("cbr%d.ts", mbps))
	video := fmt.Sprintf("%dk", mbps*850) // video at 85% of the mux rate, null packets fill the rest
	cmd := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", "10",
		"-c:v", "libx264", "-preset", "ultrafast", "-b:v", video, "-maxrate", video, "-bufsize", fmt.Sprintf("%dM", mbps),
		"-muxrate", fmt.Sprintf("%dM", mbps), "-f", "mpegts", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("ffmpeg: %v: %s", err, out)
	}
	cbrClips.Store(mbps, path)
	return path
}

// discardSink takes every payload, as a fast probe would.
type discardSink struct{}

func (discardSink) Write(p []byte) (int, error) { return len(p), nil }

// cpuTime is the user+system CPU time this process has used so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkReceive measures the whole receive path of a listening Receiver
// (gosrt plus our read loop, stats and sink tee) fed by ffmpeg at a real
// bitrate over loopback, next to a bare gosrt reader (ReadPacket and
// nothing else) as the floor, and the receiver with its arrival tap (tap.go)
// in front. One op is one delivered SRT packet; besides
// the wall time, which the sender's pace decides, it reports the CPU time
// of this process per packet and per second. ffmpeg runs in its own
// process, so a -cpuprofile shows the receiving side only:
//
//	go test -run '^$' -bench Receive -benchtime 60000x -cpuprofile cpu.out ./session
//	go test -run '^$' -bench 'Receive/50Mbps/receiver(\+tap)?$' -count 3 -benchtime 60000x ./session
func BenchmarkReceive(b *testing.B) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		b.Skipf("ffmpeg not installed: %v", err)
	}
	for _, mbps := range []int{20, 50} {
		for _, path := range []string{"gosrt", "receiver", "receiver+tap", "receiver+sink"} {
			b.Run(fmt.Sprintf("%dMbps/%s", mbps, path), func(b *testing.B) { benchReceive(b, mbps, path) })
		}
	}
}

// benchCounters is what a receive path under test exposes to the benchmark.
type benchCounters struct {
	packets func() uint64
	bytes   func() uint64
	dropped func() uint64
}

func benchReceive(b *testing.B, mbps int, path string) {
	clip := cbrClip(b, mbps)
	port := sessiontest.FreeUDPPort(b)
	cfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}
	var c benchCounters
	connected := make(chan struct{})
	if path == "gosrt" {
		c = bareGosrtReceiver(b, cfg, connected)
	} else {
		opts := ReceiverOptions{ArrivalTap: path == "receiver+tap"}
		if path == "receiver+sink" {
			opts.Sink = discardSink{}
		}
		r, sub, _ := startReceiver(b, cfg, opts)
		waitEvent(b, sub, EventConnecting, 5*time.Second, "listening")
		go func() {
			defer sub.Close()
			for e := range sub.Events {
				if e.Kind == EventConnected {
					close(connected)
					return
				}
			}
		}()
		c = benchCounters{packets: r.pktsRecv.Load, bytes: r.bytesRecv.Load, dropped: r.pktsUnrecovered.Load}
	}
	peer := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}
	// -muxrate again: a remux drops the null packets that make the rate.
	startProcess(b, "ffmpeg", "-nostdin", "-loglevel", "error", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy",
		"-muxrate", fmt.Sprintf("%dM", mbps), "-f", "mpegts", peer.URL(ToolFFmpeg)+"&pkt_size=1316")
	select {
	case <-connected:
	case <-time.After(15 * time.Second):
		b.Fatal("ffmpeg did not connect within 15 s")
	}

	// Warm up for a second of stream, then measure b.N packets.
	warm := uint64(mbps) * 1e6 / 8 / 1316
	waitPackets(b, c.packets, warm, 20*time.Second)
	pkts0, bytes0, drops0 := c.packets(), c.bytes(), c.dropped()
	overflow0 := udpRcvbufErrors()
	cpu0, t0 := cpuTime(b), time.Now()
	b.ResetTimer()
	waitPackets(b, c.packets, pkts0+uint64(b.N), time.Duration(b.N)*time.Millisecond+30*time.Second)
	b.StopTimer()
	cpu, wall := cpuTime(b)-cpu0, time.Since(t0)
	pkts := c.packets() - pkts0
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(pkts), "cpu-us/pkt")
	b.ReportMetric(cpu.Seconds()/wall.Seconds(), "cpu-s/s")
	b.ReportMetric(float64(c.bytes()-bytes0)*8/wall.Seconds()/1e6, "Mbit/s")
	b.ReportMetric(float64(c.dropped()-drops0), "dropped")
	if overflow0 >= 0 {
		b.ReportMetric(float64(udpRcvbufErrors()-overflow0), "udp-overflows")
	}
}

// udpRcvbufErrors is the kernel's count of UDP datagrams dropped because a
// socket's receive buffer was full (all sockets of the machine), or -1
// where /proc/net/snmp does not exist.
func udpRcvbufErrors() int64 {
	data, err := os.ReadFile("/proc/net/snmp")
	if err != nil {
		return -1
	}
	var names []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] != "Udp:" {
			continue
		}
		if names == nil {
			names = fields
			continue
		}
		for i, name := range names {
			if name == "RcvbufErrors" && i < len(fields) {
				n, err := strconv.ParseInt(fields[i], 10, 64)
				if err == nil {
					return n
				}
			}
		}
	}
	return -1
}

// bareGosrtReceiver accepts one caller with gosrt alone and reads its
// packets, counting them and nothing else: the floor under our receiver.
func bareGosrtReceiver(b *testing.B, cfg Config, connected chan<- struct{}) benchCounters {
	ln, err := srt.Listen("srt", cfg.Address(), cfg.srtConfig())
	if err != nil {
		b.Fatalf("listen: %v", err)
	}
	// The same socket buffer as a Receiver, so that both read the same
	// packets and the difference is the work per packet.
	if _, err := raiseReceiveBuffer(ln.Addr(), nil, udpReceiveBuffer); err != nil {
		b.Fatalf("receive buffer: %v", err)
	}
	var pkts, bytes, gaps atomic.Uint64
	var mu sync.Mutex
	var conn srt.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		req, err := ln.Accept2()
		if err != nil {
			return
		}
		c, err := req.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		conn = c
		mu.Unlock()
		close(connected)
		var next uint32
		for {
			p, err := c.ReadPacket()
			if err != nil {
				return
			}
			seq := p.Header().PacketSequenceNumber.Val()
			if next != 0 && seq != next {
				gaps.Add(1)
			}
			next = seq + 1
			pkts.Add(1)
			bytes.Add(uint64(len(p.Data())))
			p.Decommission()
		}
	}()
	b.Cleanup(func() {
		mu.Lock()
		if conn != nil {
			_ = conn.Close()
		}
		mu.Unlock()
		ln.Close()
		<-done
	})
	return benchCounters{packets: pkts.Load, bytes: bytes.Load, dropped: gaps.Load}
}

// waitPackets polls count until it reaches n.
func waitPackets(b *testing.B, count func() uint64, n uint64, timeout time.Duration) {
	b.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for count() < n {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d packets within %s", count(), n, timeout)
		}
		<-tick.C
	}
}
