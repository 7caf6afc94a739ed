package app

import (
	"fmt"

	"github.com/srtscope/srtscope/probe/media"
)

// ffmpegPath is the ffmpeg a feed starting now uses ("" = look on PATH).
func (o *ControllerOptions) ffmpegPath() string {
	if o.FFmpegPathFunc != nil {
		return o.FFmpegPathFunc()
	}
	return o.FFmpegPath
}

// FindFFmpeg resolves the ffmpeg executable the media analyser would run:
// path itself when not empty (it must exist and be executable), otherwise
// "ffmpeg" on PATH. The error says what was looked for.
func FindFFmpeg(path string) (string, error) {
	p, err := media.FFmpegPath(path)
	if err != nil {
		if path == "" {
			return "", fmt.Errorf("app: ffmpeg not found on PATH: %w", err)
		}
		return "", fmt.Errorf("app: ffmpeg path %q cannot be run: %w", path, err)
	}
	return p, nil
}
