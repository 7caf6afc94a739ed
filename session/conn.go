package session

import (
	"context"
	"net"
	"strconv"
	"time"

	srt "github.com/datarhei/gosrt"
)

// Reconnect backoff of a caller: doubles from min to max.
const (
	minBackoff = 500 * time.Millisecond
	maxBackoff = 5 * time.Second
)

// srtConfig translates c into a gosrt configuration for Dial or Listen.
// A listener checks passphrases itself (see acceptPolicy), so its gosrt
// configuration carries none.
func (c Config) srtConfig() srt.Config {
	c = c.withDefaults()
	sc := srt.DefaultConfig()
	sc.ConnectionTimeout = c.ConnectTimeout
	sc.PeerIdleTimeout = c.PeerIdleTimeout
	sc.ReceiverLatency = time.Duration(c.LatencyMs) * time.Millisecond
	sc.PeerLatency = sc.ReceiverLatency
	sc.PBKeylen = c.PBKeyLen
	sc.KMRefreshRate, sc.KMPreAnnounce = c.kmSettings()
	if c.Mode == ModeCaller {
		sc.Passphrase = c.Passphrase
		sc.StreamId = c.StreamID
	}
	return sc
}

// listenSRT listens like srt.Listen but first makes sure nobody else has
// the UDP port: gosrt sets SO_REUSEADDR, with which Linux lets a second
// listener share a busy port silently and split its packets.
func listenSRT(cfg Config) (srt.Listener, error) {
	probe, err := net.ListenPacket("udp", cfg.Address())
	if err != nil {
		return nil, explainListenError(err, cfg)
	}
	_ = probe.Close()
	ln, err := srt.Listen("srt", cfg.Address(), cfg.srtConfig())
	if err != nil {
		return nil, explainListenError(err, cfg)
	}
	return ln, nil
}

// waitBackoff waits d or until ctx ends; it reports whether to go on.
func waitBackoff(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// nextBackoff doubles d up to maxBackoff.
func nextBackoff(d time.Duration) time.Duration {
	return min(d*2, maxBackoff)
}

// checkRequest decides whether a listener accepts a handshake request. gosrt
// does not enforce encryption for a listener: when a passphrase is
// configured, unencrypted callers are rejected here and the passphrase is
// set on the request. It returns 0 to accept, or the reject code and the
// reason in words.
func checkRequest(req srt.ConnRequest, cfg Config) (srt.RejectionReason, string) {
	if cfg.Passphrase != "" {
		if !req.IsEncrypted() {
			return srt.REJ_UNSECURE, "caller sent no passphrase but this listener requires one (passphrase on one side only)"
		}
		if err := req.SetPassphrase(cfg.Passphrase); err != nil {
			return srt.REJ_BADSECRET, "wrong passphrase from the caller: the passphrases differ"
		}
	} else if req.IsEncrypted() {
		return srt.REJ_UNSECURE, "caller uses a passphrase but this listener has none (passphrase on one side only)"
	}
	if !streamIDAllowed(req.StreamId(), cfg.AllowedStreamIDs) {
		return srt.REJX_NOTFOUND, "streamid " + strconv.Quote(truncate(req.StreamId(), 80)) + " rejected: not in this listener's allow-list"
	}
	return 0, ""
}
