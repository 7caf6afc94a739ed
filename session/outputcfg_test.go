package session

import (
	"errors"
	"strings"
	"testing"
)

func TestParseOutputURL(t *testing.T) {
	tests := []struct {
		in        string
		kind      OutputKind
		url       string // RedactedURL
		field     string // FieldError.Field when bad
		noteParts string
	}{
		{in: "srt://192.0.2.10:9000?latency=200&passphrase=secret-secret&streamid=studio", kind: OutputSRTCaller,
			url: "srt://192.0.2.10:9000?mode=caller&passphrase=(13 characters)&pbkeylen=16&streamid=studio&latency=200"},
		{in: "srt://:9100", kind: OutputSRTListener, url: "srt://:9100?mode=listener&latency=120"},
		{in: "SRT://127.0.0.1:9100?mode=listener", kind: OutputSRTListener, url: "srt://127.0.0.1:9100?mode=listener&latency=120"},
		{in: "udp://127.0.0.1:5000", kind: OutputUDP, url: "udp://127.0.0.1:5000"},
		{in: "udp://239.1.1.1:5000?pkt_size=1316", kind: OutputUDP, url: "udp://239.1.1.1:5000", noteParts: "TTL 1"},
		{in: "udp://239.1.1.1:5000?ttl=8", kind: OutputUDP, url: "udp://239.1.1.1:5000?ttl=8"},
		{in: "udp://239.1.1.1:5000?ttl=0", field: "ttl"},
		{in: "udp://239.1.1.1:5000?ttl=300", field: "ttl"},
		{in: "udp://239.1.1.1:5000?pkt_size=1500", field: "pkt_size"},
		{in: "udp://239.1.1.1:5000?foo=1", field: "option"},
		{in: "udp://:5000", field: "host"},
		{in: "udp://127.0.0.1:70000", field: "port"},
		{in: "udp://127.0.0.1", field: "address"},
		{in: "rtmp://x:1935/live", field: "output URL scheme"},
		{in: "127.0.0.1:9000", field: "output URL"},
		{in: "srt://host:9000?mode=rendezvous", field: "mode"},
		{in: "srt://host:9000?passphrase=short", field: "passphrase"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			cfg, notes, err := ParseOutputURL(tc.in)
			if tc.field != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.field {
					t.Fatalf("error %v, want a FieldError on %q", err, tc.field)
				}
				if strings.Contains(err.Error(), "short") && strings.Contains(tc.in, "passphrase") {
					t.Errorf("error %q shows the passphrase", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Kind != tc.kind || cfg.RedactedURL() != tc.url {
				t.Errorf("got %s %q, want %s %q", cfg.Kind, cfg.RedactedURL(), tc.kind, tc.url)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			if tc.noteParts != "" && !strings.Contains(strings.Join(notes, "\n"), tc.noteParts) {
				t.Errorf("notes %q, want %q", notes, tc.noteParts)
			}
			again, _, err := ParseOutputURL(cfg.URL())
			if err != nil || again.URL() != cfg.URL() {
				t.Errorf("URL %q does not parse back the same: %v", cfg.URL(), err)
			}
		})
	}
}

// FuzzParseOutputURL: any input gives a valid config or a FieldError that
// never shows the passphrase, and a parsed URL formats back to itself.
func FuzzParseOutputURL(f *testing.F) {
	for _, s := range []string{"udp://239.1.1.1:5000?ttl=4", "srt://:9000", "srt://h:1?passphrase=0123456789abc", "udp://[::1]:5000?pkt_size=1316", "udp://a:1?&&ttl=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cfg, _, err := ParseOutputURL(raw)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v is not a FieldError", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("parsed %q but Validate says %v", raw, err)
		}
		if cfg.SRT.Passphrase != "" && strings.Contains(cfg.RedactedURL(), cfg.SRT.Passphrase) {
			t.Fatalf("RedactedURL %q shows the passphrase", cfg.RedactedURL())
		}
		again, _, err := ParseOutputURL(cfg.URL())
		if err != nil {
			t.Fatalf("%q parsed, its URL %q does not: %v", raw, cfg.URL(), err)
		}
		if again.URL() != cfg.URL() {
			t.Fatalf("URL %q parses back as %q", cfg.URL(), again.URL())
		}
	})
}
