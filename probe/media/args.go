package media

import (
	"fmt"
	"strconv"
)

// audioPrefix starts the name of each audio chain's metadata printer; the
// PID follows in decimal.
const audioPrefix = "a"

// thumbKey tags thumbnail frames so their media time is printed.
const thumbKey = "srtscope.thumb"

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// buildArgs assembles the ffmpeg command line for one feed. input is
// "pipe:0" for a live feed or a file name. video may be nil and audio
// empty. Each audio chain ends in a metadata printer named after its PID
// (see audioPrefix) so the parser can tell the streams apart.
func buildArgs(c Config, input string, video *streamInfo, audio []streamInfo) []string {
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "info"}
	if c.Light && video != nil {
		args = append(args, "-skip_frame:v", "nokey")
	}
	if c.Duration > 0 {
		args = append(args, "-t", ff(c.Duration.Seconds()))
	}
	args = append(args, "-probesize", "8192", "-analyzeduration", "500000")
	if !c.FromStart {
		args = append(args, "-fflags", "+nobuffer")
	}
	if input == "pipe:0" {
		// A live feed comes at its own pace: one decoding thread keeps up,
		// and frame threads only cost their hand-overs (a 720p25 analyser
		// takes ~13% less CPU with one thread; 16 of them share 2 cores).
		args = append(args, "-threads", "1", "-filter_complex_threads", "1")
	}
	args = append(args, "-f", "mpegts", "-i", input)
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
	for i, a := range audio {
		if graph != "" {
			graph += ";"
		}
		// ebur128 comes first: it regroups its input into 100 ms frames, and
		// a regrouping keeps the metadata of the first frame of each group
		// only, which would lose silencedetect's marks if it came after.
		r128 := ""
		if !c.NoLoudness {
			r128 = "ebur128=peak=true:metadata=1,"
		}
		graph += fmt.Sprintf("[0:i:%d]%sasetnsamples=n=%d:p=0,silencedetect=n=%sdB:d=%s,"+
			"astats=metadata=1:reset=1:measure_perchannel=RMS_level+Peak_level:measure_overall=none,"+
			"ametadata@%s%d=mode=print[aout%d]",
			a.PID, r128, c.LevelSamples, ff(c.SilenceNoiseDB), ff(c.SilenceMinS), audioPrefix, a.PID, i)
	}
	args = append(args, "-filter_complex", graph)
	if video != nil {
		if c.ThumbnailWidth > 0 {
			args = append(args, "-map", "[vout]", "-c:v", "mjpeg", "-q:v", "5", "-flush_packets", "1", "-f", "mpjpeg", "pipe:1")
		} else {
			args = append(args, "-map", "[vout]", "-f", "null", "-")
		}
	}
	if len(audio) > 0 {
		for i := range audio {
			args = append(args, "-map", fmt.Sprintf("[aout%d]", i))
		}
		args = append(args, "-f", "null", "-")
	}
	return args
}
