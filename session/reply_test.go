package session

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// byeSink answers the sender's last message ("bye") with "ack" through
// the receiver, the way the line test's far end reports a step.
type byeSink struct {
	r    *Receiver
	once sync.Once
	err  chan error
}

func (s *byeSink) Write(p []byte) (int, error) {
	if bytes.Contains(p, []byte("bye")) {
		s.once.Do(func() { s.err <- s.r.Reply([]byte("ack")) })
	}
	return len(p), nil
}

// TestReplies: data flows back from the receiver to a sender that reads it
// (SenderOptions.Replies): a greeting on connect, and the answer to what
// the sender's Epilogue writes after the input, before it closes.
func TestReplies(t *testing.T) {
	_, data := clipTS(t)
	port := sessiontest.FreeUDPPort(t)
	rcfg := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 120}
	sink := &byeSink{err: make(chan error, 1)}
	r, err := NewReceiver(rcfg, ReceiverOptions{Sink: sink})
	if err != nil {
		t.Fatal(err)
	}
	sink.r = r
	if err := r.Reply([]byte("too early")); !errors.Is(err, ErrNotConnected) {
		t.Fatalf("Reply before a connection: %v; want ErrNotConnected", err)
	}
	rsub := r.Subscribe(64, 64)
	stopRecv := sessiontest.RunInBackground(t, "receiver", r.Run)
	defer func() {
		if err := stopRecv(); err != nil {
			t.Error(err)
		}
	}()

	var mu sync.Mutex
	var got []string
	acked := make(chan struct{})
	opts := SenderOptions{
		Replies: func(msg []byte) {
			mu.Lock()
			got = append(got, string(msg))
			mu.Unlock()
			if string(msg) == "ack" {
				close(acked)
			}
		},
		Epilogue: func(ctx context.Context, write func([]byte) error) {
			if err := write([]byte("bye")); err != nil {
				t.Errorf("epilogue write: %v", err)
				return
			}
			select {
			case <-acked:
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Error("no answer to the epilogue within 5 s")
			}
		},
	}
	// One second of the clip is enough.
	s, err := NewSender(Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 120}, bytes.NewReader(data[:len(data)/5/188*188]), int64(len(data)/5/188*188), opts)
	if err != nil {
		t.Fatal(err)
	}
	ssub := s.Subscribe(64)
	stopSend := sessiontest.RunInBackground(t, "sender", s.Run)
	defer func() {
		if err := stopSend(); err != nil {
			t.Logf("sender: %v", err)
		}
	}()
	waitEvent(t, rsub, EventConnected, 10*time.Second)
	if err := r.Reply([]byte("hello")); err != nil {
		t.Fatalf("Reply: %v", err)
	}
	waitEvent(t, ssub, EventDisconnected, 20*time.Second, "end of input")
	if err := <-sink.err; err != nil {
		t.Fatalf("the receiver's answer: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 || got[0] != "hello" || got[1] != "ack" {
		t.Fatalf("the sender read %q; want hello then ack", got)
	}
}
