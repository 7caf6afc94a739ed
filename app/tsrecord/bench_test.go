package tsrecord

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/srtscope/srtscope/assets"
)

// BenchmarkWriteRun measures recording: Write of 1316-byte payloads (SRT's)
// and Run writing them to segment files of 100 MB in a temporary
// directory. One op is one second of a feed at 8 or 50 Mbit/s; MB/s is
// the recorder's throughput, x-realtime how many such feeds one core
// could record, allocs/op what recording costs the garbage collector.
// Each op ends when Run has written the second out (no bytes skipped).
//
//	go test ./app/tsrecord/ -run '^$' -bench WriteRun -benchtime 2s
func BenchmarkWriteRun(b *testing.B) {
	const payload = 1316
	src := bytes.Repeat(assets.DemoTS, payload/188) // a whole number of payloads
	for _, mbps := range []int{8, 50} {
		b.Run(fmt.Sprintf("%dMbps", mbps), func(b *testing.B) {
			perOp := mbps * 1_000_000 / 8 / payload
			r, err := New(Options{Dir: b.TempDir(), Feed: "bench", SegmentBytes: 100_000_000})
			if err != nil {
				b.Fatal(err)
			}
			stepped := make(chan struct{}, 1)
			r.afterStep = func() {
				select {
				case stepped <- struct{}{}:
				default:
				}
			}
			stop := start(b, r)
			b.SetBytes(int64(perOp * payload))
			b.ReportAllocs()
			off, want := 0, int64(0)
			second := func() { // one second of the feed, written out
				for range perOp {
					_, _ = r.Write(src[off : off+payload])
					off = (off + payload) % len(src)
				}
				want += int64(perOp * payload)
				r.wake <- struct{}{}                // write it out now, not at the next tick
				for r.Stats().BytesWritten < want { // PAT/PMT copies make it a few packets early
					<-stepped
				}
			}
			for range 5 { // the queue's two buffers grow to their size once
				second()
			}
			for b.Loop() {
				second()
			}
			b.StopTimer()
			if err := stop(); err != nil {
				b.Fatal(err)
			}
			st := r.Stats()
			b.ReportMetric(float64(b.N)*1e9/float64(b.Elapsed().Nanoseconds()), "x-realtime")
			if st.SkippedBytes != 0 {
				b.Errorf("skipped %d bytes", st.SkippedBytes)
			}
		})
	}
}

// BenchmarkPlainWrite is the yardstick for BenchmarkWriteRun, in the same
// run: the same payloads written straight to one file with one write(2)
// each, as a recorder on the feed's own goroutine would (it blocks the
// feed whenever the disk does, and neither splits nor looks at packets).
func BenchmarkPlainWrite(b *testing.B) {
	const payload = 1316
	src := bytes.Repeat(assets.DemoTS, payload/188)
	for _, mbps := range []int{8, 50} {
		b.Run(fmt.Sprintf("%dMbps", mbps), func(b *testing.B) {
			perOp := mbps * 1_000_000 / 8 / payload
			f, err := os.Create(filepath.Join(b.TempDir(), "plain.ts"))
			if err != nil {
				b.Fatal(err)
			}
			defer func() { _ = f.Close() }()
			b.SetBytes(int64(perOp * payload))
			b.ReportAllocs()
			off := 0
			for b.Loop() {
				for range perOp {
					if _, err := f.Write(src[off : off+payload]); err != nil {
						b.Fatal(err)
					}
					off = (off + payload) % len(src)
				}
			}
			b.ReportMetric(float64(b.N)*1e9/float64(b.Elapsed().Nanoseconds()), "x-realtime")
		})
	}
}
