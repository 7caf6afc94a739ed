package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/srtscope/srtscope/app/record"
	"github.com/srtscope/srtscope/app/tsrecord"
)

// Recording retention defaults: what a fresh install keeps.
const (
	DefaultKeepDays = 90
	DefaultMaxMB    = 1024
	// MaxKeepDays and MaxMaxMB bound what the settings accept.
	MaxKeepDays = 3650
	MaxMaxMB    = 1 << 20
	// DefaultPruneEvery is how often the retention is applied while the app runs.
	DefaultPruneEvery = time.Hour
)

// RetentionFor turns the operator's settings into a record.Retention:
// keepDays and maxMB of 0 mean no limit. Out-of-range values get an error
// that names the field, the value and what is allowed.
func RetentionFor(keepDays, maxMB int) (record.Retention, error) {
	if keepDays < 0 || keepDays > MaxKeepDays {
		return record.Retention{}, &FieldError{Field: "keep recordings for", Value: fmt.Sprintf("%d days", keepDays), Allowed: fmt.Sprintf("0 (no limit) to %d days", MaxKeepDays)}
	}
	if maxMB < 0 || maxMB > MaxMaxMB {
		return record.Retention{}, &FieldError{Field: "recordings at most", Value: fmt.Sprintf("%d MB", maxMB), Allowed: fmt.Sprintf("0 (no limit) to %d MB", MaxMaxMB)}
	}
	return record.Retention{MaxAge: time.Duration(keepDays) * 24 * time.Hour, MaxBytes: int64(maxMB) << 20}, nil
}

// DescribeRetention says a retention in words ("keep 90 days, at most 1024 MB").
func DescribeRetention(r record.Retention) string {
	var parts []string
	if r.MaxAge > 0 {
		parts = append(parts, fmt.Sprintf("keep %d days", int(r.MaxAge/(24*time.Hour))))
	}
	if r.MaxBytes > 0 {
		parts = append(parts, fmt.Sprintf("at most %d MB", r.MaxBytes>>20))
	}
	if len(parts) == 0 {
		return "keep every recording"
	}
	return strings.Join(parts, ", ")
}

// PruneResult says what one retention pass did.
type PruneResult struct {
	Retention   record.Retention
	Deleted     []record.Summary // the sessions removed, oldest first
	BytesBefore int64
	BytesAfter  int64
	// DeletedSegments are the TS recording segments removed, oldest
	// first in each of the Pruner's SegmentDirs.
	DeletedSegments []tsrecord.Segment
	// SegmentBytesBefore and SegmentBytesAfter are what the segments in
	// SegmentDirs use, live ones included.
	SegmentBytesBefore int64
	SegmentBytesAfter  int64
}

// maxNamed bounds the segments a PruneResult names in words.
const maxNamed = 5

// String says in words what was pruned, for the log and the settings dialog.
func (r PruneResult) String() string {
	var done []string
	if len(r.Deleted) > 0 {
		names := make([]string, 0, len(r.Deleted))
		for _, s := range r.Deleted {
			names = append(names, fmt.Sprintf("#%d %q of %s", s.ID, s.Name, s.Started.Local().Format("2006-01-02 15:04")))
		}
		done = append(done, fmt.Sprintf("deleted %d session(s): %s", len(r.Deleted), strings.Join(names, ", ")))
	}
	if n := len(r.DeletedSegments); n > 0 {
		var freed int64
		names := make([]string, 0, min(n, maxNamed))
		for i, s := range r.DeletedSegments {
			freed += s.Bytes
			if i < maxNamed {
				names = append(names, filepath.Base(s.Path))
			}
		}
		if n > maxNamed {
			names = append(names, fmt.Sprintf("and %d more", n-maxNamed))
		}
		done = append(done, fmt.Sprintf("deleted %d TS segment(s) (%.1f MB): %s", n, mb(freed), strings.Join(names, ", ")))
	}
	segments := ""
	if r.SegmentBytesBefore > 0 {
		segments = fmt.Sprintf(", TS segments use %.1f MB", mb(r.SegmentBytesAfter))
		if len(r.DeletedSegments) > 0 {
			segments = fmt.Sprintf(", TS segments now use %.1f MB (was %.1f MB)", mb(r.SegmentBytesAfter), mb(r.SegmentBytesBefore))
		}
	}
	if len(done) == 0 {
		return fmt.Sprintf("retention (%s): nothing to delete, recordings use %.1f MB%s", DescribeRetention(r.Retention), mb(r.BytesAfter), segments)
	}
	return fmt.Sprintf("retention (%s): %s; recordings now use %.1f MB (was %.1f MB)%s",
		DescribeRetention(r.Retention), strings.Join(done, "; "), mb(r.BytesAfter), mb(r.BytesBefore), segments)
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// Pruner applies the recording retention: once at start-up and then every
// Every while the app runs. It reads Retention before each pass, so a
// changed setting applies at the next pass.
//
// The same retention applies to the TS recordings in SegmentDirs (see
// tsrecord.Prune): finished segments that started longer ago than the
// keep-days go, then the oldest finished ones until each directory's
// segments use at most the max-MB; a live segment is never deleted. The
// size limit counts each directory's segments apart from the sessions
// database, which holds only statistics and stays small beside them.
type Pruner struct {
	DB        *record.DB
	Retention func() record.Retention
	Every     time.Duration            // 0 means DefaultPruneEvery
	Log       func(line string)        // told what each pass did; may be nil
	Now       func() time.Time         // nil means time.Now
	OnPass    func(PruneResult, error) // called after every pass (tests wait on it); may be nil

	// SegmentDirs lists the directories of TS recordings; may be nil.
	// With a nil DB only the segments are pruned.
	SegmentDirs func() []string
}

// Once runs one retention pass now.
func (p *Pruner) Once(ctx context.Context) (PruneResult, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	res := PruneResult{Retention: p.Retention()}
	if p.DB != nil {
		if err := p.pruneDB(ctx, &res, now()); err != nil {
			return res, err
		}
	}
	if p.SegmentDirs == nil {
		return res, nil
	}
	var errs []error
	seen := map[string]bool{}
	for _, dir := range p.SegmentDirs() {
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		if seen[dir] { // feeds recording into one directory: prune it once
			continue
		}
		seen[dir] = true
		if ctx.Err() != nil {
			return res, fmt.Errorf("app: retention: %w", ctx.Err())
		}
		r, err := tsrecord.Prune(dir, res.Retention.MaxAge, res.Retention.MaxBytes, now())
		res.DeletedSegments = append(res.DeletedSegments, r.Deleted...)
		res.SegmentBytesBefore += r.BytesBefore
		res.SegmentBytesAfter += r.BytesAfter
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("app: retention: %w", errors.Join(errs...))
	}
	return res, nil
}

// pruneDB applies res.Retention to the session history.
func (p *Pruner) pruneDB(ctx context.Context, res *PruneResult, now time.Time) error {
	before, err := p.DB.Sessions(ctx)
	if err != nil {
		return fmt.Errorf("app: retention: %w", err)
	}
	if res.BytesBefore, err = p.DB.UsedBytes(ctx); err != nil {
		return fmt.Errorf("app: retention: %w", err)
	}
	ids, err := p.DB.Prune(ctx, res.Retention, now)
	byID := map[int64]record.Summary{}
	for _, s := range before {
		byID[s.ID] = s
	}
	for _, id := range ids {
		res.Deleted = append(res.Deleted, byID[id])
	}
	if err != nil {
		return fmt.Errorf("app: retention: %w", err)
	}
	if res.BytesAfter, err = p.DB.UsedBytes(ctx); err != nil {
		return fmt.Errorf("app: retention: %w", err)
	}
	return nil
}

// Run prunes at once and then every Every until ctx is cancelled.
func (p *Pruner) Run(ctx context.Context) {
	every := p.Every
	if every <= 0 {
		every = DefaultPruneEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		res, err := p.Once(ctx)
		if ctx.Err() != nil {
			return
		}
		if p.Log != nil {
			if err != nil {
				p.Log(err.Error())
			} else {
				p.Log(res.String())
			}
		}
		if p.OnPass != nil {
			p.OnPass(res, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
