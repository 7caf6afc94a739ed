package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/probe/fixtures"
	"github.com/srtscope/srtscope/session"
	"github.com/srtscope/srtscope/session/sessiontest"
)

// The tests in this file send the probe fixtures over real loopback SRT
// sessions (srtscope's own sender, or srt-live-transmit) into
// `srtscope inspect URL` and `srtscope watch --inspect`, and check that the
// ground truth of probe/testdata/README.md arrives through the live path.

const (
	// mediaTolerance is how far a black/freeze/silence span may be from the
	// ground truth, in seconds (issue 4).
	mediaTolerance = 0.25
	// liveMargin is added to a fixture's length for the receiving duration:
	// connection set-up, the SRT latency and the sender's tail.
	liveMargin = 3 * time.Second
	testPass   = "inspect-live-test-secret"
)

// truthRows reads the ground-truth table of probe/testdata/README.md whose
// header starts with "| file | <second> |", keeping the rows of file.
func truthRows(t *testing.T, second, file string) []fixtures.Row {
	t.Helper()
	all, err := fixtures.Table(second)
	if err != nil {
		t.Fatal(err)
	}
	var rows []fixtures.Row
	for _, r := range all {
		if r["file"] == file {
			rows = append(rows, r)
		}
	}
	return rows
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	if s == "-" {
		return 0
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("bad number %q in the README", s)
	}
	return v
}

// fixtureLength is the nominal length of a fixture from the README.
func fixtureLength(t *testing.T, file string) time.Duration {
	t.Helper()
	rows := truthRows(t, "duration_s", file)
	if len(rows) != 1 {
		t.Fatalf("no Files row for %s in the README", file)
	}
	return time.Duration(num(t, rows[0]["duration_s"]) * float64(time.Second))
}

// checkGroundTruth compares a report with the README rows of file: every
// stream's codec fields, CC errors per PID, the program count, the PCR
// checks (the bytes arrive unchanged, so these are exact) and, when
// mediaKinds is not empty, the media spans of those kinds.
func checkGroundTruth(t *testing.T, file string, rep probe.Report, mediaKinds ...string) {
	t.Helper()
	streams := truthRows(t, "program", file)
	if len(streams) == 0 {
		t.Fatalf("no Streams rows for %s in the README", file)
	}
	pids := map[uint16]probe.PIDStats{}
	for _, p := range rep.PIDs {
		pids[p.PID] = p
	}
	for _, row := range streams {
		var prog *probe.Program
		for i := range rep.Programs {
			if float64(rep.Programs[i].Number) == num(t, row["program"]) {
				prog = &rep.Programs[i]
			}
		}
		if prog == nil {
			t.Errorf("%s: program %s missing; got %+v", file, row["program"], rep.Programs)
			continue
		}
		if float64(prog.PMTPID) != num(t, row["pmt_pid"]) {
			t.Errorf("%s: program %s pmt_pid %d, want %s", file, row["program"], prog.PMTPID, row["pmt_pid"])
		}
		var s *probe.Stream
		for i := range prog.Streams {
			if float64(prog.Streams[i].PID) == num(t, row["pid"]) {
				s = &prog.Streams[i]
			}
		}
		if s == nil {
			t.Errorf("%s: PID %s missing from program %s; got %+v", file, row["pid"], row["program"], prog.Streams)
			continue
		}
		dash := func(v float64) string {
			if v == 0 {
				return "-"
			}
			return strconv.FormatFloat(v, 'f', -1, 64)
		}
		checks := []struct{ field, got string }{
			{"stream_type", strconv.Itoa(int(s.StreamType))},
			{"kind", s.Kind},
			{"codec", s.Codec},
			{"width", dash(float64(s.Width))},
			{"height", dash(float64(s.Height))},
			{"fps", dash(s.FPS)},
			{"sample_rate", dash(float64(s.SampleRate))},
			{"channels", dash(float64(s.Channels))},
		}
		if s.Kind == "video" {
			checks = append(checks,
				struct{ field, got string }{"profile", s.Profile},
				struct{ field, got string }{"level", s.Level},
				struct{ field, got string }{"interlaced", strconv.FormatBool(s.Interlaced)})
		}
		for _, c := range checks {
			if c.got != row[c.field] {
				t.Errorf("%s PID %s: %s = %q, want %q", file, row["pid"], c.field, c.got, row[c.field])
			}
		}
		p, ok := pids[s.PID]
		if !ok || p.Packets == 0 {
			t.Errorf("%s: no packets counted on PID %d", file, s.PID)
		}
		if float64(p.CCErrors) != num(t, row["cc_errors"]) {
			t.Errorf("%s PID %d: cc_errors %d, want %s", file, s.PID, p.CCErrors, row["cc_errors"])
		}
	}
	files := truthRows(t, "duration_s", file)
	if len(files) != 1 {
		t.Fatalf("no Files row for %s", file)
	}
	fr := files[0]
	if got := len(rep.Programs); float64(got) != num(t, fr["programs"]) {
		t.Errorf("%s: %d programs, want %s", file, got, fr["programs"])
	}
	if math.Abs(rep.DurationS-num(t, fr["duration_s"])) > 0.5 {
		t.Errorf("%s: duration_s %.3f, want %s within 0.5 s", file, rep.DurationS, fr["duration_s"])
	}
	tr := rep.TR101290
	for _, c := range []struct {
		field string
		got   uint64
	}{
		{"cc_error_total", tr.CCError},
		{"pcr_repetition_error", tr.PCRRepetitionError},
		{"pcr_discontinuity_error", tr.PCRDiscontinuityError},
	} {
		if float64(c.got) != num(t, fr[c.field]) {
			t.Errorf("%s: %s = %d, want %s", file, c.field, c.got, fr[c.field])
		}
	}
	if len(mediaKinds) > 0 {
		checkMedia(t, file, rep.Events, mediaKinds...)
	}
}

// checkMedia asserts that the README's spans of the given kinds for file
// were found within mediaTolerance, and that no span of a kind not in the
// README for this file was reported beyond what it lists (extra freezes over
// still bars are allowed, see the README).
func checkMedia(t *testing.T, file string, got []probe.MediaEvent, kinds ...string) {
	t.Helper()
	want := map[string]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	for _, row := range truthRows(t, "kind", file) {
		if !want[row["kind"]] {
			continue
		}
		found := false
		for _, e := range got {
			if e.Kind == row["kind"] && float64(e.PID) == num(t, row["pid"]) &&
				math.Abs(e.StartS-num(t, row["start_s"])) <= mediaTolerance && math.Abs(e.EndS-num(t, row["end_s"])) <= mediaTolerance {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no %s on PID %s from %s s to %s s (±%.2f s) in %+v", file, row["kind"], row["pid"], row["start_s"], row["end_s"], mediaTolerance, got)
		}
	}
}

// contractKeys checks the fixed field names of DESIGN.md section 8's
// inspect JSON in a decoded object.
func contractKeys(t *testing.T, obj map[string]json.RawMessage) {
	t.Helper()
	for _, k := range []string{"duration_s", "programs", "pids", "tr101290", "events", "media_analysis", "loudness"} {
		if _, ok := obj[k]; !ok {
			t.Errorf("inspect JSON lacks %q: %s", k, keys(obj))
		}
	}
	var tr map[string]json.RawMessage
	if err := json.Unmarshal(obj["tr101290"], &tr); err != nil {
		t.Fatalf("tr101290: %v", err)
	}
	for _, k := range []string{"ts_sync_loss", "sync_byte_error", "pat_error", "cc_error", "pmt_error", "pid_error",
		"transport_error", "crc_error", "pcr_repetition_error", "pcr_discontinuity_error", "pts_error"} {
		if _, ok := tr[k]; !ok {
			t.Errorf("tr101290 lacks %q", k)
		}
	}
}

func keys(m map[string]json.RawMessage) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ",")
}

// signalBuffer collects output and lets a test wait until it contains a
// text ("listening on UDP") instead of sleeping.
type signalBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	waiters []waiter
}

type waiter struct {
	text string
	seen chan struct{}
}

func (b *signalBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	kept := b.waiters[:0]
	for _, w := range b.waiters {
		if strings.Contains(b.buf.String(), w.text) {
			close(w.seen)
		} else {
			kept = append(kept, w)
		}
	}
	b.waiters = kept
	return len(p), nil
}

func (b *signalBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until b holds text, failing the test after timeout.
func waitFor(t *testing.T, b *signalBuffer, text string, timeout time.Duration) {
	t.Helper()
	b.mu.Lock()
	if strings.Contains(b.buf.String(), text) {
		b.mu.Unlock()
		return
	}
	w := waiter{text: text, seen: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.seen:
	case <-time.After(timeout):
		t.Fatalf("%q not seen within %s; output %q", text, timeout, b.String())
	}
}

// cliRun is a subcommand running on its own goroutine.
type cliRun struct {
	stdout *signalBuffer
	stderr *signalBuffer
	code   chan int
}

// startCLI runs srtscope args in-process. Cleanup cancels the command and
// waits for it.
func startCLI(t *testing.T, args ...string) *cliRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &cliRun{stdout: &signalBuffer{}, stderr: &signalBuffer{}, code: make(chan int, 1)}
	go func() { r.code <- Run(ctx, args, IO{Stdout: r.stdout, Stderr: r.stderr}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case c := <-r.code:
			r.code <- c
		case <-time.After(30 * time.Second):
			t.Errorf("srtscope %s did not stop within 30 s after cancel", args[0])
		}
	})
	return r
}

// wait returns the exit code, failing after timeout.
func (r *cliRun) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case c := <-r.code:
		r.code <- c
		return c
	case <-time.After(timeout):
		t.Fatalf("command still running after %s; stderr %q", timeout, r.stderr.String())
	}
	return -1
}

// startSender sends a fixture once with srtscope's own sender. A listening
// sender is waited for until it listens. Cleanup stops it.
func startSender(t *testing.T, cfg session.Config, fixture string) *session.Sender {
	t.Helper()
	f, err := os.Open(fixtures.Path(fixture))
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.NewSender(cfg, f, st.Size(), session.SenderOptions{})
	if err != nil {
		t.Fatalf("NewSender: %v", err)
	}
	sub := s.Subscribe(64)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Logf("sender stopped: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Errorf("sender did not stop within 15 s")
		}
		_ = f.Close()
	})
	if cfg.Mode == session.ModeListener {
		deadline := time.After(5 * time.Second)
		for listening := false; !listening; {
			select {
			case e, ok := <-sub.Events:
				if !ok {
					t.Fatalf("sender stopped before listening: %v", s.LastError())
				}
				listening = e.Kind == session.EventConnecting && strings.Contains(e.Detail, "listening")
			case <-deadline:
				t.Fatal("sender not listening within 5 s")
			}
		}
	}
	go func() { // keep the subscription drained
		for range sub.Events {
		}
	}()
	return s
}

// peerConfigs returns our URL and the peer's config for one loopback
// session; inspectListens says which side listens.
func peerConfigs(t *testing.T, inspectListens bool, passphrase string) (ourURL string, peer session.Config) {
	t.Helper()
	port := sessiontest.FreeUDPPort(t)
	ours := session.Config{Mode: session.ModeCaller, Host: "127.0.0.1", Port: port, LatencyMs: 200, Passphrase: passphrase, PBKeyLen: 16}
	peer = session.Config{Mode: session.ModeListener, Host: "127.0.0.1", Port: port, LatencyMs: 200, Passphrase: passphrase, PBKeyLen: 16}
	if inspectListens {
		ours.Mode, peer.Mode = session.ModeListener, session.ModeCaller
	}
	return ours.URL(session.ToolLibSRT), peer
}

func needFFmpegCLI(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skipf("ffmpeg not installed: %v", err)
	}
}

// TestInspectURLLive: srtscope's sender feeds a fixture over loopback SRT
// into `srtscope inspect URL`, in both roles, with ffmpeg and bitstream-only;
// the report carries the fixture's ground truth.
func TestInspectURLLive(t *testing.T) {
	tests := []struct {
		name           string
		fixture        string
		inspectListens bool
		passphrase     string
		noFFmpeg       bool
		wantMedia      string
		mediaKinds     []string // README spans to find
		absentKinds    []string // must not appear
	}{
		{"listener, ffmpeg, black and silence gap", "gap_black_silence.ts", true, testPass, false, "ffmpeg",
			[]string{"black", "silence"}, nil},
		{"caller, bitstream-only silence", "black_silence.ts", false, "", true, "bitstream-only",
			[]string{"silence"}, []string{"black", "freeze"}},
		{"listener, two-program MPTS", "mpts.ts", true, "", true, "bitstream-only", nil, []string{"black", "freeze"}},
		{"caller, ffmpeg, frozen picture", "frozen.ts", false, testPass, false, "ffmpeg",
			[]string{"freeze"}, []string{"black", "silence"}},
		{"listener, ffmpeg, 0.6 s and 1.5 s dropouts", "short_gaps.ts", true, "", false, "ffmpeg",
			[]string{"black", "silence"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !tc.noFFmpeg {
				needFFmpegCLI(t)
			}
			url, peer := peerConfigs(t, tc.inspectListens, tc.passphrase)
			d := fixtureLength(t, tc.fixture) + liveMargin
			args := []string{"inspect", url, "--duration", d.String(), "--format", "json"}
			if tc.noFFmpeg {
				args = append(args, "--no-ffmpeg")
			}
			var run *cliRun
			if tc.inspectListens {
				run = startCLI(t, args...)
				waitFor(t, run.stderr, "listening on UDP", 5*time.Second)
				startSender(t, peer, tc.fixture)
			} else {
				startSender(t, peer, tc.fixture)
				run = startCLI(t, args...)
			}
			code := run.wait(t, d+20*time.Second)
			out, errOut := run.stdout.String(), run.stderr.String()
			if code != ExitOK {
				t.Fatalf("exit %d; stderr %q", code, errOut)
			}
			if tc.passphrase != "" && strings.Contains(out+errOut, tc.passphrase) {
				t.Errorf("the passphrase was printed: %q %q", out, errOut)
			}
			if n := strings.Count(strings.TrimSpace(out), "\n"); n != 0 {
				t.Errorf("inspect --format json printed %d lines, want one object", n+1)
			}
			var obj map[string]json.RawMessage
			if err := json.Unmarshal([]byte(out), &obj); err != nil {
				t.Fatalf("stdout is not one JSON object: %v: %q", err, out)
			}
			contractKeys(t, obj)
			var rep probe.Report
			if err := json.Unmarshal([]byte(out), &rep); err != nil {
				t.Fatal(err)
			}
			t.Logf("events %+v, problems %q", rep.Events, rep.Problems)
			if rep.MediaAnalysis != tc.wantMedia {
				t.Errorf("media_analysis %q, want %q", rep.MediaAnalysis, tc.wantMedia)
			}
			checkGroundTruth(t, tc.fixture, rep, tc.mediaKinds...)
			for _, e := range rep.Events {
				for _, k := range tc.absentKinds {
					if e.Kind == k {
						t.Errorf("unexpected %s event %+v", k, e)
					}
				}
			}
			for _, p := range rep.Problems {
				if strings.Contains(p, "not inspected") || strings.Contains(p, "could not recover") {
					t.Errorf("live path lost data: %s", p)
				}
			}
		})
	}
}

// TestWatchInspectLive: `srtscope watch URL --inspect` prints its samples,
// then the summary with the stream inspection, in each format.
func TestWatchInspectLive(t *testing.T) {
	needFFmpegCLI(t)
	tests := []struct {
		format  string
		fixture string
	}{
		{"json", "gap_black_silence.ts"},
		{"text", "mpts.ts"},
		{"csv", "black_silence.ts"},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			t.Parallel()
			url, peer := peerConfigs(t, true, "")
			d := fixtureLength(t, tc.fixture) + liveMargin
			run := startCLI(t, "watch", url, "--duration", d.String(), "--format", tc.format, "--inspect")
			buf := run.stderr
			if tc.format == "text" { // text prints events on stdout
				buf = run.stdout
			}
			waitFor(t, buf, "listening on UDP", 5*time.Second)
			startSender(t, peer, tc.fixture)
			code := run.wait(t, d+20*time.Second)
			out := run.stdout.String()
			if code != ExitOK {
				t.Fatalf("exit %d; stderr %q", code, run.stderr.String())
			}
			switch tc.format {
			case "json":
				checkWatchJSON(t, tc.fixture, out)
			case "text":
				checkWatchText(t, tc.fixture, out)
			case "csv":
				checkWatchCSV(t, tc.fixture, out)
			}
		})
	}
}

func checkWatchJSON(t *testing.T, fixture, out string) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 4 {
		t.Fatalf("want samples then a summary, got %d lines: %q", len(lines), out)
	}
	for _, l := range lines[:len(lines)-1] {
		var s map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("sample line %q: %v", l, err)
		}
		for _, k := range []string{"time", "state", "peer", "rtt_ms", "latency_ms", "rtt_multiplier", "recv_mbps", "pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped"} {
			if _, ok := s[k]; !ok {
				t.Errorf("sample line lacks %q: %s", k, l)
			}
		}
		if _, ok := s["inspection"]; ok {
			t.Errorf("a sample line carries the inspection: %s", l)
		}
	}
	last := lines[len(lines)-1]
	var top map[string]json.RawMessage
	if err := json.Unmarshal([]byte(last), &top); err != nil {
		t.Fatalf("summary line %q: %v", last, err)
	}
	if len(top) != 2 || top["summary"] == nil || top["inspection"] == nil {
		t.Fatalf("last line has keys %s, want summary and inspection", keys(top))
	}
	var sum map[string]json.RawMessage
	if err := json.Unmarshal(top["summary"], &sum); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"pkts_recv", "pkts_lost", "pkts_retrans", "pkts_dropped", "connected_s", "reconnects", "events"} {
		if _, ok := sum[k]; !ok {
			t.Errorf("summary lacks %q", k)
		}
	}
	var ins map[string]json.RawMessage
	if err := json.Unmarshal(top["inspection"], &ins); err != nil {
		t.Fatal(err)
	}
	contractKeys(t, ins)
	var rep probe.Report
	if err := json.Unmarshal(top["inspection"], &rep); err != nil {
		t.Fatal(err)
	}
	if rep.MediaAnalysis != "ffmpeg" {
		t.Errorf("media_analysis %q, want ffmpeg", rep.MediaAnalysis)
	}
	checkGroundTruth(t, fixture, rep, "black", "silence")
}

func checkWatchText(t *testing.T, fixture, out string) {
	i := strings.Index(out, "\nsummary: ")
	if i < 0 {
		t.Fatalf("no summary line in %q", out)
	}
	if strings.Count(out[:i], " connected ") < 2 {
		t.Errorf("want per-second samples before the summary: %q", out[:i])
	}
	tail := out[i:]
	want := []string{"Programs", "PIDs", "TR 101 290", "Media (ffmpeg)"}
	for _, row := range truthRows(t, "program", fixture) {
		want = append(want, fmt.Sprintf("program %s", row["program"]), fmt.Sprintf("PID %s", row["pid"]))
	}
	for _, w := range want {
		if !strings.Contains(tail, w) {
			t.Errorf("inspection after the summary lacks %q:\n%s", w, tail)
		}
	}
	if !strings.Contains(tail, "OK: no TR 101 290 priority 1 errors") {
		t.Errorf("want a clean verdict:\n%s", tail)
	}
}

func checkWatchCSV(t *testing.T, fixture, out string) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "time,state,peer,") {
		t.Fatalf("csv header %q", lines[0])
	}
	tagged := map[string][]string{}
	for _, l := range lines {
		tag, _, _ := strings.Cut(l, ",")
		tagged[tag] = append(tagged[tag], l)
	}
	if len(tagged["summary"]) != 2 || len(tagged["inspection"]) != 2 {
		t.Fatalf("want 2 summary and 2 inspection rows, got %q", out)
	}
	rows := truthRows(t, "program", fixture)
	if got := len(tagged["stream"]); got != len(rows)+1 {
		t.Errorf("%d stream rows, want a header and %d streams: %q", got, len(rows), tagged["stream"])
	}
	for _, row := range rows {
		want := fmt.Sprintf("stream,%s,%s,%s,%s,%s,%s,", row["program"], row["pmt_pid"], row["pid"], row["stream_type"], row["kind"], row["codec"])
		if !strings.Contains(out, want) {
			t.Errorf("no row starting %q in %q", want, tagged["stream"])
		}
	}
	found := false
	for _, e := range tagged["event"] {
		f := strings.Split(e, ",")
		if len(f) == 5 && f[1] == "silence" && f[2] == "257" {
			start, _ := strconv.ParseFloat(f[3], 64)
			end, _ := strconv.ParseFloat(f[4], 64)
			found = found || (math.Abs(start) <= mediaTolerance && math.Abs(end-4) <= mediaTolerance)
		}
	}
	if !found {
		t.Errorf("no silence 0..4 s on PID 257 in %q", tagged["event"])
	}
}

// TestInspectURLFromSRTLiveTransmit: srt-live-transmit (libsrt) calls
// `srtscope inspect` and sends cc_errors.ts; the exact CC errors per PID and
// the PCR checks arrive through the live path.
//
// srt-live-transmit sends whatever it reads from stdin at once, paced by
// nothing, so the test writes the fixture into its stdin at the file's
// average bitrate, one 7-packet chunk at a time. The bytes stay exactly the
// fixture's, which a re-muxing pacer (ffmpeg -re -c copy) would not keep:
// it rewrites continuity counters and PCRs. srt-live-transmit holds back
// what its stdin buffer has read until more arrives or stdin ends (about
// 0.8 s of this small stream stayed behind while stdin was open), so stdin
// is closed after the last byte; only a tail shorter than one -chunk is
// never sent (here 1 packet, which cannot add a CC error).
func TestInspectURLFromSRTLiveTransmit(t *testing.T) {
	if _, err := exec.LookPath("srt-live-transmit"); err != nil {
		t.Skipf("srt-live-transmit not installed: %v", err)
	}
	const fixture = "cc_errors.ts"
	data, err := os.ReadFile(fixtures.Path(fixture))
	if err != nil {
		t.Fatal(err)
	}
	length := fixtureLength(t, fixture)
	url, peer := peerConfigs(t, true, testPass)
	d := length + liveMargin
	run := startCLI(t, "inspect", url, "--duration", d.String(), "--format", "json", "--no-ffmpeg")
	waitFor(t, run.stderr, "listening on UDP", 5*time.Second)

	cmd := exec.Command("srt-live-transmit", "-q", "-chunk:1316", "file://con", peer.URL(session.ToolLibSRT))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var peerOut signalBuffer
	cmd.Stdout, cmd.Stderr = &peerOut, &peerOut
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting srt-live-transmit: %v", err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	stopFeed := make(chan struct{})
	fed := make(chan struct{})
	t.Cleanup(func() {
		close(stopFeed)
		<-fed
		_ = cmd.Process.Kill()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Errorf("srt-live-transmit did not exit")
		}
	})
	go func() { // pace the fixture into srt-live-transmit at its average rate
		defer close(fed)
		defer func() { _ = stdin.Close() }() // end of input: srt-live-transmit sends what it holds
		const chunk = 7 * 188
		interval := time.Duration(float64(length) * chunk / float64(len(data)))
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for rest := data; len(rest) > 0; {
			n := min(chunk, len(rest))
			if _, err := stdin.Write(rest[:n]); err != nil {
				return
			}
			rest = rest[n:]
			select {
			case <-tick.C:
			case <-stopFeed:
				return
			}
		}
	}()

	code := run.wait(t, d+20*time.Second)
	out, errOut := run.stdout.String(), run.stderr.String()
	if code != ExitOK {
		t.Fatalf("exit %d; stderr %q; srt-live-transmit %q", code, errOut, peerOut.String())
	}
	if strings.Contains(out+errOut, testPass) {
		t.Error("the passphrase was printed")
	}
	var rep probe.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("stdout is not one JSON object: %v: %q", err, out)
	}
	checkGroundTruth(t, fixture, rep)
	if want := uint64(len(data) / 1316 * 1316); rep.Bytes != want {
		t.Errorf("inspected %d bytes, want the %d srt-live-transmit sends in whole chunks", rep.Bytes, want)
	}
	if rep.MediaAnalysis != "bitstream-only" {
		t.Errorf("media_analysis %q with --no-ffmpeg", rep.MediaAnalysis)
	}
}

// TestInspectURLBadInput: a URL that fails validation exits 2 with one line
// naming the field; a passphrase is never echoed.
func TestInspectURLBadInput(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   string
		secret string
	}{
		{"port out of range", []string{"srt://:70000"}, "port", ""},
		{"passphrase too short", []string{"srt://:9000?passphrase=sekrit99"}, "passphrase", "sekrit99"},
		{"latency not a number", []string{"srt://:9000?latency=abc"}, "latency", ""},
		{"rendezvous", []string{"srt://:9000?mode=rendezvous"}, "mode", ""},
		{"key length", []string{"srt://127.0.0.1:9000?pbkeylen=20"}, "pbkeylen", ""},
		{"caller without host", []string{"srt://:9000?mode=caller"}, "host", ""},
		{"not srt", []string{"udp://127.0.0.1:9000"}, "only srt://", ""},
		{"bad format", []string{"srt://127.0.0.1:9000", "--format", "xml"}, "--format", ""},
		{"negative duration", []string{"srt://127.0.0.1:9000", "--duration", "-2s"}, "--duration", ""},
		{"watch --inspect bad port", []string{"srt://:0"}, "port", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cmd := "inspect"
			args := tc.args
			if strings.HasPrefix(tc.name, "watch") {
				cmd, args = "watch", append(args, "--inspect")
			}
			var out, errOut bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			code := Run(ctx, append([]string{cmd}, args...), IO{Stdout: &out, Stderr: &errOut})
			if code != ExitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", code, ExitUsage, errOut.String())
			}
			line := strings.TrimSpace(errOut.String())
			if strings.Contains(line, "\n") || !strings.Contains(line, tc.want) || !strings.Contains(line, "allowed") {
				t.Errorf("want one line naming %q and what is allowed, got %q", tc.want, line)
			}
			if tc.secret != "" && strings.Contains(errOut.String()+out.String(), tc.secret) {
				t.Errorf("passphrase echoed: %q", errOut.String())
			}
			if out.Len() != 0 {
				t.Errorf("bad usage printed a report: %q", out.String())
			}
		})
	}
}

// TestInspectURLNeverConnects: no peer within --duration is a runtime
// failure (exit 1) with one line saying what failed and what to check.
func TestInspectURLNeverConnects(t *testing.T) {
	tests := []struct {
		name string
		args func(port int) []string
		want []string
	}{
		{"caller, nobody listens", func(p int) []string {
			return []string{"inspect", fmt.Sprintf("srt://127.0.0.1:%d", p), "--duration", "1500ms"}
		}, []string{"never connected to 127.0.0.1:", "check"}},
		{"listener, nobody calls", func(p int) []string {
			return []string{"inspect", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", p), "--duration", "1s", "--format", "json"}
		}, []string{"no caller connected to UDP port", "check"}},
		{"watch --inspect, nobody calls", func(p int) []string {
			return []string{"watch", fmt.Sprintf("srt://127.0.0.1:%d?mode=listener", p), "--duration", "1s", "--inspect"}
		}, []string{"no caller connected to UDP port", "check"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			run := startCLI(t, tc.args(sessiontest.FreeUDPPort(t))...)
			code := run.wait(t, 20*time.Second)
			if code != ExitFailure {
				t.Fatalf("exit %d, want %d; stderr %q", code, ExitFailure, run.stderr.String())
			}
			lines := strings.Split(strings.TrimSpace(run.stderr.String()), "\n")
			last := lines[len(lines)-1]
			for _, w := range tc.want {
				if !strings.Contains(last, w) {
					t.Errorf("last stderr line %q lacks %q", last, w)
				}
			}
			if tc.args(0)[0] == "inspect" && run.stdout.String() != "" {
				t.Errorf("no report expected without a session, got %q", run.stdout.String())
			}
		})
	}
}
