package app

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/workspace"
	"github.com/srtscope/srtscope/session"
)

// workspaceKeyPrefix files a workspace feed's passphrase in the keychain
// apart from the presets' (keyed by preset ID).
const workspaceKeyPrefix = "workspace:"

// DefaultWorkspacePath is where the window keeps its open feeds: next to
// presets.json ($SRTSCOPE_CONFIG_DIR, else the user configuration folder).
func DefaultWorkspacePath() (string, error) {
	p, err := preset.DefaultPath()
	if err != nil {
		return "", fmt.Errorf("app: %w", err)
	}
	return filepath.Join(filepath.Dir(p), workspace.FileName), nil
}

// keychain is the Controller's keychain (the OS one unless the options
// say otherwise).
func (c *Controller) keychain() preset.Keychain {
	if k := c.opts.Stores.Keychain; k != nil {
		return k
	}
	return preset.SystemKeychain{}
}

// Workspace describes the Controller's feeds (not the demo feeds) as a
// workspace. An encrypted feed's passphrase goes to the keychain under the
// feed's name when the keychain takes it; otherwise it is asked for when
// the workspace opens again.
func (c *Controller) Workspace() workspace.File {
	demos := map[FeedID]bool{}
	c.demoMu.Lock()
	for _, d := range c.demos {
		demos[d.FeedID] = true
	}
	c.demoMu.Unlock()
	var f workspace.File
	for _, v := range c.Feeds() {
		if demos[v.ID] || v.Spec.Port != "" { // a port's feeds come with their port
			continue
		}
		spec := v.Spec
		cfg := spec.Config
		fd := workspace.Feed{Name: spec.Name, Inspect: spec.Inspect, Media: mediaMode(spec)}
		start := v.Running || v.Tuning
		fd.Start = &start
		if cfg.Passphrase != "" {
			fd.KeyLength = cfg.PBKeyLen
			if err := c.keychain().Set(workspaceKeyPrefix+spec.Name, cfg.Passphrase); err == nil {
				fd.PassphraseKeychain = true
			} else {
				fd.PassphrasePrompt = true
			}
			cfg.Passphrase, cfg.PBKeyLen = "", 0
		}
		fd.URL = cfg.URL(session.ToolLibSRT)
		fd.Alarms = workspaceAlarms(spec.Thresholds)
		for i, oc := range spec.Outputs {
			if oc.Kind == session.OutputRecord {
				fd.Outputs = append(fd.Outputs, workspace.Output{RecordDir: oc.Record.Dir, Segment: oc.Record.SegmentText()})
				continue
			}
			wo := workspace.Output{}
			if oc.Kind != session.OutputUDP && oc.SRT.Passphrase != "" {
				wo.KeyLength = oc.SRT.PBKeyLen
				if err := c.keychain().Set(workspaceKeyPrefix+outputSecretName(spec.Name, i+1), oc.SRT.Passphrase); err == nil {
					wo.PassphraseKeychain = true
				} else {
					wo.PassphrasePrompt = true
				}
				oc.SRT.Passphrase, oc.SRT.PBKeyLen = "", 0
			}
			wo.URL = oc.URL()
			fd.Outputs = append(fd.Outputs, wo)
		}
		f.Feeds = append(f.Feeds, fd)
	}
	for _, p := range *c.ports.Load() {
		f.Ports = append(f.Ports, c.workspacePort(p))
	}
	return f
}

// workspacePort describes an open port for the workspace file; its
// passphrases go to the keychain as a feed's do ("port ADDRESS" for the
// port's, the name for a name's own).
func (c *Controller) workspacePort(p *portRun) workspace.Port {
	cfg := p.spec.Config
	wp := workspace.Port{Names: slices.Clone(p.spec.Names), AcceptNew: p.spec.AcceptNew, Inspect: p.template.Inspect,
		Media: mediaMode(p.template), Alarms: workspaceAlarms(p.template.Thresholds)}
	if cfg.Passphrase != "" {
		wp.KeyLength = cfg.PBKeyLen
		if err := c.keychain().Set(workspaceKeyPrefix+"port "+p.spec.Address(), cfg.Passphrase); err == nil {
			wp.PassphraseKeychain = true
		} else {
			wp.PassphrasePrompt = true
		}
		cfg.Passphrase, cfg.PBKeyLen = "", 0
	}
	for _, n := range p.spec.Names {
		if pass, ok := p.spec.NamePassphrases[n]; ok && pass != "" {
			// Without a keychain the name's passphrase is asked for when
			// the workspace opens again.
			_ = c.keychain().Set(workspaceKeyPrefix+n, pass)
			wp.KeychainNames = append(wp.KeychainNames, n)
		}
	}
	wp.URL = cfg.URL(session.ToolLibSRT)
	return wp
}

// SaveWorkspace writes the Controller's feeds to path, whole or not at all.
func (c *Controller) SaveWorkspace(path string) error {
	return workspace.Save(path, c.Workspace())
}

// PassphraseAsker asks the operator for a feed's passphrase; ok is false
// when they decline. Nil means nobody can be asked (a service).
type PassphraseAsker func(feedName string) (passphrase string, ok bool)

// ErrNoPassphrase is returned for an encrypted workspace feed whose
// passphrase could not be had.
var ErrNoPassphrase = errors.New("app: no passphrase for an encrypted feed")

// OpenWorkspace adds the feeds of the workspace at path and starts those
// marked to start. A feed whose passphrase cannot be had, or that cannot
// be added, is left out and named in the error; the others open.
func (c *Controller) OpenWorkspace(path string, ask PassphraseAsker) ([]FeedID, error) {
	f, err := workspace.Load(path)
	if err != nil {
		return nil, err
	}
	return c.AddWorkspace(f, ask)
}

// AddWorkspace adds and starts the feeds of f, as OpenWorkspace does.
func (c *Controller) AddWorkspace(f workspace.File, ask PassphraseAsker) ([]FeedID, error) {
	var ids []FeedID
	var errs []error
	for _, fd := range f.Feeds {
		spec, err := c.specFromWorkspace(fd, ask)
		if err == nil {
			var id FeedID
			if id, err = c.Add(spec); err == nil {
				ids = append(ids, id)
				if fd.StartsOpen() {
					err = c.Start(id)
				}
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("app: feed %q: %w", fd.Name, err))
		}
	}
	for _, wp := range f.Ports {
		spec, template, err := c.portFromWorkspace(wp, ask)
		if err == nil {
			var pids []FeedID
			pids, err = c.AddPort(spec, template)
			ids = append(ids, pids...)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("app: port %s: %w", wp.URL, err))
		}
	}
	return ids, errors.Join(errs...)
}

// portFromWorkspace turns a workspace port into a port's settings and the
// template of its feeds, with the passphrases from where the file says.
func (c *Controller) portFromWorkspace(wp workspace.Port, ask PassphraseAsker) (PortSpec, FeedSpec, error) {
	cfg, _, err := session.ParseURL(wp.URL)
	if err != nil {
		return PortSpec{}, FeedSpec{}, err
	}
	template, err := c.specFromWorkspace(wp.Feed(cfg.Address()), ask)
	if err != nil {
		return PortSpec{}, FeedSpec{}, err
	}
	spec := PortSpec{Config: template.Config, Names: wp.Names, AcceptNew: wp.AcceptNew}
	for _, n := range wp.KeychainNames {
		pass, err := c.keychain().Get(workspaceKeyPrefix + n)
		if err != nil || pass == "" {
			typed, ok := "", false
			if ask != nil {
				typed, ok = ask(n)
			}
			if !ok || typed == "" {
				reason := "the keychain has none for it"
				if err != nil {
					reason += " (" + err.Error() + ")"
				}
				return PortSpec{}, FeedSpec{}, fmt.Errorf("%w: %q on this port has its own passphrase and %s", ErrNoPassphrase, n, reason)
			}
			pass = typed
		}
		if spec.NamePassphrases == nil {
			spec.NamePassphrases = map[string]string{}
		}
		spec.NamePassphrases[n] = pass
	}
	template.Config = session.Config{}
	return spec, template, nil
}

// specFromWorkspace turns a workspace feed into a feed's settings, with its
// passphrase from where the file says.
func (c *Controller) specFromWorkspace(fd workspace.Feed, ask PassphraseAsker) (FeedSpec, error) {
	cfg, _, err := session.ParseURL(fd.URL)
	if err != nil {
		return FeedSpec{}, err
	}
	pass, err := c.workspacePassphrase(fd, ask)
	if err != nil {
		return FeedSpec{}, err
	}
	if pass != "" {
		cfg.Passphrase, cfg.PBKeyLen = pass, fd.KeyLength
		if cfg.PBKeyLen == 0 {
			cfg.PBKeyLen = 16
		}
	}
	if err := cfg.Validate(); err != nil {
		return FeedSpec{}, err
	}
	spec := FeedSpec{Name: fd.Name, Config: cfg, Inspect: fd.Inspect, Thresholds: thresholdsFromWorkspace(fd.Alarms)}
	for i, wo := range fd.Outputs {
		if wo.RecordDir != "" {
			rc, err := workspace.RecordConfig(wo)
			if err != nil {
				return FeedSpec{}, fmt.Errorf("output %d: %w", i+1, err)
			}
			spec.Outputs = append(spec.Outputs, session.OutputConfig{Kind: session.OutputRecord, Record: rc})
			continue
		}
		oc, _, err := session.ParseOutputURL(wo.URL)
		if err != nil {
			return FeedSpec{}, fmt.Errorf("output %d: %w", i+1, err)
		}
		// The output's passphrase comes from where its table says, asked
		// for under the name "FEED output N".
		secret := workspace.Feed{Name: outputSecretName(fd.Name, i+1), PassphraseEnv: wo.PassphraseEnv, PassphraseFile: wo.PassphraseFile,
			PassphraseKeychain: wo.PassphraseKeychain, PassphrasePrompt: wo.PassphrasePrompt}
		pass, err := c.workspacePassphrase(secret, ask)
		if err != nil {
			return FeedSpec{}, fmt.Errorf("output %d: %w", i+1, err)
		}
		if pass != "" {
			oc.SRT.Passphrase, oc.SRT.PBKeyLen = pass, wo.KeyLength
			if oc.SRT.PBKeyLen == 0 {
				oc.SRT.PBKeyLen = 16
			}
		}
		if err := oc.Validate(); err != nil {
			return FeedSpec{}, fmt.Errorf("output %d: %w", i+1, err)
		}
		spec.Outputs = append(spec.Outputs, oc)
	}
	switch fd.Media {
	case workspace.MediaLight:
		spec.Media, spec.LightMedia = true, true
	case workspace.MediaFull:
		spec.Media = true
	}
	return spec, nil
}

func (c *Controller) workspacePassphrase(fd workspace.Feed, ask PassphraseAsker) (string, error) {
	switch {
	case fd.PassphraseEnv != "":
		p := os.Getenv(fd.PassphraseEnv)
		if p == "" {
			return "", fmt.Errorf("%w: the environment variable %s is not set", ErrNoPassphrase, fd.PassphraseEnv)
		}
		return p, nil
	case fd.PassphraseFile != "":
		p, err := workspace.ReadPassphraseFile(fd.PassphraseFile)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrNoPassphrase, err)
		}
		return p, nil
	case fd.PassphraseKeychain:
		p, err := c.keychain().Get(workspaceKeyPrefix + fd.Name)
		if err == nil && p != "" {
			return p, nil
		}
		if ask != nil {
			if p, ok := ask(fd.Name); ok && p != "" {
				return p, nil
			}
		}
		return "", fmt.Errorf("%w: the keychain has none for it (%w)", ErrNoPassphrase, err)
	case fd.PassphrasePrompt:
		if ask == nil {
			return "", fmt.Errorf("%w: the workspace says to type it, and nobody can be asked here: use passphrase_env or passphrase_file", ErrNoPassphrase)
		}
		if p, ok := ask(fd.Name); ok && p != "" {
			return p, nil
		}
		return "", fmt.Errorf("%w: none was typed", ErrNoPassphrase)
	}
	return "", nil
}

func mediaMode(spec FeedSpec) string {
	switch {
	case !spec.Media:
		return workspace.MediaOff
	case spec.LightMedia:
		return workspace.MediaLight
	}
	return workspace.MediaFull
}

// workspaceAlarms states the thresholds that differ from the defaults.
func workspaceAlarms(t Thresholds) *workspace.Alarms {
	d := DefaultThresholds()
	if t == d {
		return nil
	}
	secs := func(v, def float64) *float64 {
		if v == def {
			return nil
		}
		return &v
	}
	return &workspace.Alarms{
		NoDataS:         secs(t.NoDataFor.Seconds(), d.NoDataFor.Seconds()),
		RTTAboveMs:      secs(t.RTTAboveMs, d.RTTAboveMs),
		DroppedWindowS:  secs(t.DroppedWindow.Seconds(), d.DroppedWindow.Seconds()),
		BitrateBelow:    secs(t.BitrateBelow, d.BitrateBelow),
		BlackS:          secs(t.BlackFor.Seconds(), d.BlackFor.Seconds()),
		FreezeS:         secs(t.FreezeFor.Seconds(), d.FreezeFor.Seconds()),
		SilenceS:        secs(t.SilenceFor.Seconds(), d.SilenceFor.Seconds()),
		CCErrorsWindowS: secs(t.CCErrorsWindow.Seconds(), d.CCErrorsWindow.Seconds()),
		PIDBands:        workspaceBands(t.PIDBands),
	}
}

// workspaceBands are the per-PID bands as the file states them.
func workspaceBands(p PIDBands) []workspace.PIDBand {
	var out []workspace.PIDBand
	for _, b := range p.List() {
		out = append(out, workspace.PIDBand{PID: int(b.PID), MinMbps: b.MinMbps, MaxMbps: b.MaxMbps})
	}
	return out
}

// thresholdsFromWorkspace starts from the defaults and applies what the
// file states.
func thresholdsFromWorkspace(a *workspace.Alarms) Thresholds {
	t := DefaultThresholds()
	if a == nil {
		return t
	}
	set := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	setDur := func(dst *time.Duration, v *float64) {
		if v != nil {
			*dst = workspace.Seconds(*v)
		}
	}
	setDur(&t.NoDataFor, a.NoDataS)
	set(&t.RTTAboveMs, a.RTTAboveMs)
	setDur(&t.DroppedWindow, a.DroppedWindowS)
	set(&t.BitrateBelow, a.BitrateBelow)
	setDur(&t.BlackFor, a.BlackS)
	setDur(&t.FreezeFor, a.FreezeS)
	setDur(&t.SilenceFor, a.SilenceS)
	setDur(&t.CCErrorsWindow, a.CCErrorsWindowS)
	// The file's bands were validated with the same limits (File.Validate).
	var bands []PIDBand
	for _, b := range a.PIDBands {
		bands = append(bands, PIDBand{PID: uint16(b.PID), MinMbps: b.MinMbps, MaxMbps: b.MaxMbps})
	}
	if pb, err := NewPIDBands(bands); err == nil {
		t.PIDBands = pb
	}
	return t
}

// outputSecretName is the name under which output n's passphrase is kept
// in the keychain and asked for: "FEED output N".
func outputSecretName(feed string, n int) string { return fmt.Sprintf("%s output %d", feed, n) }
