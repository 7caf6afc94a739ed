package tsrecord

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
)

// demoSeconds is the length of assets.DemoTS, a constant-rate clip.
const demoSeconds = 10.24

// killAt is how many seconds of media the child is fed before it is
// killed: between two of its flushes (every 250 ms), not just after one.
const killAt = 4.13

// envKillChild makes the test binary the child of
// TestKilledProcessLeavesPlayableSegment: it records into the directory
// the variable names.
const envKillChild = "TSRECORD_KILL_CHILD_DIR"

// probed is what ffprobe says of a TS file.
type probed struct {
	Duration float64 // of the file (format duration), seconds
	Frames   int     // video frames decoded
	Width    int
}

// ffprobe reads path as MPEG-TS and decodes its video.
func ffprobe(t testing.TB, path string) probed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "quiet", "-f", "mpegts", "-count_frames",
		"-select_streams", "v:0", "-show_entries", "stream=nb_read_frames,width:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct {
		Streams []struct {
			Frames string `json:"nb_read_frames"`
			Width  int    `json:"width"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v in %s", path, err, out)
	}
	var p probed
	p.Duration, _ = strconv.ParseFloat(res.Format.Duration, 64)
	p.Frames, _ = strconv.Atoi(res.Streams[0].Frames)
	p.Width = res.Streams[0].Width
	return p
}

func needFFprobe(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("needs ffprobe (ffmpeg package):", err)
	}
}

// TestKilledProcessLeavesPlayableSegment runs a Recorder in a child
// process fed with the demo clip at its real-time pace, kills it with
// SIGKILL after killAt (4.13 s) of media, and checks that the live
// segment it left plays for what was fed less at most 1 s (ffprobe's
// duration and decoded frames), then that the next Run recovers it with
// all its data.
func TestKilledProcessLeavesPlayableSegment(t *testing.T) {
	if dir := os.Getenv(envKillChild); dir != "" {
		killChild(dir)
		return
	}
	needFFprobe(t)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledProcessLeavesPlayableSegment$")
	cmd.Env = append(os.Environ(), envKillChild+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var waitOnce sync.Once
	wait := func() { waitOnce.Do(func() { _ = cmd.Wait() }) } // the kill is its error
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		wait()
	})
	guard := time.AfterFunc(30*time.Second, func() { _ = cmd.Process.Kill() }) // however it goes, it ends
	defer guard.Stop()

	rate := float64(len(assets.DemoTS)) / demoSeconds // bytes a second
	fed := 0
	sc := bufio.NewScanner(out)
	killed := false
	for sc.Scan() { // to the end of the output: the child's death
		n, ok := strings.CutPrefix(sc.Text(), "fed ")
		if !ok {
			continue
		}
		fed, _ = strconv.Atoi(n)
		if !killed && float64(fed) >= killAt*rate {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	wait()
	if float64(fed) < killAt*rate {
		t.Fatalf("the child fed only %d bytes", fed)
	}

	files := segmentFiles(t, dir)
	if len(files) != 1 || !strings.HasSuffix(files[0], Ext+LiveSuffix) {
		t.Fatalf("left %q, want one live segment", files)
	}
	left, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(left)%188 != 0 || string(left) != string(assets.DemoTS[:len(left)]) {
		t.Fatalf("the live segment's %d bytes are not the fed stream's first packets", len(left))
	}
	lostS := float64(fed-len(left)) / rate
	t.Logf("fed %d bytes (%.2f s), the killed recorder left %d (%.2f s lost)", fed, float64(fed)/rate, len(left), lostS)
	if lostS > 1 {
		t.Errorf("lost %.2f s of media, want at most 1 s", lostS)
	}

	fedFile := filepath.Join(t.TempDir(), "fed.ts")
	if err := os.WriteFile(fedFile, assets.DemoTS[:fed], 0o644); err != nil {
		t.Fatal(err)
	}
	want, got := ffprobe(t, fedFile), ffprobe(t, files[0])
	t.Logf("ffprobe: fed %.2f s / %d frames, segment %.2f s / %d frames", want.Duration, want.Frames, got.Duration, got.Frames)
	if math.Abs(want.Duration-got.Duration) > 1 || got.Frames < want.Frames-25 || got.Width == 0 {
		t.Errorf("the segment plays %.2f s (%d frames), the fed stream %.2f s (%d frames): want within 1 s", got.Duration, got.Frames, want.Duration, want.Frames)
	}

	// The next run of the feed finishes the segment with all its data.
	evs := make(events, 4)
	r, err := New(Options{Dir: dir, Feed: "killed", OnEvent: evs.on})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	ev := evs.wait(t, 10*time.Second, "SegmentRecovered", func(e Event) bool { _, ok := e.(SegmentRecovered); return ok })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	rec := ev.(SegmentRecovered)
	if rec.From != files[0] || rec.Segment.Path != strings.TrimSuffix(files[0], LiveSuffix) || rec.Segment.Bytes != int64(len(left)) {
		t.Errorf("recovered %+v, want %s as .ts with %d bytes", rec, files[0], len(left))
	}
	if p := ffprobe(t, rec.Segment.Path); p.Frames != got.Frames {
		t.Errorf("the recovered segment decodes %d frames, the live one did %d", p.Frames, got.Frames)
	}
}

// killChild records the demo clip, paced at its real-time rate in
// 1316-byte payloads like SRT's, into dir, and prints "fed N" after each
// payload handed to Write, until it is killed (or 20 s have passed).
func killChild(dir string) {
	r, err := New(Options{Dir: dir, Feed: "killed"})
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() { _ = r.Run(ctx) }()
	rate := float64(len(assets.DemoTS)) / demoSeconds
	const payload = 1316
	tick := time.NewTicker(10 * time.Millisecond) // pacing, not synchronisation
	defer tick.Stop()
	t0 := time.Now()
	fed := 0
	for fed+payload <= len(assets.DemoTS) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		due := int(time.Since(t0).Seconds() * rate)
		for fed+payload <= min(due, len(assets.DemoTS)) {
			_, _ = r.Write(assets.DemoTS[fed : fed+payload])
			fed += payload
			fmt.Printf("fed %d\n", fed)
		}
	}
	<-ctx.Done()
}
