//go:build linux || darwin || freebsd || netbsd || openbsd

package session

import (
	"errors"
	"net"
	"os"
	"strconv"
	"syscall"
)

// raiseReceiveBuffer finds this process's UDP socket bound to local (and
// connected to remote, when remote is not nil) and asks the kernel for a
// receive buffer of want bytes. It returns the size the kernel granted as
// getsockopt reports it (Linux reports twice the usable bytes).
//
// gosrt v0.11.0 opens its UDP sockets without SO_RCVBUF and gives no access
// to them. At the default (208 KB on Linux, about 90 datagrams) a 20 ms
// hiccup of the reading goroutine at 50 Mbit/s overflows the buffer and the
// kernel drops packets before SRT sees them: lost, retransmitted, and on a
// busy machine never delivered. libsrt asks for 12 MB. The socket is found
// by its addresses among the process's file descriptors; SO_RCVBUFFORCE is
// tried first (it exceeds net.core.rmem_max when running as root).
func raiseReceiveBuffer(local, remote net.Addr, want int) (int, error) {
	lu, ok := local.(*net.UDPAddr)
	if !ok {
		return 0, errors.New("session: not a UDP address")
	}
	var ru *net.UDPAddr
	if remote != nil {
		if ru, ok = remote.(*net.UDPAddr); !ok {
			return 0, errors.New("session: not a UDP address")
		}
	}
	for _, fd := range openFDs() {
		if typ, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE); err != nil || typ != syscall.SOCK_DGRAM {
			continue
		}
		if sa, err := syscall.Getsockname(fd); err != nil || !sockaddrMatches(sa, lu) {
			continue
		}
		if ru != nil {
			if sa, err := syscall.Getpeername(fd); err != nil || !sockaddrMatches(sa, ru) {
				continue
			}
		}
		if err := setRcvbufForce(fd, want); err != nil {
			if err := syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF, want); err != nil {
				return 0, err
			}
		}
		return syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_RCVBUF)
	}
	return 0, errors.New("session: the SRT library's UDP socket was not found")
}

// openFDs lists the process's file descriptors: from /proc/self/fd where
// it exists, else the first 1024 numbers.
func openFDs() []int {
	var fds []int
	if entries, err := os.ReadDir("/proc/self/fd"); err == nil {
		for _, e := range entries {
			if n, err := strconv.Atoi(e.Name()); err == nil {
				fds = append(fds, n)
			}
		}
		return fds
	}
	for n := range 1024 {
		fds = append(fds, n)
	}
	return fds
}

// sockaddrMatches reports whether sa is addr: same port, and the same IP
// or both unspecified (0.0.0.0 and :: count as the same).
func sockaddrMatches(sa syscall.Sockaddr, addr *net.UDPAddr) bool {
	var ip net.IP
	var port int
	switch a := sa.(type) {
	case *syscall.SockaddrInet4:
		ip, port = net.IP(a.Addr[:]), a.Port
	case *syscall.SockaddrInet6:
		ip, port = net.IP(a.Addr[:]), a.Port
	default:
		return false
	}
	if port != addr.Port {
		return false
	}
	if ip.IsUnspecified() || addr.IP == nil || addr.IP.IsUnspecified() {
		return ip.IsUnspecified() && (addr.IP == nil || addr.IP.IsUnspecified())
	}
	return ip.Equal(addr.IP)
}
