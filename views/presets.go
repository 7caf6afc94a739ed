package views

import (
	"github.com/srtscope/srtscope/app/preset"
)

// openPresetStore opens the operator's presets file with the OS keychain.
// A damaged file still opens (empty); its *preset.CorruptError is in the
// store's Notice and the window shows it. A nil store means the
// configuration folder cannot be used at all; err says why.
func openPresetStore() (*preset.Store, error) {
	return preset.Open("", preset.SystemKeychain{})
}
