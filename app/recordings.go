package app

import (
	"context"
	"fmt"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/report"
)

// App-level names of the recording types the window and the CLI show.
type (
	// SessionSummary is one line of the session history.
	SessionSummary = record.Summary
	// SessionInfo describes one recorded session.
	SessionInfo = record.Info
	// RecordedSession is everything recorded for one session.
	RecordedSession = record.Session
	// Severity is how bad an alarm is.
	Severity = record.Severity
	// AlarmCount is how many alarms of one kind and severity a session raised.
	AlarmCount = record.AlarmCount
	// Retention limits how much of the recordings is kept.
	Retention = record.Retention
)

// ErrNoSession is returned for a session ID the recordings do not hold.
var ErrNoSession = record.ErrNotFound

// EnvDataDir names the environment variable that moves the recordings.
const EnvDataDir = record.EnvDataDir

func (c *Controller) recordings() (*record.DB, error) {
	if err := c.RecordingsStatus(); err != nil {
		return nil, err
	}
	return c.db, nil
}

// RecordingsPath is the file of the recordings database ("" when not open).
func (c *Controller) RecordingsPath() string {
	if c.db == nil {
		return ""
	}
	return c.db.Path()
}

// Sessions lists the recorded sessions, newest first.
func (c *Controller) Sessions(ctx context.Context) ([]SessionSummary, error) {
	db, err := c.recordings()
	if err != nil {
		return nil, err
	}
	return db.Sessions(ctx)
}

// UsedBytes is how much disk the recordings use.
func (c *Controller) UsedBytes(ctx context.Context) (int64, error) {
	db, err := c.recordings()
	if err != nil {
		return 0, err
	}
	return db.UsedBytes(ctx)
}

// DeleteSession removes one recorded session; one being recorded is refused.
func (c *Controller) DeleteSession(ctx context.Context, id int64) error {
	db, err := c.recordings()
	if err != nil {
		return err
	}
	return db.Delete(ctx, id)
}

// LatestSession returns the ID of the most recent session.
func (c *Controller) LatestSession(ctx context.Context) (int64, error) {
	db, err := c.recordings()
	if err != nil {
		return 0, err
	}
	return db.Latest(ctx)
}

// LoadSession reads everything recorded for one session (ErrNoSession for
// an unknown ID).
func (c *Controller) LoadSession(ctx context.Context, id int64) (*RecordedSession, error) {
	db, err := c.recordings()
	if err != nil {
		return nil, err
	}
	s, err := db.Load(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("app: reading session %d: %w", id, err)
	}
	return s, nil
}

// ExportSession writes session id's report to path in format f (see the
// package function ExportSession): progress is told how far it is (0..1);
// it returns the size of the file written.
func (c *Controller) ExportSession(ctx context.Context, id int64, path string, f report.Format, progress func(float64)) (int64, error) {
	db, err := c.recordings()
	if err != nil {
		removeIfEmpty(path)
		return 0, err
	}
	return ExportSession(ctx, db, id, path, f, progress)
}
