package record

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

func openTemp(t *testing.T) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		in, want string
		secret   string
	}{
		{"srt://1.2.3.4:9000?mode=caller&passphrase=verysecret123&latency=200", "srt://1.2.3.4:9000?mode=caller&latency=200", "verysecret123"},
		{"srt://:9000?passphrase=verysecret123", "srt://:9000", "verysecret123"},
		{"srt://h:1?PassPhrase=a%20b%20c%20d%20e&pbkeylen=32", "srt://h:1?pbkeylen=32", "a b c d e"},
		{"srt://user:hunter2222@h:1?mode=caller", "srt://user@h:1?mode=caller", "hunter2222"},
		{"srt://h:1?streamid=#!::r=live,m=request", "srt://h:1?streamid=#!::r=live,m=request", ""},
		{"not a url ?passphrase=zzzzzzzzzz&x=1", "not a url ?x=1", "zzzzzzzzzz"},
		{"srt://h:1", "srt://h:1", ""},
	}
	for _, tc := range tests {
		got, secrets := RedactURL(tc.in)
		if got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if tc.secret != "" {
			found := false
			for _, s := range secrets {
				found = found || s == tc.secret
			}
			if !found {
				t.Errorf("RedactURL(%q) secrets %q lack %q", tc.in, secrets, tc.secret)
			}
		} else if len(secrets) != 0 {
			t.Errorf("RedactURL(%q) found secrets %q", tc.in, secrets)
		}
	}
}

func sampleAt(t0 time.Time, i int) session.Sample {
	return session.Sample{
		Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected, Peer: "10.0.0.2:9000",
		RTTMs: 40 + float64(i%5), LatencyMs: 200, RTTMultiplier: 200 / (40 + float64(i%5)), RecvMbps: 5,
		PktsRecv: uint64(i * 450), PktsLost: uint64(i), PktsRetrans: uint64(i), PktsDropped: uint64(i / 10), BytesRecv: uint64(i * 450 * 1316),
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	t0 := time.Date(2025, 3, 1, 18, 0, 0, 0, time.UTC)
	rec, err := db.Start(ctx, NewSession{Name: "Stage A", URL: "srt://1.2.3.4:9000?mode=caller&passphrase=topsecret-pass", Mode: "caller", LatencyMs: 200, Started: t0}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		rec.Sample(sampleAt(t0, i))
	}
	rec.Event(session.Event{Time: t0, Kind: session.EventConnected, Detail: "connected with passphrase topsecret-pass", Remote: "1.2.3.4:9000"})
	rec.Alarm(Alarm{Time: t0.Add(5 * time.Second), Severity: SeverityWarning, Kind: "loss", Message: "loss above 1%"})
	rec.Alarm(Alarm{Time: t0.Add(6 * time.Second), Severity: SeverityCritical, Kind: "dropped", Message: "dropped packets"})
	rec.Inspection(t0.Add(2*time.Second), probe.Report{DurationS: 2, MediaAnalysis: "bitstream-only", Programs: []probe.Program{{Number: 1, PMTPID: 4096}}})
	rec.WizardResult(t0.Add(3*time.Second), json.RawMessage(`{"rtt_ms":40}`))
	if err := rec.Close(t0.Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	s, err := db.Load(ctx, rec.ID())
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Samples) != 30 || len(s.Events) != 1 || len(s.Alarms) != 2 || len(s.Inspections) != 1 || len(s.WizardResults) != 1 {
		t.Fatalf("loaded %d samples %d events %d alarms %d inspections %d wizard", len(s.Samples), len(s.Events), len(s.Alarms), len(s.Inspections), len(s.WizardResults))
	}
	if got, want := s.Samples[7], sampleAt(t0, 7); !got.Time.Equal(want.Time) || got.PktsDropped != want.PktsDropped || got.RTTMs != want.RTTMs || got.Peer != want.Peer {
		t.Errorf("sample 7 = %+v, want %+v", got, want)
	}
	if strings.Contains(s.Info.URL, "topsecret") || strings.Contains(s.Events[0].Detail, "topsecret") || !s.Info.Encrypted {
		t.Errorf("passphrase leaked or encryption lost: %+v %+v", s.Info, s.Events[0])
	}
	if s.Info.Peer != "10.0.0.2:9000" || s.Info.Duration() != 30*time.Second {
		t.Errorf("info = %+v, duration %v", s.Info, s.Info.Duration())
	}
	if string(s.WizardResults[0].Result) != `{"rtt_ms":40}` || s.Inspections[0].Report.Programs[0].PMTPID != 4096 {
		t.Errorf("wizard/inspection not kept: %+v", s)
	}
	list, err := db.Sessions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Samples != 30 || list[0].Worst != SeverityCritical || list[0].Alarms[0].Kind != "dropped" || list[0].Interrupted {
		t.Errorf("Sessions = %+v", list)
	}
}

func TestListDeleteLatest(t *testing.T) {
	ctx := context.Background()
	db := openTemp(t)
	if _, err := db.Latest(ctx); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Latest on empty db: %v", err)
	}
	t0 := time.Date(2025, 3, 1, 18, 0, 0, 0, time.UTC)
	var ids []int64
	for k := range 3 {
		rec, err := db.Start(ctx, NewSession{Name: "feed", Started: t0.Add(time.Duration(k) * time.Hour)}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		rec.Sample(sampleAt(t0.Add(time.Duration(k)*time.Hour), 1))
		if k < 2 {
			if err := rec.Close(time.Time{}); err != nil {
				t.Fatal(err)
			}
		} else {
			t.Cleanup(func() { _ = rec.Close(time.Time{}) })
			if err := rec.Flush(); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, rec.ID())
	}
	latest, err := db.Latest(ctx)
	if err != nil || latest != ids[2] {
		t.Fatalf("Latest = %d, %v; want %d", latest, err, ids[2])
	}
	tests := []struct {
		name    string
		id      int64
		wantErr string
	}{
		{"active session", ids[2], "being recorded"},
		{"closed session", ids[0], ""},
		{"already deleted", ids[0], "no such session"},
	}
	for _, tc := range tests {
		err := db.Delete(ctx, tc.id)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%s: Delete = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
	list, err := db.Sessions(ctx)
	if err != nil || len(list) != 2 || !list[0].Recording || list[1].ID != ids[1] {
		t.Fatalf("Sessions = %+v, %v", list, err)
	}
	if _, err := db.Load(ctx, ids[0]); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load deleted: %v", err)
	}
}

func TestPrune(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2025, 3, 30, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		ret      Retention
		wantLeft int
	}{
		{"no limits", Retention{}, 6},
		{"max age 3 days", Retention{MaxAge: 72 * time.Hour}, 3},
		{"max size half", Retention{MaxBytes: -1}, -1}, // -1: half of what 6 sessions use
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db := openTemp(t)
			for d := 6; d >= 1; d-- {
				start := now.Add(-time.Duration(d)*24*time.Hour + time.Hour)
				rec, err := db.Start(ctx, NewSession{Name: "day", Started: start}, Options{})
				if err != nil {
					t.Fatal(err)
				}
				for i := range 600 {
					rec.Sample(sampleAt(start, i))
				}
				if err := rec.Close(start.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			before := fileSizes(db.Path())
			ret := tc.ret
			if ret.MaxBytes < 0 {
				used, err := db.UsedBytes(ctx)
				if err != nil {
					t.Fatal(err)
				}
				ret.MaxBytes = used / 2
			}
			if _, err := db.Prune(ctx, ret, now); err != nil {
				t.Fatal(err)
			}
			list, err := db.Sessions(ctx)
			if err != nil {
				t.Fatal(err)
			}
			left := len(list)
			if tc.wantLeft >= 0 && left != tc.wantLeft {
				t.Fatalf("%d sessions left, want %d", left, tc.wantLeft)
			}
			if left == 0 || left == 6 && tc.wantLeft != 6 {
				t.Fatalf("%d sessions left", left)
			}
			if left < 6 {
				// The survivors are the newest ones.
				if list[left-1].Started.Before(now.Add(-time.Duration(left+1) * 24 * time.Hour)) {
					t.Errorf("an old session survived: %+v", list[left-1].Info)
				}
				if after := fileSizes(db.Path()); after >= before {
					t.Errorf("files did not shrink: %d -> %d bytes", before, after)
				}
			}
			if ret.MaxBytes > 0 {
				if used, _ := db.UsedBytes(ctx); used > ret.MaxBytes {
					t.Errorf("used %d > %d", used, ret.MaxBytes)
				}
			}
			if err := db.IntegrityCheck(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOpenNotADatabase(t *testing.T) {
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, []byte(strings.Repeat("this is not sqlite\n", 400)), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := Open(p)
	if err == nil {
		_ = db.Close()
		t.Fatal("Open of garbage succeeded")
	}
	if !strings.Contains(err.Error(), "move it aside") {
		t.Errorf("error does not say what to do: %v", err)
	}
}

func TestDefaultDirEnv(t *testing.T) {
	t.Setenv(EnvDataDir, "/some/where")
	p, err := DefaultPath()
	if err != nil || p != filepath.Join("/some/where", FileName) {
		t.Fatalf("DefaultPath = %q, %v", p, err)
	}
}

// fileSizes returns the size of the database and its write-ahead log.
func fileSizes(path string) int64 {
	var n int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestMigrateAddsOutputSamples: a database made before outputs were
// recorded (version 0 or 1, no output_samples table) is upgraded on open,
// keeps its sessions, and records output samples afterwards.
func TestMigrateAddsOutputSamples(t *testing.T) {
	for _, from := range []int{0, 1} {
		t.Run(fmt.Sprintf("from version %d", from), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			db, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			rec, err := db.Start(context.Background(), NewSession{Name: "old"}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := rec.Close(time.Time{}); err != nil {
				t.Fatal(err)
			}
			// Back to the old layout.
			if _, err := db.sql.Exec(fmt.Sprintf(`DROP TABLE output_samples; PRAGMA user_version = %d`, from)); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db, err = Open(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			var v int
			if err := db.sql.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion {
				t.Fatalf("user_version %d (%v), want %d", v, err, SchemaVersion)
			}
			rec, err = db.Start(context.Background(), NewSession{Name: "new"}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			rec.Output(OutputSample{Time: time.Now(), Output: 1, URL: "udp://127.0.0.1:5000", Kind: "udp", State: "connected", SenderFigures: session.SenderFigures{PktsSent: 7}, SkippedBytes: 1316})
			if err := rec.Close(time.Time{}); err != nil {
				t.Fatal(err)
			}
			s, err := db.Load(context.Background(), rec.ID())
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Outputs) != 1 || s.Outputs[0].PktsSent != 7 || s.Outputs[0].SkippedBytes != 1316 {
				t.Errorf("output samples read back: %+v", s.Outputs)
			}
			list, err := db.Sessions(context.Background())
			if err != nil || len(list) != 2 {
				t.Errorf("sessions after the upgrade: %d (%v), want 2", len(list), err)
			}
		})
	}
}
