package media

import (
	"fmt"
	"strconv"
)

// thumbKey tags thumbnail frames so their media time is printed.
const thumbKey = "srtscope.thumb"

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// buildArgs assembles the ffmpeg command line for one feed. input is
// "pipe:0" for a live feed or a file name. video or audio may be nil.
func buildArgs(c Config, input string, video, audio *streamInfo) []string {
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"}
	if c.Light && video != nil {
		args = append(args, "-skip_frame:v", "nokey")
	}
	args = append(args,
		"-probesize", "8192", "-analyzeduration", "500000", "-fflags", "+nobuffer",
		"-f", "mpegts", "-i", input)
	graph := ""
	if video != nil {
		graph += fmt.Sprintf("[0:i:%d]blackdetect=d=%s:pix_th=%s:pic_th=%s,"+
			"metadata=mode=print:key=lavfi.black_start,metadata=mode=print:key=lavfi.black_end,"+
			"freezedetect=n=%sdB:d=%s",
			video.PID, ff(c.BlackMinS), ff(c.BlackPixTh), ff(c.BlackPicTh), ff(c.FreezeNoiseDB), ff(c.FreezeMinS))
		if c.ThumbnailWidth > 0 {
			graph += fmt.Sprintf(",fps=1,scale=%d:-2,format=yuvj420p,"+
				"metadata=mode=add:key=%s:value=1,metadata=mode=print:key=%s",
				c.ThumbnailWidth, thumbKey, thumbKey)
		}
		graph += "[vout]"
	}
	if audio != nil {
		if graph != "" {
			graph += ";"
		}
		graph += fmt.Sprintf("[0:i:%d]silencedetect=n=%sdB:d=%s,asetnsamples=n=%d:p=0,"+
			"astats=metadata=1:reset=1:measure_perchannel=RMS_level+Peak_level:measure_overall=none,"+
			"ametadata=mode=print[aout]",
			audio.PID, ff(c.SilenceNoiseDB), ff(c.SilenceMinS), c.LevelSamples)
	}
	args = append(args, "-filter_complex", graph)
	if video != nil {
		if c.ThumbnailWidth > 0 {
			args = append(args, "-map", "[vout]", "-c:v", "mjpeg", "-q:v", "5", "-flush_packets", "1", "-f", "mpjpeg", "pipe:1")
		} else {
			args = append(args, "-map", "[vout]", "-f", "null", "-")
		}
	}
	if audio != nil {
		args = append(args, "-map", "[aout]", "-f", "null", "-")
	}
	return args
}
