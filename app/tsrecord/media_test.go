package tsrecord

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSegmentsStartDecodable records an ffmpeg stream (H.264 with a key
// frame a second, AAC, 2.5 Mbit/s constant) in 1 MB segments: ffprobe
// reads each segment on its own, each one's first picture is a key frame,
// and together they decode every frame of the stream.
func TestSegmentsStartDecodable(t *testing.T) {
	needFFprobe(t)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("needs ffmpeg:", err)
	}
	src := filepath.Join(t.TempDir(), "src.ts")
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	gen := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25",
		"-f", "lavfi", "-i", "sine=frequency=1000:sample_rate=48000", "-t", "8",
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-c:a", "aac", "-muxrate", "2500k", "-f", "mpegts", src)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	stream, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	whole := ffprobe(t, src)

	dir := t.TempDir()
	r, err := New(Options{Dir: dir, Feed: "cam1", SegmentBytes: MinSegmentBytes})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	for off := 0; off < len(stream); off += 1316 {
		_, _ = r.Write(stream[off:min(off+1316, len(stream))])
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	files := segmentFiles(t, dir)
	if len(files) < 2 {
		t.Fatalf("%d segments of a %d-byte stream, want 2 or more", len(files), len(stream))
	}
	frames := 0
	for i, f := range files {
		p := ffprobe(t, f)
		key := firstPictureType(t, f)
		t.Logf("segment %d: %s, %.2f s, %d frames, first picture %s", i, filepath.Base(f), p.Duration, p.Frames, key)
		if p.Width != 320 || key != "I" {
			t.Errorf("%s: width %d, first picture %q; want 320 and a key frame", f, p.Width, key)
		}
		frames += p.Frames
	}
	if frames != whole.Frames {
		t.Errorf("the segments decode %d frames, the stream %d", frames, whole.Frames)
	}
}

// firstPictureType is the picture type (I, P, B) of the first video frame
// ffprobe decodes from path.
func firstPictureType(t testing.TB, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "quiet", "-f", "mpegts", "-select_streams", "v:0",
		"-read_intervals", "%+#1", "-show_entries", "frame=pict_type", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	first, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.Trim(first, " ,\r")
}
