package tsrecord

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// TestSplitsBySizeAtRandomAccess feeds a synthetic stream in chunks that
// cut packets, with junk between two of them, into 1 MB segments: each
// segment is whole packets, splits just before a video key frame (not the
// audio one), starts with PAT and PMT, has no continuity error, and the
// segments hold exactly the stream's packets.
func TestSplitsBySizeAtRandomAccess(t *testing.T) {
	tests := []struct {
		name  string
		chunk int
		junk  int
	}{
		{"SRT payloads", 1316, 0},
		{"cut packets and junk", 1000, 50},
		{"every packet cut", 187, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			evs := make(events, 64)
			r, err := New(Options{Dir: dir, Feed: "cam1", SegmentBytes: MinSegmentBytes, OnEvent: evs.on})
			if err != nil {
				t.Fatal(err)
			}
			stop := start(t, r)
			var g tsGen
			var stream []byte
			for range 12 {
				stream = append(stream, g.gop(1000)...) // 188 kB a GOP
			}
			for off := 0; off < len(stream); off += tt.chunk {
				if off == 282_000 && tt.junk > 0 { // a packet boundary
					_, _ = r.Write(make([]byte, tt.junk))
				}
				_, _ = r.Write(stream[off:min(off+tt.chunk, len(stream))])
			}
			if err := stop(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			st := r.Stats()
			files := segmentFiles(t, dir)
			if st.State != StateStopped || st.Current != nil || len(st.Segments) != 2 || len(files) != 2 {
				t.Fatalf("stats %+v, files %q; want stopped with 2 finished segments", st, files)
			}
			if st.DiscardedBytes != int64(tt.junk) || st.SkippedBytes != 0 || st.UnrecordedBytes != 0 {
				t.Errorf("discarded %d skipped %d unrecorded %d, want %d, 0 and 0", st.DiscardedBytes, st.SkippedBytes, st.UnrecordedBytes, tt.junk)
			}
			var joined []byte
			var total int64
			for i, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				seg := st.Segments[i]
				if seg.Path != f || seg.Bytes != int64(len(b)) || seg.End.Before(seg.Start) {
					t.Errorf("segment %d is %+v, file %s has %d bytes", i, seg, f, len(b))
				}
				total += int64(len(b))
				if len(b)%ts.PacketSize != 0 {
					t.Fatalf("%s: %d bytes, not whole packets", f, len(b))
				}
				pids := []uint16{ts.HeaderOf(b).PID(), ts.HeaderOf(b[188:]).PID(), ts.HeaderOf(b[376:]).PID()}
				if !slices.Equal(pids, []uint16{0, pmtPID, videoPID}) {
					t.Errorf("%s starts with PIDs %v, want PAT, PMT, video", f, pids)
				}
				if i > 0 {
					if !ts.AdaptationOf(b[376:]).RandomAccess() {
						t.Errorf("%s: the video does not start at a random access point", f)
					}
					if len(b) < MinSegmentBytes/2 {
						t.Errorf("%s: %d bytes", f, len(b))
					}
					b = b[2*ts.PacketSize:] // the PAT and PMT copies
				} else if len(b) < MinSegmentBytes || len(b) > MinSegmentBytes+188_000 {
					t.Errorf("%s: %d bytes, want 1 MB up to the next key frame", f, len(b))
				}
				if errs := ccErrors(b); len(errs) != 0 {
					t.Errorf("%s: continuity errors %v", f, errs)
				}
				joined = append(joined, b...)
			}
			if !bytes.Equal(joined, stream) {
				t.Errorf("the segments hold %d bytes, not the %d of the stream", len(joined), len(stream))
			}
			if st.BytesWritten != total {
				t.Errorf("BytesWritten %d, files hold %d", st.BytesWritten, total)
			}
			var kinds []string
			for len(evs) > 0 {
				switch e := (<-evs).(type) {
				case SegmentOpened:
					kinds = append(kinds, "opened "+filepath.Base(e.Path))
				case SegmentClosed:
					kinds = append(kinds, "closed "+filepath.Base(e.Segment.Path))
				default:
					kinds = append(kinds, "other")
				}
			}
			want := []string{"opened " + filepath.Base(files[0]), "closed " + filepath.Base(files[0]), "opened " + filepath.Base(files[1]), "closed " + filepath.Base(files[1])}
			if !slices.Equal(kinds, want) {
				t.Errorf("events %q, want %q", kinds, want)
			}
		})
	}
}

// TestSplitsByDuration records a paced stream (one 75 kB GOP a second,
// a key frame each) on synctest's fake clock with 10 s segments: each
// segment starts within a GOP and a flush of its 10 s, is named by its
// start in UTC and spans about 10 s. No real time passes.
func TestSplitsByDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		r, err := New(Options{Dir: dir, Feed: "cam1", Segment: 10 * time.Second, SyncEvery: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		t0 := time.Now()
		var g tsGen
		for range 35 {
			_, _ = r.Write(g.gop(400))
			time.Sleep(time.Second)
		}
		synctest.Wait()
		st := r.Stats()
		if st.State != StateRecording || st.Current == nil || len(st.Segments) != 3 {
			t.Fatalf("after 35 s: %+v, want recording with 3 finished segments", st)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		st = r.Stats()
		if len(st.Segments) != 4 {
			t.Fatalf("%d segments after stop, want 4", len(st.Segments))
		}
		for i, s := range st.Segments {
			off := s.Start.Sub(t0)
			want := time.Duration(i) * 10 * time.Second
			if off < want || off > want+1500*time.Millisecond {
				t.Errorf("segment %d starts %v in, want %v plus at most a GOP and a flush", i, off, want)
			}
			wantName := Name{Feed: "cam1", Start: s.Start.UTC().Truncate(time.Second)}.String()
			if filepath.Base(s.Path) != wantName {
				t.Errorf("segment %d is %s, want %s", i, filepath.Base(s.Path), wantName)
			}
			if span := s.End.Sub(s.Start); i < 3 && (span < 9*time.Second || span > 11*time.Second) {
				t.Errorf("segment %d spans %v, want about 10 s", i, span)
			}
		}
		if got := filepath.Base(st.Segments[0].Path); got != "cam1_2000-01-01T00-00-00Z.ts" {
			t.Errorf("first segment %s, want it named after the fake clock's UTC start", got)
		}
	})
}

// TestSplitsByArrival: segments start and split by when the bytes were
// handed to Write, not by when Run got to them. Run is held up for 3 s
// before its first flush (an OnEvent that blocks, like a stalled disk
// would), while a paced stream (a GOP with a key frame every second)
// arrives for 25 s on synctest's fake clock: the segments still start at
// 0, 10 and 20 s, with the key frames that arrived then. Split by Run's
// clock, the first would start at 3.25 s and the second three GOPs late.
func TestSplitsByArrival(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dir := t.TempDir()
		var g tsGen
		if err := os.WriteFile(filepath.Join(dir, "cam1_1999-12-31T23-50-00Z.ts.part"), g.gop(3), 0o644); err != nil {
			t.Fatal(err)
		}
		stall := func(e Event) {
			if _, ok := e.(SegmentRecovered); ok {
				time.Sleep(3 * time.Second)
			}
		}
		r, err := New(Options{Dir: dir, Feed: "cam1", Segment: 10 * time.Second, OnEvent: stall})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- r.Run(ctx) }()
		t0 := time.Now()
		for range 25 {
			_, _ = r.Write(g.gop(400))
			time.Sleep(time.Second)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		st := r.Stats()
		if len(st.Recovered) != 1 || len(st.Segments) != 3 {
			t.Fatalf("%+v, want 1 recovered and 3 finished segments", st)
		}
		for i, s := range st.Segments {
			want := t0.Add(time.Duration(i) * 10 * time.Second)
			if !s.Start.Equal(want) {
				t.Errorf("segment %d starts %v in, want %v", i, s.Start.Sub(t0), want.Sub(t0))
			}
			if wantName := (Name{Feed: "cam1", Start: want.UTC()}).String(); filepath.Base(s.Path) != wantName {
				t.Errorf("segment %d is %s, want %s", i, filepath.Base(s.Path), wantName)
			}
			wantEnd := want.Add(10 * time.Second) // the PAT and PMT before the next key frame
			if i == 2 {
				wantEnd = t0.Add(24 * time.Second) // the last GOP
			}
			if !s.End.Equal(wantEnd) {
				t.Errorf("segment %d ends %v in, want %v", i, s.End.Sub(t0), wantEnd.Sub(t0))
			}
		}
	})
}

// TestQueueBoundsWrite: Write never waits for Run; what does not fit in
// the queue is skipped and counted, what fits is written, and bytes after
// the recording stopped are counted as unrecorded.
func TestQueueBoundsWrite(t *testing.T) {
	dir := t.TempDir()
	r, err := New(Options{Dir: dir, Feed: "cam1", QueueBytes: MinQueueBytes})
	if err != nil {
		t.Fatal(err)
	}
	var g tsGen
	chunk := g.gop(7) // 1316 bytes
	for range 100 {   // Run is not running: nothing drains the queue
		if n, err := r.Write(chunk); n != len(chunk) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	fit := MinQueueBytes / len(chunk)
	if st := r.Stats(); st.SkippedBytes != int64((100-fit)*len(chunk)) || st.State != StateIdle {
		t.Fatalf("skipped %d bytes in state %s, want %d in idle", st.SkippedBytes, st.State, (100-fit)*len(chunk))
	}
	stop := start(t, r)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	_, _ = r.Write(chunk)
	st := r.Stats()
	if st.State != StateStopped || st.BytesWritten != int64(fit*len(chunk)) || st.UnrecordedBytes != int64(len(chunk)) {
		t.Errorf("after stop: %+v; want %d bytes written, %d unrecorded", st, fit*len(chunk), len(chunk))
	}
}

// TestRecoversLeftovers: Run finishes the live segments of its feed that
// a killed run left (whole packets kept, renamed, never deleted with
// data), and leaves other feeds' and finished files alone.
func TestRecoversLeftovers(t *testing.T) {
	dir := t.TempDir()
	var g tsGen
	tenPackets := g.gop(10)
	files := []struct {
		name string
		data []byte
	}{
		{"cam1_2026-12-07T07-30-00Z.ts.part", append(slices.Clone(tenPackets), 1, 2, 3)}, // cut mid-packet
		{"cam1_2026-12-07T07-40-00Z.ts.part", nil},                                       // created, nothing written
		{"cam1_2026-12-07T07-50-00Z.ts.part", tenPackets},                                // its name is taken:
		{"cam1_2026-12-07T07-50-00Z.ts", tenPackets[:188]},
		{"cam2_2026-12-07T07-30-00Z.ts.part", tenPackets}, // another feed's: maybe live
		{"cam1_2026-12-07T07-20-00Z.ts", tenPackets},
		{"notes.txt", []byte("hello")},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	evs := make(events, 16)
	r, err := New(Options{Dir: dir, Feed: "cam1", OnEvent: evs.on})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	for range 2 {
		evs.wait(t, 10*time.Second, "SegmentRecovered", func(e Event) bool { _, ok := e.(SegmentRecovered); return ok })
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"cam1_2026-12-07T07-20-00Z.ts":      1880,
		"cam1_2026-12-07T07-30-00Z.ts":      1880,
		"cam1_2026-12-07T07-50-00Z.ts":      188,
		"cam1_2026-12-07T07-50-00Z_001.ts":  1880,
		"cam2_2026-12-07T07-30-00Z.ts.part": 1880,
		"notes.txt":                         5,
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, e := range ents {
		fi, _ := e.Info()
		got[e.Name()] = int(fi.Size())
	}
	if len(got) != len(want) {
		t.Errorf("dir holds %v, want %v", got, want)
	}
	for name, size := range want {
		if got[name] != size {
			t.Errorf("%s: %d bytes, want %d", name, got[name], size)
		}
	}
	st := r.Stats()
	if len(st.Recovered) != 2 || len(st.Segments) != 0 || st.Recovered[0].Bytes != 1880 ||
		!st.Recovered[0].Start.Equal(time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)) {
		t.Errorf("stats %+v", st)
	}
}

// TestRunOnce: a Recorder runs once, and one feed is recorded into one
// directory by one Recorder at a time.
func TestRunOnce(t *testing.T) {
	dir := t.TempDir()
	var g tsGen
	// A leftover: its recovery says that r's Run holds the feed.
	if err := os.WriteFile(filepath.Join(dir, "cam1_2026-12-07T07-30-00Z.ts.part"), g.gop(3), 0o644); err != nil {
		t.Fatal(err)
	}
	evs := make(events, 4)
	r, err := New(Options{Dir: dir, Feed: "cam1", OnEvent: evs.on})
	if err != nil {
		t.Fatal(err)
	}
	otherEvs := make(events, 4)
	other, err := New(Options{Dir: dir, Feed: "cam1", OnEvent: otherEvs.on})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	evs.wait(t, 10*time.Second, "SegmentRecovered", func(e Event) bool { _, ok := e.(SegmentRecovered); return ok })
	if err := r.Run(t.Context()); !errors.Is(err, ErrRunning) {
		t.Errorf("second Run: %v, want ErrRunning", err)
	}
	err = other.Run(t.Context())
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "cam1") {
		t.Errorf("Run of a second recorder of cam1: %v, want ErrInUse naming the feed", err)
	}
	if st := other.Stats(); st.State != StateFailed || st.Cause != err.Error() {
		t.Errorf("its stats %+v", st)
	}
	ev := otherEvs.wait(t, time.Second, "an event", func(Event) bool { return true })
	if f, ok := ev.(Failed); !ok || !errors.Is(f.Err, ErrInUse) {
		t.Errorf("its event %+v, want Failed with ErrInUse", ev)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestFailsWhenDirGoes: when the directory is removed under a recording,
// finishing the segment fails: Run returns the error (not a disk full),
// OnEvent hears Failed, the state is failed with the cause in words, and
// Write still takes bytes.
func TestFailsWhenDirGoes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	evs := make(events, 16)
	r, err := New(Options{Dir: dir, Feed: "cam1", SegmentBytes: MinSegmentBytes, OnEvent: evs.on})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, r)
	var g tsGen
	_, _ = r.Write(g.gop(1000))
	evs.wait(t, 10*time.Second, "SegmentOpened", func(e Event) bool { _, ok := e.(SegmentOpened); return ok })
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	for range 8 { // past 1 MB: the segment is finished
		_, _ = r.Write(g.gop(1000))
	}
	ev := evs.wait(t, 10*time.Second, "Failed", func(e Event) bool { _, ok := e.(Failed); return ok }).(Failed)
	err = stop()
	var dfe *DiskFullError
	if err == nil || !errors.Is(err, ev.Err) || errors.As(err, &dfe) || !strings.Contains(err.Error(), "tsrecord: finishing a segment") {
		t.Errorf("Run returned %v, event %v; want the same error about finishing the segment, not a full disk", err, ev.Err)
	}
	if st := r.Stats(); st.State != StateFailed || st.Cause != err.Error() {
		t.Errorf("stats %+v", st)
	}
	if n, err := r.Write(g.gop(7)); n != 7*188 || err != nil {
		t.Errorf("Write after the failure = %d, %v", n, err)
	}
}

// TestStatsJSON pins the field names the CLI summary and the API print.
func TestStatsJSON(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)
	seg := Segment{Path: "/rec/cam1_2026-12-07T07-30-00Z.ts", Bytes: 1880, Start: t0, End: t0.Add(10 * time.Minute)}
	st := Stats{State: StateFailed, Cause: "tsrecord: disk full: recording stopped: x (1880 bytes written)", Err: errors.New("x"),
		Dir: "/rec", Feed: "cam1", BytesWritten: 1880, Segments: []Segment{seg}}
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"state":"failed","cause":"tsrecord: disk full: recording stopped: x (1880 bytes written)","dir":"/rec","feed":"cam1",` +
		`"bytes_written":1880,"skipped_bytes":0,"discarded_bytes":0,"unrecorded_bytes":0,` +
		`"recordings":[{"path":"/rec/cam1_2026-12-07T07-30-00Z.ts","bytes":1880,"start":"2026-12-07T07:30:00Z","end":"2026-12-07T07:40:00Z"}]}`
	if string(b) != want {
		t.Errorf("Stats as JSON:\n%s\nwant\n%s", b, want)
	}
}
