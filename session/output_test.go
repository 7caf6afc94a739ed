package session

import (
	"bytes"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/impair"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// teeSink hands the input's bytes to every output, as app's feed does.
type teeSink []Sink

func (t teeSink) Write(p []byte) (int, error) {
	for _, s := range t {
		_, _ = s.Write(p)
	}
	return len(p), nil
}

// startInput sends data once (or looping) from a listening Sender to a
// calling Receiver whose sink is sink, over loopback without loss.
func startInput(t *testing.T, data []byte, loop bool, sink Sink) (*Receiver, *Subscription) {
	t.Helper()
	port := sessiontest.FreeUDPPort(t)
	s, err := NewSender(Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, bytes.NewReader(data), int64(len(data)), SenderOptions{Loop: loop})
	if err != nil {
		t.Fatal(err)
	}
	ssub := s.Subscribe(64)
	sessiontest.RunInBackground(t, "input sender", s.Run)
	waitEvent(t, ssub, EventConnecting, 5*time.Second, "listening")
	r, sub, _ := startReceiver(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, ReceiverOptions{Sink: sink})
	return r, sub
}

// startOutput parses url, starts the output and returns it with its events.
func startOutput(t *testing.T, url string) (Output, *Subscription) {
	t.Helper()
	cfg, _, err := ParseOutputURL(url)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOutput(cfg, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sub := o.Subscribe(1024)
	sessiontest.RunInBackground(t, "output "+url, o.Run)
	return o, sub
}

// waitOutputSample polls the output's snapshot until ok, at most timeout.
func waitOutputSample(t *testing.T, o Output, timeout time.Duration, what string, ok func(OutputSample) bool) OutputSample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		s := o.Snapshot()
		if ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("output: no snapshot with %s within %s; last %+v", what, timeout, s)
		}
	}
	return OutputSample{}
}

// checkContinuity fails on a continuity-counter gap in the TS data.
func checkContinuity(t *testing.T, data []byte) {
	t.Helper()
	if len(data)%188 != 0 {
		t.Fatalf("%d bytes is not whole TS packets", len(data))
	}
	last := map[uint16]byte{}
	for off := 0; off < len(data); off += 188 {
		p := data[off : off+188]
		if p[0] != 0x47 {
			t.Fatalf("no sync byte at %d", off)
		}
		pid := uint16(p[1]&0x1f)<<8 | uint16(p[2])
		if pid == 0x1fff || p[3]&0x10 == 0 { // null packets and no payload keep their counter
			continue
		}
		cc := p[3] & 0x0f
		if prev, ok := last[pid]; ok && cc != (prev+1)&0x0f && cc != prev {
			t.Fatalf("continuity error on PID %d at byte %d: %d after %d", pid, off, cc, prev)
		}
		last[pid] = cc
	}
}

// TestUDPOutputKeepsWhatCameBeforeRun: an output added to a live feed gets
// bytes before its goroutine has opened the socket; they wait in its queue
// and go out, none counted as skipped. After Run has ended, writes are
// skipped and counted.
func TestUDPOutputKeepsWhatCameBeforeRun(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	cfg, _, err := ParseOutputURL("udp://" + pc.LocalAddr().String())
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOutput(cfg, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte{0x47}, 7*188)
	for range 3 {
		if _, err := o.Write(payload); err != nil {
			t.Fatal(err)
		}
	}
	stop := sessiontest.RunInBackground(t, "udp output", o.Run)
	buf := make([]byte, 2048)
	for i := range 3 {
		if err := pc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if n, _, err := pc.ReadFrom(buf); err != nil || n != len(payload) {
			t.Fatalf("datagram %d written before Run: %d bytes, %v", i, n, err)
		}
	}
	if s := o.Snapshot(); s.SkippedBytes != 0 || s.PktsSent != 3 {
		t.Errorf("sent %d, skipped %d bytes: want 3 sent, none skipped", s.PktsSent, s.SkippedBytes)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Write(payload); err != nil {
		t.Fatal(err)
	}
	if s := o.Snapshot(); s.SkippedBytes != uint64(len(payload)) {
		t.Errorf("after Run ended, a write skipped %d bytes, want %d", s.SkippedBytes, len(payload))
	}
}

// TestUDPOutputForwardsUnchanged: the UDP output sends the input's bytes
// unchanged, one datagram per SRT payload, to a socket of the test.
func TestUDPOutputForwardsUnchanged(t *testing.T) {
	needTools(t, "ffmpeg")
	_, data := clipTS(t)
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	if err := pc.(*net.UDPConn).SetReadBuffer(8 << 20); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var got bytes.Buffer
	var sizes []int
	read := make(chan struct{})
	go func() {
		defer close(read)
		buf := make([]byte, 2048)
		for {
			n, _, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			mu.Lock()
			got.Write(buf[:n])
			sizes = append(sizes, n)
			mu.Unlock()
		}
	}()
	out, sub := startOutput(t, "udp://"+pc.LocalAddr().String())
	waitEvent(t, sub, EventConnected, 5*time.Second, "sending UDP")
	rcv, _ := startInput(t, data, false, out)
	waitOutputSample(t, out, 30*time.Second, "every input byte sent", func(s OutputSample) bool { return s.BytesSent >= uint64(len(data)) })
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := got.Len()
		mu.Unlock()
		if n >= len(data) || time.Now().After(deadline) {
			break
		}
		waitBackoff(t.Context(), 20*time.Millisecond)
	}
	_ = pc.Close()
	<-read
	snap := rcv.Snapshot()
	if snap.PktsDropped != 0 || snap.SinkSkippedBytes != 0 {
		t.Errorf("input dropped %d packets, skipped %d bytes", snap.PktsDropped, snap.SinkSkippedBytes)
	}
	if !bytes.Equal(got.Bytes(), data) {
		t.Fatalf("UDP carried %d bytes, the input %d; equal: false", got.Len(), len(data))
	}
	for i, n := range sizes[:len(sizes)-1] {
		if n != 7*188 {
			t.Fatalf("datagram %d is %d bytes, want 1316", i, n)
		}
	}
	checkContinuity(t, got.Bytes())
	if s := out.Snapshot(); s.SkippedBytes != 0 || s.PktsSent != uint64(len(sizes)) {
		t.Errorf("output skipped %d bytes and counted %d datagrams; %d arrived", s.SkippedBytes, s.PktsSent, len(sizes))
	}
}

// TestCallerOutputStatsTruth: a feed forwarded by an SRT caller output
// through the relay (5% loss on the data path, 20 ms each way) to
// srt-live-transmit; the output's sender figures must agree with what the
// libsrt receiver saw, as the file Sender's do (sendertruth_test.go).
func TestCallerOutputStatsTruth(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 25 s")
	}
	needTools(t, "srt-live-transmit", "ffmpeg")
	dir := t.TempDir()
	clip := filepath.Join(dir, "cbr.ts")
	gen := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "12",
		"-c:v", "libx264", "-preset", "ultrafast", "-b:v", "2M", "-minrate", "2M", "-maxrate", "2M", "-bufsize", "500k", "-f", "mpegts", clip)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	const latency = 300
	port := sessiontest.FreeUDPPort(t)
	statsFile := filepath.Join(dir, "slt.json")
	_, sltOut := startProcess(t, "srt-live-transmit", "-a", "no", "-s", "50", "-f", "-pf", "json", "-statsout", statsFile,
		Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: latency}.URL(ToolLibSRT), "file://con")
	waitOutput(t, sltOut, len("Media path"), 5*time.Second, "srt-live-transmit start")

	var droppedData atomic.Uint64
	relay, err := impair.Listen(impair.Config{Listen: "127.0.0.1:0", Upstream: Config{Host: "127.0.0.1", Port: port}.Address(),
		Forward: impair.Impairment{LossPct: 5, Delay: 20 * time.Millisecond}, Reverse: impair.Impairment{Delay: 20 * time.Millisecond},
		Seed: 21, BySRTSequence: true,
		Trace: func(e impair.TraceEvent) {
			if e.Dir == impair.Forward && e.Verdict != impair.Forwarded && e.Size == srtDataSize {
				droppedData.Add(1)
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	stopRelay := sessiontest.RunInBackground(t, "relay", relay.Run)
	t.Cleanup(func() { _ = relay.Close(); _ = stopRelay() })

	out, sub := startOutput(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: int(relay.Addr().Port()), LatencyMs: latency}.URL(ToolLibSRT))
	waitEvent(t, sub, EventConnected, 10*time.Second, "forwarding")
	var rtts []float64
	rcv, rsub := startInput(t, data, false, out)
	waitSample(t, rsub, 10*time.Second, "the input connected", func(s Sample) bool { return s.PktsRecv > 0 })
	// The input ends after 12 s; sample the output's RTT meanwhile.
	var final OutputSample
	deadline := time.Now().Add(40 * time.Second)
	for time.Now().Before(deadline) {
		waitBackoff(t.Context(), 250*time.Millisecond)
		s := out.Snapshot()
		if s.State == StateConnected && s.RTTMs > 0 {
			rtts = append(rtts, s.RTTMs)
		}
		in := rcv.Snapshot()
		if in.State == StateDisconnected && s.PktsUniqueSent == in.PktsRecv && s.SndBufPkts == 0 {
			final = s
			break
		}
	}
	if final.PktsUniqueSent == 0 {
		t.Fatalf("the output never sent the whole input: %+v, input %+v", out.Snapshot(), rcv.Snapshot())
	}
	var libsrt sltStats
	for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); waitBackoff(t.Context(), 100*time.Millisecond) {
		if libsrt = lastStats(t, statsFile); libsrt.Recv.Packets+50 >= final.PktsUniqueSent {
			break
		}
	}
	lostRetrans := droppedData.Load() - min(droppedData.Load(), libsrt.Recv.PacketsLost)
	want := libsrt.Recv.PacketsRetransmitted + lostRetrans
	var sltRTTs []float64
	for _, rec := range allStats(t, statsFile) {
		if rec.Link.RTT > 0 {
			sltRTTs = append(sltRTTs, rec.Link.RTT)
		}
	}
	if len(rtts) < 10 || len(sltRTTs) == 0 {
		t.Fatalf("too few RTT readings: ours %d, libsrt's %d", len(rtts), len(sltRTTs))
	}
	rtt, libsrtRTT := median(rtts), median(sltRTTs)
	in := rcv.Snapshot()
	t.Logf("uptime %s", uptime())
	t.Logf("input: recv %d dropped %d skipped %d bytes", in.PktsRecv, in.PktsDropped, in.SinkSkippedBytes)
	t.Logf("output: sent %d (unique %d) retrans %d naks %d send-dropped %d rtt %.1f ms skipped %d bytes",
		final.PktsSent, final.PktsUniqueSent, final.PktsRetransSent, final.NaksRecv, final.PktsSendDropped, rtt, final.SkippedBytes)
	t.Logf("libsrt receiver: recv %d lost %d retrans %d dropped %d rtt %.1f ms; relay dropped %d data packets, %d of them retransmissions",
		libsrt.Recv.Packets, libsrt.Recv.PacketsLost, libsrt.Recv.PacketsRetransmitted, libsrt.Recv.PacketsDropped, libsrtRTT, droppedData.Load(), lostRetrans)
	if tol := math.Max(0.05*float64(want), 2); math.Abs(float64(final.PktsRetransSent)-float64(want)) > tol {
		t.Errorf("pkts_retrans_sent %d, libsrt received %d retransmissions and the relay dropped %d: want %d ±%.0f",
			final.PktsRetransSent, libsrt.Recv.PacketsRetransmitted, lostRetrans, want, tol)
	}
	if final.PktsRetransSent == 0 || final.NaksRecv == 0 {
		t.Errorf("no retransmissions (%d) or NAKs (%d) counted through 5%% loss", final.PktsRetransSent, final.NaksRecv)
	}
	if math.Abs(rtt-libsrtRTT) > 5 {
		t.Errorf("rtt median: output %.1f ms, libsrt's receiver %.1f ms (allowed ±5 ms)", rtt, libsrtRTT)
	}
	// At 7.5x RTT neither side gives up on a packet: the sender drops none,
	// exactly what libsrt saw missing for good.
	if final.PktsSendDropped != libsrt.Recv.PacketsDropped || final.PktsSendDropped != 0 {
		t.Errorf("pkts_send_dropped %d, libsrt dropped %d: want both 0 at %d ms latency", final.PktsSendDropped, libsrt.Recv.PacketsDropped, latency)
	}
	if in.PktsDropped != 0 || in.SinkSkippedBytes != 0 || final.SkippedBytes != 0 {
		t.Errorf("input dropped %d packets and skipped %d bytes; output skipped %d bytes", in.PktsDropped, in.SinkSkippedBytes, final.SkippedBytes)
	}
}

// TestListenerOutputPullers: ffmpeg and srt-live-transmit pull from one
// listener output at once; ffmpeg decodes without an error line and each
// puller is its own row with its own statistics.
func TestListenerOutputPullers(t *testing.T) {
	needTools(t, "srt-live-transmit", "ffmpeg")
	_, data := clipTS(t)
	port := sessiontest.FreeUDPPort(t)
	out, sub := startOutput(t, "srt://127.0.0.1:"+itoa(port)+"?mode=listener&latency=120")
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
	caller := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}
	// Both pull before the input starts, so both decode from its first
	// packet (a decoder joining mid-GOP reports missing references).
	ff := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-t", "4", "-i", caller.URL(ToolFFmpeg), "-f", "null", "-")
	var ffOut syncBuffer
	ff.Stdout, ff.Stderr = &ffOut, &ffOut
	if err := ff.Start(); err != nil {
		t.Fatal(err)
	}
	ffDone := make(chan error, 1)
	go func() { ffDone <- ff.Wait() }()
	t.Cleanup(func() {
		_ = ff.Process.Kill()
		t.Logf("ffmpeg ended: %v", <-ffDone) // killed, if it still ran
	})
	_, _ = startProcess(t, "srt-live-transmit", "-a", "no", caller.URL(ToolLibSRT), "udp://127.0.0.1:"+itoa(sessiontest.FreeUDPPort(t)))
	waitOutputSample(t, out, 10*time.Second, "two pullers", func(s OutputSample) bool { return len(s.Pullers) == 2 })
	rcv, _ := startInput(t, data, true, out)

	s := waitOutputSample(t, out, 20*time.Second, "both pullers sent 150 packets", func(s OutputSample) bool {
		return len(s.Pullers) == 2 && s.Pullers[0].PktsSent >= 150 && s.Pullers[1].PktsSent >= 150
	})
	if s.Pullers[0].Peer == s.Pullers[1].Peer || s.Pullers[0].RTTMs <= 0 || s.Pullers[1].RTTMs <= 0 {
		t.Errorf("pullers are not separate rows with their own stats: %+v", s.Pullers)
	}
	if s.State != StateConnected || s.PktsUniqueSent < s.Pullers[0].PktsUniqueSent+s.Pullers[1].PktsUniqueSent {
		t.Errorf("output row %+v does not sum its pullers", s.SenderSample)
	}
	select {
	case err := <-ffDone:
		ffDone <- err // for the cleanup
		if err != nil {
			t.Errorf("ffmpeg: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("ffmpeg did not finish 4 s of media within 30 s")
	}
	if lines := strings.TrimSpace(ffOut.String()); lines != "" {
		t.Errorf("ffmpeg reported errors decoding the pulled stream:\n%s", lines)
	}
	waitEvent(t, sub, EventPullerLeft, 10*time.Second, "stopped pulling")
	if in := rcv.Snapshot(); in.PktsDropped != 0 || in.SinkSkippedBytes != 0 {
		t.Errorf("input dropped %d packets, skipped %d bytes", in.PktsDropped, in.SinkSkippedBytes)
	}
}

// TestDeadOutputsDoNotSlowInput: an SRT caller output whose target never
// answers beside a working UDP output: the input drops nothing, the dead
// output counts its attempts and skips everything, the working one gets
// everything.
func TestDeadOutputsDoNotSlowInput(t *testing.T) {
	needTools(t, "ffmpeg")
	_, data := clipTS(t)
	dead, deadSub := startOutput(t, "srt://127.0.0.1:"+itoa(sessiontest.FreeUDPPort(t))+"?timeout=500")
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	good, goodSub := startOutput(t, "udp://"+pc.LocalAddr().String())
	waitEvent(t, goodSub, EventConnected, 5*time.Second)
	rcv, _ := startInput(t, data, false, teeSink{dead, good})

	waitOutputSample(t, good, 30*time.Second, "the whole input sent", func(s OutputSample) bool { return s.BytesSent >= uint64(len(data)) })
	in := rcv.Snapshot()
	d := waitOutputSample(t, dead, 10*time.Second, "a second attempt", func(s OutputSample) bool { return s.Attempt >= 2 })
	waitEvent(t, deadSub, EventSkipping, 5*time.Second, "not connected")
	if in.PktsDropped != 0 || in.BytesRecv != uint64(len(data)) {
		t.Errorf("input received %d of %d bytes and dropped %d packets beside a dead output", in.BytesRecv, len(data), in.PktsDropped)
	}
	if d.State == StateConnected || d.SkippedBytes != uint64(len(data)) {
		t.Errorf("dead output: state %s, skipped %d bytes, want all %d", d.State, d.SkippedBytes, len(data))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestUDPOutputRefused: unicast datagrams to a port nobody listens on come
// back refused; the output counts them as skipped, says why in words and
// publishes one warning when it starts, not one a second.
func TestUDPOutputRefused(t *testing.T) {
	out, sub := startOutput(t, "udp://127.0.0.1:"+itoa(sessiontest.FreeUDPPort(t)))
	waitEvent(t, sub, EventConnected, 5*time.Second)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		payload := make([]byte, 1316)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				_, _ = out.Write(payload)
			}
		}
	}()
	defer func() { close(stop); <-done }()
	e := waitEvent(t, sub, EventWarning, 10*time.Second, "refused", "nothing listens")
	if !strings.Contains(e.Detail, "datagrams to 127.0.0.1:") {
		t.Errorf("warning %q does not name the destination", e.Detail)
	}
	s := waitOutputSample(t, out, 5*time.Second, "the refusal in words", func(s OutputSample) bool {
		return strings.Contains(s.LastError, "nothing listens") && s.SkippedBytes > 0
	})
	if strings.HasPrefix(s.LastError, "session:") {
		t.Errorf("last error %q keeps the package prefix", s.LastError)
	}
}

// TestAddPullerFromAnotherListener: a connection accepted elsewhere (as a
// port that routes callers by streamid would) is handed to a listener
// output with AddPuller and receives the feed like its own pullers; before
// Run, AddPuller refuses and closes the connection.
func TestAddPullerFromAnotherListener(t *testing.T) {
	needTools(t, "ffmpeg")
	_, data := clipTS(t)
	cfg, _, err := ParseOutputURL("srt://127.0.0.1:" + itoa(sessiontest.FreeUDPPort(t)) + "?mode=listener")
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOutput(cfg, OutputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lo := o.(*ListenerOutput)
	sub := lo.Subscribe(256)

	// The router: a plain listener of its own.
	routerCfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: sessiontest.FreeUDPPort(t)}
	ln, err := listenSRT(routerCfg.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ln.Close)
	accepted := make(chan error, 2)
	accept := func() {
		req, err := ln.Accept2()
		if err != nil {
			accepted <- err
			return
		}
		conn, err := req.Accept()
		if err != nil {
			accepted <- err
			return
		}
		accepted <- lo.AddPuller(conn)
	}
	// Not running yet: refused.
	go accept()
	_, _, stopEarly := startReceiver(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: routerCfg.Port, StreamID: "#!::r=cam1,m=request"}, ReceiverOptions{})
	if err := <-accepted; err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("AddPuller before Run: %v", err)
	}
	if err := stopEarly(); err != nil {
		t.Fatal(err)
	}

	sessiontest.RunInBackground(t, "listener output", lo.Run)
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
	go accept()
	puller, psub, _ := startReceiver(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: routerCfg.Port, StreamID: "#!::r=cam1,m=request"}, ReceiverOptions{})
	if err := <-accepted; err != nil {
		t.Fatalf("AddPuller while running: %v", err)
	}
	e := waitEvent(t, sub, EventPullerJoined, 5*time.Second, "started pulling", "m=request")
	if e.Remote == "" {
		t.Error("puller-joined event without the peer")
	}
	startInput(t, data, true, lo)
	waitSample(t, psub, 15*time.Second, "the routed puller receiving", func(s Sample) bool { return s.PktsRecv > 200 })
	s := lo.Snapshot()
	if len(s.Pullers) != 1 || s.Pullers[0].PktsSent < 200 {
		t.Errorf("output rows %+v", s.Pullers)
	}
	if in := puller.Snapshot(); in.PktsDropped != 0 {
		t.Errorf("the puller dropped %d packets", in.PktsDropped)
	}
}
