package media

import (
	"context"
	"syscall"
	"testing"
	"time"
)

func init() {
	// 20 s of 1080p25 H.264 at about 8 Mbit/s with AAC, for the CPU figures.
	fixtures["hd1080p25.ts"] = fixture{args: []string{
		"-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=25:d=20",
		"-f", "lavfi", "-i", "sine=f=1000:r=48000:d=20",
		"-c:v", "libx264", "-preset", "veryfast", "-b:v", "8M", "-maxrate", "8M", "-bufsize", "4M",
		"-g", "50", "-pix_fmt", "yuv420p", "-c:a", "aac", "-ac", "2", "-b:a", "128k", "-f", "mpegts"}}
}

func childCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkFFmpegCPU reports the CPU seconds ffmpeg spends per second of a
// 1080p25 feed (cpu-s/media-s), in full and light mode. Only ffmpeg's own
// CPU time is counted (getrusage of reaped children), so the figure holds
// whether the feed arrives in real time or as fast as possible.
func BenchmarkFFmpegCPU(b *testing.B) {
	path := genFixture(b, "hd1080p25.ts")
	const mediaS = 20.0
	for _, light := range []bool{false, true} {
		name := "full"
		if light {
			name = "light"
		}
		b.Run(name, func(b *testing.B) {
			var cpu time.Duration
			for b.Loop() {
				before := childCPU()
				if _, err := AnalyseFile(context.Background(), path, Config{Light: light}); err != nil {
					b.Fatal(err)
				}
				cpu += childCPU() - before
			}
			b.ReportMetric(cpu.Seconds()/mediaS/float64(b.N), "cpu-s/media-s")
		})
	}
}
