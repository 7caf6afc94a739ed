package tsrecord

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
)

// TestDiskFullStopsRecording records the demo clip (776 kB) onto a 256 kB
// tmpfs: the recording stops with a DiskFull event and a *DiskFullError
// naming the segment and the bytes written, the segment keeps what fitted
// in whole packets under its finished name and plays, and Write never
// fails or blocks, before or after.
func TestDiskFullStopsRecording(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("mounts a tmpfs: Linux only")
	}
	mnt := filepath.Join(t.TempDir(), "tiny")
	if err := os.Mkdir(mnt, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a 256 kB tmpfs to fill (needs root or CAP_SYS_ADMIN): %v: %s", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() { // before TempDir's removal
		if out, err := exec.Command("umount", mnt).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mnt, err, out)
		}
	})
	evs := make(events, 16)
	r, err := New(Options{Dir: mnt, Feed: "cam1", OnEvent: evs.on})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	const payload = 1316
	for off := 0; off+payload <= len(assets.DemoTS); off += payload {
		if n, err := r.Write(assets.DemoTS[off : off+payload]); n != payload || err != nil {
			t.Fatalf("Write = %d, %v; want %d, nil", n, err, payload)
		}
	}
	ev := evs.wait(t, 10*time.Second, "DiskFull", func(e Event) bool { _, ok := e.(DiskFull); return ok }).(DiskFull)
	err = stop()
	var dfe *DiskFullError
	if !errors.As(err, &dfe) || !errors.Is(err, syscall.ENOSPC) || dfe != ev.Err {
		t.Fatalf("Run returned %v, want the event's *DiskFullError wrapping ENOSPC", err)
	}
	if !strings.Contains(err.Error(), "disk full: recording stopped: "+dfe.Path) || ev.Path != dfe.Path || ev.BytesWritten != dfe.Written {
		t.Errorf("error %q, event %+v", err, ev)
	}
	st := r.Stats()
	if st.State != StateFailed || !errors.Is(st.Err, dfe) || st.Cause != err.Error() || st.Current != nil || len(st.Segments) != 1 {
		t.Fatalf("stats %+v, want failed with the error and one finished segment", st)
	}
	seg := st.Segments[0]
	if seg.Path != dfe.Path || seg.Bytes != dfe.Written || st.BytesWritten != dfe.Written || seg.Bytes < 200_000 {
		t.Errorf("segment %+v, error %+v, written %d", seg, dfe, st.BytesWritten)
	}
	data, err := os.ReadFile(seg.Path)
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(data)) != seg.Bytes || len(data)%188 != 0 || !bytes.Equal(data, assets.DemoTS[:len(data)]) {
		t.Errorf("%s holds %d bytes, want the stream's first %d in whole packets", seg.Path, len(data), seg.Bytes)
	}
	if files := segmentFiles(t, mnt); len(files) != 1 || files[0] != seg.Path {
		t.Errorf("files %q, want only %s (no live segment left)", files, seg.Path)
	}
	if p := ffprobe(t, seg.Path); p.Frames == 0 || p.Width == 0 {
		t.Errorf("ffprobe of the segment: %+v, want it to decode", p)
	}
	before := r.Stats().UnrecordedBytes
	if fed := int64(len(assets.DemoTS) / payload * payload); before != fed-seg.Bytes {
		t.Errorf("unrecorded %d bytes, want the %d fed less the %d in the file", before, fed, seg.Bytes)
	}
	if n, err := r.Write(assets.DemoTS[:payload]); n != payload || err != nil {
		t.Errorf("Write after the disk filled = %d, %v", n, err)
	}
	if got := r.Stats().UnrecordedBytes; got != before+payload {
		t.Errorf("unrecorded %d after one more payload, want %d", got, before+payload)
	}
	t.Logf("%v; %d bytes unrecorded", dfe, before)
}
