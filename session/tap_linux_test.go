//go:build linux

package session

// forceNoGSO makes w send one datagram per message, as after the kernel
// refused GSO.
func forceNoGSO(w *batchWriter, no bool) { w.noGSO = w.noGSO || no }

// gsoRefused reports whether the kernel refused w's GSO messages.
func gsoRefused(w *batchWriter) bool { return w.noGSO }
