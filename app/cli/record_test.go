package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/tsrecord"
	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// demoBytesPerSecond is the demo clip's constant rate (10.24 s long).
var demoBytesPerSecond = float64(len(assets.DemoTS)) / 10.24

// probeDuration is the media duration ffprobe reads from a TS file,
// decoding its video; it fails the test when ffprobe cannot read it.
func probeDuration(t *testing.T, path string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-f", "mpegts", "-count_frames", "-select_streams", "v:0",
		"-show_entries", "stream=nb_read_frames:format=duration", "-of", "json", path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v: %s", path, err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Logf("ffprobe %s said: %s", path, stderr.String())
	}
	var res struct {
		Streams []struct {
			Frames string `json:"nb_read_frames"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v in %s", path, err, out)
	}
	if n, _ := strconv.Atoi(res.Streams[0].Frames); n == 0 {
		t.Errorf("ffprobe %s: no video frame decoded", path)
	}
	d, _ := strconv.ParseFloat(res.Format.Duration, 64)
	return d
}

// sendDemo runs `srtscope send --demo --loop` to port until ctx ends or d
// has passed; cleanup waits for it.
func sendDemo(ctx context.Context, t *testing.T, port int, d time.Duration) {
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var o, e bytes.Buffer
		Run(ctx, []string{"send", fmt.Sprintf("srt://127.0.0.1:%d", port), "--demo", "--loop", "--duration", d.String()}, IO{Stdout: &o, Stderr: &e})
	}()
}

// TestWatchRecord: watch --record of a loopback `send --demo` writes 2 s
// segments that ffprobe plays; every JSON sample has the recording's row
// in "outputs" and the summary lists every segment, the last one
// included, with its size on disk.
func TestWatchRecord(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed")
	}
	in := sessiontest.FreeUDPPort(t)
	dir := filepath.Join(t.TempDir(), "rec")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	sendDemo(ctx, t, in, 9*time.Second)
	var out, errOut bytes.Buffer
	code := Run(ctx, []string{"watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&streamid=cam1", in), "--duration", "7s", "--format", "json",
		"--record", dir, "--segment", "2s"}, IO{Stdout: &out, Stderr: &errOut})
	if code != ExitOK {
		t.Fatalf("watch exit %d; stderr %s", code, errOut.String())
	}
	type row = map[string]any
	var summary row
	recRows := 0
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l row
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if s, ok := l["summary"].(row); ok {
			summary = s
			continue
		}
		outs, _ := l["outputs"].([]any)
		if len(outs) != 1 {
			t.Fatalf("sample line without the recording's row: %s", sc.Text())
		}
		r := outs[0].(row)
		for _, f := range []string{"kind", "state", "skipped_bytes", "url"} {
			if _, ok := r[f]; !ok {
				t.Errorf("record row without %q: %v", f, r)
			}
		}
		if r["kind"] == "record" && r["state"] == "recording" && r["bytes"].(float64) > 0 {
			recRows++
		}
	}
	if summary == nil || recRows < 3 {
		t.Fatalf("summary %v, %d sample lines with a recording row", summary, recRows)
	}
	segs, _ := summary["recordings"].([]any)
	if len(segs) < 2 {
		t.Fatalf("summary recordings %v: want the 2 s segments of 7 s", summary["recordings"])
	}
	var total float64
	for _, s := range segs {
		m := s.(row)
		path := m["path"].(string)
		fi, err := os.Stat(path)
		if err != nil || float64(fi.Size()) != m["bytes"].(float64) {
			t.Errorf("segment %v: on disk %v (%v)", m, fi, err)
			continue
		}
		if !strings.HasPrefix(filepath.Base(path), "cam1_") || !strings.HasSuffix(path, ".ts") || m["start"] == nil || m["end"] == nil {
			t.Errorf("segment %v: want cam1_TIME.ts with start and end", m)
		}
		total += m["bytes"].(float64)
		if d := probeDuration(t, path); d <= 0 {
			t.Errorf("segment %s plays %.2f s", path, d)
		}
	}
	if parts, _ := filepath.Glob(filepath.Join(dir, "*"+tsrecord.LiveSuffix)); len(parts) > 0 {
		t.Errorf("live segments left: %v", parts)
	}
	// What was recorded is what was received, give or take the PAT/PMT
	// copies at each segment's start and the packets before the first
	// key frame.
	if recv := summary["bytes_recv"].(float64); total < recv*0.8 || total > recv*1.05 {
		t.Errorf("segments hold %.0f bytes, the input received %.0f", total, recv)
	}
}

// TestWatchRecordUsage: --segment without --record, and bad values, are
// usage errors (exit 2) naming the flag, the value and what is allowed.
func TestWatchRecordUsage(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"segment without record", []string{"--segment", "10m"}, `--segment "10m" needs --record DIR`},
		{"segment not a duration", []string{"--record", dir, "--segment", "ten"}, `--segment "ten"`},
		{"segment too short", []string{"--record", dir, "--segment", "100ms"}, "1s to 24h"},
		{"size too small", []string{"--record", dir, "--segment", "10KB"}, `--segment "10KB"`},
		{"record with by-streamid", []string{"--record", dir, "--by-streamid"}, "--record with --by-streamid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := append([]string{"watch", "srt://:9000?mode=listener"}, tt.args...)
			if code := Run(context.Background(), args, IO{Stdout: &out, Stderr: &errOut}); code != ExitUsage {
				t.Errorf("exit %d, want %d; stderr %s", code, ExitUsage, errOut.String())
			}
			if !strings.Contains(errOut.String(), tt.want) {
				t.Errorf("stderr %q, want %q", errOut.String(), tt.want)
			}
		})
	}
}

// envWatchChild makes the test binary run `srtscope watch` with the
// arguments in the variable (one per line): the child of
// TestWatchRecordKilled, a process of its own to SIGKILL.
const envWatchChild = "SRTSCOPE_WATCH_CHILD_ARGS"

// TestWatchRecordChild is the child process; it does nothing otherwise.
func TestWatchRecordChild(t *testing.T) {
	args := os.Getenv(envWatchChild)
	if args == "" {
		t.Skip("the child of TestWatchRecordKilled")
	}
	os.Exit(Run(context.Background(), strings.Split(args, "\n"), IO{Stdout: os.Stdout, Stderr: os.Stderr}))
}

// TestWatchRecordKilled: a `srtscope watch --record` process killed with
// SIGKILL leaves its live .ts.part segment, which ffprobe plays up to
// within 1 s of what the last JSON sample said was received.
func TestWatchRecordKilled(t *testing.T) {
	if _, err := exec.LookPath("ffprobe"); err != nil {
		t.Skip("ffprobe not installed")
	}
	in := sessiontest.FreeUDPPort(t)
	dir := filepath.Join(t.TempDir(), "rec")
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestWatchRecordChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), envWatchChild+"="+strings.Join([]string{"watch",
		fmt.Sprintf("srt://127.0.0.1:%d?mode=listener&streamid=cam1", in), "--format", "json", "--record", dir}, "\n"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = cmd.Process.Kill()
		}
		<-waited
	})
	lines := make(chan map[string]any)
	go func() {
		defer close(waited)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var l map[string]any
			if json.Unmarshal(sc.Bytes(), &l) == nil {
				lines <- l
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		close(lines)
		_ = cmd.Wait()
	}()
	sendDemo(ctx, t, in, 20*time.Second)

	// Kill it once 4 s of samples show the recording going.
	var last map[string]any
	seen := 0
	for seen < 4 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("watch ended early; stderr %s", stderr.String())
			}
			if outs, _ := l["outputs"].([]any); len(outs) == 1 && outs[0].(map[string]any)["bytes"] != nil && l["bytes_recv"].(float64) > 0 {
				last = l
				seen++
			}
		case <-ctx.Done():
			t.Fatalf("no 4 samples of a recording; stderr %s", stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed = true
	for range lines { // until it has gone
	}
	parts, _ := filepath.Glob(filepath.Join(dir, "cam1_*"+tsrecord.LiveSuffix))
	if len(parts) != 1 {
		t.Fatalf("live segments %v: want the one the killed process wrote", parts)
	}
	received := last["bytes_recv"].(float64) / demoBytesPerSecond
	played := probeDuration(t, parts[0])
	t.Logf("last sample: %.0f bytes received (%.2f s of the demo); the .ts.part plays %.2f s", last["bytes_recv"].(float64), received, played)
	if played < received-1 {
		t.Errorf("the killed process's segment plays %.2f s, the last sample had received %.2f s: more than 1 s lost", played, received)
	}
}
