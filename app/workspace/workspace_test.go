package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// minimal is the form scripts and the docs use (issue 15).
const minimal = `
[[feed]]
name = "cam1"
url = "srt://:9000?mode=listener&latency=200"
inspect = true
media = "light"   # off | light | full
`

// portMinimal is a port serving two names, as the package doc shows it.
const portMinimal = `
[[port]]
url = "srt://:9000?mode=listener&latency=200"
names = ["cam1", "cam2"]
accept_new = false
inspect = true
media = "light"
passphrase_env = "PORT_PASS"
keychain_names = ["cam2"]
`

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // substrings of the error; nil = valid
		feeds   int
		checkFn func(t *testing.T, f File)
	}{
		{name: "the minimal form", in: minimal, feeds: 1, checkFn: func(t *testing.T, f File) {
			fd := f.Feeds[0]
			if fd.Name != "cam1" || !fd.Inspect || fd.Media != MediaLight || !fd.StartsOpen() || fd.Encrypted() {
				t.Errorf("feed %+v", fd)
			}
		}},
		{name: "empty file", in: "", feeds: 0},
		{name: "thresholds and a passphrase from the environment", feeds: 1, in: `
[[feed]]
name = "cam2"
url = "srt://192.0.2.10:9000?latency=300"
passphrase_env = "CAM2_PASS"
pbkeylen = 32
start = false
[feed.alarms]
no_data_s = 5
rtt_above_ms = 0
pid_bands = [{pid = 256, min_mbps = 2, max_mbps = 8}, {pid = 257, min_mbps = 0.1}]
`, checkFn: func(t *testing.T, f File) {
			fd := f.Feeds[0]
			if !fd.Encrypted() || fd.StartsOpen() || fd.KeyLength != 32 || *fd.Alarms.NoDataS != 5 || *fd.Alarms.RTTAboveMs != 0 || fd.Alarms.BlackS != nil {
				t.Errorf("feed %+v alarms %+v", fd, fd.Alarms)
			}
			if b := fd.Alarms.PIDBands; len(b) != 2 || b[0] != (PIDBand{PID: 256, MinMbps: 2, MaxMbps: 8}) || b[1] != (PIDBand{PID: 257, MinMbps: 0.1}) {
				t.Errorf("pid bands %+v", b)
			}
		}},
		{name: "no name", in: "[[feed]]\nurl = \"srt://:9000\"\n", want: []string{"feed 1", "name", "every feed needs a name"}},
		{name: "two feeds with one name", in: minimal + strings.Replace(minimal, "9000", "9001", 1), want: []string{"cam1", "names must differ"}},
		{name: "a bad URL names its field", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:99999\"\n", want: []string{"x: url port", "99999"}},
		{name: "not an SRT URL", in: "[[feed]]\nname = \"x\"\nurl = \"udp://:9000\"\n", want: []string{"x: url URL", "srt://"}},
		{name: "a passphrase in the URL", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000?passphrase=0123456789abc\"\n", want: []string{"x: url (has a passphrase)", "not stored"}},
		{name: "unknown media mode", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\nmedia = \"heavy\"\n", want: []string{`media "heavy"`, "off, light or full"}},
		{name: "two passphrase sources", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\npassphrase_env = \"A\"\npassphrase_keychain = true\n", want: []string{"more than one source"}},
		{name: "bad key length", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\npbkeylen = 20\n", want: []string{"pbkeylen 20", "16, 24 or 32"}},
		{name: "outputs", feeds: 1, in: minimal + `
[[feed.output]]
url = "srt://192.0.2.20:9000?streamid=studio&latency=300"
passphrase_env = "STUDIO_PASS"
[[feed.output]]
url = "srt://:9100"
[[feed.output]]
url = "udp://239.1.1.1:5000?ttl=4"
`, checkFn: func(t *testing.T, f File) {
			outs := f.Feeds[0].Outputs
			if len(outs) != 3 || !outs[0].Encrypted() || outs[1].Encrypted() || outs[2].URL != "udp://239.1.1.1:5000?ttl=4" {
				t.Errorf("outputs %+v", outs)
			}
		}},
		{name: "an output's bad URL names the output and field", in: minimal + "[[feed.output]]\nurl = \"udp://239.1.1.1:5000?ttl=0\"\n", want: []string{"cam1: output 1 url ttl", `"0"`, "1..255"}},
		{name: "an output of another scheme", in: minimal + "[[feed.output]]\nurl = \"rtmp://x/live\"\n", want: []string{"output 1 url output URL scheme", "srt:// or udp://"}},
		{name: "a passphrase in an output URL", in: minimal + "[[feed.output]]\nurl = \"srt://h:9000?passphrase=0123456789abc\"\n", want: []string{"output 1 url (has a passphrase)", "not stored"}},
		{name: "a passphrase for a UDP output", in: minimal + "[[feed.output]]\nurl = \"udp://h:5000\"\npassphrase_env = \"X\"\n", want: []string{"output 1 passphrase", "UDP is not encrypted"}},
		{name: "an output with two passphrase sources", in: minimal + "[[feed.output]]\nurl = \"srt://h:9000\"\npassphrase_env = \"X\"\npassphrase_prompt = true\n", want: []string{"output 1 passphrase", "more than one source"}},
		{name: "a recording", feeds: 1, in: minimal + "[[feed.output]]\nrecord_dir = \"/srv/rec\"\nsegment = \"500MB\"\n[[feed.output]]\nrecord_dir = \"rec\"\n",
			checkFn: func(t *testing.T, f File) {
				outs := f.Feeds[0].Outputs
				if len(outs) != 2 || outs[0].RecordDir != "/srv/rec" || outs[0].Segment != "500MB" || outs[1].Segment != "" {
					t.Errorf("outputs %+v", outs)
				}
			}},
		{name: "a recording's bad segment", in: minimal + "[[feed.output]]\nrecord_dir = \"/srv/rec\"\nsegment = \"5ms\"\n", want: []string{"cam1: output 1 segment", `"5ms"`, "1s to 24h"}},
		{name: "a segment without record_dir", in: minimal + "[[feed.output]]\nurl = \"udp://h:5000\"\nsegment = \"10m\"\n", want: []string{"output 1 segment", "only with record_dir"}},
		{name: "url and record_dir", in: minimal + "[[feed.output]]\nurl = \"udp://h:5000\"\nrecord_dir = \"/srv/rec\"\n", want: []string{"output 1 record_dir", "not both"}},
		{name: "a passphrase for a recording", in: minimal + "[[feed.output]]\nrecord_dir = \"/srv/rec\"\npassphrase_env = \"X\"\n", want: []string{"output 1 passphrase", "written as received"}},
		{name: "an unknown output key", in: minimal + "[[feed.output]]\nurl = \"srt://h:9000\"\nttl = 3\n", want: []string{"key", "feed.output.ttl", "[[feed.output]]"}},
		{name: "negative threshold", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\nblack_s = -1\n", want: []string{"alarms.black_s -1", "0 (off) to 86400"}},
		{name: "PID band below the table", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\npid_bands = [{pid = 256, min_mbps = 2}, {pid = 15, max_mbps = 1}]\n",
			want: []string{"x: alarms.pid_bands[2].pid 15", "a PID 16..8190"}},
		{name: "PID band min above max", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\npid_bands = [{pid = 256, min_mbps = 8, max_mbps = 2}]\n",
			want: []string{"alarms.pid_bands[1].max_mbps 2", "above min_mbps 8"}},
		{name: "PID band with no limit", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\npid_bands = [{pid = 256}]\n",
			want: []string{"alarms.pid_bands[1].min_mbps 0", "a min_mbps or a max_mbps"}},
		{name: "PID band twice", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\npid_bands = [{pid = 256, min_mbps = 1}, {pid = 256, max_mbps = 9}]\n",
			want: []string{"alarms.pid_bands[2].pid 256", "each PID once"}},
		{name: "PID band unknown key", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\npid_bands = [{pid = 256, min = 1}]\n",
			want: []string{`key "feed.alarms.pid_bands.min"`}},
		{name: "unknown key", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\nlatency = 200\n", want: []string{`key "feed.latency"`, "not a workspace setting"}},
		{name: "not TOML names the line", in: "[[feed]]\nname = \"x\"\nurl = srt://:9000\n", want: []string{"line 3", "not valid TOML"}},
		{name: "wrong type", in: "[[feed]]\nname = 3\nurl = \"srt://:9000\"\n", want: []string{"workspace:"}},
		// One port, many feeds.
		{name: "a port with names", in: portMinimal, feeds: 0, checkFn: func(t *testing.T, f File) {
			if len(f.Ports) != 1 {
				t.Fatalf("ports %+v", f.Ports)
			}
			p := f.Ports[0]
			if strings.Join(p.Names, ",") != "cam1,cam2" || p.AcceptNew || !p.Inspect || p.Media != MediaLight || p.PassphraseEnv != "PORT_PASS" || strings.Join(p.KeychainNames, ",") != "cam2" {
				t.Errorf("port %+v", p)
			}
		}},
		{name: "a port taking new names", in: "[[port]]\nurl = \"srt://:9000\"\naccept_new = true\n", checkFn: func(t *testing.T, f File) {
			if !f.Ports[0].AcceptNew || len(f.Ports[0].Names) != 0 {
				t.Errorf("port %+v", f.Ports[0])
			}
		}},
		{name: "a port without names", in: "[[port]]\nurl = \"srt://:9000\"\n", want: []string{"port :9000", "names []", "at least one stream name, or accept_new = true"}},
		{name: "a caller port", in: "[[port]]\nurl = \"srt://192.0.2.1:9000\"\nnames = [\"cam1\"]\n", want: []string{"port 192.0.2.1:9000", "a listener URL"}},
		{name: "a port with a passphrase in the URL", in: "[[port]]\nurl = \"srt://:9000?passphrase=0123456789abc\"\nnames = [\"cam1\"]\n", want: []string{"port :9000", "url (has a passphrase)", "not stored"}},
		{name: "two ports on one UDP port", in: "[[port]]\nurl = \"srt://:9000\"\nnames = [\"a\"]\n[[port]]\nurl = \"srt://127.0.0.1:9000?mode=listener\"\nnames = [\"b\"]\n", want: []string{"another port uses UDP port 9000"}},
		{name: "a port name with a comma", in: "[[port]]\nurl = \"srt://:9000\"\nnames = [\"cam1,cam2\"]\n", want: []string{`names "cam1,cam2"`, "without spaces, commas"}},
		{name: "a port name that is a feed's", in: minimal + "[[port]]\nurl = \"srt://:9001\"\nnames = [\"cam1\"]\n", want: []string{"port :9001", `names "cam1"`, "names must differ"}},
		{name: "a keychain name not listed", in: "[[port]]\nurl = \"srt://:9000\"\nnames = [\"cam1\"]\nkeychain_names = [\"cam9\"]\n", want: []string{`keychain_names "cam9"`, "names the port lists"}},
		{name: "a port with two passphrase sources", in: "[[port]]\nurl = \"srt://:9000\"\naccept_new = true\npassphrase_env = \"A\"\npassphrase_prompt = true\n", want: []string{"port :9000", "more than one source"}},
		{name: "a port's unknown key", in: "[[port]]\nurl = \"srt://:9000\"\naccept = [\"cam1\"]\n", want: []string{`key "port.accept"`, "ports are [[port]] tables"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(strings.NewReader(tt.in))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if len(f.Feeds) != tt.feeds {
					t.Fatalf("%d feeds, want %d", len(f.Feeds), tt.feeds)
				}
				if tt.checkFn != nil {
					tt.checkFn(t, f)
				}
				return
			}
			var we *Error
			if !errors.As(err, &we) {
				t.Fatalf("error %v (%T), want a *workspace.Error", err, err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", FileName)
	no := false
	five := 5.0
	in := File{Feeds: []Feed{
		{Name: "cam1", URL: "srt://:9000?mode=listener&latency=200", Inspect: true, Media: MediaLight},
		{Name: "studio", URL: "srt://192.0.2.1:9001?mode=caller&latency=300", PassphraseKeychain: true, KeyLength: 24, Start: &no,
			Alarms: &Alarms{NoDataS: &five, PIDBands: []PIDBand{{PID: 256, MinMbps: 2, MaxMbps: 8}}}},
	}, Ports: []Port{
		{URL: "srt://:9002?mode=listener&latency=200", Names: []string{"cam2", "cam3"}, Inspect: true, PassphraseKeychain: true, KeychainNames: []string{"cam3"}},
		{URL: "srt://:9003?mode=listener&latency=120", AcceptNew: true, Media: MediaFull, Alarms: &Alarms{NoDataS: &five}},
	}}
	if err := Save(path, in); err != nil {
		t.Fatal(err)
	}
	out, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Errorf("round trip:\n in %+v\nout %+v", in, out)
	}
	if st, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != 0o600) {
		t.Errorf("saved file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	// A workspace that does not validate is not written, and the old file stays.
	bad := File{Feeds: []Feed{{Name: "", URL: "srt://:9000"}}}
	if err := Save(path, bad); err == nil {
		t.Fatal("Save wrote a feed without a name")
	}
	if again, err := Load(path); err != nil || len(again.Feeds) != 2 {
		t.Errorf("after a refused save the file holds %+v (%v), want the old workspace", again, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d files, want only the workspace (no temporary left over)", len(entries))
	}
}

func TestReadPassphraseFile(t *testing.T) {
	dir := t.TempDir()
	ok := filepath.Join(dir, "ok.pass")
	if err := os.WriteFile(ok, []byte("a-long-passphrase\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if p, err := ReadPassphraseFile(ok); err != nil || p != "a-long-passphrase" {
		t.Errorf("ReadPassphraseFile = %q, %v", p, err)
	}
	if runtime.GOOS == "windows" {
		return
	}
	open := filepath.Join(dir, "open.pass")
	if err := os.WriteFile(open, []byte("a-long-passphrase\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := ReadPassphraseFile(open)
	if !errors.Is(err, ErrInsecureFile) || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable passphrase file gave %v, want ErrInsecureFile saying how to fix it", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(minimal)
	f.Add("[[feed]]\nname = \"x\"\nurl = \"srt://h:1?latency=20\"\npassphrase_file = \"/p\"\n[feed.alarms]\nno_data_s = 1e308\n")
	f.Add("[[feed]]\n[[feed]]\nname = '''\n'''\n")
	f.Add(portMinimal)
	f.Add("[[port]]\nurl = \"srt://:9000\"\naccept_new = true\n[port.alarms]\nno_data_s = 3\n")
	f.Add(minimal + "[[feed.output]]\nurl = \"udp://239.1.1.1:5000?ttl=4\"\n[[feed.output]]\nurl = \"srt://h:9000?streamid=x\"\npassphrase_env = \"P\"\npbkeylen = 32\n")
	f.Add(minimal + "[[feed.output]]\nrecord_dir = \"/srv/rec\"\nsegment = \"1.5GB\"\n[[feed.output]]\nrecord_dir = \"r\"\nsegment = \"90s\"\n[[feed.output]]\nrecord_dir = \"r2\"\nsegment = \"2GiB\"\n")
	f.Fuzz(func(t *testing.T, in string) {
		file, err := Parse(strings.NewReader(in))
		if err != nil {
			var we *Error
			if !errors.As(err, &we) {
				t.Fatalf("error %v is not a *workspace.Error", err)
			}
			return
		}
		// What parses must survive a round trip through Encode.
		var b strings.Builder
		if err := Encode(&b, file); err != nil {
			t.Fatalf("Encode: %v", err)
		}
		again, err := Parse(strings.NewReader(b.String()))
		if err != nil {
			t.Fatalf("re-parsing what Encode wrote: %v\n%s", err, b.String())
		}
		if len(again.Feeds) != len(file.Feeds) || len(again.Ports) != len(file.Ports) {
			t.Fatalf("round trip changed the feed count %d -> %d or the port count %d -> %d", len(file.Feeds), len(again.Feeds), len(file.Ports), len(again.Ports))
		}
	})
}
