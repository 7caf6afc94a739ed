package session

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// TestLoopSplicer: three passes of a clip, as the looping sender sends
// them, are one clean stream for the analyser with the splicer (no CC, PCR
// or PTS errors, media time three times the clip's), and full of errors
// without it, so the check can fail.
func TestLoopSplicer(t *testing.T) {
	clips := []struct {
		name string
		data []byte
	}{
		{"demo", assets.DemoTS},
		{"demo-black", assets.DemoBlackTS},
	}
	for _, c := range clips {
		t.Run(c.name, func(t *testing.T) {
			src := bytes.NewReader(c.data)
			size := int64(len(c.data))
			tl, err := newMediaTimeline(src, size, 5e6)
			if err != nil {
				t.Fatal(err)
			}
			ls, err := newLoopSplicer(src, size, tl.duration)
			if err != nil {
				t.Fatal(err)
			}
			inspect := func(splice bool) probe.Report {
				a := probe.NewAnalyzer(t.Context(), probe.Options{})
				for loop := int64(0); loop < 3; loop++ {
					pass := bytes.Clone(c.data)
					if splice {
						// in send-sized chunks, as the sender does
						for off := 0; off < len(pass); off += sendChunk {
							ls.rewrite(pass[off:min(off+sendChunk, len(pass))], loop)
						}
					}
					_, _ = a.Write(pass) // never fails
				}
				a.Flush()
				return a.Report()
			}
			plain, spliced := inspect(false), inspect(true)
			if plain.TR101290.CCError == 0 {
				t.Fatalf("without the splicer the loop points gave no CC errors; the test proves nothing")
			}
			tr := spliced.TR101290
			if tr.CCError != 0 || tr.PCRDiscontinuityError != 0 || tr.PTSError != 0 || tr.PCRRepetitionError != 0 {
				t.Errorf("spliced loop: %+v (without the splicer: %+v)", tr, plain.TR101290)
			}
			if want := 3 * tl.duration; spliced.DurationS < want*0.97 || spliced.DurationS > want*1.03 {
				t.Errorf("spliced loop lasts %.2f s of media time, want about %.2f", spliced.DurationS, want)
			}
		})
	}
}

// probeSink feeds received bytes to a probe and says when it has seen want
// bytes.
type probeSink struct {
	mu      sync.Mutex
	a       *probe.Analyzer
	n, want int
	enough  chan struct{}
}

func (s *probeSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, _ = s.a.Write(p) // never fails
	if s.n < s.want && s.n+len(p) >= s.want {
		close(s.enough)
	}
	s.n += len(p)
	return len(p), nil
}

// TestLoopingSenderIsOneStream: a looping sender over a real loopback SRT
// session delivers three passes of a short clip that the probe reads as one
// clean stream.
func TestLoopingSenderIsOneStream(t *testing.T) {
	needTools(t, "ffmpeg")
	clip := filepath.Join(t.TempDir(), "short.ts")
	gen := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=1000", "-t", "1.2", "-c:v", "libx264", "-g", "10", "-c:a", "aac",
		"-f", "mpegts", "-muxrate", "1500000", clip)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	data, err := os.ReadFile(clip)
	if err != nil {
		t.Fatal(err)
	}
	sink := &probeSink{a: probe.NewAnalyzer(t.Context(), probe.Options{}), want: 3 * len(data), enough: make(chan struct{})}
	port := sessiontest.FreeUDPPort(t)
	_, rsub, stopR := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Sink: sink})
	waitEvent(t, rsub, EventConnecting, 5*time.Second, "listening")
	s, err := NewSender(Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}, bytes.NewReader(data), int64(len(data)), SenderOptions{Loop: true})
	if err != nil {
		t.Fatal(err)
	}
	stopS := sessiontest.RunInBackground(t, "sender", s.Run)
	select {
	case <-sink.enough:
	case <-time.After(20 * time.Second):
		sink.mu.Lock()
		n := sink.n
		sink.mu.Unlock()
		t.Fatalf("received %d of %d bytes within 20 s", n, sink.want)
	}
	if err := stopS(); err != nil {
		t.Errorf("sender: %v", err)
	}
	if err := stopR(); err != nil {
		t.Errorf("receiver: %v", err)
	}
	sink.mu.Lock()
	sink.a.Flush()
	rep := sink.a.Report()
	sink.mu.Unlock()
	tr := rep.TR101290
	if tr.CCError != 0 || tr.PCRDiscontinuityError != 0 || tr.PTSError != 0 {
		t.Errorf("three looped passes over SRT: %+v", tr)
	}
	if rep.DurationS < 3*1.1 {
		t.Errorf("media time %.2f s, want over 3.3 s for three passes of 1.2 s", rep.DurationS)
	}
}
