package session

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	srt "github.com/datarhei/gosrt"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// portFeeds is a test router: a fixed set of handed receivers by name,
// with a passphrase per name, and pullers handed to pull.
type portFeeds struct {
	feeds map[string]*Receiver
	pass  map[string]string
	pull  func(name string, conn srt.Conn)
}

func (f *portFeeds) Route(c PortCaller) PortRoute {
	r, ok := f.feeds[c.Name]
	switch {
	case !ok:
		return PortRoute{Reject: RejectNotFound, Reason: fmt.Sprintf("no feed named %q on this port", c.Name)}
	case c.Mode == PortRequest && f.pull != nil:
		return PortRoute{Passphrase: f.pass[c.Name], Pull: func(conn srt.Conn) { f.pull(c.Name, conn) }}
	case c.Mode == PortRequest:
		return PortRoute{Reject: RejectNotFound, Reason: "no output to pull from for " + c.Name}
	}
	return PortRoute{Feed: r, Passphrase: f.pass[c.Name]}
}

// startPort starts a port on 127.0.0.1 with a handed receiver per name and
// returns them with their subscriptions and the port's.
func startPort(t *testing.T, names []string, pass map[string]string) (port int, p *Port, psub *Subscription, feeds map[string]*Receiver, subs map[string]*Subscription) {
	t.Helper()
	port = sessiontest.FreeUDPPort(t)
	router := &portFeeds{feeds: map[string]*Receiver{}, pass: pass}
	subs = map[string]*Subscription{}
	for _, n := range names {
		r, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, StreamID: n, Passphrase: pass[n]},
			ReceiverOptions{Interval: 250 * time.Millisecond, Handed: true})
		router.feeds[n], subs[n] = r, sub
	}
	p, err := NewPort(Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, router)
	if err != nil {
		t.Fatalf("NewPort: %v", err)
	}
	psub = p.Subscribe(1024)
	sessiontest.RunInBackground(t, "port", p.Run)
	waitEvent(t, psub, EventConnecting, 5*time.Second, "listening")
	return port, p, psub, router.feeds, subs
}

// ffmpegPublisher is the command line of an ffmpeg publishing the clip to
// the port with a raw (not URL-encoded) streamid: ffmpeg 5.1 passes it on
// as written.
func ffmpegPublisher(clip string, port int, streamid, passphrase string) []string {
	u := fmt.Sprintf("srt://127.0.0.1:%d?streamid=%s&pkt_size=1316", port, streamid)
	if passphrase != "" {
		u += "&passphrase=" + passphrase
	}
	return []string{"ffmpeg", "-nostdin", "-loglevel", "info", "-re", "-stream_loop", "-1", "-i", clip, "-c", "copy", "-f", "mpegts", u}
}

// TestPortRoutesByStreamID: publishers with different streamids (ffmpeg
// in the access-control form and with a plain name, srt-live-transmit)
// reach their own feeds on one port, each with its own statistics; an
// unknown name is refused with REJX_NOTFOUND and a worded event naming it,
// a wrong passphrase for one name with REJ_BADSECRET, and the others keep
// running.
func TestPortRoutesByStreamID(t *testing.T) {
	needTools(t, "srt-live-transmit", "ffmpeg")
	clip, _ := clipTS(t)
	pass := map[string]string{"cam4": pass16}
	port, p, psub, feeds, subs := startPort(t, []string{"cam1", "cam2", "cam3", "cam4"}, pass)
	slt := func(streamid string) []string {
		feed := fmt.Sprintf("ffmpeg -nostdin -loglevel error -re -stream_loop -1 -i %s -c copy -f mpegts -", clip)
		return []string{"bash", "-c", feed + fmt.Sprintf(" | srt-live-transmit -q file://con 'srt://127.0.0.1:%d?streamid=%s'", port, streamid)}
	}
	publishers := []struct {
		name string
		args []string
		feed string // "" = refused by the port
	}{
		{"ffmpeg, access-control form", ffmpegPublisher(clip, port, "#!::r=cam1,m=publish", ""), "cam1"},
		{"ffmpeg, plain name", ffmpegPublisher(clip, port, "cam2", ""), "cam2"},
		{"srt-live-transmit, access-control form", slt("#!::r=cam3,m=publish"), "cam3"},
	}
	outs := map[string]func() string{}
	for _, pub := range publishers {
		_, out := startProcess(t, pub.args[0], pub.args[1:]...)
		outs[pub.name] = out
	}
	for _, pub := range publishers {
		ev := waitEvent(t, subs[pub.feed], EventConnected, 15*time.Second, "connected")
		if !strings.Contains(ev.Detail, pub.feed) {
			t.Errorf("%s: connected event %q does not name the streamid", pub.name, ev.Detail)
		}
		waitSample(t, subs[pub.feed], 15*time.Second, pub.name+": 200 packets", func(s Sample) bool { return s.PktsRecv >= 200 && s.State == StateConnected })
	}

	refused := []struct {
		name  string
		args  []string
		sub   *Subscription // where the rejection shows
		code  srt.RejectionReason
		words []string
	}{
		{"unknown name", ffmpegPublisher(clip, port, "#!::r=cam9,m=publish", ""), psub, srt.REJX_NOTFOUND, []string{`"cam9"`, "no feed named", "REJX_NOTFOUND"}},
		{"wrong passphrase for cam4", ffmpegPublisher(clip, port, "cam4", "not the passphrase of cam4"), subs["cam4"], srt.REJ_BADSECRET, []string{"wrong passphrase", "REJ_BADSECRET"}},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, out := startProcess(t, tc.args[0], tc.args[1:]...)
			ev := waitEvent(t, tc.sub, EventRejected, 15*time.Second, tc.words...)
			if ev.Code != uint32(tc.code) {
				t.Errorf("code %d, want %d (%s)", ev.Code, tc.code, ev.Detail)
			}
			// What the operator sees on the encoder's side.
			waitOutputContains(t, out, "reject", 15*time.Second, "ffmpeg's words for the rejection")
			// Its first line with the reject reason (the rest repeats the URL).
			for line := range strings.SplitSeq(out(), "\n") {
				if strings.Contains(line, "REJECT") {
					t.Logf("ffmpeg says: %q", line)
					break
				}
			}
		})
	}
	if got := p.Rejections(); got < 1 {
		t.Errorf("port rejections %d, want at least 1", got)
	}

	// The others kept running, each with its own counters.
	counts := map[string]uint64{}
	for _, pub := range publishers {
		before := feeds[pub.feed].Snapshot().PktsRecv
		s := waitSample(t, subs[pub.feed], 10*time.Second, pub.name+": still receiving", func(s Sample) bool { return s.PktsRecv > before+100 })
		counts[pub.feed] = s.PktsRecv
		if n := feeds[pub.feed].Connects(); n != 1 {
			t.Errorf("%s: %d connections, want 1 (output %q)", pub.name, n, lastLines(outs[pub.name](), 3))
		}
		if s.PktsDropped != 0 {
			t.Errorf("%s: %d dropped on loopback", pub.name, s.PktsDropped)
		}
	}
	if feeds["cam4"].Connects() != 0 {
		t.Errorf("cam4 connected with a wrong passphrase")
	}
	t.Logf("packets per feed: %v", counts)
}

// TestPortSecondPublisher: a second publisher for a live name is refused
// with REJX_CONFLICT and words naming the stream, and the first keeps
// sending.
func TestPortSecondPublisher(t *testing.T) {
	needTools(t, "ffmpeg")
	clip, _ := clipTS(t)
	port, _, _, feeds, subs := startPort(t, []string{"cam1"}, nil)
	startProcess(t, ffmpegPublisher(clip, port, "#!::r=cam1,m=publish", "")[0], ffmpegPublisher(clip, port, "#!::r=cam1,m=publish", "")[1:]...)
	waitSample(t, subs["cam1"], 15*time.Second, "100 packets", func(s Sample) bool { return s.PktsRecv >= 100 })
	second := ffmpegPublisher(clip, port, "cam1", "")
	_, out := startProcess(t, second[0], second[1:]...)
	ev := waitEvent(t, subs["cam1"], EventRejected, 15*time.Second, `"cam1" is already being published`, "REJX_CONFLICT")
	if ev.Code != uint32(srt.REJX_CONFLICT) || !errors.Is(ev.Err, ErrPeerBusy) {
		t.Errorf("rejection %+v", ev)
	}
	waitOutputContains(t, out, "reject", 15*time.Second, "ffmpeg's words for the refusal")
	before := feeds["cam1"].Snapshot().PktsRecv
	waitSample(t, subs["cam1"], 10*time.Second, "the first still sending", func(s Sample) bool { return s.PktsRecv > before+100 })
	if n := feeds["cam1"].Connects(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

// TestPortSilentPublisherReplaced: a publisher that stopped sending without
// a goodbye is replaced by a new one for the same name.
func TestPortSilentPublisherReplaced(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	r, sub, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, StreamID: "cam1"},
		ReceiverOptions{Interval: 250 * time.Millisecond, IdleAfter: 500 * time.Millisecond, Handed: true})
	p, err := NewPort(Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, &portFeeds{feeds: map[string]*Receiver{"cam1": r}})
	if err != nil {
		t.Fatal(err)
	}
	sessiontest.RunInBackground(t, "port", p.Run)
	// A caller that connects and sends nothing: silent from the start.
	cfg := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, StreamID: "#!::r=cam1,m=publish"}
	var silent srt.Conn
	deadline := time.Now().Add(10 * time.Second)
	for silent == nil {
		c, err := srt.Dial("srt", cfg.Address(), cfg.srtConfig())
		if err == nil {
			silent = c
		} else if time.Now().After(deadline) {
			t.Fatalf("dialling the port: %v", err)
		}
	}
	defer func() { _ = silent.Close() }()
	waitEvent(t, sub, EventConnected, 10*time.Second, "cam1")
	waitEvent(t, sub, EventIdle, 10*time.Second, "no packets")
	startSender(t, cfg, true)
	waitEvent(t, sub, EventConnecting, 10*time.Second, "takes the place of")
	waitSample(t, sub, 15*time.Second, "the new publisher's packets", func(s Sample) bool { return s.PktsRecv >= 100 && s.State == StateConnected })
	if n := r.Connects(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

// TestPortRejectFlood: a flood of callers with unknown names shows as a few
// events and a count, and the port's memory does not grow per caller: the
// heap after 3N refused handshakes is about what it was after N.
func TestPortRejectFlood(t *testing.T) {
	port := sessiontest.FreeUDPPort(t)
	p, err := NewPort(Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, &portFeeds{})
	if err != nil {
		t.Fatal(err)
	}
	psub := p.Subscribe(1024)
	stop := sessiontest.RunInBackground(t, "port", p.Run)
	waitEvent(t, psub, EventConnecting, 5*time.Second, "listening")
	const perRound, rounds = 100, 3
	n := 0
	round := func() {
		for range perRound {
			cfg := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, StreamID: fmt.Sprintf("#!::r=x%d,m=publish", n), ConnectTimeout: 2 * time.Second}
			n++
			c, err := srt.Dial("srt", cfg.Address(), cfg.srtConfig())
			if err == nil {
				_ = c.Close()
				t.Fatalf("caller %d was accepted", n)
			}
		}
	}
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	began := time.Now()
	round()
	after1 := heap()
	for range rounds - 1 {
		round()
	}
	after3 := heap()
	t.Logf("heap in use %d KB after %d refused callers, %d KB after %d", after1/1024, perRound, after3/1024, n)
	if after3 > after1+after1/2+(4<<20) {
		t.Errorf("heap grew from %d KB to %d KB over %d more refused callers", after1/1024, after3/1024, n-perRound)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A window of rejectWindow shows rejectBurst callers one by one.
	windows := 1 + int(time.Since(began)/rejectWindow)
	var shown, summarised int
	for _, e := range p.Events() {
		if e.Kind != EventRejected {
			continue
		}
		if e.Count > 0 {
			summarised += e.Count
		} else {
			shown++
		}
	}
	if shown > windows*rejectBurst || shown+summarised != n || p.Rejections() != n {
		t.Errorf("%d shown, %d summarised, %d counted; want at most %d shown and %d in all; events %+v", shown, summarised, p.Rejections(), windows*rejectBurst, n, p.Events())
	}
	if got := len(p.Events()); got > windows*(rejectBurst+1)+2 {
		t.Errorf("%d events kept for %d callers", got, n)
	}
}

// TestPortPull: a caller with m=request goes to the router's Pull with its
// accepted connection, and is refused when the router has nothing to pull.
func TestPortPull(t *testing.T) {
	tests := []struct {
		name     string
		pull     bool
		wantCode srt.RejectionReason
	}{
		{"router pulls", true, 0},
		{"nothing to pull", false, srt.REJX_NOTFOUND},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			port := sessiontest.FreeUDPPort(t)
			r, _, _ := startReceiver(t, Config{Mode: ModeListener, Host: "127.0.0.1", Port: port, StreamID: "cam1"}, ReceiverOptions{Handed: true})
			pulled := make(chan string, 1)
			router := &portFeeds{feeds: map[string]*Receiver{"cam1": r}}
			if tc.pull {
				router.pull = func(name string, conn srt.Conn) {
					pulled <- name + " " + conn.StreamId()
					_ = conn.Close()
				}
			}
			p, err := NewPort(Config{Mode: ModeListener, Host: "127.0.0.1", Port: port}, router)
			if err != nil {
				t.Fatal(err)
			}
			psub := p.Subscribe(64)
			sessiontest.RunInBackground(t, "port", p.Run)
			waitEvent(t, psub, EventConnecting, 5*time.Second, "listening")
			cfg := Config{Mode: ModeCaller, Host: "127.0.0.1", Port: port, StreamID: "#!::r=cam1,m=request"}
			c, err := srt.Dial("srt", cfg.Address(), cfg.srtConfig())
			if tc.wantCode == 0 {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				_ = c.Close()
				select {
				case got := <-pulled:
					if got != "cam1 #!::r=cam1,m=request" {
						t.Errorf("pulled %q", got)
					}
				case <-time.After(5 * time.Second):
					t.Fatal("Pull not called")
				}
				return
			}
			if err == nil {
				_ = c.Close()
				t.Fatal("puller accepted")
			}
			ev := waitEvent(t, psub, EventRejected, 5*time.Second, `"cam1"`, "no output to pull from for cam1")
			if ev.Code != uint32(tc.wantCode) || ev.Feed != "cam1" {
				t.Errorf("event %+v", ev)
			}
		})
	}
}

// TestPortStreamName: the name and mode of each streamid form.
func TestPortStreamName(t *testing.T) {
	tests := []struct {
		test, streamid, name, mode, errField string
	}{
		{"plain name", "cam2", "cam2", PortPublish, ""},
		{"publish", "#!::r=cam1,m=publish", "cam1", PortPublish, ""},
		{"publish with user", "#!::r=cam1,m=publish,u=alice", "cam1", PortPublish, ""},
		{"request", "#!::r=cam1,m=request", "cam1", PortRequest, ""},
		{"no mode means request", "#!::r=cam1", "cam1", PortRequest, ""},
		{"no name", "#!::m=publish", "", "", "streamid r"},
		{"bidirectional", "#!::r=cam1,m=bidirectional", "", "", "streamid m"},
		{"unknown key", "#!::r=cam1,x=1", "", "", "streamid key"},
		{"empty", "", "", "", "streamid"},
		{"too long", strings.Repeat("a", MaxStreamIDLen+1), "", "", "streamid"},
	}
	for _, tc := range tests {
		t.Run(tc.test, func(t *testing.T) {
			name, mode, err := PortStreamName(tc.streamid)
			var fe *FieldError
			switch {
			case tc.errField != "":
				if !errors.As(err, &fe) || fe.Field != tc.errField {
					t.Errorf("error %v, want a FieldError for %q", err, tc.errField)
				}
			case err != nil || name != tc.name || mode != tc.mode:
				t.Errorf("got %q %q %v, want %q %q", name, mode, err, tc.name, tc.mode)
			}
		})
	}
}

// waitOutputContains waits until the peer's output contains want (any case).
func waitOutputContains(t *testing.T, out func() string, want string, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for range tick.C {
		if strings.Contains(strings.ToLower(out()), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no %q within %s; output tail %q", what, want, timeout, tail(out(), 400))
		}
	}
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
