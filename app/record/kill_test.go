package record

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session"
)

// envKillChild makes the test binary act as a recording app that gets killed.
const envKillChild = "SRTSCOPE_RECORD_KILL_CHILD"

// runKillChild records samples at 10 Hz forever, printing the sequence number
// of every sample it has handed to the recorder.
func runKillChild(dbPath string) {
	db, err := Open(dbPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	rec, err := db.Start(context.Background(), NewSession{Name: "killed", URL: "srt://:9000?mode=listener", Mode: "listener"}, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	out := bufio.NewWriter(os.Stdout)
	tick := time.NewTicker(100 * time.Millisecond) // pacing at 10 Hz, not synchronisation
	for seq := 1; ; seq++ {
		<-tick.C
		rec.Sample(session.Sample{Time: time.Now(), State: session.StateConnected, RTTMs: 20, LatencyMs: 120, PktsRecv: uint64(seq)})
		fmt.Fprintln(out, seq)
		_ = out.Flush()
	}
}

func TestMain(m *testing.M) {
	if p := os.Getenv(envKillChild); p != "" {
		runKillChild(p)
		return
	}
	os.Exit(m.Run())
}

// TestKillLosesAtMostOneSecond kills a recording process with SIGKILL and
// checks that all but the last second of its samples are in the database and
// that the database is intact.
func TestKillLosesAtMostOneSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	dbPath := filepath.Join(t.TempDir(), FileName)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envKillChild+"="+dbPath)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var handed atomic.Int64 // highest sequence number the child handed to its recorder
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if n, err := strconv.ParseInt(strings.TrimSpace(sc.Text()), 10, 64); err == nil {
				handed.Store(n)
			}
		}
	}()
	killed := false
	defer func() {
		if !killed {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()

	const want = 25 // samples that must be committed before the kill
	ro, err := sql.Open("sqlite", "file:"+dbPath+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ro.Close() }()
	committed := func() int64 {
		var n int64
		if err := ro.QueryRow(`SELECT COALESCE(MAX(pkts_recv),0) FROM samples`).Scan(&n); err != nil {
			return 0 // the child may not have created the tables yet
		}
		return n
	}
	deadline := time.After(30 * time.Second)
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for committed() < want {
		select {
		case <-deadline:
			t.Fatalf("only %d samples committed after 30 s; child stderr: %s", committed(), stderr.String())
		case <-poll.C:
		}
	}
	// Let a few more arrive (without sleeping: wait for the child to hand over
	// seven more samples, which lands between two commits), then kill it.
	target := handed.Load() + 7
	for handed.Load() < target {
		select {
		case <-deadline:
			t.Fatal("child stopped producing samples")
		case <-poll.C:
		}
	}
	if err := cmd.Process.Kill(); err != nil { // SIGKILL on Unix
		t.Fatal(err)
	}
	killed = true
	_ = cmd.Wait()
	<-readDone
	last := handed.Load()
	_ = ro.Close()

	db, err := Open(dbPath)
	if err != nil {
		t.Fatalf("reopening after kill -9: %v", err)
	}
	defer func() { _ = db.Close() }()
	ctx := context.Background()
	if err := db.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := db.Sessions(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("Sessions = %+v, %v", list, err)
	}
	if !list[0].Interrupted {
		t.Errorf("killed session not marked interrupted: %+v", list[0])
	}
	s, err := db.Load(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(s.Samples))
	for i, x := range s.Samples {
		if x.PktsRecv != uint64(i+1) {
			t.Fatalf("sample %d has sequence %d: a gap in the recording", i, x.PktsRecv)
		}
	}
	lost := last - n
	t.Logf("child handed %d samples to the recorder, %d survived the kill (%d lost = %.1f s)", last, n, lost, float64(lost)/10)
	// 10 Hz: one second is 10 samples; allow 2 more for the commit in flight
	// and the sample printed after it was queued.
	if lost > 12 || lost < 0 {
		t.Errorf("lost %d samples (%.1f s) to kill -9, want at most ~1 s", lost, float64(lost)/10)
	}
	if d := s.Info.Duration(); d < time.Duration(n-2)*100*time.Millisecond {
		t.Errorf("duration of the interrupted session %v is shorter than its samples", d)
	}
}
