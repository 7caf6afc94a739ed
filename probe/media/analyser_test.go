package media

import (
	"bytes"
	"context"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe"
)

const tolerance = 0.25

type span struct {
	kind       string
	start, end float64
}

// checkEvents asserts that want spans are found (within tolerance) and that
// no kind listed in absent has any event.
func checkEvents(t *testing.T, got []probe.MediaEvent, want []span, absent []string) {
	t.Helper()
	t.Logf("events: %+v", got)
	for _, w := range want {
		found := false
		for _, g := range got {
			if g.Kind == w.kind && math.Abs(g.StartS-w.start) <= tolerance && math.Abs(g.EndS-w.end) <= tolerance {
				found = true
			}
		}
		if !found {
			t.Errorf("missing %s [%.2f, %.2f] in %+v", w.kind, w.start, w.end, got)
		}
	}
	for _, k := range absent {
		for _, g := range got {
			if g.Kind == k {
				t.Errorf("unexpected %s event %+v", k, g)
			}
		}
	}
}

func TestAnalyseFile(t *testing.T) {
	needFFmpeg(t)
	tests := []struct {
		name    string
		fixture string
		cfg     Config
		want    []span
		absent  []string
	}{
		{"black and silence", "bbs.ts", Config{},
			[]span{{KindBlack, 2, 5}, {KindSilence, 2, 5}, {KindFreeze, 2, 5}}, nil},
		{"black and silence light", "bbs.ts", Config{Light: true},
			[]span{{KindBlack, 2, 5}, {KindSilence, 2, 5}}, nil},
		{"frozen after 2 s", "freeze.ts", Config{},
			[]span{{KindFreeze, 2, 5}}, []string{KindBlack, KindSilence}},
		{"mp2 audio only", "mp2.ts", Config{},
			[]span{{KindSilence, 2, 5}}, []string{KindBlack, KindFreeze}},
		{"video only", "bbs.ts", Config{AudioPID: -1},
			[]span{{KindBlack, 2, 5}}, []string{KindSilence}},
		{"first 4.5 s only", "bbs.ts", Config{Duration: 4500 * time.Millisecond},
			[]span{{KindBlack, 2, 4.5}, {KindSilence, 2, 4.5}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := genFixture(t, tc.fixture)
			cfg := tc.cfg
			var mu sync.Mutex
			var thumbs []Thumbnail
			var levels []Levels
			cfg.OnThumbnail = func(th Thumbnail) { mu.Lock(); thumbs = append(thumbs, th); mu.Unlock() }
			cfg.OnLevels = func(l Levels) { mu.Lock(); levels = append(levels, l); mu.Unlock() }
			ev, err := AnalyseFile(context.Background(), path, cfg)
			if err != nil {
				t.Fatal(err)
			}
			checkEvents(t, ev, tc.want, tc.absent)
			for _, e := range ev {
				if e.EndS <= e.StartS {
					t.Errorf("event not closed: %+v", e)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.fixture != "mp2.ts" && len(thumbs) < 3 {
				t.Errorf("got %d thumbnails, want about one a second", len(thumbs))
			}
			if cfg.AudioPID == 0 && cfg.Duration == 0 && len(levels) < 40 {
				t.Errorf("got %d level readings for 7 s, want about 10 a second", len(levels))
			}
		})
	}
}

func TestSeveralAudioStreams(t *testing.T) {
	path := genFixture(t, "twoaudio.ts")
	pids := map[uint16]int{}
	var mu sync.Mutex
	ev, err := AnalyseFile(context.Background(), path, Config{
		OnLevels: func(l Levels) { mu.Lock(); pids[l.PID]++; mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	var silent []probe.MediaEvent
	for _, e := range ev {
		if e.Kind == KindSilence {
			silent = append(silent, e)
		}
	}
	if len(silent) != 1 || silent[0].PID != 0x102 || silent[0].StartS > tolerance || silent[0].EndS < 5-tolerance {
		t.Errorf("silence events %+v, want one on PID 0x102 over [0, 5]", silent)
	}
	mu.Lock()
	defer mu.Unlock()
	if pids[0x101] < 30 || pids[0x102] < 30 {
		t.Errorf("level readings per PID %v, want both streams", pids)
	}
}

func TestThumbnailAndLevels(t *testing.T) {
	path := genFixture(t, "bbs.ts")
	var mu sync.Mutex
	var thumbs []Thumbnail
	var levels []Levels
	_, err := AnalyseFile(context.Background(), path, Config{
		OnThumbnail: func(th Thumbnail) { mu.Lock(); thumbs = append(thumbs, th); mu.Unlock() },
		OnLevels:    func(l Levels) { mu.Lock(); levels = append(levels, l); mu.Unlock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(thumbs) == 0 {
		t.Fatal("no thumbnail")
	}
	th := thumbs[0]
	if n := len(th.JPEG); n < 1000 || n > 200_000 {
		t.Errorf("thumbnail is %d bytes, implausible for 320x180", n)
	}
	img, err := jpeg.Decode(bytes.NewReader(th.JPEG))
	if err != nil {
		t.Fatalf("thumbnail does not decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 180 {
		t.Errorf("thumbnail is %v, want 320x180", b)
	}
	if th.PID != 0x100 {
		t.Errorf("thumbnail PID %#x, want 0x100", th.PID)
	}

	tests := []struct {
		name     string
		from, to float64
		rms      float64
		peak     float64
	}{
		{"tone", 0.5, 1.8, -20, -17},
		{"silence", 2.3, 4.7, FloorDB, FloorDB},
		{"tone again", 5.3, 6.8, -20, -17},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			for _, l := range levels {
				if l.TimeS < tc.from || l.TimeS > tc.to {
					continue
				}
				n++
				if len(l.RMSdB) != 2 || len(l.PeakdB) != 2 {
					t.Fatalf("levels %+v: want 2 channels", l)
				}
				for ch := range 2 {
					if math.Abs(l.RMSdB[ch]-tc.rms) > 1 || math.Abs(l.PeakdB[ch]-tc.peak) > 1 {
						t.Errorf("t=%.2f ch%d rms %.1f peak %.1f, want about %.0f / %.0f",
							l.TimeS, ch, l.RMSdB[ch], l.PeakdB[ch], tc.rms, tc.peak)
					}
				}
			}
			if n < 5 {
				t.Errorf("only %d readings in [%.1f, %.1f]", n, tc.from, tc.to)
			}
		})
	}
}

// feedFile writes a file to w in SRT-sized chunks.
func feedFile(t *testing.T, w interface{ Write([]byte) (int, error) }, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for len(data) > 0 {
		n := min(1316, len(data))
		if _, err := w.Write(data[:n]); err != nil {
			t.Fatal(err)
		}
		data = data[n:]
	}
}

func TestAnalyserLive(t *testing.T) {
	path := genFixture(t, "bbs.ts")
	var mu sync.Mutex
	var starts []Event
	a, err := New(Config{OnEvent: func(e Event) {
		if e.EndS == 0 {
			mu.Lock()
			starts = append(starts, e)
			mu.Unlock()
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	feedFile(t, a, path)
	a.CloseInput()
	if err := a.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkEvents(t, a.Events(), []span{{KindBlack, 2, 5}, {KindSilence, 2, 5}, {KindFreeze, 2, 5}}, []string{KindGap})
	st := a.Stats()
	if st.BytesSkipped != 0 || st.Restarts != 0 || st.VideoPID != 0x100 || len(st.AudioPIDs) != 1 || st.AudioPIDs[0] != 0x101 {
		t.Errorf("stats %+v", st)
	}
	if _, ok := a.Thumbnail(); !ok {
		t.Error("no thumbnail")
	}
	mu.Lock()
	defer mu.Unlock()
	kinds := map[string]bool{}
	for _, e := range starts {
		kinds[e.Kind] = true
	}
	for _, k := range []string{KindBlack, KindFreeze, KindSilence} {
		if !kinds[k] {
			t.Errorf("no start event for %s (got %+v)", k, starts)
		}
	}
	if _, err := a.Write([]byte{0x47}); err == nil {
		t.Error("Write after end of input should fail")
	}
}

func TestCloseWithoutData(t *testing.T) {
	needFFmpeg(t)
	tests := []struct {
		name  string
		start bool
	}{{"never started", false}, {"started, no data yet", true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.start {
				a.Start(context.Background())
			}
			if err := a.Close(); err != nil {
				t.Fatalf("Close = %v, want nil", err)
			}
			if err := a.Close(); err != nil {
				t.Fatalf("second Close = %v, want nil", err)
			}
		})
	}
}

func TestQueueNeverBlocks(t *testing.T) {
	needFFmpeg(t)
	a, err := New(Config{QueueBytes: 188 * 10})
	if err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 188*7)
	for range 100 {
		if n, err := a.Write(pkt); n != len(pkt) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	st := a.Stats()
	if st.BytesIn != 100*188*7 || st.BytesSkipped != 99*188*7 {
		t.Errorf("stats %+v: want 1 chunk kept, 99 skipped", st)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
}

// children lists the process IDs of this process's children.
func children(t *testing.T) []string {
	t.Helper()
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	var out []string
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		if err == nil {
			out = append(out, strings.Fields(string(b))...)
		}
	}
	return out
}

func TestAnalyserStopsOnCancel(t *testing.T) {
	path := genFixture(t, "bbs.ts")
	first, firstThumb := make(chan struct{}), make(chan struct{})
	var once, onceThumb sync.Once
	a, err := New(Config{
		OnLevels:    func(Levels) { once.Do(func() { close(first) }) },
		OnThumbnail: func(Thumbnail) { onceThumb.Do(func() { close(firstThumb) }) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := len(children(t))
	a.Start(ctx)
	feedFile(t, a, path) // input stays open: ffmpeg keeps waiting for more
	<-first
	<-firstThumb // thumbnails are flushed as they come, not held in a buffer
	if !a.Stats().Running {
		t.Error("ffmpeg not running while levels arrive")
	}
	cancel()
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	for _, e := range a.Events() {
		if e.EndS == 0 {
			t.Errorf("event left open after stop: %+v", e)
		}
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if after := children(t); len(after) > before {
		t.Errorf("child processes left behind: %v", after)
	}
}

func TestAnalyserRestartsFFmpeg(t *testing.T) {
	path := genFixture(t, "bbs.ts")
	dir := t.TempDir()
	// A wrapper that fails the first time it is run, then runs ffmpeg.
	marker := filepath.Join(dir, "ran-once")
	wrapper := filepath.Join(dir, "ffmpeg-flaky")
	script := "#!/bin/sh\nif [ ! -e " + marker + " ]; then touch " + marker + "; exit 1; fi\nexec ffmpeg \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	gap := make(chan Event, 4)
	a, err := New(Config{FFmpegPath: wrapper, RestartMin: 1, OnEvent: func(e Event) {
		if e.Kind == KindGap {
			gap <- e
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	feedFile(t, a, path) // all queued before Run, so the restart drains all of it
	a.Start(context.Background())
	defer func() { _ = a.Close() }()
	g := <-gap
	if g.EndS != 0 {
		t.Errorf("first gap report should be its start, got %+v", g)
	}
	g = <-gap
	if g.EndS < g.StartS {
		t.Errorf("gap end %+v", g)
	}
	// What was queued while ffmpeg was down is skipped; the feed goes on.
	feedFile(t, a, path)
	a.CloseInput()
	if err := a.Wait(); err != nil {
		t.Fatal(err)
	}
	st := a.Stats()
	if st.Restarts != 1 || st.LastError == "" || st.BytesSkipped == 0 {
		t.Errorf("stats %+v: want one restart with its reason and skipped bytes", st)
	}
	off := g.EndS // media time restarts at the gap's end
	checkEvents(t, a.Events(), []span{{KindGap, g.StartS, g.EndS}, {KindBlack, off + 2, off + 5}}, nil)
}

func TestNoFFmpeg(t *testing.T) {
	_, err := New(Config{FFmpegPath: filepath.Join(t.TempDir(), "no-such-ffmpeg")})
	if err == nil || !strings.Contains(err.Error(), "ffmpeg not found") {
		t.Fatalf("err = %v, want ErrNoFFmpeg", err)
	}
	if _, err := AnalyseFile(context.Background(), "x.ts", Config{FFmpegPath: "/nonexistent/ffmpeg"}); err == nil {
		t.Fatal("AnalyseFile without ffmpeg should fail")
	}
}
