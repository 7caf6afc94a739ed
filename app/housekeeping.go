package app

import (
	"context"
	"slices"
)

// PrunePass is the outcome of one retention pass.
type PrunePass struct {
	Result PruneResult
	Err    error
}

// startHousekeeping applies the retention at once and every PruneEvery
// until the Controller's context ends.
func (c *Controller) startHousekeeping() {
	so := c.opts.Stores
	p := &Pruner{DB: c.db, Retention: so.Retention, Every: so.PruneEvery, Log: so.Log, SegmentDirs: c.RecordDirs,
		OnPass: func(r PruneResult, err error) {
			c.setLastPrune(r, err)
			if so.OnPrune != nil {
				so.OnPrune(r, err)
			}
		}}
	c.houseDone = make(chan struct{})
	go func() {
		defer close(c.houseDone)
		p.Run(c.ctx)
	}()
}

func (c *Controller) setLastPrune(r PruneResult, err error) {
	c.houseMu.Lock()
	c.lastPrune, c.pruned = PrunePass{Result: r, Err: err}, true
	c.houseMu.Unlock()
}

// LastPrune says what the last retention pass did; ok is false before the
// first one.
func (c *Controller) LastPrune() (pass PrunePass, ok bool) {
	c.houseMu.Lock()
	defer c.houseMu.Unlock()
	return c.lastPrune, c.pruned
}

// PruneNow applies the retention setting now (the Retention option, else
// the defaults) and returns what it deleted.
func (c *Controller) PruneNow(ctx context.Context) (PruneResult, error) {
	db, err := c.recordings()
	if err != nil {
		return PruneResult{}, err
	}
	ret := c.opts.Stores.Retention
	if ret == nil {
		ret = func() Retention {
			r, _ := RetentionFor(DefaultKeepDays, DefaultMaxMB)
			return r
		}
	}
	p := &Pruner{DB: db, Retention: ret, SegmentDirs: c.RecordDirs}
	r, err := p.Once(ctx)
	c.setLastPrune(r, err)
	return r, err
}

// RecordDirs are the directories every feed's recording outputs write to
// (absolute, each once), for the retention: the Pruner asks before each
// pass, so a recording added since is covered.
func (c *Controller) RecordDirs() []string {
	var dirs []string
	for _, f := range *c.feeds.Load() {
		for _, d := range recordDirs(f.view().Spec) {
			if !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
	}
	return dirs
}
