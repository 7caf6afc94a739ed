//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package session

import (
	"errors"
	"net"
)

// raiseReceiveBuffer is not implemented on this system: the SRT library's
// socket keeps the system's default receive buffer.
func raiseReceiveBuffer(net.Addr, net.Addr, int) (int, error) {
	return 0, errors.New("session: raising the UDP receive buffer is not supported on this system")
}
