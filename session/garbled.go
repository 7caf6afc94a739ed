package session

import "github.com/srtscope/srtscope/probe/ts"

// tsSynced reports whether an SRT payload reads as MPEG-TS: there is a
// phase at which every 188th byte is the sync byte 0x47. Encoders send
// 7 whole TS packets (phase 0), srt-live-transmit reading a pipe sends
// 1456-byte chunks (any phase), so every phase is tried; for noise, such
// as a payload decrypted with the wrong key, a phase with every byte right
// turns up by chance with a probability of about 188/256^7 for a
// 1316-byte payload. gosrt v0.11.0 decrypts with whatever key it holds and
// counts no failure when the key is stale (AES-CTR yields noise, not an
// error), so this is how a receiver of TS finds packets it could not
// decrypt. Payloads shorter than one TS packet are not judged (true).
func tsSynced(p []byte) bool {
	if len(p) < ts.PacketSize {
		return true
	}
	for phase := range ts.PacketSize {
		ok := true
		for i := phase; i < len(p); i += ts.PacketSize {
			if p[i] != ts.SyncByte {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
