package preset

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
)

// EnvConfigDir names the environment variable that overrides the folder
// holding presets.json (tests and portable installs use it).
const EnvConfigDir = "SRTSCOPE_CONFIG_DIR"

// FileName is the presets file inside the configuration folder.
const FileName = "presets.json"

// fileFormat marks srtscope preset files and exports.
const fileFormat = "srtscope-presets"

// ErrNotFound is returned for a preset name that does not exist.
var ErrNotFound = errors.New("preset: no such preset")

// ErrExists is returned when a name is already taken.
var ErrExists = errors.New("preset: a preset with this name already exists")

// DefaultPath returns $SRTSCOPE_CONFIG_DIR/presets.json when set, else
// presets.json in "srtscope" in the user's configuration folder.
func DefaultPath() (string, error) {
	if d := os.Getenv(EnvConfigDir); d != "" {
		return filepath.Join(d, FileName), nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("preset: no user configuration folder (set %s): %w", EnvConfigDir, err)
	}
	return filepath.Join(base, "srtscope", FileName), nil
}

// fileData is the JSON layout of presets.json and of exports.
type fileData struct {
	Format  string   `json:"format"`
	Version int      `json:"version"`
	Presets []Preset `json:"presets"`
}

// CorruptError describes a presets file that could not be read. The store
// still opens (empty) and the bad file is kept aside.
type CorruptError struct {
	File      string // the file that was damaged
	Line, Col int    // where the problem is (1-based; 0 when unknown)
	Offset    int64  // byte offset of the problem
	MovedTo   string // where the damaged file was kept
	Err       error  // what the JSON decoder said
}

func (e *CorruptError) Error() string {
	where := ""
	if e.Line > 0 {
		where = fmt.Sprintf(" at line %d, column %d (byte %d)", e.Line, e.Col, e.Offset)
	}
	kept := "it could not be moved aside"
	if e.MovedTo != "" {
		kept = "it was kept as " + e.MovedTo
	}
	return fmt.Sprintf("preset: the presets file %s is damaged%s: %v; %s and srtscope started with no presets: fix that file and import it (or delete it)",
		e.File, where, e.Err, kept)
}

// Unwrap returns the decoder's error.
func (e *CorruptError) Unwrap() error { return e.Err }

// Store holds the presets of one file. It is safe for concurrent use.
type Store struct {
	path string
	kc   Keychain
	now  func() time.Time

	mu      sync.Mutex
	presets []Preset
	notice  error
}

// Open loads the presets at path (empty: DefaultPath) using kc for
// passphrases (nil: the OS keychain). A missing file is an empty store. A
// damaged file does not stop Open: it is moved aside to path+".corrupt",
// the store starts empty and Notice returns a *CorruptError saying what
// happened. Open fails only when the folder cannot be used at all.
func Open(path string, kc Keychain) (*Store, error) {
	if path == "" {
		p, err := DefaultPath()
		if err != nil {
			return nil, err
		}
		path = p
	}
	if kc == nil {
		kc = SystemKeychain{}
	}
	s := &Store{path: path, kc: kc, now: time.Now}
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return s, nil
	case err != nil:
		return nil, fmt.Errorf("preset: cannot read %s: %w", path, err)
	}
	presets, err := decode(data)
	if err != nil {
		ce := &CorruptError{File: path, Err: err}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			ce.Offset = se.Offset
		case errors.As(err, &te):
			ce.Offset = te.Offset
		}
		if ce.Offset > 0 || errors.As(err, &se) {
			ce.Line, ce.Col = lineCol(data, ce.Offset)
		}
		if mErr := os.Rename(path, path+".corrupt"); mErr == nil {
			ce.MovedTo = path + ".corrupt"
		}
		s.notice = ce
		return s, nil
	}
	s.presets = presets
	return s, nil
}

// decode reads a presets file or an export.
func decode(data []byte) ([]Preset, error) {
	var f fileData
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the file is empty")
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, truncatedError{&json.SyntaxError{Offset: int64(len(data))}}
		}
		return nil, err
	}
	if f.Format != "" && f.Format != fileFormat {
		return nil, fmt.Errorf("this is not an srtscope presets file (format %q)", f.Format)
	}
	if f.Version > 1 {
		return nil, fmt.Errorf("written by a newer srtscope (version %d): update srtscope", f.Version)
	}
	for i := range f.Presets {
		p := &f.Presets[i]
		// A hand-edited file might hold a real passphrase here: never keep it.
		switch p.Passphrase {
		case PassNone, PassKeychain, PassTyped:
		case "":
			p.Passphrase = PassNone
		default:
			p.Passphrase = PassTyped
		}
	}
	return f.Presets, nil
}

// truncatedError is JSON that stops in the middle. It unwraps to a
// *json.SyntaxError at the end of the data, for the line and column.
type truncatedError struct{ at *json.SyntaxError }

func (e truncatedError) Error() string {
	return "the JSON stops in the middle (was the file cut off?)"
}

func (e truncatedError) Unwrap() error { return e.at }

// lineCol converts a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 1 {
		off = 1
	}
	before := data[:off-1]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off-1) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// Path returns the presets file.
func (s *Store) Path() string { return s.path }

// Notice returns the problem met while opening (a *CorruptError), if any.
func (s *Store) Notice() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notice
}

// List returns every preset sorted by name.
func (s *Store) List() []Preset {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]Preset(nil), s.presets...)
	sort.Slice(out, func(a, b int) bool { return strings.ToLower(out[a].Name) < strings.ToLower(out[b].Name) })
	return out
}

func (s *Store) index(name string) int {
	for i, p := range s.presets {
		if strings.EqualFold(p.Name, name) {
			return i
		}
	}
	return -1
}

// Get returns the preset called name (case-insensitive).
func (s *Store) Get(name string) (Preset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(name)
	if i < 0 {
		return Preset{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	return s.presets[i], nil
}

func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// storePassphrase files pass for p and sets p.Passphrase. A keychain
// failure is not an error: the preset then says to type the passphrase.
func (s *Store) storePassphrase(p *Preset, pass string) {
	switch {
	case pass == "" && p.Passphrase == "":
		p.Passphrase = PassNone
	case pass == "":
		// keep the current state
	case !p.RememberPassphrase:
		// Deletes are best effort: without a keychain nothing was stored.
		_ = s.kc.Delete(p.ID)
		p.Passphrase = PassTyped
	case s.kc.Set(p.ID, pass) == nil:
		p.Passphrase = PassKeychain
	default:
		p.Passphrase = PassTyped
	}
	if !p.RememberPassphrase && p.Passphrase == PassKeychain {
		_ = s.kc.Delete(p.ID)
		p.Passphrase = PassTyped
	}
}

// Create adds a new preset. passphrase may be empty (no encryption). When
// p.RememberPassphrase is set the passphrase goes to the keychain; if there
// is none, the returned preset's Passphrase is PassTyped (see PassphraseNote).
func (s *Store) Create(p Preset, passphrase string) (Preset, error) {
	if err := p.Validate(passphrase); err != nil {
		return Preset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.index(p.Name) >= 0 {
		return Preset{}, fmt.Errorf("%w: %q: choose another name", ErrExists, p.Name)
	}
	p.ID = newID()
	p.Created, p.Modified = s.now(), s.now()
	p.Passphrase = ""
	s.storePassphrase(&p, passphrase)
	if err := s.saveLocked(append(s.presets, p)); err != nil {
		return Preset{}, err
	}
	return p, nil
}

// Update replaces the preset with p's ID. An empty passphrase keeps the
// current one; clearPass sets it to none (the link is no longer encrypted).
func (s *Store) Update(p Preset, passphrase string, clearPass bool) (Preset, error) {
	if err := p.Validate(passphrase); err != nil {
		return Preset{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at := -1
	for i, q := range s.presets {
		if q.ID == p.ID {
			at = i
		}
	}
	if at < 0 {
		return Preset{}, fmt.Errorf("%w: %q", ErrNotFound, p.Name)
	}
	if j := s.index(p.Name); j >= 0 && j != at {
		return Preset{}, fmt.Errorf("%w: %q: choose another name", ErrExists, p.Name)
	}
	old := s.presets[at]
	p.Created, p.Modified = old.Created, s.now()
	p.Passphrase = old.Passphrase
	if clearPass {
		_ = s.kc.Delete(p.ID)
		p.Passphrase = PassNone
	} else {
		s.storePassphrase(&p, passphrase)
	}
	next := append([]Preset(nil), s.presets...)
	next[at] = p
	if err := s.saveLocked(next); err != nil {
		return Preset{}, err
	}
	return p, nil
}

// Rename gives a preset a new name.
func (s *Store) Rename(oldName, newName string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(oldName)
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, oldName)
	}
	if strings.TrimSpace(newName) == "" {
		return invalid("new name is empty")
	}
	if j := s.index(newName); j >= 0 && j != i {
		return fmt.Errorf("%w: %q: choose another name", ErrExists, newName)
	}
	next := append([]Preset(nil), s.presets...)
	next[i].Name, next[i].Modified = newName, s.now()
	return s.saveLocked(next)
}

// Duplicate copies a preset under a new name, with its passphrase when the
// keychain holds it.
func (s *Store) Duplicate(name, newName string) (Preset, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(name)
	if i < 0 {
		return Preset{}, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if strings.TrimSpace(newName) == "" {
		return Preset{}, invalid("new name is empty")
	}
	if s.index(newName) >= 0 {
		return Preset{}, fmt.Errorf("%w: %q: choose another name", ErrExists, newName)
	}
	p := s.presets[i]
	p.ID, p.Name = newID(), newName
	p.Created, p.Modified = s.now(), s.now()
	if p.Passphrase == PassKeychain {
		p.Passphrase = PassTyped
		if pass, err := s.kc.Get(s.presets[i].ID); err == nil && s.kc.Set(p.ID, pass) == nil {
			p.Passphrase = PassKeychain
		}
	}
	if err := s.saveLocked(append(append([]Preset(nil), s.presets...), p)); err != nil {
		return Preset{}, err
	}
	return p, nil
}

// Delete removes a preset and its keychain entry.
func (s *Store) Delete(name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := s.index(name)
	if i < 0 {
		return fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	if s.presets[i].Passphrase == PassKeychain {
		_ = s.kc.Delete(s.presets[i].ID)
	}
	next := append(append([]Preset(nil), s.presets[:i]...), s.presets[i+1:]...)
	return s.saveLocked(next)
}

// Apply turns a preset into a URL and latency for a session, given the
// measured RTT (0 when not known yet). The passphrase comes from the
// keychain when it is there; otherwise NeedsPassphrase says to ask for it.
func (s *Store) Apply(name string, rttMs float64) (Applied, error) {
	p, err := s.Get(name)
	if err != nil {
		return Applied{}, err
	}
	a := Applied{Preset: p}
	a.LatencyMs, a.LatencyNote = LatencyFor(p.Latency, rttMs)
	pass := ""
	switch p.Passphrase {
	case PassKeychain:
		if pass, err = s.kc.Get(p.ID); err != nil {
			pass = ""
			a.NeedsPassphrase = true
		}
	case PassTyped:
		a.NeedsPassphrase = true
	}
	a.URL, a.Passphrase = p.URL(a.LatencyMs, pass), pass
	return a, nil
}

// Export writes the named presets (all when names is empty) as JSON. The
// export never holds a passphrase: encrypted presets say it must be typed.
func (s *Store) Export(w io.Writer, names ...string) error {
	var out []Preset
	if len(names) == 0 {
		out = s.List()
	} else {
		for _, n := range names {
			p, err := s.Get(n)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
	}
	for i := range out {
		out[i].ID = ""
		if out[i].Passphrase == PassKeychain {
			out[i].Passphrase = PassTyped
		}
	}
	data, err := json.MarshalIndent(fileData{Format: fileFormat, Version: 1, Presets: out}, "", "  ")
	if err != nil {
		return fmt.Errorf("preset: export: %w", err)
	}
	if _, err := w.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("preset: export: %w", err)
	}
	return nil
}

// Import adds the presets of an export. A name already taken gets a
// " (imported)" suffix (then a number). Imported encrypted presets need the
// passphrase typed. It returns the presets added.
func (s *Store) Import(r io.Reader) ([]Preset, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("preset: import: %w", err)
	}
	in, err := decode(data)
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			l, c := lineCol(data, se.Offset)
			return nil, fmt.Errorf("preset: import: not valid JSON at line %d, column %d: %w", l, c, err)
		}
		return nil, fmt.Errorf("preset: import: %w", err)
	}
	for _, p := range in {
		if err := p.Validate(""); err != nil {
			return nil, fmt.Errorf("preset: import: %w", err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	next := append([]Preset(nil), s.presets...)
	var added []Preset
	taken := func(n string) bool {
		for _, p := range next {
			if strings.EqualFold(p.Name, n) {
				return true
			}
		}
		return false
	}
	for _, p := range in {
		name := p.Name
		for k := 1; taken(name); k++ {
			name = p.Name + " (imported)"
			if k > 1 {
				name = fmt.Sprintf("%s (imported %d)", p.Name, k)
			}
		}
		p.Name, p.ID = name, newID()
		if p.Passphrase == PassKeychain {
			p.Passphrase = PassTyped
		}
		if p.Created.IsZero() {
			p.Created = s.now()
		}
		p.Modified = s.now()
		next = append(next, p)
		added = append(added, p)
	}
	if err := s.saveLocked(next); err != nil {
		return nil, err
	}
	return added, nil
}

// saveLocked writes presets atomically and, on success, makes them current.
func (s *Store) saveLocked(presets []Preset) error {
	data, err := json.MarshalIndent(fileData{Format: fileFormat, Version: 1, Presets: presets}, "", "  ")
	if err != nil {
		return fmt.Errorf("preset: %w", err)
	}
	if err := writeAtomic(s.path, append(data, '\n')); err != nil {
		return err
	}
	s.presets = presets
	return nil
}

// writeAtomic writes data to path through a temporary file in the same
// folder, synced before it is renamed over path, so that a crash leaves
// either the old or the new file, never half of one.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("preset: cannot create the folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("preset: cannot write in %s (check it is writable and the disk is not full): %w", dir, err)
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("preset: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("preset: writing %s failed (disk full?): %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("preset: writing %s failed: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("preset: writing %s failed: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("preset: cannot replace %s: %w", path, err)
	}
	ok = true
	// The new file is in place; syncing the folder only makes the rename
	// durable sooner, and some file systems refuse it: best effort.
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
