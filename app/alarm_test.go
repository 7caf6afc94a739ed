package app

import (
	"testing"
	"time"

	"github.com/srtscope/srtscope/session"
)

var t0 = time.Date(2026, 11, 21, 18, 0, 0, 0, time.UTC)

// connected returns a healthy sample at second i with cumulative counters.
func connected(i int) session.Sample {
	return session.Sample{
		Time: t0.Add(time.Duration(i) * time.Second), State: session.StateConnected,
		RTTMs: 40, LatencyMs: 200, RecvMbps: 5, BytesRecv: uint64(i+1) * 625000,
	}
}

func TestAlarmRules(t *testing.T) {
	tests := []struct {
		name       string
		obs        []Observation
		wantRaised []AlarmKind // raised by the last observation
		wantHealth Health
	}{
		{
			name:       "healthy feed stays green",
			obs:        []Observation{{Sample: connected(0), Running: true}, {Sample: connected(1), Running: true}},
			wantHealth: HealthGreen,
		},
		{
			name: "no data for 3 s is red",
			obs: func() []Observation {
				o := []Observation{{Sample: connected(0), Running: true}}
				for i := 1; i <= 3; i++ {
					s := connected(i)
					s.BytesRecv = connected(0).BytesRecv
					s.RecvMbps = 0
					o = append(o, Observation{Sample: s, Running: true})
				}
				return o
			}(),
			wantRaised: []AlarmKind{AlarmNoData}, // the bitrate alarm came a second earlier
			wantHealth: HealthRed,
		},
		{
			name: "a stopped feed raises no no-data alarm",
			obs: []Observation{
				{Sample: session.Sample{Time: t0}},
				{Sample: session.Sample{Time: t0.Add(10 * time.Second)}},
			},
			wantHealth: HealthGreen,
		},
		{
			name: "dropped packets are red",
			obs: func() []Observation {
				s := connected(1)
				s.PktsDropped = 3
				return []Observation{{Sample: connected(0), Running: true}, {Sample: s, Running: true}}
			}(),
			wantRaised: []AlarmKind{AlarmDropped},
			wantHealth: HealthRed,
		},
		{
			name: "high RTT is amber",
			obs: func() []Observation {
				s := connected(0)
				s.RTTMs = 400
				return []Observation{{Sample: s, Running: true}}
			}(),
			wantRaised: []AlarmKind{AlarmRTT},
			wantHealth: HealthAmber,
		},
		{
			name:       "black for 2 s is red, 1.9 s is not yet",
			obs:        []Observation{{Sample: connected(0), Running: true, Black: 1900 * time.Millisecond}, {Sample: connected(1), Running: true, Black: 2 * time.Second}},
			wantRaised: []AlarmKind{AlarmBlack},
			wantHealth: HealthRed,
		},
		{
			name:       "continuity errors are amber",
			obs:        []Observation{{Sample: connected(0), Running: true}, {Sample: connected(1), Running: true, CCErrors: 2}},
			wantRaised: []AlarmKind{AlarmCCErrors},
			wantHealth: HealthAmber,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAlarms(DefaultThresholds())
			var last []AlarmChange
			for _, o := range tt.obs {
				last = a.Observe(o)
			}
			var raised []AlarmKind
			for _, c := range last {
				if c.Raised {
					raised = append(raised, c.Kind)
				}
			}
			if len(raised) != len(tt.wantRaised) {
				t.Fatalf("raised %v, want %v", raised, tt.wantRaised)
			}
			for i := range raised {
				if raised[i] != tt.wantRaised[i] {
					t.Fatalf("raised %v, want %v", raised, tt.wantRaised)
				}
			}
			if got := a.Health(); got != tt.wantHealth {
				t.Errorf("health %s, want %s", got, tt.wantHealth)
			}
		})
	}
}

func TestDroppedAlarmClearsAfterWindowAndAcknowledge(t *testing.T) {
	a := NewAlarms(DefaultThresholds())
	a.Observe(Observation{Sample: connected(0), Running: true})
	s := connected(1)
	s.PktsDropped = 1
	a.Observe(Observation{Sample: s, Running: true})
	if !a.Unacknowledged() {
		t.Fatal("a new alarm must ask for attention")
	}
	a.Acknowledge()
	if a.Unacknowledged() || a.Health() != HealthRed {
		t.Fatalf("acknowledged alarm: unacked=%v health=%s, want false/red", a.Unacknowledged(), a.Health())
	}
	var cleared bool
	for i := 2; i <= 12; i++ {
		s := connected(i)
		s.PktsDropped = 1
		for _, c := range a.Observe(Observation{Sample: s, Running: true}) {
			if c.Kind == AlarmDropped && !c.Raised {
				cleared = true
				if i != 11 {
					t.Errorf("dropped alarm cleared at second %d, want 11 (10 s window)", i)
				}
			}
		}
	}
	if !cleared || a.Health() != HealthGreen {
		t.Fatalf("cleared=%v health=%s after the window, want true/green", cleared, a.Health())
	}
}
