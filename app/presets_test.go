package app

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/session"
)

func TestParseLatency(t *testing.T) {
	tests := []struct {
		in      string
		want    preset.Latency
		wantErr string
	}{
		{"", preset.Latency{}, ""},
		{"default", preset.Latency{}, ""},
		{"200", preset.Latency{Ms: 200}, ""},
		{" 350 ms", preset.Latency{Ms: 350}, ""},
		{"4x", preset.Latency{RTTMultiplier: 4}, ""},
		{"4x RTT", preset.Latency{RTTMultiplier: 4}, ""},
		{"2.5× RTT", preset.Latency{RTTMultiplier: 2.5}, ""},
		{"10", preset.Latency{}, `"10": use 20 to 8000 ms`},
		{"fast", preset.Latency{}, `"fast"`},
		{"30x", preset.Latency{}, "1x to 20x"},
	}
	for _, tt := range tests {
		got, err := ParseLatency(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseLatency(%q) error %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseLatency(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
		if back, _ := ParseLatency(FormatLatency(got)); back != got {
			t.Errorf("FormatLatency(%+v) = %q does not read back", got, FormatLatency(got))
		}
	}
}

func TestPresetRoundTripThroughStore(t *testing.T) {
	const pass = "pass word&=+%x1"
	spec := FeedSpec{Name: "cam", Config: session.Config{Mode: session.ModeCaller, Host: "192.0.2.7", Port: 9001, LatencyMs: 300,
		Passphrase: pass, PBKeyLen: 24, StreamID: "#!::r=cam 1,m=publish"}, Thresholds: DefaultThresholds()}
	spec.Thresholds.RTTAboveMs = 180
	tests := []struct {
		name      string
		absent    bool
		latency   preset.Latency
		rtt       float64
		wantLatMs int
		wantPass  string // passphrase in the applied spec when none is typed
	}{
		{name: "keychain, fixed latency", latency: preset.Latency{Ms: 300}, rtt: 40, wantLatMs: 300, wantPass: pass},
		{name: "keychain, 4x RTT of 40 ms", latency: preset.Latency{RTTMultiplier: 4}, rtt: 40, wantLatMs: 160, wantPass: pass},
		{name: "no keychain: typed", absent: true, latency: preset.Latency{RTTMultiplier: 8}, rtt: 30, wantLatMs: 240, wantPass: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			kc := &preset.MemoryKeychain{Unavailable: tt.absent}
			st, err := preset.Open(filepath.Join(t.TempDir(), preset.FileName), kc)
			if err != nil {
				t.Fatal(err)
			}
			p := PresetFromSpec("Stadium", spec)
			p.Latency, p.RememberPassphrase = tt.latency, true
			if _, err := st.Create(p, pass); err != nil {
				t.Fatal(err)
			}
			a, err := st.Apply("Stadium", tt.rtt)
			if err != nil {
				t.Fatal(err)
			}
			got, err := SpecFromApplied(a, "")
			if tt.wantPass == "" {
				if !a.NeedsPassphrase || err == nil {
					t.Fatalf("without a keychain the preset must ask for the passphrase (needs=%v, err=%v)", a.NeedsPassphrase, err)
				}
				if got, err = SpecFromApplied(a, "typed-passphrase"); err != nil {
					t.Fatal(err)
				}
				tt.wantPass = "typed-passphrase"
			} else if err != nil {
				t.Fatal(err)
			}
			c := got.Config
			if c.Mode != session.ModeCaller || c.Host != "192.0.2.7" || c.Port != 9001 || c.PBKeyLen != 24 || c.StreamID != spec.Config.StreamID {
				t.Errorf("applied config %+v does not match the feed it came from", c)
			}
			if c.LatencyMs != tt.wantLatMs {
				t.Errorf("latency %d ms, want %d", c.LatencyMs, tt.wantLatMs)
			}
			if c.Passphrase != tt.wantPass {
				t.Errorf("passphrase %q, want %q", c.Passphrase, tt.wantPass)
			}
			if got.Thresholds.RTTAboveMs != 180 || got.Thresholds.DroppedWindow != 10*time.Second {
				t.Errorf("thresholds %+v: want RTT 180 from the preset and defaults elsewhere", got.Thresholds)
			}
		})
	}
}

func TestMeasuredRTT(t *testing.T) {
	conn := session.Sample{State: session.StateConnected, RTTMs: 42}
	down := session.Sample{State: session.StateDisconnected, RTTMs: 0}
	tests := []struct {
		v    FeedView
		want float64
	}{
		{FeedView{Sample: conn}, 42},
		{FeedView{Sample: down, History: []session.Sample{{State: session.StateConnected, RTTMs: 35}, down}}, 35},
		{FeedView{Sample: down}, 0},
	}
	for i, tt := range tests {
		if got := MeasuredRTT(tt.v); got != tt.want {
			t.Errorf("case %d: MeasuredRTT = %v, want %v", i, got, tt.want)
		}
	}
}
