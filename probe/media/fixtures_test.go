package media

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Tone amplitude for fixtures: peak -17 dBFS, so a sine's RMS is -20 dBFS.
const toneAmp = "0.14125"

// fixture describes one generated input and how ffmpeg makes it.
type fixture struct {
	args []string
}

var fixtures = map[string]fixture{
	// 2 s moving pattern + tone, 3 s black + silence, 2 s pattern + tone.
	// Truth: black, freeze and silence over [2, 5].
	"bbs.ts": {args: []string{
		"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=2",
		"-f", "lavfi", "-i", "color=black:s=640x360:r=25:d=3",
		"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=2",
		"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t)|" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=2",
		"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=3",
		"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t)|" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=2",
		"-filter_complex", "[0:v][1:v][2:v]concat=n=3:v=1:a=0,format=yuv420p[v];[3:a][4:a][5:a]concat=n=3:v=0:a=1[a]",
		"-map", "[v]", "-map", "[a]", "-c:v", "libx264", "-g", "25", "-preset", "veryfast",
		"-c:a", "aac", "-b:a", "128k", "-f", "mpegts"}},
	// Moving pattern for 2 s, then the last picture held for 3 s; tone
	// throughout. Truth: freeze over [2, 5], no black, no silence.
	"freeze.ts": {args: []string{
		"-f", "lavfi", "-i", "testsrc2=s=640x360:r=25:d=2",
		"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=5",
		"-vf", "tpad=stop_mode=clone:stop_duration=3,format=yuv420p",
		"-c:v", "libx264", "-g", "25", "-preset", "veryfast", "-c:a", "aac", "-f", "mpegts"}},
	// Two audio streams: 0x101 a tone, 0x102 silent throughout (5 s).
	"twoaudio.ts": {args: []string{
		"-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=5",
		"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=5",
		"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=5",
		"-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "libx264", "-preset", "veryfast",
		"-pix_fmt", "yuv420p", "-c:a", "aac", "-f", "mpegts"}},
	// MP2 in TS, audio only: 2 s tone, 3 s silence, 2 s tone.
	"mp2.ts": {args: []string{
		"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t)|" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=2",
		"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=3",
		"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t)|" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=2",
		"-filter_complex", "[0:a][1:a][2:a]concat=n=3:v=0:a=1[a]", "-map", "[a]",
		"-c:a", "mp2", "-b:a", "192k", "-f", "mpegts"}},
	// Raw MP2 elementary streams.
	"tone.mp2":    {args: []string{"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t):s=48000:d=1", "-c:a", "mp2", "-b:a", "128k", "-f", "mp2"}},
	"silence.mp2": {args: []string{"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=1", "-c:a", "mp2", "-b:a", "192k", "-f", "mp2"}},
	// Raw AAC (ADTS) elementary streams.
	"tone.aac":    {args: []string{"-f", "lavfi", "-i", "aevalsrc=" + toneAmp + "*sin(2*PI*1000*t)|0.05*sin(2*PI*440*t):s=48000:d=1", "-c:a", "aac", "-f", "adts"}},
	"silence.aac": {args: []string{"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo:d=1", "-c:a", "aac", "-f", "adts"}},
	"mono.aac":    {args: []string{"-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=1", "-c:a", "aac", "-f", "adts"}},
}

var (
	fixtureDir  string
	fixtureMu   sync.Mutex
	fixtureMade = map[string]error{}
)

// TestMain makes one temporary directory for the generated inputs of the
// whole run and removes it afterwards.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "media-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtureDir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func needFFmpeg(t testing.TB) {
	t.Helper()
	if !Available() {
		t.Skip("ffmpeg not on PATH")
	}
}

// genFixture generates the named input once per test run and returns its path.
func genFixture(t testing.TB, name string) string {
	t.Helper()
	needFFmpeg(t)
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	out := filepath.Join(fixtureDir, name)
	if err, ok := fixtureMade[name]; ok {
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	f, ok := fixtures[name]
	if !ok {
		t.Fatalf("no fixture %q", name)
	}
	args := append([]string{"-hide_banner", "-loglevel", "error", "-y"}, f.args...)
	args = append(args, out)
	b, err := exec.Command("ffmpeg", args...).CombinedOutput()
	if err != nil {
		err = fmt.Errorf("generating %s: %w: %s", name, err, b)
	}
	fixtureMade[name] = err
	if err != nil {
		t.Fatal(err)
	}
	return out
}
