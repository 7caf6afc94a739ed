package session

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

const (
	pass16 = "loopback-pass-16"
	pass32 = "a much longer loopback passphrase"
)

// TestLoopback runs srtscope's own sender and receiver against each other
// on 127.0.0.1 in both roles, with and without encryption.
func TestLoopback(t *testing.T) {
	tests := []struct {
		name           string
		receiverListen bool
		passphrase     string
		pbkeylen       int
	}{
		{"receiver listens, clear", true, "", 0},
		{"receiver calls, clear", false, "", 0},
		{"receiver listens, aes-128", true, pass16, 16},
		{"receiver calls, aes-256", false, pass32, 32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			listener := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, Passphrase: tc.passphrase, PBKeyLen: tc.pbkeylen}
			caller := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, Passphrase: tc.passphrase, PBKeyLen: tc.pbkeylen, LatencyMs: 200}
			recvCfg, sendCfg := listener, caller
			if !tc.receiverListen {
				recvCfg, sendCfg = caller, listener
			}
			sink := &countingSink{}
			r, sub, stopRecv := startReceiver(t, recvCfg, ReceiverOptions{Interval: 250 * time.Millisecond, Sink: sink})
			if tc.receiverListen {
				waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
			}
			s, _, _ := startSender(t, sendCfg, true)
			connected := waitEvent(t, sub, EventConnected, 10*time.Second, "latency 200 ms")
			if tc.passphrase != "" && !strings.Contains(connected.Detail, "encrypted") {
				t.Errorf("connected event %q does not say encrypted", connected.Detail)
			}
			got := waitSample(t, sub, 10*time.Second, "150 packets", func(s Sample) bool { return s.PktsRecv >= 150 })
			if got.State != StateConnected || got.LatencyMs != 200 || got.RTTMs <= 0 || got.RTTMs > 50 {
				t.Errorf("sample %+v: want connected, latency 200 ms, loopback RTT", got)
			}
			if got.PktsDropped != 0 {
				t.Errorf("loopback dropped %d packets", got.PktsDropped)
			}
			if err := stopRecv(); err != nil {
				t.Fatalf("receiver Run: %v", err)
			}
			sum := r.Summary()
			if sum.ConnectedS <= 0 || sum.Reconnects != 0 || sum.PktsRecv < 150 {
				t.Errorf("summary %+v", sum)
			}
			if sink.total() == 0 || uint64(sink.total())+sum.SinkSkippedBytes != sum.BytesRecv {
				t.Errorf("sink got %d bytes, skipped %d, received %d", sink.total(), sum.SinkSkippedBytes, sum.BytesRecv)
			}
			// The sample stream payload must be TS.
			if st := s.Stats(); st.BytesSent == 0 || st.Connects != 1 {
				t.Errorf("sender stats %+v", st)
			}
		})
	}
}

// TestListenerPolicy checks the listener's own admission rules: streamid
// allow-list, passphrases on one side or different, and a second caller.
func TestListenerPolicy(t *testing.T) {
	tests := []struct {
		name        string
		listener    Config
		caller      Config
		wantKind    error  // what the calling sender learns
		callerWords string // in its error
		rejectWords string // in the listener's rejection event
	}{
		{
			name:     "streamid allowed",
			listener: Config{AllowedStreamIDs: []string{"cam1"}},
			caller:   Config{StreamID: "#!::r=cam1,m=publish"},
		},
		{
			name:        "streamid not allowed",
			listener:    Config{AllowedStreamIDs: []string{"cam1"}},
			caller:      Config{StreamID: "#!::r=cam2,m=publish"},
			wantKind:    ErrStreamIDRejected,
			callerWords: "streamid rejected",
			rejectWords: "not in this listener's allow-list",
		},
		{
			name:        "wrong passphrase",
			listener:    Config{Passphrase: pass16},
			caller:      Config{Passphrase: "not the same passphrase"},
			wantKind:    ErrWrongPassphrase,
			callerWords: "wrong passphrase",
			rejectWords: "wrong passphrase",
		},
		{
			name:        "passphrase on listener only",
			listener:    Config{Passphrase: pass16},
			caller:      Config{},
			wantKind:    ErrPassphraseOneSide,
			callerWords: "the peer requires a passphrase",
			rejectWords: "caller sent no passphrase",
		},
		{
			name:        "passphrase on caller only",
			listener:    Config{},
			caller:      Config{Passphrase: pass16},
			wantKind:    ErrPassphraseOneSide,
			callerWords: "the peer has none",
			rejectWords: "this listener has none",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			lcfg := tc.listener
			lcfg.Mode, lcfg.Host, lcfg.Port = ModeListener, "127.0.0.1", port
			ccfg := tc.caller
			ccfg.Mode, ccfg.Host, ccfg.Port = ModeCaller, "127.0.0.1", port
			_, rsub, _ := startReceiver(t, lcfg, ReceiverOptions{})
			waitEvent(t, rsub, EventConnecting, 5*time.Second, "listening")
			s, ssub, _ := startSender(t, ccfg, true)
			if tc.wantKind == nil {
				waitEvent(t, rsub, EventConnected, 10*time.Second)
				return
			}
			rej := waitEvent(t, rsub, EventRejected, 10*time.Second, tc.rejectWords)
			if !strings.HasPrefix(rej.Remote, "127.0.0.1:") {
				t.Errorf("rejection event lacks the remote address: %+v", rej)
			}
			waitEvent(t, ssub, EventRejected, 10*time.Second, tc.callerWords)
			if err := s.LastError(); !errors.Is(err, tc.wantKind) {
				t.Errorf("sender error %v is not %v", err, tc.wantKind)
			}
		})
	}
}

// TestSecondCallerIsBusy: a listener takes one publisher; a second caller is
// told the peer is busy while the first keeps streaming.
func TestSecondCallerIsBusy(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	_, rsub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Interval: 250 * time.Millisecond})
	waitEvent(t, rsub, EventConnecting, 5*time.Second, "listening")
	startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	waitEvent(t, rsub, EventConnected, 10*time.Second)
	second, ssub, _ := startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	waitEvent(t, ssub, EventRejected, 10*time.Second, "peer busy")
	if !errors.Is(second.LastError(), ErrPeerBusy) {
		t.Errorf("second caller error %v is not ErrPeerBusy", second.LastError())
	}
	waitEvent(t, rsub, EventRejected, 5*time.Second, "already connected")
	before := waitSample(t, rsub, 5*time.Second, "packets", func(s Sample) bool { return s.PktsRecv > 0 })
	waitSample(t, rsub, 5*time.Second, "more packets", func(s Sample) bool { return s.PktsRecv > before.PktsRecv && s.State == StateConnected })
}

// TestListenerOutlivesPublisher: after the publisher ends, the listener
// accepts the next one and counters continue.
func TestListenerOutlivesPublisher(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	r, rsub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Interval: 250 * time.Millisecond})
	waitEvent(t, rsub, EventConnecting, 5*time.Second, "listening")
	_, _, stopFirst := startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	waitEvent(t, rsub, EventConnected, 10*time.Second)
	first := waitSample(t, rsub, 10*time.Second, "packets", func(s Sample) bool { return s.PktsRecv > 100 })
	if err := stopFirst(); err != nil {
		t.Errorf("first sender: %v", err)
	}
	waitEvent(t, rsub, EventDisconnected, 10*time.Second, "closed the connection")
	startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	waitEvent(t, rsub, EventConnected, 10*time.Second)
	waitSample(t, rsub, 10*time.Second, "counters continuing", func(s Sample) bool { return s.PktsRecv > first.PktsRecv+100 })
	if got := r.Summary().Reconnects; got != 1 {
		t.Errorf("reconnects = %d, want 1", got)
	}
}

// TestCallerNoAnswer: nothing listens; the caller keeps trying with backoff
// and says so in words.
func TestCallerNoAnswer(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	r, sub, _ := startReceiver(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, ConnectTimeout: 300 * time.Millisecond}, ReceiverOptions{})
	waitEvent(t, sub, EventError, 5*time.Second, "no answer from 127.0.0.1:")
	waitEvent(t, sub, EventConnecting, 5*time.Second, "attempt 2")
	if !errors.Is(r.LastError(), ErrNoAnswer) {
		t.Errorf("LastError = %v", r.LastError())
	}
}

// TestPortInUse: a second listener on the same port fails with words.
func TestPortInUse(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	_, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{})
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
	r2, err := NewReceiver(Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err = r2.Run(ctx)
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), "already in use") {
		t.Errorf("second listener: %v", err)
	}
}

// stallingSink blocks its first Write until release is closed, so packets
// pile up in the receiver's sink queue.
type stallingSink struct {
	countingSink
	once    sync.Once
	stalled chan struct{} // closed when the first Write begins
	release chan struct{}
}

func (s *stallingSink) Write(p []byte) (int, error) {
	s.once.Do(func() {
		close(s.stalled)
		<-s.release
	})
	return s.countingSink.Write(p)
}

// TestSinkAccountsForQueueOnStop stops a receiver while its sink is stalled
// with packets queued: every received byte must end up either written to
// the sink or counted in SinkSkippedBytes, none silently dropped.
func TestSinkAccountsForQueueOnStop(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	sink := &stallingSink{stalled: make(chan struct{}), release: make(chan struct{})}
	r, sub, stopRecv := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Sink: sink})
	waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
	startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, true)
	select {
	case <-sink.stalled:
	case <-time.After(10 * time.Second):
		t.Fatal("the sink never received a write")
	}
	waitSample(t, sub, 10*time.Second, "50 packets queued behind the stalled sink", func(s Sample) bool { return s.PktsRecv >= 50 })

	stopped := make(chan error, 1)
	go func() { stopped <- stopRecv() }()
	waitEvent(t, sub, EventDisconnected, 10*time.Second, "session stopped")
	close(sink.release)
	if err := <-stopped; err != nil {
		t.Fatalf("receiver Run: %v", err)
	}
	sum := r.Summary()
	if sum.SinkSkippedBytes == 0 {
		t.Errorf("nothing counted as skipped although the sink was stalled at stop: %+v", sum)
	}
	if got := uint64(sink.total()) + sum.SinkSkippedBytes; got != sum.BytesRecv {
		t.Errorf("sink %d + skipped %d = %d bytes, received %d", sink.total(), sum.SinkSkippedBytes, got, sum.BytesRecv)
	}
}
