//go:build !linux

package session

// forceNoGSO does nothing: elsewhere than on Linux the tap sends one
// datagram per call anyway.
func forceNoGSO(*batchWriter, bool) {}

// gsoRefused is false: there is no GSO to refuse here.
func gsoRefused(*batchWriter) bool { return false }
