package record

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// oldSchema is the recordings schema before line-test results were kept
// (up to commit 311b1df): a database written by that version must open,
// keep its sessions and take line-test results.
const oldSchema = `
CREATE TABLE sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL DEFAULT '', url TEXT NOT NULL DEFAULT '',
	encrypted INTEGER NOT NULL DEFAULT 0, mode TEXT NOT NULL DEFAULT '', peer TEXT NOT NULL DEFAULT '', started INTEGER NOT NULL,
	ended INTEGER, last_seen INTEGER, latency_ms INTEGER NOT NULL DEFAULT 0);
CREATE TABLE samples (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, t INTEGER NOT NULL, state TEXT NOT NULL,
	peer TEXT NOT NULL, rtt_ms REAL NOT NULL, latency_ms INTEGER NOT NULL, rtt_multiplier REAL NOT NULL, recv_mbps REAL NOT NULL,
	pkts_recv INTEGER NOT NULL, pkts_lost INTEGER NOT NULL, pkts_retrans INTEGER NOT NULL, pkts_dropped INTEGER NOT NULL, bytes_recv INTEGER NOT NULL);
CREATE TABLE events (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, t INTEGER NOT NULL, kind TEXT NOT NULL, detail TEXT NOT NULL, remote TEXT NOT NULL);
CREATE TABLE alarms (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, t INTEGER NOT NULL, severity TEXT NOT NULL, kind TEXT NOT NULL, message TEXT NOT NULL);
CREATE TABLE inspections (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, t INTEGER NOT NULL, report TEXT NOT NULL);
CREATE TABLE wizard_results (session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, t INTEGER NOT NULL, result TEXT NOT NULL);
INSERT INTO sessions(name, url, mode, started, ended, last_seen) VALUES('old feed', 'srt://:9000', 'listener', 1000000000, 2000000000, 2000000000);
`

func TestLineTestResults(t *testing.T) {
	tests := []struct {
		name string
		open func(t *testing.T) *DB
		old  int // sessions already there
	}{
		{name: "new database", open: openTemp},
		{name: "database of the version before line tests", old: 1, open: func(t *testing.T) *DB {
			path := filepath.Join(t.TempDir(), FileName)
			raw, err := sql.Open("sqlite", "file:"+path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(oldSchema); err != nil {
				t.Fatal(err)
			}
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := Open(path)
			if err != nil {
				t.Fatalf("opening the old database: %v", err)
			}
			t.Cleanup(func() { _ = db.Close() })
			return db
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			db := tc.open(t)
			rec, err := db.Start(ctx, NewSession{Name: "Line test", URL: "srt://h:9000?mode=caller&passphrase=verysecret123", Mode: "caller", LatencyMs: 200}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Unix(1700000000, 0)
			rec.LineTestResult(at, json.RawMessage(`{"max_mbps":8,"verdict":"to srt://h:9000?passphrase=verysecret123 it carries 8 Mbit/s"}`))
			if err := rec.Close(at.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			list, err := db.Sessions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != tc.old+1 || list[0].ID != rec.ID() || list[0].LineTests != 1 || (tc.old > 0 && list[1].LineTests != 0) {
				t.Fatalf("sessions %+v", list)
			}
			s, err := db.Load(ctx, rec.ID())
			if err != nil {
				t.Fatal(err)
			}
			if len(s.LineTests) != 1 || !s.LineTests[0].Time.Equal(at) {
				t.Fatalf("line tests %+v", s.LineTests)
			}
			var got struct {
				MaxMbps float64 `json:"max_mbps"`
				Verdict string  `json:"verdict"`
			}
			if err := json.Unmarshal(s.LineTests[0].Result, &got); err != nil || got.MaxMbps != 8 || strings.Contains(got.Verdict, "verysecret123") {
				t.Fatalf("stored result %s (%v): want max 8 and the passphrase masked", s.LineTests[0].Result, err)
			}
			if err := db.IntegrityCheck(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}
