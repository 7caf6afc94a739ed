package session

import (
	"encoding/binary"
	"strconv"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// backdate returns a tap rewrite that moves the timestamp of original data
// packet number which back by d: for a packet sent less than d after the
// connection started, a timestamp from before it (2^32 - x microseconds).
func backdate(which uint64, d time.Duration) func(n uint64, b []byte) {
	return func(n uint64, b []byte) {
		if n == which {
			ts := binary.BigEndian.Uint32(b[8:12])
			binary.BigEndian.PutUint32(b[8:12], ts-uint32(d.Microseconds()))
		}
	}
}

// isKMRequest: an SRT control packet of the user-defined type 0x7FFF with
// subtype SRT_CMD_KMREQ (3): a key announcement after the handshake.
func isKMRequest(b []byte) bool {
	return len(b) >= 16 && b[0] == 0xFF && b[1] == 0xFF && b[2] == 0 && b[3] == 3
}

// stalled reports whether delivered stops growing while the tap forwards
// at least 200 more data packets (about 2 s of the test clip).
func stalled(t *testing.T, tap *keyTap, delivered func() uint64) bool {
	t.Helper()
	from := tap.data.Load()
	before := delivered()
	waitUntil(t, 15*time.Second, "200 more packets through the tap", func() bool { return tap.data.Load() >= from+200 })
	return delivered() == before
}

// TestBadPeer: peers that misbehave on the wire, made by a tap between a
// real sender and the receiver. The session must go on and its counters
// must say what happened.
//
// Both cases are reproduced here against srtscope's receiver and, where it
// tells what a decoder downstream would suffer, against srt-live-transmit.
// srtscope's receiver counts them (pkts_backdated with its arrival tap,
// pkts_undecryptable) and warns.
func TestBadPeer(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 40 s")
	}
	needTools(t, "srt-live-transmit", "ffmpeg")

	// A timestamp from before the connection started, 1 s into it, reads
	// as 2^32 - 9 s: both stacks start their wrap period and schedule the
	// packet ~71 minutes ahead, and every later packet waits behind it.
	t.Run("timestamp from before the connection, srtscope receives", func(t *testing.T) {
		port := sessiontest.FreeUDPPort(t)
		r, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, ReceiverOptions{Interval: 250 * time.Millisecond, ArrivalTap: true})
		waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
		tap := startKeyTapWith(t, port, tapOptions{rewrite: backdate(100, 10*time.Second)})
		startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: tap.port()}, true)
		waitEvent(t, sub, EventConnected, 10*time.Second)
		waitUntil(t, 15*time.Second, "the backdated packet", func() bool { return tap.data.Load() > 150 })
		stuck := stalled(t, tap, func() uint64 { return r.Snapshot().PktsRecv })
		s := r.Snapshot()
		t.Logf("after the backdated packet: recv %d lost %d dropped %d backdated %d, tap %d data packets, delivery stalled %v", s.PktsRecv, s.PktsLost, s.PktsDropped, s.PktsBackdated, tap.data.Load(), stuck)
		if s.State != StateConnected || r.Connects() != 1 {
			t.Errorf("state %s, connects %d: the session must go on", s.State, r.Connects())
		}
		// gosrt v0.11.0 would hold the backdated packet ~71 min and every
		// later one behind it: the arrival tap gives it the sender's
		// current time, counts it and says so.
		if stuck {
			t.Error("delivery stalled after the backdated packet: the arrival tap did not mend its timestamp")
		}
		if s.PktsBackdated != 1 {
			t.Errorf("pkts_backdated = %d, want 1", s.PktsBackdated)
		}
		waitEvent(t, sub, EventWarning, 5*time.Second, "timestamps from before the connection started")
	})
	t.Run("timestamp from before the connection, srt-live-transmit receives", func(t *testing.T) {
		port := sessiontest.FreeUDPPort(t)
		statsFile := t.TempDir() + "/slt.json"
		_, out := startProcess(t, "srt-live-transmit", "-a", "no", "-s", "20", "-f", "-pf", "json", "-statsout", statsFile,
			Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}.URL(ToolLibSRT), "file://con")
		waitOutput(t, out, len("Media path"), 5*time.Second, "srt-live-transmit start")
		tap := startKeyTapWith(t, port, tapOptions{rewrite: backdate(100, 10*time.Second)})
		startSender(t, Config{Mode: ModeCaller, Host: "127.0.0.1", Port: tap.port()}, true)
		waitUntil(t, 15*time.Second, "the backdated packet", func() bool { return tap.data.Load() > 150 })
		// libsrt stops delivering as well: a decoder behind such a sender
		// freezes, which is why srtscope must say so rather than call the
		// encoder silent.
		if !stalled(t, tap, func() uint64 { return uint64(len(out())) }) {
			t.Errorf("srt-live-transmit went on delivering after a backdated packet: the reason for counting them is gone")
		}
	})

	// A sender switching keys whose announcement (KMREQ) never arrives:
	// the receiver decrypts with a key it does not have (gosrt counts
	// PktRecvUndecrypt) or a stale one (noise, counted by nobody).
	t.Run("keys switched without the announcement arriving", func(t *testing.T) {
		clip := cbrTS(t, 4, 8)
		pass := "key-refresh-passphrase"
		port := sessiontest.FreeUDPPort(t)
		sink := &payloadSink{}
		r, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, Passphrase: pass},
			ReceiverOptions{Interval: 250 * time.Millisecond, Sink: sink})
		waitEvent(t, sub, EventConnecting, 5*time.Second, "listening")
		tap := startKeyTapWith(t, port, tapOptions{drop: isKMRequest})
		peer := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: tap.port(), Passphrase: pass, KMRefreshRate: 2000, KMPreAnnounce: 500}
		feed := "ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i " + clip + " -c copy -muxrate 4400k -f mpegts -" // padded to 4.4 Mbit/s: ~380 packets/s
		startProcess(t, "bash", "-c", feed+" | srt-live-transmit -q file://con '"+peer.URL(ToolLibSRT)+"'")
		waitEvent(t, sub, EventConnected, 15*time.Second, "encrypted")
		const want = 3000 // past the switch at 2,000
		got := waitSample(t, sub, 40*time.Second, strconv.Itoa(want)+" packets", func(s Sample) bool { return s.PktsRecv >= want })
		t.Logf("recv %d lost %d dropped %d undecryptable %d; tap: %d key announcements dropped, %d switches; payloads %d, not TS %d",
			got.PktsRecv, got.PktsLost, got.PktsDropped, got.PktsUndecryptable, tap.dropped.Load(), tap.switches.Load(), sink.payloads.Load(), sink.garbled.Load())
		if tap.dropped.Load() == 0 || tap.switches.Load() == 0 {
			t.Fatalf("no key switch without its announcement was made (%d dropped, %d switches)", tap.dropped.Load(), tap.switches.Load())
		}
		if r.Connects() != 1 || got.State != StateConnected {
			t.Errorf("state %s, connects %d: the session must go on", got.State, r.Connects())
		}
		if sink.garbled.Load() == 0 {
			t.Errorf("every payload after the switch was TS: was the key really missing?")
		}
		// The receiver counts what it could not decrypt (payloads that
		// stopped reading as TS, plus gosrt's PktRecvUndecrypt) and says
		// the key announcement was lost.
		if got.PktsUndecryptable == 0 || got.PktsUndecryptable < sink.garbled.Load()/2 {
			t.Errorf("pkts_undecryptable = %d with %d payloads not TS", got.PktsUndecryptable, sink.garbled.Load())
		}
		waitEvent(t, sub, EventWarning, 5*time.Second, "could not be decrypted", "key announcement was lost")
	})
}
