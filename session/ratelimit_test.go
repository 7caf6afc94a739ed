package session

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	srt "github.com/datarhei/gosrt"
)

// TestListenerGateRateLimitsRejections runs a listener's admission gate
// with its production limits (rejectBurst events shown per rejectWindow)
// and its flush loop on synctest's fake clock: floods of refused callers
// and malformed handshakes arrive at given times, and the events published
// are checked with the fake time they were published at. The summaries of
// a window come when its window is over (or the session stops), not
// before. No real time passes, so the 10 s window is tested as it is; the
// real-network flood is TestListenerSurvivesWrongPassphraseFlood.
func TestListenerGateRateLimitsRejections(t *testing.T) {
	type flood struct {
		at        time.Duration // after the gate starts
		callers   int           // refused callers
		malformed int           // malformed handshakes
	}
	tests := []struct {
		name   string
		floods []flood
		stopAt time.Duration
		want   []string // "<fake time> <event in brief>", in order
	}{
		{
			name:   "a few callers are all shown",
			floods: []flood{{at: 2 * time.Second, callers: 3}},
			stopAt: 30 * time.Second,
			want:   repeat("2s rejected caller", 3),
		},
		{
			name:   "a flood: the burst at once, the rest counted when the window ends",
			floods: []flood{{callers: 12}},
			stopAt: 30 * time.Second,
			want: append(repeat("0s rejected caller", rejectBurst),
				"10s rejected 7 more callers within 10s"),
		},
		{
			name:   "a flood over two windows is summarised per window",
			floods: []flood{{callers: 8}, {at: 12 * time.Second, callers: 8}},
			stopAt: 30 * time.Second,
			want: slices.Concat(repeat("0s rejected caller", rejectBurst),
				[]string{"10s rejected 3 more callers within 10s"},
				repeat("12s rejected caller", rejectBurst),
				[]string{"20s rejected 3 more callers within 10s"}),
		},
		{
			name:   "stopping mid-window counts the rest at once",
			floods: []flood{{at: time.Second, callers: 9}},
			stopAt: 5 * time.Second,
			want: append(repeat("1s rejected caller", rejectBurst),
				"5s rejected 4 more callers within 4s"),
		},
		{
			name:   "callers and malformed handshakes have a burst each",
			floods: []flood{{callers: 6, malformed: 7}},
			stopAt: 30 * time.Second,
			want: slices.Concat(repeat("0s rejected caller", rejectBurst), repeat("0s malformed handshake", rejectBurst),
				[]string{"10s rejected 1 more callers within 10s", "10s ignored 2 more malformed SRT handshakes within 10s"}),
		},
		{
			name:   "a quiet window after a flood starts a fresh burst",
			floods: []flood{{callers: 6}, {at: 25 * time.Second, callers: 2}},
			stopAt: 30 * time.Second,
			want: slices.Concat(repeat("0s rejected caller", rejectBurst),
				[]string{"10s rejected 1 more callers within 10s"},
				repeat("25s rejected caller", 2)),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHub()
				sub := h.subscribe(0, 1024)
				g := newListenerGate(Config{Mode: ModeListener, Port: 9000}, h)
				start := time.Now() // the bubble's fake clock
				ctx, cancel := context.WithCancel(t.Context())
				done := make(chan struct{})
				go func() { g.flushLoop(ctx); close(done) }()

				callers := 0
				for _, f := range tc.floods {
					time.Sleep(f.at - time.Since(start)) // moves the fake clock
					for range f.callers {
						callers++
						g.reject(fmt.Sprintf("127.0.0.1:%d", 40000+callers), srt.REJ_BADSECRET, "wrong passphrase")
					}
					for range f.malformed {
						g.malformed.publish(h, Event{Kind: EventRejected, Detail: "ignored a malformed SRT handshake sent to UDP port 9000"})
					}
				}
				time.Sleep(tc.stopAt - time.Since(start))
				cancel()
				synctest.Wait() // the flush loop has published what was left and returned
				select {
				case <-done:
				default:
					t.Fatal("the flush loop did not return when its context ended")
				}
				var got []string
				for len(sub.Events) > 0 {
					e := <-sub.Events
					got = append(got, fmt.Sprintf("%v %s", e.Time.Sub(start), brief(e.Detail)))
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("events:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(tc.want, "\n\t"))
				}
				if g.rejections() != callers {
					t.Errorf("%d rejections counted, want %d", g.rejections(), callers)
				}
			})
		})
	}
}

// brief is a rejection event's detail without what varies per caller.
func brief(detail string) string {
	switch {
	case strings.HasPrefix(detail, "rejected caller "):
		return "rejected caller"
	case strings.HasPrefix(detail, "ignored a malformed SRT handshake"):
		return "malformed handshake"
	}
	s, _, _ := strings.Cut(detail, ",")
	return s
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
