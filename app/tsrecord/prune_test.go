package tsrecord

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestPrune applies retentions to a real directory of segments of two
// feeds, live ones and a file of the operator's: the oldest finished
// segments go first, live ones and other files never.
func TestPrune(t *testing.T) {
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	files := []struct {
		name string
		size int
		age  time.Duration // of the start in the name, and the file's time
	}{
		{"cam3_" + now.Add(-50*day).Format(TimeLayout) + ".ts.part", 500, 50 * day}, // left by a killed run
		{"cam1_" + now.Add(-40*day).Format(TimeLayout) + ".ts", 1000, 40 * day},
		{"cam1_" + now.Add(-20*day).Format(TimeLayout) + ".ts", 2000, 20 * day},
		{"cam2_" + now.Add(-10*day).Format(TimeLayout) + ".ts", 1500, 10 * day},
		{"cam1_" + now.Add(-day).Format(TimeLayout) + ".ts", 3000, day},
		{"cam1_" + now.Add(-time.Minute).Format(TimeLayout) + ".ts.part", 4000, time.Minute}, // live
		{"notes.txt", 100, 100 * day},
	}
	tests := []struct {
		name     string
		maxAge   time.Duration
		maxBytes int64
		deleted  []int // indexes into files, in order
	}{
		{"no limits", 0, 0, nil},
		{"keep 30 days", 30 * day, 0, []int{1}},
		{"at most 8000 bytes", 0, 8000, []int{1, 2, 3}},
		{"30 days and 10000 bytes", 30 * day, 10000, []int{1, 2}},
		{"at most 1 byte: every finished one", 0, 1, []int{1, 2, 3, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var total int64
			for _, f := range files {
				p := filepath.Join(dir, f.name)
				if err := os.WriteFile(p, make([]byte, f.size), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(p, now.Add(-f.age), now.Add(-f.age)); err != nil {
					t.Fatal(err)
				}
				if f.name != "notes.txt" {
					total += int64(f.size)
				}
			}
			res, err := Prune(dir, tt.maxAge, tt.maxBytes, now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			var freed int64
			for _, s := range res.Deleted {
				got = append(got, filepath.Base(s.Path))
				freed += s.Bytes
			}
			var want []string
			for _, i := range tt.deleted {
				want = append(want, files[i].name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("deleted %q, want %q", got, want)
			}
			if res.BytesBefore != total || res.BytesAfter != total-freed {
				t.Errorf("bytes %d -> %d, want %d -> %d", res.BytesBefore, res.BytesAfter, total, total-freed)
			}
			for i, f := range files {
				_, err := os.Stat(filepath.Join(dir, f.name))
				if gone := os.IsNotExist(err); gone != slices.Contains(tt.deleted, i) {
					t.Errorf("%s: gone %v", f.name, gone)
				}
			}
		})
	}
	if res, err := Prune(filepath.Join(t.TempDir(), "never-recorded"), day, 1, now); err != nil || len(res.Deleted) != 0 {
		t.Errorf("Prune of a missing dir: %+v, %v; want nothing and no error", res, err)
	}
}
