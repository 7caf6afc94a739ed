package app

import (
	"errors"
	"strings"
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
				o := []Observation{{Sample: connected(0), Running: true, EverConnected: true}}
				for i := 1; i <= 3; i++ {
					s := connected(i)
					s.BytesRecv = connected(0).BytesRecv
					s.RecvMbps = 0
					o = append(o, Observation{Sample: s, Running: true, EverConnected: true})
				}
				return o
			}(),
			wantRaised: []AlarmKind{AlarmNoData}, // the bitrate alarm came a second earlier
			wantHealth: HealthRed,
		},
		{
			name: "a listener waiting for its first caller raises no no-data alarm",
			obs: []Observation{
				{Sample: session.Sample{Time: t0, State: session.StateConnecting}, Running: true},
				{Sample: session.Sample{Time: t0.Add(60 * time.Second), State: session.StateConnecting}, Running: true},
			},
			wantHealth: HealthGreen,
		},
		{
			name: "callers rejected while no data flows raise no-data",
			obs: []Observation{
				{Sample: session.Sample{Time: t0, State: session.StateConnecting}, Running: true},
				{Sample: session.Sample{Time: t0.Add(5 * time.Second), State: session.StateConnecting}, Running: true,
					Cause: session.ExplainReject(1010, true), Rejections: 6},
			},
			wantRaised: []AlarmKind{AlarmNoData},
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

func TestNoDataAlarmNamesTheRejection(t *testing.T) {
	a := NewAlarms(DefaultThresholds())
	a.Observe(Observation{Sample: session.Sample{Time: t0, State: session.StateConnecting}, Running: true})
	changes := a.Observe(Observation{Sample: session.Sample{Time: t0.Add(33 * time.Second), State: session.StateConnecting},
		Running: true, Cause: session.ExplainReject(1010, true), Rejections: 6})
	if len(changes) != 1 || changes[0].Kind != AlarmNoData {
		t.Fatalf("changes %+v, want the no-data alarm", changes)
	}
	c := changes[0]
	if c.Count != 6 || !errors.Is(c.Cause, session.ErrWrongPassphrase) {
		t.Errorf("alarm count %d cause %v, want 6 and a wrong passphrase", c.Count, c.Cause)
	}
	for _, want := range []string{"no packets for 33s", "wrong passphrase", "6 times"} {
		if !strings.Contains(c.Detail, want) {
			t.Errorf("alarm says %q, want it to say %q", c.Detail, want)
		}
	}
}

func TestAlarmsLatchUntilAcknowledged(t *testing.T) {
	th := DefaultThresholds()
	black := func(i int, d time.Duration) Observation {
		return Observation{Sample: connected(i), Running: true, EverConnected: true, Black: d}
	}
	tests := []struct {
		name         string
		run          func(a *Alarms)
		wantActive   int
		wantHad      bool
		wantUnacked  bool
		wantRecords  int
		wantCleared  string // ClearedBy of the last record
		wantAckedAll bool
	}{
		{
			name:        "a 3 s black alarm that cleared still asks for attention",
			run:         func(a *Alarms) { a.Observe(black(0, 3*time.Second)); a.Observe(black(1, 0)) },
			wantHad:     true,
			wantUnacked: true,
			wantRecords: 1,
		},
		{
			name: "acknowledged after it cleared, it stops latching and stays in the history",
			run: func(a *Alarms) {
				a.Observe(black(0, 3*time.Second))
				a.Observe(black(1, 0))
				a.Acknowledge(t0.Add(5 * time.Second))
			},
			wantRecords:  1,
			wantAckedAll: true,
		},
		{
			name:         "acknowledged while on, it stays on the light",
			run:          func(a *Alarms) { a.Observe(black(0, 3*time.Second)); a.Acknowledge(t0.Add(time.Second)) },
			wantActive:   1,
			wantRecords:  1,
			wantAckedAll: true,
		},
		{
			name: "stopping the feed clears the active alarms, which stay latched",
			run: func(a *Alarms) {
				a.Observe(black(0, 3*time.Second))
				a.ClearAll(t0.Add(2*time.Second), "the feed was stopped")
			},
			wantHad:     true,
			wantUnacked: true,
			wantRecords: 1,
			wantCleared: "the feed was stopped",
		},
		{
			name: "an alarm that comes back after acknowledgement asks again",
			run: func(a *Alarms) {
				a.Observe(black(0, 3*time.Second))
				a.Acknowledge(t0.Add(time.Second))
				a.Observe(black(1, 0))
				a.Observe(black(2, 3*time.Second))
			},
			wantActive:  1,
			wantUnacked: true,
			wantRecords: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAlarms(th)
			tt.run(a)
			h := a.History()
			if got := len(a.Active()); got != tt.wantActive {
				t.Errorf("%d active, want %d", got, tt.wantActive)
			}
			if a.HadAlarm() != tt.wantHad || a.Unacknowledged() != tt.wantUnacked {
				t.Errorf("had=%v unacked=%v, want %v/%v", a.HadAlarm(), a.Unacknowledged(), tt.wantHad, tt.wantUnacked)
			}
			if len(h) != tt.wantRecords {
				t.Fatalf("%d records %+v, want %d", len(h), h, tt.wantRecords)
			}
			last := h[len(h)-1]
			if last.Raised.IsZero() || last.Last.Detail == "" {
				t.Errorf("record without its raise time or words: %+v", last)
			}
			if last.ClearedBy != tt.wantCleared {
				t.Errorf("cleared by %q, want %q", last.ClearedBy, tt.wantCleared)
			}
			for _, r := range h {
				if tt.wantAckedAll && r.Acked.IsZero() {
					t.Errorf("record %+v not acknowledged", r)
				}
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
	a.Acknowledge(time.Now())
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

// TestLoudnessAlarms: a feed's short-term loudness, read once a second, is
// averaged (in energy, gated at -70 LUFS) over the window and compared
// with the target ± tolerance; nothing is said before the window is full.
func TestLoudnessAlarms(t *testing.T) {
	th := DefaultThresholds()
	th.LoudnessWindow = 10 * time.Second // -23 ± 3 LU
	const n = 12                         // seconds of readings per case
	steady := func(lufs float64) func(int) (float64, bool) {
		return func(int) (float64, bool) { return lufs, true }
	}
	tests := []struct {
		name    string
		th      Thresholds
		reading func(i int) (float64, bool)
		want    AlarmKind // "" for none at the end
		wantAt  int       // the second it is raised
		says    string
	}{
		{"on target", th, steady(-23), "", 0, ""},
		{"within tolerance", th, steady(-20.5), "", 0, ""},
		{"streaming master on a -23 chain is too loud", th, steady(-14), AlarmTooLoud, 10, "too loud: -14.0 LUFS over the last 10s, 9.0 LU above the -23 LUFS target"},
		{"a missing gain stage is too quiet", th, steady(-31), AlarmTooQuiet, 10, "too quiet: -31.0 LUFS over the last 10s, 8.0 LU below the -23 LUFS target"},
		{"ATSC target -24: -23 is fine", func() Thresholds { t := th; t.LoudnessTargetLUFS = -24; return t }(), steady(-23), "", 0, ""},
		{"streaming target -14: -23 is too quiet", func() Thresholds { t := th; t.LoudnessTargetLUFS = -14; return t }(), steady(-23), AlarmTooQuiet, 10, "9.0 LU below the -14 LUFS target"},
		{"silence is the silence alarm's, not too quiet", th, steady(-120.7), "", 0, ""},
		{"a loud burst in quiet programme: energy mean", th, func(i int) (float64, bool) {
			if i%2 == 0 {
				return -10, true
			}
			return -30, true
		}, AlarmTooLoud, 10, "too loud: -13.0 LUFS"},
		{"off by default", DefaultThresholds(), steady(-10), "", 0, ""},
		{"no audio, no alarm", th, func(int) (float64, bool) { return 0, false }, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAlarms(tt.th)
			raisedAt := -1
			var raised AlarmChange
			for i := 0; i <= n; i++ {
				l, ok := tt.reading(i)
				for _, c := range a.Observe(Observation{Sample: connected(i), Running: true, EverConnected: true, ShortTermLUFS: l, HasLoudness: ok}) {
					if c.Raised && (c.Kind == AlarmTooLoud || c.Kind == AlarmTooQuiet) && raisedAt < 0 {
						raisedAt, raised = i, c
					}
				}
			}
			var active AlarmKind
			for _, c := range a.Active() {
				if c.Kind == AlarmTooLoud || c.Kind == AlarmTooQuiet {
					active = c.Kind
				}
			}
			if active != tt.want {
				t.Fatalf("active loudness alarm %q, want %q (raised %+v)", active, tt.want, raised)
			}
			if tt.want == "" {
				return
			}
			if raisedAt != tt.wantAt {
				t.Errorf("raised at %d s, want %d s (once the window is full)", raisedAt, tt.wantAt)
			}
			if !strings.Contains(raised.Detail, tt.says) {
				t.Errorf("alarm says %q, want %q", raised.Detail, tt.says)
			}
			if a.Health() != HealthAmber {
				t.Errorf("health %s, want amber", a.Health())
			}
		})
	}
}

// TestBitrateAlarmWaitsForAFullInterval: a sample's rate spans the time
// since the previous sample, so right after a (re)connection it counts time
// without a caller, and delivery waits for the latency. The bitrate rule
// must not call that "bitrate 0.00 Mbit/s is below 0.10".
func TestBitrateAlarmWaitsForAFullInterval(t *testing.T) {
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// conn is a connected sample at second sec of a connection made at
	// second since (-1: unknown) with the given latency and rate.
	conn := func(sec, since float64, latencyMs int, mbps float64) Observation {
		s := session.Sample{Time: at(sec), State: session.StateConnected, RTTMs: 30, LatencyMs: latencyMs, RecvMbps: mbps,
			BytesRecv: uint64(sec*1e6) + 1}
		if since >= 0 {
			s.Conn.Since = at(since)
		}
		return Observation{Sample: s, Running: true, EverConnected: true}
	}
	waiting := Observation{Sample: session.Sample{Time: t0, State: session.StateConnecting}, Running: true}
	tests := []struct {
		name string
		obs  []Observation
		want []bool // bitrate alarm on after each observation
	}{
		{
			name: "the first sample after a restart reads 0 over a part-connected interval",
			obs:  []Observation{waiting, conn(1, 0.7, 200, 0)},
			want: []bool{false, false},
		},
		{
			name: "the first sample of a fresh evaluator, connection time unknown",
			obs:  []Observation{conn(0, -1, 200, 0), conn(1, -1, 200, 0)},
			want: []bool{false, true},
		},
		{
			name: "a latency change reconnects between two connected samples",
			obs:  []Observation{conn(0, -10, 120, 5), conn(1, 0.6, 400, 0), conn(2, 0.6, 400, 4.9), conn(3, 0.6, 400, 5)},
			want: []bool{false, false, false, false},
		},
		{
			name: "a 2 s latency delivers nothing for two samples",
			obs:  []Observation{waiting, conn(1, 0, 2000, 0), conn(2, 0, 2000, 0), conn(3, 0, 2000, 2.4), conn(4, 0, 2000, 5)},
			want: []bool{false, false, false, false, false},
		},
		{
			name: "still 0 after a whole connected interval is an alarm",
			obs:  []Observation{waiting, conn(1, 0.5, 200, 0), conn(2, 0.5, 200, 0)},
			want: []bool{false, false, true},
		},
		{
			name: "a steady feed that falls below the limit alarms at once",
			obs:  []Observation{conn(0, -30, 200, 5), conn(1, -30, 200, 5), conn(2, -30, 200, 0.05)},
			want: []bool{false, false, true},
		},
		{
			name: "a disconnection in between starts the wait again",
			obs: []Observation{conn(0, -30, 200, 5), {Sample: session.Sample{Time: at(1), State: session.StateConnecting}, Running: true, EverConnected: true},
				conn(2, 1.8, 200, 0)},
			want: []bool{false, false, false},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAlarms(DefaultThresholds())
			for i, o := range tt.obs {
				a.Observe(o)
				on := false
				for _, c := range a.Active() {
					if c.Kind == AlarmBitrate {
						on = true
						if !strings.Contains(c.Detail, "is below 0.10 Mbit/s") {
							t.Errorf("observation %d: alarm says %q", i, c.Detail)
						}
					}
				}
				if on != tt.want[i] {
					t.Errorf("observation %d (%.2f Mbit/s): bitrate alarm %v, want %v", i, o.Sample.RecvMbps, on, tt.want[i])
				}
			}
		})
	}
}
