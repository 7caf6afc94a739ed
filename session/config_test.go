package session

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		name      string
		url       string
		want      Config
		noteParts []string // each must appear in some note
	}{
		{
			name: "listener without host",
			url:  "srt://:9000",
			want: Config{Mode: ModeListener, Port: 9000, LatencyMs: 120, PBKeyLen: 16, ConnectTimeout: DefaultConnectTimeout, PeerIdleTimeout: DefaultPeerIdleTimeout},
		},
		{
			name: "caller libsrt style",
			url:  "srt://192.0.2.10:9000?latency=200&passphrase=0123456789abc&pbkeylen=32&streamid=#!::r=cam1,m=publish",
			want: Config{Mode: ModeCaller, Host: "192.0.2.10", Port: 9000, LatencyMs: 200, Passphrase: "0123456789abc", PBKeyLen: 32, StreamID: "#!::r=cam1,m=publish", ConnectTimeout: DefaultConnectTimeout, PeerIdleTimeout: DefaultPeerIdleTimeout},
		},
		{
			name:      "ffmpeg microseconds",
			url:       "srt://example.net:4200?mode=caller&latency=200000&pkt_size=1316&timeout=5000000",
			want:      Config{Mode: ModeCaller, Host: "example.net", Port: 4200, LatencyMs: 200, PBKeyLen: 16, ConnectTimeout: 5 * time.Second, PeerIdleTimeout: DefaultPeerIdleTimeout},
			noteParts: []string{"latency 200000 read as microseconds (ffmpeg style) = 200 ms", "pkt_size ignored"},
		},
		{
			name:      "ffmpeg keys but millisecond value",
			url:       "srt://h:1?latency=300&pkt_size=1316",
			want:      Config{Mode: ModeCaller, Host: "h", Port: 1, LatencyMs: 300, PBKeyLen: 16, ConnectTimeout: DefaultConnectTimeout, PeerIdleTimeout: DefaultPeerIdleTimeout},
			noteParts: []string{"latency 300 read as milliseconds"},
		},
		{
			name:      "rcvlatency wins when larger",
			url:       "srt://h:1?latency=100&rcvlatency=250000",
			want:      Config{Mode: ModeCaller, Host: "h", Port: 1, LatencyMs: 250, PBKeyLen: 16, ConnectTimeout: DefaultConnectTimeout, PeerIdleTimeout: DefaultPeerIdleTimeout},
			noteParts: []string{"rcvlatency 250000 read as microseconds"},
		},
		{
			name: "listener on address, percent escapes kept like libsrt",
			url:  "srt://127.0.0.1:5000?mode=listener&passphrase=abc%26def ghij+k",
			want: Config{Mode: ModeListener, Host: "127.0.0.1", Port: 5000, LatencyMs: 120, Passphrase: "abc%26def ghij+k", PBKeyLen: 16, ConnectTimeout: DefaultConnectTimeout, PeerIdleTimeout: DefaultPeerIdleTimeout},
		},
		{
			name: "ipv6 and server alias",
			url:  "srt://[::1]:7000?mode=server&conntimeo=1500",
			want: Config{Mode: ModeListener, Host: "::1", Port: 7000, LatencyMs: 120, PBKeyLen: 16, ConnectTimeout: 1500 * time.Millisecond, PeerIdleTimeout: DefaultPeerIdleTimeout},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, notes, err := ParseURL(tc.url)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tc.url, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParseURL(%q)\n got %+v\nwant %+v", tc.url, got, tc.want)
			}
			joined := strings.Join(notes, "\n")
			for _, part := range tc.noteParts {
				if !strings.Contains(joined, part) {
					t.Errorf("notes %q lack %q", notes, part)
				}
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct {
		url      string
		field    string
		contains []string
		absent   string
	}{
		{"http://h:1", "URL", []string{"srt://"}, ""},
		{"srt://h", "address", []string{"[host]:port"}, ""},
		{"srt://h:0", "port", []string{"1..65535"}, ""},
		{"srt://h:70000", "port", []string{"70000", "1..65535"}, ""},
		{"srt://h:abc", "port", []string{"abc"}, ""},
		{"srt://h:9000?mode=rendezvous", "mode", []string{"rendezvous", "not supported by this SRT engine"}, ""},
		{"srt://h:9000?mode=push", "mode", []string{"push", "caller or listener"}, ""},
		{"srt://h:9000?latency=5", "latency", []string{"5 ms", "20..8000 ms"}, ""},
		{"srt://h:9000?latency=9000", "latency", []string{"9000 ms", "20..8000 ms"}, ""},
		{"srt://h:9000?latency=0", "latency", []string{"0 ms"}, ""},
		{"srt://h:9000?latency=abc", "latency", []string{"abc"}, ""},
		{"srt://h:9000?passphrase=short", "passphrase", []string{"(5 characters)", "10..79"}, "short"},
		{"srt://h:9000?passphrase=" + strings.Repeat("x", 80), "passphrase", []string{"(80 characters)"}, "xxxx"},
		{"srt://h:9000?passphrase=0123456789&pbkeylen=20", "pbkeylen", []string{"20", "16, 24 or 32"}, ""},
		{"srt://h:9000?streamid=" + strings.Repeat("s", 513), "streamid", []string{"513 bytes", "512"}, ""},
		{"srt://:9000?mode=caller", "host", []string{"host"}, ""},
		{"srt://h:9000?kmrefreshrate=2000&kmpreannounce=1000", "kmpreannounce", []string{"1000", "1..999"}, ""},
		{"srt://h:9000?kmrefreshrate=x", "kmrefreshrate", []string{"x", "packets"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.url[:min(len(tc.url), 40)], func(t *testing.T) {
			_, _, err := ParseURL(tc.url)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseURL(%q) = %v, want *FieldError", tc.url, err)
			}
			if fe.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, tc.field, err)
			}
			for _, part := range tc.contains {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q lacks %q", err, part)
				}
			}
			if tc.absent != "" && strings.Contains(err.Error(), tc.absent) {
				t.Errorf("error %q leaks %q", err, tc.absent)
			}
		})
	}
}

// TestRedactedURLHidesEveryPartOfThePassphrase: a passphrase holding the
// URL's own separators must not leave a piece of itself behind.
func TestRedactedURLHidesEveryPartOfThePassphrase(t *testing.T) {
	for _, pass := range []string{"plainsecret1", "left&right=secret2", "a&passphrase=b&c=secret3", "sp ace?x=secret4"} {
		cfg := Config{Mode: ModeCaller, Host: "10.0.0.1", Port: 9000, Passphrase: pass}
		got := cfg.RedactedURL()
		for _, piece := range strings.FieldsFunc(pass, func(r rune) bool { return r == '&' || r == '=' || r == '?' || r == ' ' }) {
			if len(piece) > 2 && piece != "passphrase" && strings.Contains(got, piece) {
				t.Errorf("passphrase %q: RedactedURL %q shows %q", pass, got, piece)
			}
		}
		if want := fmt.Sprintf("passphrase=(%d characters)", len(pass)); !strings.Contains(got, want) {
			t.Errorf("RedactedURL %q does not say %q", got, want)
		}
	}
}

func TestConfigURLRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		tool   Tool
		wantIn []string
	}{
		{"libsrt caller", Config{Mode: ModeCaller, Host: "10.0.0.1", Port: 9000, LatencyMs: 200, Passphrase: "secret pass%1", PBKeyLen: 32, StreamID: "#!::r=cam1,m=publish"}, ToolLibSRT, []string{"&latency=200", "passphrase=secret pass%1&", "pbkeylen=32", "streamid=#!::r=cam1,m=publish"}},
		{"ffmpeg caller", Config{Mode: ModeCaller, Host: "10.0.0.1", Port: 9000, LatencyMs: 200}, ToolFFmpeg, []string{"latency=200000"}},
		{"ffmpeg listener", Config{Mode: ModeListener, Port: 9000, LatencyMs: 500}, ToolFFmpeg, []string{"srt://0.0.0.0:9000", "mode=listener", "latency=500000"}},
		{"libsrt listener", Config{Mode: ModeListener, Port: 9000}, ToolLibSRT, []string{"srt://:9000?mode=listener&latency=120"}},
		{"key refresh", Config{Mode: ModeCaller, Host: "h", Port: 9000, Passphrase: "0123456789", KMRefreshRate: 2000, KMPreAnnounce: 500}, ToolLibSRT, []string{"kmrefreshrate=2000&kmpreannounce=500"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u := tc.cfg.URL(tc.tool)
			for _, part := range tc.wantIn {
				if !strings.Contains(u, part) {
					t.Errorf("URL %q lacks %q", u, part)
				}
			}
			back, _, err := ParseURL(u)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", u, err)
			}
			want := tc.cfg.withDefaults()
			if tc.tool == ToolFFmpeg && want.Host == "" {
				want.Host = "0.0.0.0"
			}
			if !reflect.DeepEqual(back, want) {
				t.Errorf("round trip\n got %+v\nwant %+v", back, want)
			}
			if tc.cfg.Passphrase != "" && strings.Contains(tc.cfg.RedactedURL(), "secret") {
				t.Errorf("RedactedURL leaks the passphrase: %s", tc.cfg.RedactedURL())
			}
		})
	}
}

func TestValidate(t *testing.T) {
	ok := Config{Mode: ModeCaller, Host: "h", Port: 1}
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"valid", func(*Config) {}, ""},
		{"no mode", func(c *Config) { c.Mode = "" }, "mode"},
		{"rendezvous", func(c *Config) { c.Mode = ModeRendezvous }, "mode"},
		{"port high", func(c *Config) { c.Port = 65536 }, "port"},
		{"latency low", func(c *Config) { c.LatencyMs = 19 }, "latency"},
		{"latency edge", func(c *Config) { c.LatencyMs = 8000 }, ""},
		{"passphrase 9", func(c *Config) { c.Passphrase = "123456789" }, "passphrase"},
		{"passphrase 79", func(c *Config) { c.Passphrase = strings.Repeat("p", 79) }, ""},
		{"pbkeylen 24", func(c *Config) { c.PBKeyLen = 24 }, ""},
		{"pbkeylen 8", func(c *Config) { c.PBKeyLen = 8 }, "pbkeylen"},
		{"streamid 512", func(c *Config) { c.StreamID = strings.Repeat("s", 512) }, ""},
		{"km refresh, default preannounce", func(c *Config) { c.KMRefreshRate = 2000 }, ""},
		{"km preannounce at libsrt's limit", func(c *Config) { c.KMRefreshRate, c.KMPreAnnounce = 2000, 999 }, ""},
		{"km preannounce over libsrt's limit", func(c *Config) { c.KMRefreshRate, c.KMPreAnnounce = 2000, 1000 }, "kmpreannounce"},
		{"km preannounce over the default rate's limit", func(c *Config) { c.KMPreAnnounce = 1 << 23 }, "kmpreannounce"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Validate = %v, want field %s", err, tc.field)
			}
		})
	}
}

func FuzzParseURL(f *testing.F) {
	for _, seed := range []string{
		"srt://:9000", "srt://127.0.0.1:9000?mode=caller&latency=200",
		"srt://h:1?latency=200000&pkt_size=1316&passphrase=0123456789",
		"srt://[::1]:7000?mode=listener&streamid=#!::r=a,m=publish&pbkeylen=24",
		"srt://h:9000?mode=rendezvous", "srt://h:9000?passphrase=%zz&latency=",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, _, err := ParseURL(raw)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseURL(%q) error %v is not a *FieldError", raw, err)
			}
			if fe.Field == "passphrase" && fe.Value != fmt.Sprintf("(%d characters)", len([]rune(cfg.Passphrase))) {
				t.Fatalf("error %q leaks the passphrase", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("ParseURL(%q) returned an invalid config: %v", raw, err)
		}
		for _, tool := range []Tool{ToolLibSRT, ToolFFmpeg} {
			back, _, err := ParseURL(cfg.URL(tool))
			if err != nil {
				t.Fatalf("re-parse of %q (%s): %v", cfg.URL(tool), tool, err)
			}
			if tool == ToolFFmpeg && cfg.Mode == ModeListener && cfg.Host == "" {
				back.Host = ""
			}
			if !reflect.DeepEqual(back, cfg) {
				t.Fatalf("round trip via %s of %q\n got %+v\nwant %+v", tool, raw, back, cfg)
			}
		}
	})
}
