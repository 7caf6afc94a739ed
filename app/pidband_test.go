package app

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// TestPIDBandAlarm feeds synthetic per-PID rates, one a second: a PID out
// of its band for PIDBandHold raises the alarm naming the PID and its
// codec; back in band clears it.
func TestPIDBandAlarm(t *testing.T) {
	bands, err := NewPIDBands([]PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}, {PID: 257, MinMbps: 0.1}})
	if err != nil {
		t.Fatal(err)
	}
	th := DefaultThresholds()
	th.PIDBands = bands
	const n = 14
	rates := func(video, audio func(i int) float64) func(int) []PIDRate {
		return func(i int) []PIDRate {
			return []PIDRate{{PID: 0, Mbps: 0.01}, {PID: 256, Codec: "h264", Mbps: video(i)}, {PID: 257, Codec: "aac", Mbps: audio(i)}}
		}
	}
	steady := func(v float64) func(int) float64 { return func(int) float64 { return v } }
	from := func(at int, before, after float64) func(int) float64 {
		return func(i int) float64 {
			if i >= at {
				return after
			}
			return before
		}
	}
	tests := []struct {
		name      string
		th        Thresholds
		rates     func(i int) []PIDRate
		wantAt    int // the second it is raised, -1 never
		clearedAt int // the second it clears, -1 never
		says      string
	}{
		{"in band", th, rates(steady(5), steady(0.19)), -1, -1, ""},
		{"video starved", th, rates(from(2, 5, 0.4), steady(0.19)), 7, -1, "PID 256 (h264) at 0.4 Mbit/s is below 2.0"},
		{"video too fat", th, rates(from(0, 9.5, 9.5), steady(0.19)), 5, -1, "PID 256 (h264) at 9.5 Mbit/s is above 8.0"},
		{"a 3 s dip does not count", th, rates(func(i int) float64 {
			if i >= 2 && i < 5 {
				return 0.5
			}
			return 5
		}, steady(0.19)), -1, -1, ""},
		{"back in band clears", th, rates(func(i int) float64 {
			if i < 9 {
				return 0.4
			}
			return 5
		}, steady(0.19)), 5, 9, "PID 256 (h264) at 0.4 Mbit/s is below 2.0"},
		{"two PIDs out: the first named, the other counted", th, rates(steady(0.4), steady(0)), 5, -1,
			"PID 256 (h264) at 0.4 Mbit/s is below 2.0 (and 1 more PIDs out of their bands)"},
		{"a PID not in the stream is left alone", th, func(int) []PIDRate { return []PIDRate{{PID: 257, Codec: "aac", Mbps: 0.19}} }, -1, -1, ""},
		{"no bands, no alarm", DefaultThresholds(), rates(steady(0.4), steady(0)), -1, -1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := NewAlarms(tt.th)
			raisedAt, clearedAt := -1, -1
			var raised AlarmChange
			for i := 0; i <= n; i++ {
				for _, c := range a.Observe(Observation{Sample: connected(i), Running: true, EverConnected: true, PIDRates: tt.rates(i)}) {
					if c.Kind != AlarmPIDBitrate {
						t.Fatalf("second %d: unexpected %+v", i, c)
					}
					if c.Raised && raisedAt < 0 {
						raisedAt, raised = i, c
					}
					if !c.Raised {
						clearedAt = i
					}
				}
			}
			if raisedAt != tt.wantAt || clearedAt != tt.clearedAt {
				t.Fatalf("raised at %d, cleared at %d; want %d, %d (%+v)", raisedAt, clearedAt, tt.wantAt, tt.clearedAt, raised)
			}
			if tt.wantAt < 0 {
				return
			}
			if raised.Detail != tt.says {
				t.Errorf("alarm says %q, want %q", raised.Detail, tt.says)
			}
			if tt.clearedAt < 0 && a.Health() != HealthAmber {
				t.Errorf("health %s, want amber", a.Health())
			}
		})
	}
}

func TestPIDBandValidation(t *testing.T) {
	tests := []struct {
		name  string
		bands []PIDBand
		field string // "" for valid
	}{
		{"min and max", []PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}}, ""},
		{"min only", []PIDBand{{PID: 0x1FFE, MinMbps: 0.1}}, ""},
		{"max only", []PIDBand{{PID: 16, MaxMbps: 20}}, ""},
		{"PAT", []PIDBand{{PID: 0, MinMbps: 1}}, "pid"},
		{"null PID", []PIDBand{{PID: 0x1FFF, MinMbps: 1}}, "pid"},
		{"no limits", []PIDBand{{PID: 256}}, "min_mbps"},
		{"negative", []PIDBand{{PID: 256, MinMbps: -1}}, "min_mbps"},
		{"NaN", []PIDBand{{PID: 256, MaxMbps: math.NaN()}}, "max_mbps"},
		{"min above max", []PIDBand{{PID: 256, MinMbps: 8, MaxMbps: 2}}, "max_mbps"},
		{"twice", []PIDBand{{PID: 256, MinMbps: 1}, {PID: 256, MaxMbps: 9}}, "pid"},
		{"too many", make([]PIDBand, MaxPIDBands+1), "pid bands"},
	}
	for _, tt := range tests {
		_, err := NewPIDBands(tt.bands)
		var fe *FieldError
		switch {
		case tt.field == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
			t.Errorf("%s: error %v; want one naming %q", tt.name, err, tt.field)
		}
	}
	// Thresholds stay comparable and the bands go through JSON as a list.
	b, _ := NewPIDBands([]PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}})
	th := DefaultThresholds()
	th.PIDBands = b
	js, err := json.Marshal(th)
	if err != nil || !strings.Contains(string(js), `"pid_bands":[{"pid":256,"min_mbps":2,"max_mbps":8}]`) {
		t.Fatalf("JSON %s (%v)", js, err)
	}
	var back Thresholds
	if err := json.Unmarshal(js, &back); err != nil || back != th {
		t.Fatalf("round trip %+v (%v)", back, err)
	}
}

func TestParsePIDBands(t *testing.T) {
	tests := []struct {
		in    string
		want  []PIDBand
		bad   string // a word the error must hold
		field string
	}{
		{in: "", want: nil},
		{in: "256: 2-8", want: []PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}}},
		{in: " 256:2-8 , 0x101: 0.1- ,258: -20", want: []PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}, {PID: 257, MinMbps: 0.1}, {PID: 258, MaxMbps: 20}}},
		{in: "256 2-8", bad: `256 2-8`, field: "PID bitrate band"},
		{in: "256: 2", bad: "256: 2", field: "PID bitrate band"},
		{in: "x: 2-8", bad: "x: 2-8", field: "PID bitrate band"},
		{in: "256: a-8", bad: "256: a-8", field: "PID bitrate band"},
		{in: "256: -", bad: "a minimum or a maximum", field: "PID bitrate band"},
		{in: "256: 8-2", bad: "a maximum above the minimum (8 Mbit/s)", field: "PID bitrate band"},
		{in: "17: 1-2, 17: 3-4", bad: "each PID once", field: "PID bitrate bands"},
		{in: "8191: 1-", bad: "8191: 1-", field: "PID bitrate band"},
		{in: "70000: 1-", bad: "70000: 1-", field: "PID bitrate band"},
	}
	for _, tt := range tests {
		got, err := ParsePIDBands(tt.in)
		if tt.bad == "" {
			if err != nil || len(got) != len(tt.want) {
				t.Errorf("ParsePIDBands(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
				continue
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("ParsePIDBands(%q) = %v; want %v", tt.in, got, tt.want)
				}
			}
			continue
		}
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tt.field || !strings.Contains(fe.Value+" "+fe.Allowed, tt.bad) {
			t.Errorf("ParsePIDBands(%q) error %#v; want field %q saying %q", tt.in, err, tt.field, tt.bad)
		}
	}
}

func FuzzParsePIDBands(f *testing.F) {
	for _, s := range []string{"256: 2-8", "256:2-8, 0x101: 0.1-, 258: -20", "", ",", "1:-", "256: 1e3-", "256: NaN-", "16: 0x1p-2-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		bands, err := ParsePIDBands(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Allowed == "" {
				t.Fatalf("%q: error %v is not a FieldError", s, err)
			}
			return
		}
		if _, err := NewPIDBands(bands); err != nil {
			t.Fatalf("%q: accepted bands %v that NewPIDBands refuses: %v", s, bands, err)
		}
		again, err := ParsePIDBands(FormatPIDBands(bands))
		if err != nil || len(again) != len(bands) {
			t.Fatalf("%q: %v does not read back from %q: %v", s, bands, FormatPIDBands(bands), err)
		}
		for i := range bands {
			if again[i] != bands[i] {
				t.Fatalf("%q: %v reads back as %v", s, bands, again)
			}
		}
	})
}
