package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/srtscope/srtscope/app/preset"
	"github.com/srtscope/srtscope/app/record"
)

// StoreOptions say which stores a Controller opens in Open and where they
// live. They are part of ControllerOptions.
type StoreOptions struct {
	// Recordings opens the recordings database (SQLite) in DataDir.
	Recordings bool
	// DataDir is the folder of the recordings database ("" = the default
	// folder, $SRTSCOPE_DATA_DIR or the user configuration folder).
	DataDir string
	// Presets opens the preset store in ConfigDir.
	Presets bool
	// ConfigDir is the folder of presets.json ("" = the default folder,
	// $SRTSCOPE_CONFIG_DIR or the user configuration folder).
	ConfigDir string
	// Keychain keeps remembered passphrases (nil = the OS keychain).
	Keychain preset.Keychain
	// Retention, when set and the recordings are open, is applied at
	// start-up and every PruneEvery while the Controller runs. It is read
	// before each pass, so a changed setting applies at the next one.
	Retention func() Retention
	// PruneEvery is the retention period (0 = DefaultPruneEvery).
	PruneEvery time.Duration
	// OnPrune, when set, is told the outcome of every retention pass
	// (tests wait on it).
	OnPrune func(PruneResult, error)
	// Log, when set, is told what the Controller does in the background
	// (retention passes, stores that could not be opened).
	Log func(line string)
}

// Errors of the Controller's stores. A store that could not be opened is
// not fatal: its methods return these, wrapping the reason.
var (
	// ErrNoRecordings: the recordings database is not open.
	ErrNoRecordings = errors.New("app: sessions are not being recorded on this computer")
	// ErrNoPresets: the preset store is not open.
	ErrNoPresets = errors.New("app: presets are not available")
)

// stores is the part of a Controller that owns the recordings database,
// the preset store, the retention goroutine and the demo feeds.
type stores struct {
	ctx    context.Context // the Controller's lifetime: main's context, ended by Close
	cancel context.CancelFunc

	db     *record.DB // nil when not open (dbErr says why)
	dbErr  error
	ownsDB bool // db was opened by Open and is closed by Close

	presets    *preset.Store // nil when not open (presetsErr says why)
	presetsErr error

	houseDone chan struct{} // closed when the retention goroutine ends; nil without one
	houseMu   sync.Mutex
	lastPrune PrunePass
	pruned    bool

	demoMu sync.Mutex
	demos  []*Demo

	closeOnce sync.Once
}

// Open returns a Controller that lives until ctx ends or Close is called
// and opens the stores opts asks for. A store that cannot be opened is not
// an error: RecordingsStatus or PresetsStatus say why, and the methods that
// need it return ErrNoRecordings or ErrNoPresets wrapping the reason.
func Open(ctx context.Context, opts ControllerOptions) (*Controller, error) {
	if ctx == nil {
		return nil, errors.New("app: Open needs a context")
	}
	c := NewController(ctx, opts)
	so := opts.Stores
	if so.Recordings && c.opts.Recorder == nil {
		c.db, c.dbErr = openRecordings(so.DataDir)
		if c.dbErr == nil {
			c.ownsDB = true
			c.opts.Recorder = c.db
		} else {
			c.log("not recording sessions: " + c.dbErr.Error())
		}
	}
	if so.Presets {
		path := ""
		if so.ConfigDir != "" {
			path = filepath.Join(so.ConfigDir, preset.FileName)
		}
		kc := so.Keychain
		if kc == nil {
			kc = preset.SystemKeychain{}
		}
		c.presets, c.presetsErr = preset.Open(path, kc)
		if c.presetsErr != nil {
			c.log("presets are not available: " + c.presetsErr.Error())
		}
	}
	if c.db != nil && so.Retention != nil {
		c.startHousekeeping()
	}
	return c, nil
}

func openRecordings(dir string) (*record.DB, error) {
	path := ""
	if dir != "" {
		path = filepath.Join(dir, record.FileName)
	}
	return record.Open(path) // its errors name the file and the reason
}

func (c *Controller) log(line string) {
	if c.opts.Stores.Log != nil {
		c.opts.Stores.Log(line)
	}
}

// closeStores stops the demos and the retention goroutine and closes the
// recordings database, once. The feeds are stopped before.
func (c *Controller) closeStores() {
	c.closeOnce.Do(func() {
		c.demoMu.Lock()
		demos := c.demos
		c.demos = nil
		c.demoMu.Unlock()
		for _, d := range demos {
			d.Close()
		}
		if c.cancel != nil {
			c.cancel()
		}
		if c.houseDone != nil {
			<-c.houseDone
		}
		if c.ownsDB && c.db != nil {
			if err := c.db.Close(); err != nil {
				c.log("closing the recordings: " + err.Error())
			}
		}
	})
}

// RecordingsStatus is nil when sessions are recorded, else why not
// (wrapping ErrNoRecordings).
func (c *Controller) RecordingsStatus() error {
	if c.db != nil {
		return nil
	}
	if c.dbErr == nil {
		return ErrNoRecordings
	}
	return fmt.Errorf("%w: %w", ErrNoRecordings, c.dbErr)
}

// PresetsStatus is nil when the preset store can be used, else why not
// (wrapping ErrNoPresets).
func (c *Controller) PresetsStatus() error {
	if c.presets != nil {
		return nil
	}
	if c.presetsErr == nil {
		return ErrNoPresets
	}
	return fmt.Errorf("%w: %w", ErrNoPresets, c.presetsErr)
}
