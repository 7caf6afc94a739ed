package tsrecord

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestNewChecksOptions(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "a-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		opts      Options
		wantField string // "" means no error
		wantText  string // in the error
	}{
		{"missing dir is created", Options{Dir: filepath.Join(base, "new", "deeper"), Feed: "cam1"}, "", ""},
		{"no dir", Options{Feed: "cam1"}, "Dir", `Dir "": use a directory`},
		{"dir under a file", Options{Dir: filepath.Join(file, "sub"), Feed: "cam1"}, "Dir", "not a directory"},
		{"dir is a file", Options{Dir: file, Feed: "cam1"}, "Dir", file},
		{"no feed", Options{Dir: base}, "Feed", `Feed "": use a name with at least one letter or digit`},
		{"feed of slashes", Options{Dir: base, Feed: "///"}, "Feed", `"///"`},
		{"segment too short", Options{Dir: base, Feed: "a", Segment: 500 * time.Millisecond}, "Segment", `Segment "500ms": use 0 (no duration bound) or a duration from 1s to 24h`},
		{"segment too long", Options{Dir: base, Feed: "a", Segment: 25 * time.Hour}, "Segment", "25h0m0s"},
		{"negative segment", Options{Dir: base, Feed: "a", Segment: -time.Minute}, "Segment", "-1m0s"},
		{"segment too small", Options{Dir: base, Feed: "a", SegmentBytes: 1000}, "SegmentBytes", `SegmentBytes "1000": use 0 (no size bound) or 1000000 (1 MB)`},
		{"segment too big", Options{Dir: base, Feed: "a", SegmentBytes: 2e12}, "SegmentBytes", "2000000000000"},
		{"both bounds", Options{Dir: base, Feed: "a", Segment: time.Minute, SegmentBytes: 5e6}, "", ""},
		{"flush too rare", Options{Dir: base, Feed: "a", FlushEvery: 2 * time.Second}, "FlushEvery", "10ms to 1s"},
		{"sync too rare", Options{Dir: base, Feed: "a", SyncEvery: 2 * time.Hour}, "SyncEvery", "up to 1h"},
		{"queue too small", Options{Dir: base, Feed: "a", QueueBytes: 1000}, "QueueBytes", "65536 to 1073741824 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.opts)
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if fi, err := os.Stat(r.Dir()); err != nil || !fi.IsDir() {
					t.Errorf("dir %s not there: %v", r.Dir(), err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) || oe.Field != tt.wantField || !strings.Contains(err.Error(), tt.wantText) {
				t.Fatalf("New error %v, want an *OptionError for %s saying %q", err, tt.wantField, tt.wantText)
			}
			if !strings.HasPrefix(err.Error(), "tsrecord: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestNewDefaults(t *testing.T) {
	r, err := New(Options{Dir: t.TempDir(), Feed: "Bühne 1 / main"})
	if err != nil {
		t.Fatal(err)
	}
	o := r.opts
	if o.Segment != DefaultSegment || o.SegmentBytes != 0 || o.FlushEvery != DefaultFlushEvery || o.QueueBytes != DefaultQueueBytes || o.SyncEvery != 0 {
		t.Errorf("defaults %+v", o)
	}
	if r.Feed() != "B_hne_1_main" || !filepath.IsAbs(r.Dir()) {
		t.Errorf("feed %q dir %q", r.Feed(), r.Dir())
	}
	if st := r.Stats(); st.State != StateIdle || st.Feed != "B_hne_1_main" {
		t.Errorf("fresh stats %+v", st)
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cam1", "cam1"},
		{"Cam 1", "Cam_1"},
		{"studio/main:feed", "studio_main_feed"},
		{"../../etc/passwd", "etc_passwd"},
		{"  spaced  ", "spaced"},
		{"a\x00b", "a_b"},
		{"CON", "CON"},
		{"Bühne", "B_hne"},
		{"v1.2-final", "v1.2-final"},
		{"", ""},
		{"///", ""},
		{"---", ""},
		{"日本", ""},
		{strings.Repeat("x", 100), strings.Repeat("x", MaxFeedName)},
		{strings.Repeat("x", 63) + "/y", strings.Repeat("x", 63)},
	}
	for _, tt := range tests {
		if got := SafeName(tt.in); got != tt.want {
			t.Errorf("SafeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC)
	tests := []struct {
		base string
		want Name
		ok   bool
	}{
		{"cam1_2026-12-07T07-30-00Z.ts", Name{Feed: "cam1", Start: t0}, true},
		{"cam1_2026-12-07T07-30-00Z.ts.part", Name{Feed: "cam1", Start: t0, Live: true}, true},
		{"cam_1_2026-12-07T07-30-00Z_002.ts", Name{Feed: "cam_1", Start: t0, Seq: 2}, true},
		{"cam1_2026-12-07T07-30-00Z_000.ts", Name{}, false},
		{"cam1_2026-12-07T07-30-00Z_02.ts", Name{}, false},
		{"cam1_2026-13-07T07-30-00Z.ts", Name{}, false},
		{"cam1_2026-12-07T07:30:00Z.ts", Name{}, false},
		{"_2026-12-07T07-30-00Z.ts", Name{}, false},
		{"cam1_2026-12-07T07-30-00Z.mp4", Name{}, false},
		{"notes.txt", Name{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseName(tt.base)
		if ok != tt.ok || !got.Start.Equal(tt.want.Start) || got.Feed != tt.want.Feed || got.Seq != tt.want.Seq || got.Live != tt.want.Live {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v, %v", tt.base, got, ok, tt.want, tt.ok)
			continue
		}
		if ok && got.String() != tt.base {
			t.Errorf("ParseName(%q).String() = %q", tt.base, got.String())
		}
	}
	// Names sort by time, and a second's further segments after its first.
	names := []string{
		Name{Feed: "a", Start: t0}.String(),
		Name{Feed: "a", Start: t0, Seq: 1}.String(),
		Name{Feed: "a", Start: t0, Seq: 2}.String(),
		Name{Feed: "a", Start: t0.Add(time.Second)}.String(),
		Name{Feed: "a", Start: t0.Add(10 * time.Hour)}.String(),
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("%q does not sort before %q", names[i-1], names[i])
		}
	}
}

func TestParseSegment(t *testing.T) {
	tests := []struct {
		in      string
		want    Bound
		wantErr string
	}{
		{"10m", Bound{Duration: 10 * time.Minute}, ""},
		{"1h30m", Bound{Duration: 90 * time.Minute}, ""},
		{"1s", Bound{Duration: time.Second}, ""},
		{"24h", Bound{Duration: 24 * time.Hour}, ""},
		{"500MB", Bound{Bytes: 500_000_000}, ""},
		{"1MB", Bound{Bytes: 1_000_000}, ""},
		{"1.5GB", Bound{Bytes: 1_500_000_000}, ""},
		{"2GiB", Bound{Bytes: 2 << 30}, ""},
		{"0.25GiB", Bound{Bytes: 1 << 28}, ""},
		{"1TB", Bound{Bytes: 1_000_000_000_000}, ""},
		{"999ms", Bound{}, "out of range"},
		{"25h", Bound{}, "out of range"},
		{"0", Bound{}, "out of range"},
		{"-10m", Bound{}, "not a duration or a size"},
		{"+10m", Bound{}, "not a duration or a size"},
		{"10", Bound{}, "not a duration or a size"},
		{"10x", Bound{}, "not a duration or a size"},
		{"", Bound{}, "not a duration or a size"},
		{"500mb", Bound{}, "not a duration or a size"},
		{"500 MB", Bound{}, "not a duration or a size"},
		{"MB", Bound{}, "not a duration or a size"},
		{".5GB", Bound{}, "not a duration or a size"},
		{"1.GB", Bound{}, "not a duration or a size"},
		{"1.2345GB", Bound{}, "not a duration or a size"},
		{"1e3MB", Bound{}, "not a duration or a size"},
		{"0.5MB", Bound{}, "out of range"},
		{"1.1TB", Bound{}, "out of range"},
		{"1TiB", Bound{}, "out of range"},
		{"99999999999999999999MB", Bound{}, "out of range"},
	}
	for _, tt := range tests {
		got, err := ParseSegment(tt.in)
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("ParseSegment(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			continue
		}
		var oe *OptionError
		if !errors.As(err, &oe) || oe.Field != "--segment" || !strings.Contains(err.Error(), tt.wantErr) ||
			!strings.Contains(err.Error(), `"`+tt.in+`"`) || !strings.Contains(err.Error(), "500MB") {
			t.Errorf("ParseSegment(%q) error %v, want one naming --segment, the value and the allowed forms, saying %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestFromFlags(t *testing.T) {
	base := t.TempDir()
	file := filepath.Join(base, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir, segment, feed string
		want               Options
		wantErr            string
	}{
		{base, "", "cam1", Options{Dir: base, Feed: "cam1"}, ""},
		{base, "10m", "cam1", Options{Dir: base, Feed: "cam1", Segment: 10 * time.Minute}, ""},
		{base, "500MB", "cam1", Options{Dir: base, Feed: "cam1", SegmentBytes: 500_000_000}, ""},
		{"", "10m", "cam1", Options{}, `--record "": use a directory`},
		{file, "10m", "cam1", Options{}, `--record "` + file + `"`},
		{base, "10", "cam1", Options{}, `--segment "10": use a Go duration`},
		{base, "10m", "", Options{}, `Feed ""`},
	}
	for _, tt := range tests {
		got, err := FromFlags(tt.dir, tt.segment, tt.feed)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("FromFlags(%q, %q, %q) error %v, want %q", tt.dir, tt.segment, tt.feed, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Dir != tt.want.Dir || got.Feed != tt.want.Feed || got.Segment != tt.want.Segment || got.SegmentBytes != tt.want.SegmentBytes {
			t.Errorf("FromFlags(%q, %q, %q) = %+v, %v; want %+v", tt.dir, tt.segment, tt.feed, got, err, tt.want)
		}
		if _, err := New(got); err != nil {
			t.Errorf("New of FromFlags' options: %v", err)
		}
	}
}
