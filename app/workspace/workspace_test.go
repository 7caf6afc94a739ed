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
`, checkFn: func(t *testing.T, f File) {
			fd := f.Feeds[0]
			if !fd.Encrypted() || fd.StartsOpen() || fd.KeyLength != 32 || *fd.Alarms.NoDataS != 5 || *fd.Alarms.RTTAboveMs != 0 || fd.Alarms.BlackS != nil {
				t.Errorf("feed %+v alarms %+v", fd, fd.Alarms)
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
		{name: "an unknown output key", in: minimal + "[[feed.output]]\nurl = \"srt://h:9000\"\nttl = 3\n", want: []string{"key", "feed.output.ttl", "[[feed.output]]"}},
		{name: "negative threshold", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\n[feed.alarms]\nblack_s = -1\n", want: []string{"alarms.black_s -1", "0 (off) to 86400"}},
		{name: "unknown key", in: "[[feed]]\nname = \"x\"\nurl = \"srt://:9000\"\nlatency = 200\n", want: []string{`key "feed.latency"`, "not a workspace setting"}},
		{name: "not TOML names the line", in: "[[feed]]\nname = \"x\"\nurl = srt://:9000\n", want: []string{"line 3", "not valid TOML"}},
		{name: "wrong type", in: "[[feed]]\nname = 3\nurl = \"srt://:9000\"\n", want: []string{"workspace:"}},
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
			Alarms: &Alarms{NoDataS: &five}},
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
	f.Add(minimal + "[[feed.output]]\nurl = \"udp://239.1.1.1:5000?ttl=4\"\n[[feed.output]]\nurl = \"srt://h:9000?streamid=x\"\npassphrase_env = \"P\"\npbkeylen = 32\n")
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
		if len(again.Feeds) != len(file.Feeds) {
			t.Fatalf("round trip changed the feed count %d -> %d", len(file.Feeds), len(again.Feeds))
		}
	})
}
