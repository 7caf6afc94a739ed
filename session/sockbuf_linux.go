package session

import "syscall"

// setRcvbufForce sets SO_RCVBUFFORCE, which may exceed net.core.rmem_max
// (needs CAP_NET_ADMIN).
func setRcvbufForce(fd, n int) error {
	return syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUFFORCE, n)
}
