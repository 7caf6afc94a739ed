package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	srt "github.com/datarhei/gosrt"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// What bad input gets: a listening receiver keeps running and publishes
// every sample while strangers send it garbage, wrong passphrases, or its
// publisher vanishes without a goodbye.

// sampleLog records every sample of a receiver from its own goroutine; it
// drains the events of its subscription too, so that it loses nothing.
type sampleLog struct {
	sub     *Subscription
	mu      sync.Mutex
	samples []Sample
	done    chan struct{}
}

func recordSamples(t *testing.T, r *Receiver) *sampleLog {
	t.Helper()
	sub := r.Subscribe(1024, 1024)
	l := &sampleLog{sub: sub, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		samples, events := sub.Samples, sub.Events
		for samples != nil || events != nil {
			select {
			case s, ok := <-samples:
				if !ok {
					samples = nil
					continue
				}
				l.mu.Lock()
				l.samples = append(l.samples, s)
				l.mu.Unlock()
			case _, ok := <-events:
				if !ok {
					events = nil
				}
			}
		}
	}()
	t.Cleanup(func() { sub.Close(); <-l.done })
	return l
}

// latest is the most recent sample, or false when there is none yet.
func (l *sampleLog) latest() (Sample, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.samples) == 0 {
		return Sample{}, false
	}
	return l.samples[len(l.samples)-1], true
}

// waitFor polls the log until a sample satisfies ok.
func (l *sampleLog) waitFor(t *testing.T, timeout time.Duration, what string, ok func(Sample) bool) Sample {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		l.mu.Lock()
		for _, s := range l.samples {
			if ok(s) {
				l.mu.Unlock()
				return s
			}
		}
		l.mu.Unlock()
		if time.Now().After(deadline) {
			last, _ := l.latest()
			t.Fatalf("no sample with %s within %s; last %+v", what, timeout, last)
		}
	}
	panic("unreachable")
}

// checkContinuous fails when the sampler stalled (more than three
// intervals between consecutive samples, or under three quarters of the
// samples the span should hold), when the subscriber lost one, or when a
// cumulative counter went backwards.
func (l *sampleLog) checkContinuous(t *testing.T, interval time.Duration) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if d := l.sub.Dropped(); d != 0 {
		t.Errorf("the subscriber lost %d samples or events", d)
	}
	if len(l.samples) < 2 {
		t.Fatalf("only %d samples recorded", len(l.samples))
	}
	// A receiver that blocked its sampler behind the bad input would leave
	// a gap of seconds. A busy machine delays ticks too, and a time.Ticker
	// drops a tick its reader was late for: allow up to three intervals.
	maxGap := 3 * interval
	for i := 1; i < len(l.samples); i++ {
		prev, cur := l.samples[i-1], l.samples[i]
		if gap := cur.Time.Sub(prev.Time); gap > maxGap {
			t.Errorf("sample %d came %s after the previous one (interval %s): a sample was lost", i, gap, interval)
		}
		if cur.PktsRecv < prev.PktsRecv || cur.BytesRecv < prev.BytesRecv || cur.PktsLost < prev.PktsLost || cur.PktsDropped < prev.PktsDropped {
			t.Errorf("counters went backwards: %+v after %+v", cur, prev)
		}
	}
	span := l.samples[len(l.samples)-1].Time.Sub(l.samples[0].Time)
	if want := int(span/interval) * 3 / 4; len(l.samples) < want {
		t.Errorf("%d samples over %s at %s intervals, want at least %d", len(l.samples), span, interval, want)
	}
}

// srtControl builds an SRT control packet header (16 bytes) + cif.
func srtControl(ctrlType uint16, destSocket uint32, cif []byte) []byte {
	b := make([]byte, 16, 16+len(cif))
	binary.BigEndian.PutUint16(b[0:], 0x8000|ctrlType)
	binary.BigEndian.PutUint32(b[12:], destSocket)
	return append(b, cif...)
}

// handshakeCIF builds the 48-byte handshake CIF of the given type, version
// and extension field, followed by ext.
func handshakeCIF(version uint32, extField uint16, hsType uint32, cookie uint32, ext []byte) []byte {
	c := make([]byte, 48, 48+len(ext))
	binary.BigEndian.PutUint32(c[0:], version)
	binary.BigEndian.PutUint16(c[6:], extField)
	binary.BigEndian.PutUint32(c[8:], 12345)
	binary.BigEndian.PutUint32(c[12:], 1500)
	binary.BigEndian.PutUint32(c[16:], 8192)
	binary.BigEndian.PutUint32(c[20:], hsType)
	binary.BigEndian.PutUint32(c[24:], 0x1234567)
	binary.BigEndian.PutUint32(c[28:], cookie)
	c[32], c[33], c[34], c[35] = 127, 0, 0, 1
	return append(c, ext...)
}

const (
	hsConclusion = 0xFFFFFFFF
	hsInduction  = 1
)

// garbageCases are datagrams a stranger may send to a listening port. The
// conclusion handshakes with a cut extension header made gosrt v0.11.0's
// handshake parser read past the end of the datagram (a panic on the
// goroutine calling Accept2).
var garbageCases = []struct {
	name string
	make func(rng *rand.Rand) [][]byte
}{
	{"random bytes", func(rng *rand.Rand) [][]byte {
		var out [][]byte
		for range 400 {
			b := make([]byte, 1+rng.IntN(1500))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			out = append(out, b)
		}
		return out
	}},
	{"random bytes that look like handshakes", func(rng *rand.Rand) [][]byte {
		var out [][]byte
		for range 400 {
			b := make([]byte, 16+rng.IntN(200))
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			binary.BigEndian.PutUint16(b[0:], 0x8000) // control, handshake
			binary.BigEndian.PutUint32(b[12:], 0)     // to the listener
			if len(b) >= 16+24 && rng.IntN(2) == 0 {  // conclusion
				binary.BigEndian.PutUint32(b[16+20:], hsConclusion)
			}
			out = append(out, b)
		}
		return out
	}},
	{"truncated SRT headers", func(*rand.Rand) [][]byte {
		full := srtControl(0, 0, handshakeCIF(4, 2, hsInduction, 0, nil))
		data := make([]byte, 16)
		binary.BigEndian.PutUint32(data[0:], 42)
		var out [][]byte
		for n := 1; n < 16; n++ {
			out = append(out, full[:n], data[:n])
		}
		return out
	}},
	{"handshakes with a short CIF", func(*rand.Rand) [][]byte {
		full := srtControl(0, 0, handshakeCIF(5, 0x4A17, hsConclusion, 0, nil))
		var out [][]byte
		for n := 16; n < len(full); n++ {
			out = append(out, full[:n])
		}
		return out
	}},
	{"conclusions with a cut extension header", func(*rand.Rand) [][]byte {
		var out [][]byte
		for n := 1; n <= 3; n++ {
			out = append(out, srtControl(0, 0, handshakeCIF(5, 1, hsConclusion, 0, make([]byte, n))))
			// a complete HSREQ extension followed by a cut one
			ext := []byte{0, 1, 0, 3, 0, 1, 5, 0, 0, 0, 0, 0xbf, 0, 120, 0, 120}
			out = append(out, srtControl(0, 0, handshakeCIF(5, 1, hsConclusion, 0, append(ext, make([]byte, n)...))))
		}
		return out
	}},
	{"conclusions with extensions longer than the datagram", func(*rand.Rand) [][]byte {
		var out [][]byte
		for _, typ := range []uint16{1, 3, 5, 6, 7, 8, 99} {
			ext := []byte{byte(typ >> 8), byte(typ), 0xff, 0xff, 1, 2, 3, 4}
			out = append(out, srtControl(0, 0, handshakeCIF(5, 1, hsConclusion, 0, ext)))
		}
		km := []byte{0, 3, 0, 8, 0x12, 0x20, 0x29, 0x01, 0, 0, 0, 0, 2, 0, 2, 0, 0, 0, 4, 8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
		out = append(out, srtControl(0, 0, handshakeCIF(5, 3, hsConclusion, 0, km)))
		return out
	}},
	{"conclusions with a wrong SYN cookie", func(rng *rand.Rand) [][]byte {
		hsreq := []byte{0, 1, 0, 3, 0, 1, 5, 0, 0, 0, 0, 0xbf, 0, 120, 0, 120}
		var out [][]byte
		for range 50 {
			out = append(out, srtControl(0, 0, handshakeCIF(5, 1, hsConclusion, rng.Uint32(), hsreq)))
			out = append(out, srtControl(0, 0, handshakeCIF(4, 2, hsConclusion, rng.Uint32(), nil)))
		}
		return out
	}},
	{"induction flood", func(*rand.Rand) [][]byte {
		var out [][]byte
		for range 300 {
			out = append(out, srtControl(0, 0, handshakeCIF(4, 2, hsInduction, 0, nil)))
		}
		return out
	}},
	{"packets for sockets that do not exist", func(rng *rand.Rand) [][]byte {
		var out [][]byte
		for range 200 {
			for _, ctrl := range []uint16{1, 2, 3, 5, 6, 0x7fff} { // keepalive, ACK, NAK, shutdown, ACKACK, user
				out = append(out, srtControl(ctrl, rng.Uint32()|1, make([]byte, 4*rng.IntN(8))))
			}
			data := make([]byte, 16+1316)
			binary.BigEndian.PutUint32(data[0:], rng.Uint32()&0x7fffffff)
			binary.BigEndian.PutUint32(data[12:], rng.Uint32()|1)
			out = append(out, data)
		}
		return out
	}},
	{"oversized datagrams", func(rng *rand.Rand) [][]byte {
		var out [][]byte
		for _, n := range []int{1501, 2000, 9000, 65000} {
			b := srtControl(0, 0, handshakeCIF(5, 1, hsConclusion, 0, make([]byte, n)))
			out = append(out, b)
			r := make([]byte, n)
			for i := range r {
				r[i] = byte(rng.Uint32())
			}
			out = append(out, r)
		}
		return out
	}},
}

// TestListenerSurvivesGarbage: while a publisher streams into a listening
// receiver, every kind of garbage datagram is sent to the same port. The
// session keeps the publisher, keeps counting, loses no sample and drops
// no packet.
func TestListenerSurvivesGarbage(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	const interval = 250 * time.Millisecond
	r, sub, stop := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Interval: interval})
	samples := recordSamples(t, r)
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
	startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	waitEvent(t, sub, EventConnected, 10*time.Second)
	samples.waitFor(t, 10*time.Second, "100 packets", func(s Sample) bool { return s.PktsRecv >= 100 })

	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range garbageCases {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := samples.latest()
			sent := 0
			for i, d := range tc.make(rng) {
				if _, err := conn.Write(d); err != nil {
					t.Fatalf("sending datagram %d (%d bytes): %v", i, len(d), err)
				}
				sent++
			}
			// The session is alive when later samples show the publisher's
			// packets still arriving on the same connection.
			samples.waitFor(t, 5*time.Second, "packets after the garbage", func(s Sample) bool {
				return s.Time.After(before.Time) && s.State == StateConnected && s.PktsRecv > before.PktsRecv+50
			})
			t.Logf("%d datagrams sent", sent)
		})
	}
	last := samples.waitFor(t, 5*time.Second, "a last sample", func(s Sample) bool { return s.PktsRecv > 0 })
	if r.Connects() != 1 || last.PktsDropped != 0 {
		t.Errorf("after the garbage: %d connections, %d packets dropped; want the one publisher and no drops", r.Connects(), last.PktsDropped)
	}
	samples.checkContinuous(t, interval)

	// Handshakes the SRT library could not parse are events, rate-limited;
	// the rest are counted in one event when the session stops.
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	var oneByOne, counted int
	for _, e := range r.Summary().Events {
		var bad *malformedHandshakeError
		if !errors.As(e.Err, &bad) {
			continue
		}
		if e.Count == 0 {
			oneByOne++
			continue
		}
		// A summary of those not shown one by one: its count is in its words.
		if !strings.Contains(e.Detail, strconv.Itoa(e.Count)) {
			t.Errorf("summary event %q does not say its count %d", e.Detail, e.Count)
		}
		counted += e.Count
	}
	if oneByOne == 0 || oneByOne > 2*rejectBurst || counted == 0 {
		t.Errorf("malformed handshakes: %d events one by one (want 1..%d), %d more counted (want some)", oneByOne, 2*rejectBurst, counted)
	}
}

// TestListenerSurvivesWrongPassphraseFlood: while a publisher streams, a
// flood of callers with wrong (or no) passphrases arrives. Each is refused
// with the right code; the rejections are events with the remote address
// and the reason in words, rate-limited, and a closing event counts the
// ones not shown. The publisher keeps streaming and no sample is lost.
func TestListenerSurvivesWrongPassphraseFlood(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	const interval = 250 * time.Millisecond
	cfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, Passphrase: pass16}
	r, err := NewReceiver(cfg, ReceiverOptions{Interval: interval})
	if err != nil {
		t.Fatal(err)
	}
	r.gate.rejects.window = 3 * time.Second // the production window is 10 s; the same logic, a shorter test
	sub := r.Subscribe(16, 1024)
	samples := recordSamples(t, r)
	sessiontest.RunInBackground(t, "receiver", r.Run)
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
	startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, Passphrase: pass16}, true)
	waitEvent(t, sub, EventConnected, 10*time.Second, "encrypted")
	before := samples.waitFor(t, 10*time.Second, "100 packets", func(s Sample) bool { return s.PktsRecv >= 100 })

	const callers, workers = 60, 6
	var refused, wrongWords atomic.Int64
	var unexpected sync.Map
	var wg sync.WaitGroup
	next := atomic.Int64{}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= callers; i = next.Add(1) {
				caller := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, ConnectTimeout: 3 * time.Second,
					Passphrase: fmt.Sprintf("wrong passphrase %03d", i)}
				want := ErrWrongPassphrase
				if i%5 == 0 {
					caller.Passphrase, want = "", ErrPassphraseOneSide
				}
				conn, err := srt.Dial("srt", caller.Address(), caller.srtConfig())
				if err == nil {
					_ = conn.Close()
					unexpected.Store(i, "accepted")
					continue
				}
				refused.Add(1)
				if ce := explainDialError(err, caller); !errors.Is(ce, want) {
					unexpected.Store(i, ce.Error())
				} else {
					wrongWords.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	unexpected.Range(func(k, v any) bool { t.Errorf("caller %v: %v", k, v); return true })
	if refused.Load() != callers || wrongWords.Load() != callers {
		t.Errorf("%d of %d callers refused, %d with the right reason", refused.Load(), callers, wrongWords.Load())
	}

	// Shown one by one: at most the burst per window, each with the remote
	// address and the reason; then one event counting the rest.
	var shown, summarised int
	deadline := time.After(2*r.gate.rejects.window + 5*time.Second)
	for shown+summarised < callers {
		select {
		case e := <-sub.Events:
			if e.Kind != EventRejected {
				continue
			}
			if !strings.HasPrefix(e.Remote, "127.0.0.1:") || !strings.Contains(e.Detail, e.Remote) {
				t.Errorf("rejection event without the remote address: %+v", e)
			}
			if !strings.Contains(e.Detail, "wrong passphrase") && !strings.Contains(e.Detail, "passphrase on one side only") {
				t.Errorf("rejection event without the reason in words: %q", e.Detail)
			}
			if e.Code == 0 || !errors.Is(e.Err, ErrWrongPassphrase) && !errors.Is(e.Err, ErrPassphraseOneSide) {
				t.Errorf("rejection event without its code and kind: code %d, err %v", e.Code, e.Err)
			}
			if e.Count > 0 { // a summary of rejections not shown one by one
				summarised += e.Count
				continue
			}
			shown++
			if shown > 2*r.gate.rejects.burst {
				t.Fatalf("%d rejection events shown one by one: not rate-limited (%q)", shown, e.Detail)
			}
		case <-deadline:
			t.Fatalf("rejections accounted for: %d shown + %d summarised, want %d", shown, summarised, callers)
		}
	}
	if shown+summarised != callers || shown == 0 || summarised == 0 {
		t.Errorf("%d rejections shown and %d summarised, want %d in all, some of each", shown, summarised, callers)
	}
	if got := r.Summary().Rejections; got != callers {
		t.Errorf("summary counts %d rejections, want %d", got, callers)
	}
	after := samples.waitFor(t, 5*time.Second, "packets after the flood", func(s Sample) bool {
		return s.State == StateConnected && s.PktsRecv > before.PktsRecv+100
	})
	if r.Connects() != 1 || after.PktsDropped != 0 {
		t.Errorf("after the flood: %d connections, %d dropped; want the one publisher, no drops", r.Connects(), after.PktsDropped)
	}
	samples.checkContinuous(t, interval)
}

// TestListenerPublisherVanishes: the publishing process is killed without
// a shutdown. The listener reports the silence (idle, then "went silent"
// at the idle timeout), keeps listening and accepts the next publisher;
// counters carry on and no sample is lost.
func TestListenerPublisherVanishes(t *testing.T) {
	needTools(t, "srt-live-transmit", "ffmpeg")
	clip, _ := clipTS(t)
	port := sessiontest.FreeUDPPort(t)
	const interval = 250 * time.Millisecond
	cfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, PeerIdleTimeout: 2 * time.Second}
	r, sub, _ := startReceiver(t, cfg, ReceiverOptions{Interval: interval, IdleAfter: time.Second})
	samples := recordSamples(t, r)
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")

	publisher := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}
	feed := fmt.Sprintf("ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i %s -c copy -f mpegts - | srt-live-transmit -q file://con '%s'",
		clip, publisher.URL(ToolLibSRT))
	cmd, _ := startProcess(t, "bash", "-c", feed)
	waitEvent(t, sub, EventConnected, 15*time.Second)
	first := samples.waitFor(t, 15*time.Second, "200 packets", func(s Sample) bool { return s.PktsRecv >= 200 })

	killProcessGroup(cmd) // SIGKILL: no SRT shutdown reaches the listener
	killedAt := time.Now()
	waitEvent(t, sub, EventIdle, 5*time.Second, "no packets")
	gone := waitEvent(t, sub, EventDisconnected, 10*time.Second, "went silent", "no packets for 2s")
	if d := gone.Time.Sub(killedAt); d < cfg.PeerIdleTimeout-500*time.Millisecond {
		t.Errorf("disconnect reported %s after the kill, before the %s idle timeout", d, cfg.PeerIdleTimeout)
	}
	if !errors.Is(r.LastError(), ErrPeerSilent) {
		t.Errorf("LastError %v is not ErrPeerSilent", r.LastError())
	}
	waitEvent(t, sub, EventConnecting, 5*time.Second, "waiting for the next caller")

	startSender(t, publisher, true)
	waitEvent(t, sub, EventConnected, 10*time.Second)
	samples.waitFor(t, 10*time.Second, "counters continuing", func(s Sample) bool {
		return s.State == StateConnected && s.PktsRecv > first.PktsRecv+200 && s.Time.After(gone.Time)
	})
	sum := r.Summary()
	if sum.Reconnects != 1 {
		t.Errorf("reconnects = %d, want 1", sum.Reconnects)
	}
	samples.checkContinuous(t, interval)
}

// halfOpenCaller does the caller's half of an SRT v5 handshake by hand and
// then goes quiet, as a caller does whose handshake answer was lost: the
// listener has accepted a connection that will never carry data. It
// returns the caller's address.
func halfOpenCaller(t *testing.T, port int) string {
	t.Helper()
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if _, err := conn.Write(srtControl(0, 0, handshakeCIF(4, 2, hsInduction, 0, nil))); err != nil {
		t.Fatal(err)
	}
	if err := conn.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 1500)
	n, err := conn.Read(reply)
	if err != nil || n < 16+48 {
		t.Fatalf("induction answer: %d bytes, %v", n, err)
	}
	cookie := binary.BigEndian.Uint32(reply[16+28:])
	// HSREQ: SRT 1.4.1, flags TSBPDSND|TSBPDRCV|TLPKTDROP|PERIODICNAK|REXMITFLG, 120 ms both ways.
	hsreq := []byte{0, 1, 0, 3, 0, 1, 4, 1, 0, 0, 0, 0x3b, 0, 120, 0, 120}
	if _, err := conn.Write(srtControl(0, 0, handshakeCIF(5, 1, hsConclusion, cookie, hsreq))); err != nil {
		t.Fatal(err)
	}
	return conn.LocalAddr().String()
}

// TestListenerReplacesSilentPublisher: while the listener holds a
// connection that carries nothing (a half-open handshake, or a publisher
// killed without a goodbye), a new publisher takes its place once it has
// been silent for IdleAfter, long before the peer idle timeout would have
// freed the port; a streaming publisher is never replaced (see
// TestSecondCallerIsBusy).
func TestListenerReplacesSilentPublisher(t *testing.T) {
	tests := []struct {
		name   string
		tools  []string
		vanish func(t *testing.T, port int, sub *Subscription, samples *sampleLog) string // leaves a silent connection, returns its address
	}{
		{"half-open handshake", nil, func(t *testing.T, port int, sub *Subscription, _ *sampleLog) string {
			addr := halfOpenCaller(t, port)
			waitEvent(t, sub, EventConnected, 10*time.Second, addr)
			return addr
		}},
		{"publisher killed", []string{"srt-live-transmit", "ffmpeg"}, func(t *testing.T, port int, sub *Subscription, samples *sampleLog) string {
			clip, _ := clipTS(t)
			publisher := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}
			cmd, _ := startProcess(t, "bash", "-c", fmt.Sprintf(
				"ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i %s -c copy -f mpegts - | srt-live-transmit -q file://con '%s'",
				clip, publisher.URL(ToolLibSRT)))
			ev := waitEvent(t, sub, EventConnected, 15*time.Second)
			samples.waitFor(t, 15*time.Second, "100 packets", func(s Sample) bool { return s.PktsRecv >= 100 })
			killProcessGroup(cmd) // SIGKILL: no SRT shutdown reaches the listener
			return ev.Remote
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			needTools(t, tc.tools...)
			port := sessiontest.FreeUDPPort(t)
			const idleTimeout = 30 * time.Second
			cfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, PeerIdleTimeout: idleTimeout}
			r, sub, _ := startReceiver(t, cfg, ReceiverOptions{Interval: 250 * time.Millisecond, IdleAfter: time.Second})
			samples := recordSamples(t, r)
			waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
			old := tc.vanish(t, port, sub, samples)
			start := time.Now()

			_, ssub, _ := startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
			waitEvent(t, sub, EventConnecting, 10*time.Second, "takes the place of "+old, "has sent nothing for")
			gone := waitEvent(t, sub, EventDisconnected, 5*time.Second, old, "took its place")
			waitEvent(t, ssub, EventConnected, 10*time.Second)
			waitEvent(t, sub, EventConnected, 5*time.Second)
			if d := time.Since(start); d > idleTimeout/2 {
				t.Errorf("the new publisher got in after %s; the idle timeout is %s", d, idleTimeout)
			}
			if !errors.Is(r.LastError(), ErrPeerSilent) {
				t.Errorf("LastError %v is not ErrPeerSilent (event %q)", r.LastError(), gone.Detail)
			}
			before, _ := samples.latest()
			samples.waitFor(t, 10*time.Second, "the new publisher's packets", func(s Sample) bool {
				return s.State == StateConnected && s.PktsRecv > before.PktsRecv+100
			})
			if got := r.Summary().Reconnects; got != 1 {
				t.Errorf("reconnects = %d, want 1", got)
			}
			samples.checkContinuous(t, 250*time.Millisecond)
		})
	}
}
