package media

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// niceOf reads a task's nice value from its /proc stat file.
func niceOf(t *testing.T, statPath string) (int, bool) {
	t.Helper()
	b, err := os.ReadFile(statPath)
	if err != nil {
		return 0, false // the task ended meanwhile
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	n, err := strconv.Atoi(f[16]) // field 19 of stat: nice
	if err != nil {
		t.Fatalf("%s: %v", statPath, err)
	}
	return n, true
}

// A live analyser's ffmpeg runs at backgroundNice, and no thread of this
// process is left at that priority.
func TestStartBackgroundLowersTheChildOnly(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := startBackground(cmd); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	if n, _ := niceOf(t, "/proc/"+strconv.Itoa(cmd.Process.Pid)+"/stat"); n != backgroundNice {
		t.Errorf("the child runs at nice %d, want %d", n, backgroundNice)
	}
	// The lowered thread is discarded when its goroutine ends: wait for
	// that state (bounded), then no thread of ours is niced.
	deadline := time.Now().Add(10 * time.Second)
	for {
		tasks, err := filepath.Glob("/proc/self/task/*/stat")
		if err != nil {
			t.Fatal(err)
		}
		var lowered []string
		for _, p := range tasks {
			if n, ok := niceOf(t, p); ok && n != 0 {
				lowered = append(lowered, p)
			}
		}
		if len(lowered) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("threads of this process (%d) left at a lower priority: %v", os.Getpid(), lowered)
		}
		time.Sleep(10 * time.Millisecond) // polling a state, bounded by the deadline
	}
}
