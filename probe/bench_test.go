package probe

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/srtscope/srtscope/probe/ts"
)

// benchFile returns a 60 s 1080p25 8 Mbit/s H.264 + AAC TS, made once with
// ffmpeg in the temp dir (about 60 MB, never committed), or skips.
func benchFile(b *testing.B) []byte {
	b.Helper()
	path := filepath.Join(os.TempDir(), "srtscope-bench-1080p-8M-60s.ts")
	if _, err := os.Stat(path); err != nil {
		ff, err := exec.LookPath("ffmpeg")
		if err != nil {
			b.Skip("ffmpeg not found: cannot make the 60 s 1080p benchmark file")
		}
		tmp := path + ".part.ts"
		cmd := exec.Command(ff, "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
			"-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=25", "-f", "lavfi", "-i", "sine=f=1000:sample_rate=48000",
			"-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "8M", "-maxrate", "8M", "-bufsize", "4M",
			"-g", "50", "-c:a", "aac", "-b:a", "128k", "-f", "mpegts", tmp)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Skipf("ffmpeg failed to make the benchmark file: %v: %s", err, out)
		}
		if err := os.Rename(tmp, path); err != nil {
			b.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkHeaderLoop is the floor: read every 188-byte header and count
// packets per PID, nothing else.
func BenchmarkHeaderLoop(b *testing.B) {
	data := benchFile(b)
	var counts [ts.NumPIDs]uint64
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i+PacketSize <= len(data); i += PacketSize {
			if data[i] != ts.SyncByte {
				continue
			}
			counts[uint16(data[i+1]&0x1f)<<8|uint16(data[i+2])]++
		}
	}
}

// BenchmarkHeaderLoopTS is the packet layer's own floor: every header
// decoded with package ts, packets counted per PID, and every adaptation
// field read with its PCR, as the packet loop does.
func BenchmarkHeaderLoopTS(b *testing.B) {
	data := benchFile(b)
	var counts [ts.NumPIDs]uint64
	var pcrs ts.PCR
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i+PacketSize <= len(data); i += PacketSize {
			p := data[i : i+PacketSize]
			if p[0] != ts.SyncByte {
				continue
			}
			h := ts.HeaderOf(p)
			counts[h.PID()]++
			if h.HasAdaptation() {
				if af := ts.AdaptationOf(p); af.HasPCR() {
					pcrs += ts.PacketPCR(p)
				}
			}
		}
	}
	if pcrs == 0 {
		b.Fatal("no PCR read")
	}
}

func benchAnalyzer(b *testing.B, loopOnly bool, chunk int) {
	data := benchFile(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		a := NewAnalyzer(context.Background(), Options{})
		a.loopOnly = loopOnly
		for p := data; len(p) > 0; {
			n := min(chunk, len(p))
			_, _ = a.Write(p[:n])
			p = p[n:]
		}
		a.Flush()
		if r := a.Report(); !loopOnly && len(r.Programs) != 1 {
			b.Fatalf("programs %+v", r.Programs)
		}
	}
}

// BenchmarkPacketLoop is the own packet loop alone (sync, CC, rates, PCR,
// TR 101 290 timing) without PSI/PES parsing.
func BenchmarkPacketLoop(b *testing.B) { benchAnalyzer(b, true, 1<<20) }

// BenchmarkFullProbe is the whole analysis as `srtscope inspect --no-ffmpeg`
// runs it on a file (1 MiB reads).
func BenchmarkFullProbe(b *testing.B) { benchAnalyzer(b, false, 1<<20) }

// BenchmarkFullProbeLive feeds SRT-sized payloads (7 packets, 1316 bytes).
func BenchmarkFullProbeLive(b *testing.B) { benchAnalyzer(b, false, 1316) }

// TestZeroAllocsPerPacket: once the tables and codecs are known, the packet
// loop allocates nothing.
func TestZeroAllocsPerPacket(t *testing.T) {
	data := readFixture(t, "bars_tone.ts")
	a := NewAnalyzer(context.Background(), Options{})
	_, _ = a.Write(data)
	_, _ = a.Write(data)
	allocs := testing.AllocsPerRun(20, func() { _, _ = a.Write(data) })
	if allocs != 0 {
		t.Fatalf("%v allocations per %d packets, want 0", allocs, len(data)/PacketSize)
	}
}
