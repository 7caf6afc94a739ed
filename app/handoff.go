package app

import (
	"net"
	"sort"

	"github.com/srtscope/srtscope/session"
)

// HandOff is one caller URL a remote encoder can use to reach a listener
// feed on this machine.
type HandOff struct {
	Tools   string // who reads this dialect, e.g. "srt-live-transmit, vMix"
	Address string // this machine's address used in the URL
	Reach   string // who can use the URL: ReachLAN, ReachThisMachine, ReachPublic
	URL     string
}

// Who can reach a hand-off URL's address.
const (
	ReachLAN         = "LAN"               // a private address: encoders on the local network
	ReachThisMachine = "this machine only" // loopback: an encoder on this computer
	ReachPublic      = "public address"    // routable from the internet, if the firewall lets it
)

// reachOf says who can reach addr.
func reachOf(addr string) string {
	ip := net.ParseIP(addr)
	switch {
	case ip == nil:
		return ReachLAN
	case ip.IsLoopback():
		return ReachThisMachine
	case ip.IsPrivate() || ip.IsLinkLocalUnicast():
		return ReachLAN
	}
	return ReachPublic
}

// reachableAddrs are the addresses of addrs a listener bound to host can
// be called on: all of them when it listens on every address (host empty,
// 0.0.0.0 or ::), else only host itself (a listener bound to 127.0.0.1
// cannot be reached over the LAN).
func reachableAddrs(host string, addrs []string) []string {
	switch host {
	case "", "0.0.0.0", "::", "[::]":
		return addrs
	}
	return []string{host}
}

// HandOffURLs returns, for a listener configuration, the caller URLs a
// remote encoder should use: in milliseconds for srt-live-transmit and vMix,
// in microseconds for ffmpeg and OBS, for each of this machine's addresses
// (addrs) the listener can be reached on: all of them when it listens on
// every address, else only the one it is bound to. Each says who can reach
// it (Reach).
// The passphrase is left out unless withPassphrase is set; where it is left
// out but needed the URL says so in place of the value.
func HandOffURLs(listener session.Config, addrs []string, withPassphrase bool) []HandOff {
	caller := listener
	caller.Mode = session.ModeCaller
	caller.AllowedStreamIDs = nil
	if !withPassphrase && caller.Passphrase != "" {
		caller.Passphrase = "TYPE-THE-PASSPHRASE"
	}
	var out []HandOff
	for _, a := range reachableAddrs(listener.Host, addrs) {
		caller.Host = a
		r := reachOf(a)
		out = append(out,
			HandOff{Tools: "srt-live-transmit, vMix (ms)", Address: a, Reach: r, URL: caller.URL(session.ToolLibSRT)},
			HandOff{Tools: "ffmpeg, OBS (µs)", Address: a, Reach: r, URL: caller.URL(session.ToolFFmpeg)},
		)
	}
	return out
}

// LocalAddresses lists this machine's IPv4 addresses that a remote encoder
// could reach, non-loopback first; loopback is last for tests on one machine.
func LocalAddresses() []string {
	ifaces, err := net.InterfaceAddrs()
	if err != nil {
		return []string{"127.0.0.1"}
	}
	var out []string
	for _, a := range ifaces {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.To4() == nil || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() {
			continue
		}
		out = append(out, ipn.IP.String())
	}
	sort.Strings(out)
	return append(out, "127.0.0.1")
}
