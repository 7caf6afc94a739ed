package preset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/srtscope/srtscope/session"
)

const secret = "correct-horse-battery"

func stage() Preset {
	return Preset{Name: "Stage A", Mode: "caller", Host: "203.0.113.7", Port: 9000, Latency: Latency{RTTMultiplier: 4},
		KeyLength: 32, StreamID: "#!::r=stage-a,m=publish", Alarms: Thresholds{MaxRTTMs: 150, MaxLossPct: 2}, Notes: "venue uplink", RememberPassphrase: true}
}

func open(t *testing.T, kc Keychain) (*Store, string) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cfg", FileName)
	s, err := Open(p, kc)
	if err != nil {
		t.Fatal(err)
	}
	return s, p
}

func TestPassphraseNeverOnDisk(t *testing.T) {
	tests := []struct {
		name      string
		kc        *MemoryKeychain
		remember  bool
		wantState Passphrase
		wantNeeds bool
	}{
		{"keychain, remembered", &MemoryKeychain{}, true, PassKeychain, false},
		{"keychain, not remembered", &MemoryKeychain{}, false, PassTyped, true},
		{"no keychain", &MemoryKeychain{Unavailable: true}, true, PassTyped, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, path := open(t, tc.kc)
			p := stage()
			p.RememberPassphrase = tc.remember
			got, err := s.Create(p, secret)
			if err != nil {
				t.Fatal(err)
			}
			if got.Passphrase != tc.wantState {
				t.Errorf("state %q, want %q (%s)", got.Passphrase, tc.wantState, got.PassphraseNote())
			}
			a, err := s.Apply("stage a", 40)
			if err != nil {
				t.Fatal(err)
			}
			if a.NeedsPassphrase != tc.wantNeeds || a.LatencyMs != 160 {
				t.Errorf("Apply = %+v", a)
			}
			if !tc.wantNeeds && !strings.Contains(a.URL, "passphrase=correct-horse-battery") {
				t.Errorf("URL lacks the keychain passphrase: %s", a.URL)
			}
			if _, err := s.Duplicate("Stage A", "Stage A copy"); err != nil {
				t.Fatal(err)
			}
			var exp bytes.Buffer
			if err := s.Export(&exp); err != nil {
				t.Fatal(err)
			}
			disk, _ := os.ReadFile(path)
			for what, b := range map[string][]byte{"file": disk, "export": exp.Bytes()} {
				if bytes.Contains(b, []byte(secret)) {
					t.Errorf("passphrase in the %s:\n%s", what, b)
				}
			}
			if strings.Contains(exp.String(), `"keychain"`) {
				t.Errorf("export claims a keychain entry: %s", exp.String())
			}
		})
	}
}

func TestCRUD(t *testing.T) {
	kc := &MemoryKeychain{}
	s, path := open(t, kc)
	if _, err := s.Create(stage(), secret); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		do      func() error
		wantErr error
		want    []string
	}{
		{"create duplicate name", func() error { _, err := s.Create(stage(), ""); return err }, ErrExists, []string{"Stage A"}},
		{"rename", func() error { return s.Rename("stage a", "Main stage") }, nil, []string{"Main stage"}},
		{"rename to taken", func() error {
			p := stage()
			p.Name = "B"
			if _, err := s.Create(p, ""); err != nil {
				return err
			}
			return s.Rename("B", "main STAGE")
		}, ErrExists, []string{"B", "Main stage"}},
		{"duplicate", func() error { _, err := s.Duplicate("Main stage", "Backup"); return err }, nil, []string{"B", "Backup", "Main stage"}},
		{"delete", func() error { return s.Delete("B") }, nil, []string{"Backup", "Main stage"}},
		{"delete missing", func() error { return s.Delete("nope") }, ErrNotFound, []string{"Backup", "Main stage"}},
		{"invalid port", func() error { p := stage(); p.Name, p.Port = "X", 70000; _, err := s.Create(p, ""); return err }, ErrInvalid, []string{"Backup", "Main stage"}},
	}
	for _, st := range steps {
		err := st.do()
		if !errors.Is(err, st.wantErr) {
			t.Fatalf("%s: err %v, want %v", st.name, err, st.wantErr)
		}
		var names []string
		for _, p := range s.List() {
			names = append(names, p.Name)
		}
		if strings.Join(names, ",") != strings.Join(st.want, ",") {
			t.Fatalf("%s: presets %q, want %q", st.name, names, st.want)
		}
		// What is on disk is what is in memory.
		again, err := Open(path, kc)
		if err != nil || again.Notice() != nil || len(again.List()) != len(st.want) {
			t.Fatalf("%s: reopen: %v %v %d", st.name, err, again.Notice(), len(again.List()))
		}
	}
	b, _ := s.Get("Backup")
	if b.Passphrase != PassKeychain {
		t.Errorf("duplicate lost the keychain passphrase: %+v", b)
	}
	if err := s.Delete("Backup"); err != nil {
		t.Fatal(err)
	}
	if _, err := kc.Get(b.ID); err == nil {
		t.Error("keychain entry survived Delete")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if e.Name() != FileName {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

func TestCorruptFile(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		wantLine int
		wantWhat string // what the message says went wrong
	}{
		{"truncated", "{\n  \"format\": \"srtscope-presets\",\n  \"presets\": [\n    {\"name\": \"A\",", 4, "stops in the middle"},
		{"bad character", "{\n  \"presets\": [\n    {\"name\": \"A\" \"port\": 1}\n  ]\n}\n", 3, "invalid character"},
		{"wrong type", "{\"presets\": [{\"name\": \"A\", \"port\": \"nine\"}]}", 1, "cannot unmarshal"},
		{"empty", "", 0, "empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, &MemoryKeychain{})
			if err != nil {
				t.Fatalf("Open failed on a corrupt file: %v", err)
			}
			var ce *CorruptError
			if !errors.As(s.Notice(), &ce) {
				t.Fatalf("Notice = %v", s.Notice())
			}
			if ce.Line != tc.wantLine || ce.MovedTo != path+".corrupt" {
				t.Errorf("CorruptError %+v", ce)
			}
			msg := ce.Error()
			for _, want := range []string{path, ".corrupt", "import", tc.wantWhat} {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if tc.wantLine > 0 && !strings.Contains(msg, "line ") {
				t.Errorf("message %q lacks the line", msg)
			}
			if kept, _ := os.ReadFile(path + ".corrupt"); string(kept) != tc.content {
				t.Error("bad file not kept aside")
			}
			if _, err := s.Create(stage(), ""); err != nil {
				t.Fatalf("store unusable after corruption: %v", err)
			}
		})
	}
}

func TestImportExport(t *testing.T) {
	src, _ := open(t, &MemoryKeychain{})
	if _, err := src.Create(stage(), secret); err != nil {
		t.Fatal(err)
	}
	p := stage()
	p.Name, p.Mode, p.Host, p.Latency = "Listener", "listener", "", Latency{Ms: 500}
	if _, err := src.Create(p, ""); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := src.Export(&buf); err != nil {
		t.Fatal(err)
	}
	dst, _ := open(t, &MemoryKeychain{})
	if _, err := dst.Create(stage(), ""); err != nil {
		t.Fatal(err)
	}
	added, err := dst.Import(bytes.NewReader(buf.Bytes()))
	if err != nil || len(added) != 2 {
		t.Fatalf("Import = %+v, %v", added, err)
	}
	got, err := dst.Get("Stage A (imported)")
	if err != nil || got.Passphrase != PassTyped || got.StreamID != stage().StreamID || got.Latency.RTTMultiplier != 4 {
		t.Fatalf("imported %+v, %v", got, err)
	}
	a, _ := dst.Apply("listener", 0)
	if a.URL != "srt://:9000?mode=listener&pbkeylen=32&streamid=#!::r=stage-a,m=publish&latency=500" || a.NeedsPassphrase {
		t.Errorf("Apply listener = %+v", a)
	}
	// The URL must read back as the same settings (streamids are not
	// percent-encoded: neither libsrt nor srtscope decodes them).
	if cfg, _, err := session.ParseURL(a.URL); err != nil || cfg.StreamID != "#!::r=stage-a,m=publish" || cfg.PBKeyLen != 32 || cfg.LatencyMs != 500 || cfg.Mode != session.ModeListener {
		t.Errorf("ParseURL(%q) = %+v, %v", a.URL, cfg, err)
	}
	if _, err := dst.Import(strings.NewReader("{\n\"presets\": [}")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad import error: %v", err)
	}
	if _, err := dst.Import(strings.NewReader(`{"presets":[{"name":"x","mode":"rendezvous","port":1}]}`)); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid import: %v", err)
	}
}

func TestLatencyFor(t *testing.T) {
	tests := []struct {
		l    Latency
		rtt  float64
		want int
	}{
		{Latency{}, 0, 120},
		{Latency{Ms: 250}, 40, 250},
		{Latency{RTTMultiplier: 4}, 40, 160},
		{Latency{RTTMultiplier: 4}, 5, 80},
		{Latency{RTTMultiplier: 20}, 600, 8000},
		{Latency{RTTMultiplier: 4}, 0, 120},
	}
	for _, tc := range tests {
		if got, note := LatencyFor(tc.l, tc.rtt); got != tc.want {
			t.Errorf("LatencyFor(%+v, %v) = %d (%s), want %d", tc.l, tc.rtt, got, note, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Preset)
		pass string
		want string
	}{
		{"ok", func(*Preset) {}, secret, ""},
		{"no name", func(p *Preset) { p.Name = " " }, "", "name is empty"},
		{"caller no host", func(p *Preset) { p.Host = "" }, "", "needs the host"},
		{"rendezvous", func(p *Preset) { p.Mode = "rendezvous" }, "", "not supported"},
		{"key length", func(p *Preset) { p.KeyLength = 20 }, "", "16, 24 or 32"},
		{"both latencies", func(p *Preset) { p.Latency.Ms = 100 }, "", "not both"},
		{"short passphrase", func(*Preset) {}, "short", "10..79"},
		{"long streamid", func(p *Preset) { p.StreamID = strings.Repeat("x", 513) }, "", "at most 512"},
	}
	for _, tc := range tests {
		p := stage()
		tc.edit(&p)
		err := p.Validate(tc.pass)
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestSystemKeychain checks the real keychain never crashes: it works, or
// says there is none (CI has no Secret Service).
func TestSystemKeychain(t *testing.T) {
	kc := SystemKeychain{}
	key := "srtscope-test-" + newID()
	err := kc.Set(key, secret)
	if err != nil {
		if !errors.Is(err, ErrNoKeychain) {
			t.Fatalf("Set: %v, want nil or ErrNoKeychain", err)
		}
		t.Logf("no keychain here: %v", err)
		return
	}
	defer func() { _ = kc.Delete(key) }()
	if got, err := kc.Get(key); err != nil || got != secret {
		t.Errorf("Get = %q, %v", got, err)
	}
}
