package app

import (
	"fmt"
	"io/fs"
	"os"

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
	if path != "" {
		st, err := os.Stat(path)
		switch {
		case err != nil:
			return "", fmt.Errorf("app: ffmpeg path “%s”: %w: choose the ffmpeg program (ffmpeg.exe on Windows), or leave the field empty to look on PATH", path, fs.ErrNotExist)
		case st.IsDir():
			return "", fmt.Errorf("app: ffmpeg path “%s” is a folder: choose the ffmpeg program inside it", path)
		}
	}
	p, err := media.FFmpegPath(path)
	if err != nil {
		if path == "" {
			return "", fmt.Errorf("app: ffmpeg not found on PATH: %w", err)
		}
		return "", fmt.Errorf("app: ffmpeg path “%s” cannot be run (is it a program, and executable?): %w", path, err)
	}
	return p, nil
}
