// Package media finds black, frozen and silent media in an MPEG transport
// stream, and produces a 1 fps JPEG thumbnail and per-channel audio levels.
//
// With ffmpeg installed, an [Analyser] runs one ffmpeg subprocess per feed,
// fed TS on stdin through a bounded queue that never blocks the caller, and
// parses what ffmpeg's blackdetect, freezedetect, silencedetect and astats
// filters report. [AnalyseFile] does the same for a whole file.
//
// Without ffmpeg ([Available] reports false) the caller reports
// "bitstream-only" analysis: [BitstreamAnalyser] still finds digital silence
// in AAC (every section coded with the zero codebook) and estimates MP2 audio
// levels from the Layer II scalefactors, in pure Go.
//
// All times are seconds of media time from the start of the input.
package media
