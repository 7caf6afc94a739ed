package app

import (
	"fmt"
	"io"
	"strings"

	"github.com/srtscope/srtscope/app/preset"
)

// The preset store's methods may wait on the OS keychain: the window calls
// these off its UI goroutine.

func (c *Controller) presetStore() (*preset.Store, error) {
	if err := c.PresetsStatus(); err != nil {
		return nil, err
	}
	return c.presets, nil
}

// PresetNotice is why the presets file was set aside at start-up (a
// *preset.CorruptError), or nil.
func (c *Controller) PresetNotice() error {
	if c.presets == nil {
		return nil
	}
	return c.presets.Notice()
}

// PresetsPath is the presets file ("" when the store is not open).
func (c *Controller) PresetsPath() string {
	if c.presets == nil {
		return ""
	}
	return c.presets.Path()
}

// Presets lists the presets by name (nil when the store is not open).
func (c *Controller) Presets() []preset.Preset {
	if c.presets == nil {
		return nil
	}
	return c.presets.List()
}

// CreatePreset stores a new preset; passphrase goes to the keychain when
// p asks to remember it.
func (c *Controller) CreatePreset(p preset.Preset, passphrase string) (preset.Preset, error) {
	s, err := c.presetStore()
	if err != nil {
		return preset.Preset{}, err
	}
	return s.Create(p, passphrase)
}

// UpdatePreset replaces a stored preset; an empty passphrase keeps the
// remembered one unless clearPass is set.
func (c *Controller) UpdatePreset(p preset.Preset, passphrase string, clearPass bool) (preset.Preset, error) {
	s, err := c.presetStore()
	if err != nil {
		return preset.Preset{}, err
	}
	return s.Update(p, passphrase, clearPass)
}

// RenamePreset renames a preset.
func (c *Controller) RenamePreset(oldName, newName string) error {
	s, err := c.presetStore()
	if err != nil {
		return err
	}
	return s.Rename(oldName, strings.TrimSpace(newName))
}

// DuplicatePreset copies a preset under newName; an empty newName picks
// the first free of "<name> copy", "<name> copy 2", ….
func (c *Controller) DuplicatePreset(name, newName string) (preset.Preset, error) {
	s, err := c.presetStore()
	if err != nil {
		return preset.Preset{}, err
	}
	if strings.TrimSpace(newName) == "" {
		taken := map[string]bool{}
		for _, q := range s.List() {
			taken[strings.ToLower(q.Name)] = true
		}
		newName = name + " copy"
		for i := 2; taken[strings.ToLower(newName)]; i++ {
			newName = fmt.Sprintf("%s copy %d", name, i)
		}
	}
	return s.Duplicate(name, newName)
}

// DeletePreset removes a preset and its remembered passphrase.
func (c *Controller) DeletePreset(name string) error {
	s, err := c.presetStore()
	if err != nil {
		return err
	}
	return s.Delete(name)
}

// ApplyPreset resolves a preset for a session given the measured RTT (0
// when not known yet).
func (c *Controller) ApplyPreset(name string, rttMs float64) (preset.Applied, error) {
	s, err := c.presetStore()
	if err != nil {
		return preset.Applied{}, err
	}
	return s.Apply(name, rttMs)
}

// ImportPresets adds the presets of an export and returns them.
func (c *Controller) ImportPresets(r io.Reader) ([]preset.Preset, error) {
	s, err := c.presetStore()
	if err != nil {
		return nil, err
	}
	return s.Import(r)
}

// ExportPresets writes the named presets (all when none are named),
// without passphrases.
func (c *Controller) ExportPresets(w io.Writer, names ...string) error {
	s, err := c.presetStore()
	if err != nil {
		return err
	}
	return s.Export(w, names...)
}
