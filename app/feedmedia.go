package app

import (
	"strings"

	"github.com/srtscope/srtscope/probe/media"
)

// MediaConditions are the media conditions that last now on a feed: the
// media analyser reported their start and not yet their end.
type MediaConditions struct {
	Black  bool // picture black
	Frozen bool // picture frozen
	Silent bool // sound silent
}

// MediaNow says which media conditions last now on a running feed, from its
// log (the feed loop logs "black started" and "black ended"). A stopped
// feed, or one without media analysis, has none.
func (v FeedView) MediaNow() MediaConditions {
	var m MediaConditions
	if !v.Running || v.MediaAnalysis == "" {
		return m
	}
	seen := map[string]bool{}
	for i := len(v.Log) - 1; i >= 0; i-- {
		e := v.Log[i]
		if e.Time.Before(v.Started) {
			break // an earlier run: its conditions ended with it
		}
		switch e.Kind {
		case media.KindBlack, media.KindFreeze, media.KindSilence:
		default:
			continue
		}
		if seen[e.Kind] {
			continue
		}
		seen[e.Kind] = true
		on := strings.HasSuffix(e.Detail, " started")
		switch e.Kind {
		case media.KindBlack:
			m.Black = on
		case media.KindFreeze:
			m.Frozen = on
		case media.KindSilence:
			m.Silent = on
		}
	}
	return m
}
