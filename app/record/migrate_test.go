package record

import (
	"context"
	"database/sql"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// TestReceiverDetailMigration: a database made before samples had the
// receiver detail (the schema without sampleDetailColumns, one sample
// written positionally as that version did) opens, keeps its sample with
// the detail read as 0 and no margins, and records the detail from then
// on; opening it again changes nothing.
func TestReceiverDetailMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	old, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2025, 3, 1, 18, 0, 0, 0, time.UTC)
	for _, q := range []string{schema,
		`INSERT INTO sessions(name, url, mode, started) VALUES('old', 'srt://:9000', 'listener', 1)`,
		`INSERT INTO samples VALUES(1, ?, 'connected', '10.0.0.2:9000', 41, 200, 4.9, 5, 450, 3, 3, 1, 592200)`,
	} {
		if _, err := old.Exec(q, t0.UnixNano()); err != nil {
			t.Fatalf("making the old database: %v", err)
		}
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	for range 2 { // the second Open finds every column there
		db, err := Open(path)
		if err != nil {
			t.Fatalf("Open of an old database: %v", err)
		}
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	s, err := db.Load(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Samples) != 1 || s.Samples[0].PktsDropped != 1 || s.Samples[0].PktsLate != 0 || s.Samples[0].RecoveryMarginMinMs != nil {
		t.Fatalf("old sample after the migration: %+v", s.Samples)
	}

	minM, p5 := -3.5, 12.25
	want := sampleAt(t0, 5)
	want.PktsLate, want.PktsAtRisk, want.RecoveryMarginMinMs, want.RecoveryMarginP5Ms = 2, 7, &minM, &p5
	want.RcvBufMs, want.RcvBufPkts, want.RTTMinMs, want.RTTMaxMs, want.RTTVarMs = 180.5, 77, 40.1, 44.9, 1.2
	want.RecvPktsPerS, want.SinceLastPacketMs, want.PktsBackdated, want.PktsUndecryptable = 455.5, 3.25, 1, 40
	rec, err := db.Start(ctx, NewSession{Name: "new", URL: "srt://:9000", Mode: "listener", Started: t0}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec.Sample(want)
	if err := rec.Close(t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	s, err = db.Load(ctx, rec.ID())
	if err != nil {
		t.Fatal(err)
	}
	got := s.Samples[0]
	got.Time, want.Time = got.Time.UTC(), want.Time.UTC()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("sample with receiver detail:\n got %+v\nwant %+v", got, want)
	}
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Error(err)
	}
}
