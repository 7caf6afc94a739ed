package tsrecord

import (
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/probe/ts"
)

var sizeRE = regexp.MustCompile(`^([0-9]+(?:\.[0-9]{1,3})?)(MB|GB|TB|MiB|GiB|TiB)$`)

// FuzzParseSegment checks ParseSegment against a slow oracle: a size is
// floor(number x unit) by exact rational arithmetic, a duration is
// time.ParseDuration's without a sign; either is accepted exactly when it
// is in range, and a refusal is an *OptionError naming --segment.
func FuzzParseSegment(f *testing.F) {
	for _, s := range []string{"10m", "1h30m", "500MB", "1.5GB", "2GiB", "0.001TB", "1TiB", "999ms", "-10m", "+1h",
		"10", "", "1e3MB", "1.GB", ".5GB", "00000000000001MB", "9223372036854775807MB", "1µs", "24h0m0.000000001s"} {
		f.Add(s)
	}
	units := map[string]int64{"MB": 1e6, "GB": 1e9, "TB": 1e12, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := ParseSegment(s)
		var want Bound
		ok := false
		if m := sizeRE.FindStringSubmatch(s); m != nil {
			num, _ := new(big.Rat).SetString(m[1])
			n := new(big.Int).Quo(new(big.Rat).Mul(num, new(big.Rat).SetInt64(units[m[2]])).Num(),
				new(big.Rat).Mul(num, new(big.Rat).SetInt64(units[m[2]])).Denom())
			ok = n.Cmp(big.NewInt(MinSegmentBytes)) >= 0 && n.Cmp(big.NewInt(MaxSegmentBytes)) <= 0
			if ok {
				want.Bytes = n.Int64()
			}
		} else if d, derr := time.ParseDuration(s); derr == nil && !strings.ContainsAny(s, "+-") {
			ok = d >= MinSegment && d <= MaxSegment
			want.Duration = d
		}
		if ok != (err == nil) || ok && b != want {
			t.Fatalf("ParseSegment(%q) = %+v, %v; the oracle says %+v, ok %v", s, b, err, want, ok)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "tsrecord: --segment ") {
			t.Fatalf("ParseSegment(%q) error %q", s, err)
		}
	})
}

// FuzzRecord feeds any bytes, cut into chunks of any size, through the
// packet loop with tiny segments (so the PSI tracking, random access
// checks and PAT/PMT copies run on whatever the fuzzer makes): every file
// is whole packets, each starting with the sync byte, the files hold what
// was written, and every byte fed is either in a file or counted as
// discarded.
func FuzzRecord(f *testing.F) {
	var g tsGen
	f.Add(g.gop(20), uint16(1316))
	f.Add(append(g.gop(9), append([]byte{1, 2, 3}, g.gop(12)...)...), uint16(100))
	f.Add(assets.DemoTS[:64*188], uint16(187))
	f.Add([]byte{0x47, 0x47, 0x47}, uint16(1))
	base := ""
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm" // a tmpfs: the fsync of each finished segment costs nothing
	}
	f.Fuzz(func(t *testing.T, data []byte, chunk uint16) {
		var dir string
		if base == "" {
			dir = t.TempDir()
		} else {
			var err error
			if dir, err = os.MkdirTemp(base, "tsrecord-fuzz-"); err != nil {
				t.Fatal(err)
			}
			defer func() { _ = os.RemoveAll(dir) }()
		}
		o := Options{Dir: dir, Feed: "fuzz", SegmentBytes: 4 * ts.PacketSize, FlushEvery: DefaultFlushEvery, QueueBytes: DefaultQueueBytes}
		r := &Recorder{opts: o}
		r.w = writer{r: r, o: o}
		step := max(int(chunk), 1)
		now := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)
		for off := 0; off < len(data); off += step {
			now = now.Add(700 * time.Millisecond) // segments also split on time: SplitGrace passes
			part := data[off:min(off+step, len(data))]
			if err := r.w.feed(part, []arrival{{end: len(part), at: now}}, now); err != nil {
				t.Fatal(err)
			}
		}
		if err := r.w.stop(now); err != nil {
			t.Fatal(err)
		}
		if r.w.input+r.w.discarded != int64(len(data)) {
			t.Fatalf("fed %d bytes: %d recorded + %d discarded", len(data), r.w.input, r.w.discarded)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var total int64
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), LiveSuffix) {
				t.Fatalf("%s left live", e.Name())
			}
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if len(b) == 0 || len(b)%ts.PacketSize != 0 {
				t.Fatalf("%s: %d bytes", e.Name(), len(b))
			}
			for i := 0; i < len(b); i += ts.PacketSize {
				if b[i] != ts.SyncByte {
					t.Fatalf("%s: no sync byte at %d", e.Name(), i)
				}
			}
			total += int64(len(b))
		}
		if total != r.w.written {
			t.Fatalf("files hold %d bytes, written %d", total, r.w.written)
		}
	})
}

// FuzzPSI feeds any packets (the sync byte forced, so every one is looked
// at) to the PAT/PMT tracking that decides where segments split and what
// they start with: it never panics, and a segment's start is whole
// packets, each with the sync byte, no more than the sections it keeps.
func FuzzPSI(f *testing.F) {
	var g tsGen
	f.Add(slices.Concat(g.pat(), g.pmt(), g.pes(videoPID, true), g.pes(audioPID, true)))
	f.Add(assets.DemoTS[:32*188])
	f.Fuzz(func(t *testing.T, data []byte) {
		var tr psiTracker
		var start []byte
		for off := 0; off+ts.PacketSize <= len(data); off += ts.PacketSize {
			p := slices.Clone(data[off : off+ts.PacketSize])
			p[0] = ts.SyncByte
			_ = tr.randomAccess(p)
			start = tr.appendPrefix(start[:0], p)
			tr.observe(p)
			if len(start)%ts.PacketSize != 0 || len(start) > (1+len(tr.pmts))*maxPSIPackets*ts.PacketSize {
				t.Fatalf("a segment would start with %d bytes of PSI (%d PMTs)", len(start), len(tr.pmts))
			}
			for i := 0; i < len(start); i += ts.PacketSize {
				if start[i] != ts.SyncByte {
					t.Fatalf("PSI copy without the sync byte at %d", i)
				}
			}
		}
	})
}
