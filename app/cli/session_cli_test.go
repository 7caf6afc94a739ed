package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSessionCommandsBadInput: every invalid URL or flag of watch, send and
// relay exits 2 with one line on stderr that names the field, the value and
// what is allowed, before anything is opened; a passphrase never appears.
func TestSessionCommandsBadInput(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.ts")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	const secret = "s3cr"           // too short: must not be printed
	long := strings.Repeat("k", 80) // too long: must not be printed
	streamid := strings.Repeat("x", 513)

	tests := []struct {
		name string
		args []string
		want []string // every part must be in the one line
	}{
		// watch: the URL
		{"watch no URL", []string{"watch"}, []string{"one URL", "got 0 arguments", "srt://[host]:port"}},
		{"watch two URLs", []string{"watch", "srt://:9000", "srt://:9001"}, []string{"one URL", "got 2 arguments"}},
		{"watch not srt", []string{"watch", "udp://127.0.0.1:9000"}, []string{"invalid URL", `"udp://127.0.0.1:9000"`, "allowed srt://[host]:port"}},
		{"watch no port", []string{"watch", "srt://example.org"}, []string{"invalid address", `"example.org"`, "allowed [host]:port"}},
		{"watch port 0", []string{"watch", "srt://:0"}, []string{"invalid port", `"0"`, "allowed 1..65535"}},
		{"watch port too big", []string{"watch", "srt://127.0.0.1:70000"}, []string{"invalid port", `"70000"`, "allowed 1..65535"}},
		{"watch port not a number", []string{"watch", "srt://127.0.0.1:srt"}, []string{"invalid port", `"srt"`, "allowed 1..65535"}},
		{"watch mode unknown", []string{"watch", "srt://:9000?mode=push"}, []string{"invalid mode", `"push"`, "allowed caller or listener"}},
		{"watch rendezvous", []string{"watch", "srt://127.0.0.1:9000?mode=rendezvous"}, []string{"invalid mode rendezvous", "allowed caller or listener", "not supported by this SRT engine"}},
		{"watch caller without host", []string{"watch", "srt://:9000?mode=caller"}, []string{"invalid host", `""`, "allowed a host name or IP address"}},
		{"watch latency too low", []string{"watch", "srt://:9000?latency=5"}, []string{"invalid latency 5 ms", "allowed 20..8000 ms"}},
		{"watch latency too high", []string{"watch", "srt://:9000?latency=9000"}, []string{"invalid latency 9000 ms", "allowed 20..8000 ms"}},
		{"watch latency in us too high", []string{"watch", "srt://:9000?latency=10000000"}, []string{"invalid latency 10000 ms", "allowed 20..8000 ms"}},
		{"watch latency not a number", []string{"watch", "srt://:9000?latency=fast"}, []string{"invalid latency", `"fast"`, "allowed a whole number of milliseconds"}},
		{"watch rcvlatency negative", []string{"watch", "srt://:9000?rcvlatency=-1"}, []string{"invalid rcvlatency", `"-1"`, "allowed a whole number"}},
		{"watch passphrase short", []string{"watch", "srt://:9000?passphrase=" + secret}, []string{"invalid passphrase (4 characters)", "allowed 10..79 characters, or none"}},
		{"watch passphrase long", []string{"watch", "srt://:9000?passphrase=" + long}, []string{"invalid passphrase (80 characters)", "allowed 10..79 characters"}},
		{"watch pbkeylen", []string{"watch", "srt://:9000?passphrase=0123456789&pbkeylen=20"}, []string{"invalid pbkeylen 20", "allowed 16, 24 or 32"}},
		{"watch pbkeylen not a number", []string{"watch", "srt://:9000?pbkeylen=aes"}, []string{"invalid pbkeylen", `"aes"`, "allowed 16, 24 or 32"}},
		{"watch streamid too long", []string{"watch", "srt://127.0.0.1:9000?streamid=" + streamid}, []string{"invalid streamid (513 bytes)", "allowed at most 512 bytes"}},
		{"watch timeout", []string{"watch", "srt://127.0.0.1:9000?timeout=soon"}, []string{"invalid timeout", `"soon"`, "allowed a whole number"}},
		{"watch conntimeo", []string{"watch", "srt://127.0.0.1:9000?conntimeo=-3"}, []string{"invalid conntimeo", `"-3"`, "allowed a whole number of milliseconds"}},
		{"watch peeridletimeo", []string{"watch", "srt://:9000?peeridletimeo=x"}, []string{"invalid peeridletimeo", `"x"`, "allowed a whole number of milliseconds"}},
		// watch: flags
		{"watch duration negative", []string{"watch", "srt://:9000", "--duration", "-5s"}, []string{"--duration -5s", "allowed a positive duration"}},
		{"watch duration no unit", []string{"watch", "srt://:9000", "--duration", "20"}, []string{`invalid value "20" for flag -duration`, "allowed a duration like 20ms, 1.5s or 2m"}},
		{"watch format", []string{"watch", "srt://:9000", "--format", "xml"}, []string{`--format "xml"`, "allowed text, json or csv"}},
		{"watch unknown flag", []string{"watch", "srt://:9000", "--latency", "200"}, []string{"-latency"}},
		// watch --by-streamid: one port, many feeds
		{"watch accept without by-streamid", []string{"watch", "srt://:9000", "--accept", "cam1,cam2"}, []string{`--accept "cam1,cam2" needs --by-streamid`}},
		{"watch accept-new without by-streamid", []string{"watch", "srt://:9000", "--accept-new"}, []string{"--accept-new needs --by-streamid"}},
		{"watch accept and accept-new", []string{"watch", "srt://:9000", "--by-streamid", "--accept", "cam1", "--accept-new"}, []string{"--accept and --accept-new together", "allowed one of them"}},
		{"watch by-streamid caller", []string{"watch", "srt://127.0.0.1:9000", "--by-streamid"}, []string{"--by-streamid with the caller URL", "127.0.0.1:9000", "allowed a listener URL"}},
		{"watch by-streamid tap", []string{"watch", "srt://:9000", "--by-streamid", "--arrival-tap"}, []string{"--arrival-tap with --by-streamid", "allowed only for a single feed"}},
		{"watch accept empty name", []string{"watch", "srt://:9000", "--by-streamid", "--accept", "cam1,,cam2"}, []string{`--accept "cam1,,cam2"`, `stream name ""`, "allowed a name such as cam1"}},
		{"watch accept twice", []string{"watch", "srt://:9000", "--by-streamid", "--accept", "cam1,cam1"}, []string{`--accept "cam1,cam1"`, `"cam1"`, "each name once"}},
		{"watch accept comma-free", []string{"watch", "srt://:9000", "--by-streamid", "--accept", "cam 1"}, []string{`--accept "cam 1"`, "without spaces"}},
		{"watch forward by-streamid", []string{"watch", "srt://:9000", "--by-streamid", "--forward", "udp://127.0.0.1:5000"}, []string{"--forward with --by-streamid", "allowed only for a single feed"}},
		// watch --forward
		{"forward no scheme", []string{"watch", "srt://:9000", "--forward", "127.0.0.1:9001"}, []string{`--forward "127.0.0.1:9001"`, "invalid output URL", "allowed srt://HOST:PORT (call), srt://:PORT (let decoders pull) or udp://HOST:PORT"}},
		{"forward rtmp", []string{"watch", "srt://:9000", "--forward", "rtmp://x:1935/live"}, []string{"--forward", `invalid output URL scheme "rtmp"`, "allowed srt:// or udp://"}},
		{"forward udp no host", []string{"watch", "srt://:9000", "--forward", "udp://:5000"}, []string{`--forward "udp://:5000"`, "invalid host", "allowed an IP address or host name"}},
		{"forward udp ttl", []string{"watch", "srt://:9000", "--forward", "udp://239.1.1.1:5000?ttl=999"}, []string{"--forward", `invalid ttl "999"`, "allowed 1..255"}},
		{"forward udp option", []string{"watch", "srt://:9000", "--forward", "udp://239.1.1.1:5000?buffer=9"}, []string{"--forward", `invalid option "buffer"`, "allowed ttl=N or pkt_size=1316"}},
		{"forward srt port", []string{"watch", "srt://:9000", "--forward", "srt://127.0.0.1:0"}, []string{"--forward", `invalid port "0"`, "allowed 1..65535"}},
		{"forward passphrase short", []string{"watch", "srt://:9000", "--forward", "srt://127.0.0.1:9001?passphrase=" + secret}, []string{"--forward", "passphrase=(4 characters)", "invalid passphrase (4 characters)"}},
		{"forward input port", []string{"watch", "srt://:9000", "--forward", "srt://:9000"}, []string{"--forward srt://:9000?mode=listener", "port 9000 is the input's own", "allowed another port"}},

		// send
		{"send no URL", []string{"send", "--demo"}, []string{"one URL", "got 0 arguments"}},
		{"send no input", []string{"send", "srt://127.0.0.1:9000"}, []string{"--file", "--demo", "exactly one"}},
		{"send both inputs", []string{"send", "srt://127.0.0.1:9000", "--demo", "--file", empty}, []string{"--file", "--demo", "exactly one"}},
		{"send missing file", []string{"send", "srt://127.0.0.1:9000", "--file", filepath.Join(dir, "nope.ts")}, []string{`--file "` + filepath.Join(dir, "nope.ts") + `"`, "no such file", "allowed: a readable MPEG-TS file"}},
		{"send empty file", []string{"send", "srt://127.0.0.1:9000", "--file", empty}, []string{`--file "` + empty + `"`, "allowed: a non-empty regular MPEG-TS file"}},
		{"send directory", []string{"send", "srt://127.0.0.1:9000", "--file", dir}, []string{`--file "` + dir + `"`, "allowed: a non-empty regular MPEG-TS file"}},
		{"send duration negative", []string{"send", "srt://127.0.0.1:9000", "--demo", "--duration", "-1s"}, []string{"--duration -1s", "allowed a positive duration"}},
		{"send duration garbage", []string{"send", "srt://127.0.0.1:9000", "--demo", "--duration", "a while"}, []string{`invalid value "a while" for flag -duration`, "allowed a duration like"}},
		{"send bad port", []string{"send", "srt://127.0.0.1:65536", "--demo"}, []string{"invalid port", `"65536"`, "allowed 1..65535"}},
		{"send passphrase short", []string{"send", "srt://127.0.0.1:9000?passphrase=" + secret, "--demo"}, []string{"invalid passphrase (4 characters)", "allowed 10..79 characters"}},
		{"send bad format", []string{"send", "srt://127.0.0.1:9000", "--demo", "--format", "csv"}, []string{`--format "csv"`, "allowed text or json"}},
		{"send rendezvous", []string{"send", "srt://127.0.0.1:9000?mode=rendezvous", "--demo"}, []string{"rendezvous", "not supported by this SRT engine"}},

		// relay
		{"relay no listen", []string{"relay", "--to", "127.0.0.1:9000"}, []string{"--listen is required", "allowed", "host:port"}},
		{"relay no to", []string{"relay", "--listen", "127.0.0.1:9001"}, []string{"--to is required", "host:port with port 1..65535"}},
		{"relay listen no port", []string{"relay", "--listen", "localhost", "--to", "127.0.0.1:9000"}, []string{`--listen "localhost"`, "allowed host:port with port 0..65535"}},
		{"relay listen port too big", []string{"relay", "--listen", "127.0.0.1:70000", "--to", "127.0.0.1:9000"}, []string{`--listen "127.0.0.1:70000"`, `port "70000"`, "allowed host:port with port 0..65535"}},
		{"relay to port 0", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:0"}, []string{`--to "127.0.0.1:0"`, `port "0"`, "port 1..65535"}},
		{"relay to no host", []string{"relay", "--listen", "127.0.0.1:9001", "--to", ":9000"}, []string{`--to ":9000"`, "no host", "allowed host:port"}},
		{"relay loss over 100", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--loss", "101"}, []string{"--loss 101", "allowed 0..100"}},
		{"relay loss negative", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--loss", "-1"}, []string{"--loss -1", "allowed 0..100"}},
		{"relay loss words", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--loss", "some"}, []string{"--loss some", "allowed 0..100"}},
		{"relay loss NaN", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--loss", "NaN"}, []string{"--loss NaN", "allowed 0..100"}},
		{"relay burst 0", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--burst", "0"}, []string{"--burst 0", "allowed 1..10000"}},
		{"relay burst too big", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--burst", "10001"}, []string{"--burst 10001", "allowed 1..10000"}},
		{"relay burst words", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--burst", "many"}, []string{`invalid value "many" for flag -burst`, "allowed 1..10000"}},
		{"relay delay garbage", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--delay", "20"}, []string{`invalid value "20" for flag -delay`, "allowed a duration like"}},
		{"relay delay negative", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--delay", "-20ms"}, []string{"--delay -20ms", "allowed 0s..10s"}},
		{"relay delay too long", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--delay", "11s"}, []string{"--delay 11s", "allowed 0s..10s"}},
		{"relay jitter too long", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--jitter", "1m"}, []string{"--jitter 1m0s", "allowed 0s..10s"}},
		{"relay outage without every", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--outage-for", "2s"}, []string{"--outage-every 0s", "required with outage-for"}},
		{"relay outage without length", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--outage-every", "10s"}, []string{"--outage-for 0s", "less than outage-every (10s)"}},
		{"relay outage longer than period", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--outage-every", "2s", "--outage-for", "3s"}, []string{"--outage-for 3s", "less than outage-every (2s)"}},
		{"relay outage period too short", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--outage-every", "1ms", "--outage-for", "0.5ms"}, []string{"--outage-every 1ms", "allowed 10ms..24h"}},
		{"relay dir", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--dir", "up"}, []string{`--dir "up"`, "allowed both, forward or reverse"}},
		{"relay seed words", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--seed", "lucky"}, []string{`invalid value "lucky" for flag -seed`, "allowed a whole number"}},
		{"relay duration negative", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--duration", "-1s"}, []string{"--duration -1s", "allowed 0s"}},
		{"relay format", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "--format", "csv"}, []string{`--format "csv"`, "allowed text or json"}},
		{"relay positional", []string{"relay", "--listen", "127.0.0.1:9001", "--to", "127.0.0.1:9000", "extra"}, []string{`unexpected argument "extra"`, "only flags"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Bad usage is refused before any socket opens: a run that
			// gets further is a failure, and the timeout stops it.
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			var out, errOut bytes.Buffer
			code := Run(ctx, tc.args, IO{Stdout: &out, Stderr: &errOut})
			msg := errOut.String()
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d (bad usage); stderr %q", code, ExitUsage, msg)
			}
			if strings.Count(msg, "\n") != 1 || !strings.HasSuffix(msg, "\n") {
				t.Errorf("want exactly one line on stderr, got %q", msg)
			}
			if !strings.HasPrefix(msg, "srtscope "+tc.args[0]+": ") {
				t.Errorf("line %q does not start with the command", msg)
			}
			for _, part := range tc.want {
				if !strings.Contains(msg, part) {
					t.Errorf("line %q does not contain %q", msg, part)
				}
			}
			if out.Len() != 0 {
				t.Errorf("bad usage wrote to stdout: %q", out.String())
			}
			if strings.Contains(msg, secret) || strings.Contains(msg, long) {
				t.Errorf("the passphrase is printed: %q", msg)
			}
		})
	}
}
