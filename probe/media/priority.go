package media

// backgroundNice is the nice value a live analyser's ffmpeg runs at. Live
// analysis is background work: on a laptop watching 16 feeds the ffmpeg
// processes together want more than the CPU there is, and at the same
// priority their threads would take turns with the window's UI thread and
// the SRT receivers. At nice 10 the kernel runs them whenever nothing more
// urgent waits, so they lose nothing on an idle machine; on a busy one they
// fall behind first, and what they cannot take is skipped and counted
// (Stats.BytesSkipped) rather than delaying a click or a packet.
const backgroundNice = 10
