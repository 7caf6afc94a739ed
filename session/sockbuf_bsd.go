//go:build darwin || freebsd || netbsd || openbsd

package session

import "errors"

// setRcvbufForce: only Linux has SO_RCVBUFFORCE.
func setRcvbufForce(int, int) error { return errors.New("session: no SO_RCVBUFFORCE here") }
