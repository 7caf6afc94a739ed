//go:build linux || darwin || freebsd || netbsd || openbsd

package session

import (
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// rcvbufOf reads SO_RCVBUF of a UDP socket.
func rcvbufOf(t *testing.T, c *net.UDPConn) int {
	t.Helper()
	raw, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	var serr error
	if err := raw.Control(func(fd uintptr) { n, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF) }); err != nil || serr != nil {
		t.Fatalf("getsockopt: %v %v", err, serr)
	}
	return n
}

// TestRaiseReceiveBuffer: the socket is found by its addresses (a bound
// listener socket and a connected caller socket) and its buffer grows;
// an address this process has no socket on is an error.
func TestRaiseReceiveBuffer(t *testing.T) {
	listener, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = listener.Close() }()
	caller, err := net.DialUDP("udp", nil, listener.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = caller.Close() }()
	const want = 4 << 20
	tests := []struct {
		name          string
		conn          *net.UDPConn
		local, remote net.Addr
	}{
		{"bound listener", listener, listener.LocalAddr(), nil},
		{"connected caller", caller, caller.LocalAddr(), caller.RemoteAddr()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := rcvbufOf(t, tc.conn)
			got, err := raiseReceiveBuffer(tc.local, tc.remote, want)
			if err != nil {
				t.Fatalf("raiseReceiveBuffer: %v", err)
			}
			if after := rcvbufOf(t, tc.conn); after != got {
				t.Errorf("reported %d bytes, the socket has %d", got, after)
			}
			// Without privileges the kernel caps the request at
			// net.core.rmem_max, which may be the default.
			if got < want && os.Geteuid() == 0 {
				t.Errorf("as root the buffer grew from %d to only %d bytes, want %d", before, got, want)
			}
			if got < before {
				t.Errorf("the buffer shrank from %d to %d bytes", before, got)
			}
		})
	}
	t.Run("no such socket", func(t *testing.T) {
		other := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: sessiontest.FreeUDPPort(t)}
		if _, err := raiseReceiveBuffer(other, nil, want); err == nil {
			t.Error("no error for an address without a socket")
		}
		wrongPeer := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 2), Port: 9}
		if _, err := raiseReceiveBuffer(caller.LocalAddr(), wrongPeer, want); err == nil {
			t.Error("no error for the right local address but another peer")
		}
	})
}

func TestSockaddrMatches(t *testing.T) {
	v4 := func(a, b, c, d byte, port int) *syscall.SockaddrInet4 {
		return &syscall.SockaddrInet4{Addr: [4]byte{a, b, c, d}, Port: port}
	}
	tests := []struct {
		name string
		sa   syscall.Sockaddr
		addr *net.UDPAddr
		want bool
	}{
		{"same", v4(127, 0, 0, 1, 9000), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}, true},
		{"other port", v4(127, 0, 0, 1, 9001), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}, false},
		{"other IP", v4(127, 0, 0, 2, 9000), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}, false},
		{"any v4 = any", v4(0, 0, 0, 0, 9000), &net.UDPAddr{Port: 9000}, true},
		{"any v6 = any v4", &syscall.SockaddrInet6{Port: 9000}, &net.UDPAddr{IP: net.IPv4zero, Port: 9000}, true},
		{"any is not one IP", v4(0, 0, 0, 0, 9000), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9000}, false},
		{"one IP is not any", v4(127, 0, 0, 1, 9000), &net.UDPAddr{Port: 9000}, false},
		{"unix socket", &syscall.SockaddrUnix{Name: "/tmp/x"}, &net.UDPAddr{Port: 9000}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := sockaddrMatches(tc.sa, tc.addr); got != tc.want {
				t.Errorf("sockaddrMatches(%+v, %v) = %v, want %v", tc.sa, tc.addr, got, tc.want)
			}
		})
	}
}

// TestReceiverRaisesReceiveBuffer: a receiver finds the SRT library's socket
// in both roles; where the system caps the size it says so in a warning.
func TestReceiverRaisesReceiveBuffer(t *testing.T) {
	for _, receiverListens := range []bool{true, false} {
		name := map[bool]string{true: "receiver listens", false: "receiver calls"}[receiverListens]
		t.Run(name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			listener := Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}
			caller := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port}
			recvCfg, sendCfg := listener, caller
			if !receiverListens {
				recvCfg, sendCfg = caller, listener
				_, ssub, _ := startSender(t, sendCfg, true)
				waitEvent(t, ssub, EventConnecting, 5*time.Second, "listening")
			}
			r, sub, stop := startReceiver(t, recvCfg, ReceiverOptions{})
			if receiverListens {
				waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
				startSender(t, sendCfg, true)
			}
			waitEvent(t, sub, EventConnected, 10*time.Second)
			if err := stop(); err != nil {
				t.Errorf("receiver: %v", err)
			}
			for _, e := range r.Summary().Events {
				if e.Kind != EventWarning {
					continue
				}
				if strings.Contains(e.Detail, "could not enlarge") || os.Geteuid() == 0 {
					t.Errorf("warning: %s", e.Detail)
				}
				t.Logf("warning: %s", e.Detail)
			}
		})
	}
}
