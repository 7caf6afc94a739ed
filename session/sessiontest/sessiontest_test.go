package sessiontest

import (
	"net"
	"strconv"
	"testing"
)

// TestFreePortsAreDistinctBindableAndNotEphemeral: every port handed out
// binds, none twice, and all lie below the kernel's ephemeral range, where
// a socket bound to port 0 elsewhere cannot be given them meanwhile.
func TestFreePortsAreDistinctBindableAndNotEphemeral(t *testing.T) {
	low, high := belowEphemeral()
	tests := []struct {
		name string
		port func(testing.TB) int
		bind func(addr string) (func() error, error)
	}{
		{"udp", FreeUDPPort, func(addr string) (func() error, error) {
			pc, err := net.ListenPacket("udp", addr)
			if err != nil {
				return nil, err
			}
			return pc.Close, nil
		}},
		{"tcp", FreeTCPPort, func(addr string) (func() error, error) {
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return nil, err
			}
			return ln.Close, nil
		}},
	}
	seen := map[int]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for range 50 {
				port := tc.port(t)
				if port < low || port >= high {
					t.Fatalf("port %d outside %d..%d", port, low, high-1)
				}
				if seen[port] {
					t.Fatalf("port %d handed out twice", port)
				}
				seen[port] = true
				closeIt, err := tc.bind("127.0.0.1:" + strconv.Itoa(port))
				if err != nil {
					t.Fatalf("port %d does not bind: %v", port, err)
				}
				if err := closeIt(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
