package views

import "testing"

// TestSteppedRunCoalesces: one redraw queued at a time; a tick right after
// a redraw waits for wizardRedrawEvery, any other update queues at once;
// steps are kept in order.
func TestSteppedRunCoalesces(t *testing.T) {
	var r steppedRun[string, int]
	one, two := 1, 2
	steps := []struct {
		do   func() bool
		want bool
	}{
		{func() bool { return r.add("start", nil, false) }, true},
		{func() bool { return r.add("tick", nil, true) }, false},    // one already queued
		{func() bool { return r.add("ended", &one, false) }, false}, // still queued
		{func() bool { p, n := r.take(); return p == "ended" && n == 1 }, true},
		{func() bool { return r.add("tick", nil, true) }, false}, // drawn just now: wait
		{func() bool { return r.add("ended", &two, false) }, true},
	}
	for i, s := range steps {
		if got := s.do(); got != s.want {
			t.Fatalf("step %d: %v, want %v", i, got, s.want)
		}
	}
	if got := r.steps(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("steps %v", got)
	}
	if v, ok := r.row(1); !ok || v != 2 {
		t.Fatalf("row 1 = %d, %v", v, ok)
	}
	if _, ok := r.row(2); ok {
		t.Fatal("row 2 exists")
	}
	if n := r.setSteps([]int{7}); n != 1 {
		t.Fatalf("setSteps: %d", n)
	}
	r.reset()
	if p, n := r.take(); p != "" || n != 0 {
		t.Fatalf("after reset: %q, %d", p, n)
	}
}
