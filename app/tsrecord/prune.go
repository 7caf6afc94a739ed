package tsrecord

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// PruneResult says what one Prune pass did in a directory.
type PruneResult struct {
	Deleted     []Segment // the finished segments removed, oldest first
	BytesBefore int64     // of every segment, live ones included
	BytesAfter  int64
}

// Prune applies a retention to the segments in dir, of every feed: first
// finished segments that started more than maxAge before now go, then the
// oldest finished ones until all segments, live ones included, use at
// most maxBytes. Live segments (being written, or left by a killed run
// until it is recovered) and files not named like segments are never
// touched. maxAge and maxBytes of 0 mean no limit; a missing dir is not an
// error. A segment that cannot be removed is skipped and named in the
// error, and the others are still pruned.
func Prune(dir string, maxAge time.Duration, maxBytes int64, now time.Time) (PruneResult, error) {
	var res PruneResult
	list, err := listSegments(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return res, nil
	}
	if err != nil {
		return res, fmt.Errorf("tsrecord: pruning: %w", err)
	}
	for _, s := range list {
		res.BytesBefore += s.bytes
	}
	res.BytesAfter = res.BytesBefore
	var errs []error
	remove := func(s found) {
		if err := os.Remove(s.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			return
		}
		res.BytesAfter -= s.bytes
		res.Deleted = append(res.Deleted, Segment{Path: s.path, Bytes: s.bytes, Start: s.Start, End: s.mod})
	}
	kept := list[:0]
	for _, s := range list { // oldest first
		if !s.Live && maxAge > 0 && now.Sub(s.Start) > maxAge {
			remove(s)
			continue
		}
		kept = append(kept, s)
	}
	for _, s := range kept {
		if maxBytes <= 0 || res.BytesAfter <= maxBytes {
			break
		}
		if !s.Live {
			remove(s)
		}
	}
	if len(errs) > 0 {
		return res, fmt.Errorf("tsrecord: pruning: %w", errors.Join(errs...))
	}
	return res, nil
}
