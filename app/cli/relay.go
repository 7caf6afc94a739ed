package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/srtscope/srtscope/session/impair"
)

const relayUsage = `--listen ADDR --to ADDR [--loss PCT] [--burst N] [--delay D] [--jitter D] [--reorder] [--outage-every D --outage-for D] [--rate-limit MBPS [--rate-queue BYTES]] [--dir both|forward|reverse] [--seed N] [--duration D] [--format text|json]

UDP impairment relay. Packets sent to --listen go to --to (forward); what --to
sends back goes to the client seen last (reverse). For SRT, point the caller at
--listen and --to at the listener. Prints what it dropped when it stops
(after --duration, or on Ctrl-C).

Examples:
  srtscope relay --listen 127.0.0.1:9001 --to 127.0.0.1:9000 --loss 3 --delay 20ms --seed 1
  srtscope relay --listen :9001 --to 10.0.0.5:9000 --outage-every 30s --outage-for 6s
  srtscope relay --listen 127.0.0.1:9001 --to 127.0.0.1:9000 --rate-limit 10   (a 10 Mbit/s bottleneck)`

// relaySummary is the --format json line; its field names are stable.
type relaySummary struct {
	Listen     string          `json:"listen"`
	To         string          `json:"to"`
	Seed       int64           `json:"seed"`
	Dir        string          `json:"dir"`
	DurationS  float64         `json:"duration_s"`
	Client     string          `json:"client,omitempty"`
	Forward    relayDirSummary `json:"forward"`
	Reverse    relayDirSummary `json:"reverse"`
	Impairment string          `json:"impairment"`
}

type relayDirSummary struct {
	impair.DirStats
	Dropped    uint64  `json:"dropped"`
	DroppedPct float64 `json:"dropped_pct"`
}

func runRelay(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("relay", relayUsage, std)
	listen := fs.String("listen", "", "UDP `ADDR` (host:port) clients send to, e.g. 127.0.0.1:9001 (port 0 picks one)")
	to := fs.String("to", "", "UDP `ADDR` (host:port) to relay to, e.g. 127.0.0.1:9000")
	loss := fs.String("loss", "0", "`PCT` chance (0..100) that a packet starts a loss event, e.g. 3 or 3%")
	burst := relayIntFlag(fs, "burst", 1, "1.."+strconv.Itoa(impair.MaxBurst), "packets dropped per loss event, 1.."+strconv.Itoa(impair.MaxBurst))
	delay := relayDurationFlag(fs, "delay", "fixed delay `D` added to each packet, 0s.."+impair.MaxDelay.String())
	jitter := relayDurationFlag(fs, "jitter", "`D` of jitter: the delay varies by +/- this much, 0s.."+impair.MaxJitter.String())
	reorder := fs.Bool("reorder", false, "let jitter reorder packets (by default order is kept)")
	every := relayDurationFlag(fs, "outage-every", "cut the path periodically, every `D` (with --outage-for)")
	outFor := relayDurationFlag(fs, "outage-for", "length `D` of each outage, less than --outage-every")
	rateLimit := fs.String("rate-limit", "0", "cap each impaired direction at `MBPS` Mbit/s like a bottleneck link (IP+UDP headers counted; 0 = no cap)")
	rateQueue := relayIntFlag(fs, "rate-queue", 0, "0 or more bytes", "`BYTES` the bottleneck queues before dropping (default "+strconv.Itoa(impair.DefaultRateQueueBytes)+")")
	dir := fs.String("dir", "both", "directions to impair: both, forward (to --to) or reverse (back to the client)")
	bySeq := fs.Bool("srt-seq", false, "key each SRT data packet's loss draw to the seed and its sequence number (and how often it was sent), and each NAK's to the first packet it asks for (and how often that was asked), so two runs of the same sender lose the same packets and requests")
	seed := relayIntFlag(fs, "seed", 0, "a whole number", "seed of the loss and jitter pattern (default: random, printed in the summary)")
	duration := relayDurationFlag(fs, "duration", "stop after `D` (default: run until interrupted)")
	format := fs.String("format", "text", "summary format: text or json (one JSON object)")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(std, "relay", "unexpected argument %q: relay takes only flags", pos[0])
	}

	if err := checkRelayAddr(*listen, "--listen", 0); err != nil {
		return usageError(std, "relay", "%v", err)
	}
	if err := checkRelayAddr(*to, "--to", 1); err != nil {
		return usageError(std, "relay", "%v", err)
	}
	lossPct, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(*loss), "%"), 64)
	if err != nil || math.IsNaN(lossPct) || lossPct < 0 || lossPct > 100 {
		return usageError(std, "relay", "--loss %s: allowed 0..100 (percent of packets)", *loss)
	}
	rateMbps, err := strconv.ParseFloat(strings.TrimSpace(*rateLimit), 64)
	if err != nil || math.IsNaN(rateMbps) || rateMbps < 0 || rateMbps > impair.MaxRateMbps {
		return usageError(std, "relay", "--rate-limit %s: allowed 0 (no cap) to %d (Mbit/s)", *rateLimit, impair.MaxRateMbps)
	}
	if *rateQueue < 0 || *rateQueue > math.MaxInt32 {
		return usageError(std, "relay", "--rate-queue %d: allowed 0 (default) or more bytes", *rateQueue)
	}
	if *burst < 1 || *burst > impair.MaxBurst {
		return usageError(std, "relay", "--burst %d: allowed 1..%d (packets dropped per loss event)", *burst, impair.MaxBurst)
	}
	if *duration < 0 {
		return usageError(std, "relay", "--duration %v: allowed 0s (until interrupted) or more", *duration)
	}
	if *format != "text" && *format != "json" {
		return usageError(std, "relay", "--format %q: allowed text or json", *format)
	}
	im := impair.Impairment{
		LossPct: lossPct, Burst: int(*burst), Delay: *delay, Jitter: *jitter, Reorder: *reorder,
		OutageEvery: *every, OutageFor: *outFor,
		RateLimitMbps: rateMbps, RateQueueBytes: int(*rateQueue),
	}
	if err := im.Validate(); err != nil {
		var ce *impair.ConfigError
		if errors.As(err, &ce) {
			return usageError(std, "relay", "--%s %s: allowed %s", ce.Field, ce.Value, ce.Allowed)
		}
		return usageError(std, "relay", "%v", err)
	}
	cfg := impair.Config{Listen: *listen, Upstream: *to, Seed: *seed, BySRTSequence: *bySeq}
	switch *dir {
	case "both":
		cfg.Forward, cfg.Reverse = im, im
	case "forward":
		cfg.Forward = im
	case "reverse":
		cfg.Reverse = im
	default:
		return usageError(std, "relay", "--dir %q: allowed both, forward or reverse", *dir)
	}
	seedSet := false
	fs.Visit(func(f *flag.Flag) { seedSet = seedSet || f.Name == "seed" })
	if !seedSet {
		cfg.Seed = rand.Int64N(1 << 31) // short enough to retype
	}

	r, err := impair.Listen(cfg)
	var ce *impair.ConfigError
	if errors.As(err, &ce) {
		return usageError(std, "relay", "--%s %s: allowed %s", ce.Field, ce.Value, ce.Allowed)
	}
	if err != nil {
		return failure(std, "relay", relayError(err, *listen, *to))
	}
	impaired := map[string]string{"both": "forward and reverse", "forward": "forward only", "reverse": "reverse only"}[*dir]
	fmt.Fprintf(std.Stderr, "srtscope relay: %s -> %s, %s (%s), seed %d; %s\n",
		r.Addr(), r.Upstream(), im, impaired, cfg.Seed, stopHint(*duration))

	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	runErr := r.Run(ctx)
	st := r.Stats()
	if *format == "json" {
		sum := relaySummary{
			Listen: r.Addr().String(), To: r.Upstream().String(), Seed: cfg.Seed, Dir: *dir,
			Impairment: im.String(), DurationS: math.Round(st.Elapsed.Seconds()*1000) / 1000,
			Forward: dirSummary(st.Forward), Reverse: dirSummary(st.Reverse),
		}
		if st.Client.IsValid() {
			sum.Client = st.Client.String()
		}
		line, _ := json.Marshal(map[string]relaySummary{"summary": sum})
		fmt.Fprintf(std.Stdout, "%s\n", line)
	} else {
		client := "no client seen"
		if st.Client.IsValid() {
			client = "client " + st.Client.String()
		}
		fmt.Fprintf(std.Stdout, "relay %s -> %s ran %.1f s, seed %d, %s\n", r.Addr(), r.Upstream(), st.Elapsed.Seconds(), cfg.Seed, client)
		fmt.Fprintf(std.Stdout, "forward, client -> %s: %s\n", r.Upstream(), dirText(st.Forward))
		fmt.Fprintf(std.Stdout, "reverse, %s -> client: %s\n", r.Upstream(), dirText(st.Reverse))
	}
	if runErr != nil {
		return failure(std, "relay", fmt.Errorf("%w; check the network interface is up", runErr))
	}
	return ExitOK
}

// relayDuration is a duration flag whose parse error says what is allowed.
type relayDuration time.Duration

func (d *relayDuration) String() string { return time.Duration(*d).String() }

func (d *relayDuration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("allowed a duration like 20ms, 1.5s or 2m")
	}
	*d = relayDuration(v)
	return nil
}

func relayDurationFlag(fs *flag.FlagSet, name, usage string) *time.Duration {
	d := new(time.Duration)
	fs.Var((*relayDuration)(d), name, usage)
	return d
}

// relayInt is an integer flag whose parse error says what is allowed
// (the flag package only says "parse error").
type relayInt struct {
	n       *int64
	allowed string
}

func (f *relayInt) String() string {
	if f == nil || f.n == nil {
		return "0"
	}
	return strconv.FormatInt(*f.n, 10)
}

func (f *relayInt) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return errors.New("allowed " + f.allowed)
	}
	*f.n = v
	return nil
}

func relayIntFlag(fs *flag.FlagSet, name string, def int64, allowed, usage string) *int64 {
	n := new(int64)
	*n = def
	fs.Var(&relayInt{n: n, allowed: allowed}, name, usage)
	return n
}

func stopHint(d time.Duration) string {
	if d > 0 {
		return fmt.Sprintf("stops after %v", d)
	}
	return "Ctrl-C to stop"
}

func dirSummary(s impair.DirStats) relayDirSummary {
	return relayDirSummary{DirStats: s, Dropped: s.Dropped(), DroppedPct: math.Round(s.DroppedPct()*1000) / 1000}
}

func dirText(s impair.DirStats) string {
	return fmt.Sprintf("received %d, forwarded %d, dropped %d (%.2f%%): loss %d in %d events, outage %d in %d windows, over the rate limit %d, queue full %d, no client %d; write errors %d, discarded at stop %d",
		s.Received, s.Forwarded, s.Dropped(), s.DroppedPct(), s.DroppedLoss, s.LossEvents,
		s.DroppedOutage, s.OutageWindows, s.DroppedRateLimit, s.DroppedQueueFull, s.DroppedNoClient, s.WriteErrors, s.Discarded)
}

// checkRelayAddr checks the form host:port with port minPort..65535.
func checkRelayAddr(addr, flagName string, minPort int) error {
	allowed := fmt.Sprintf("host:port with port %d..65535, e.g. 127.0.0.1:9000", minPort)
	if addr == "" {
		return fmt.Errorf("%s is required: allowed %s", flagName, allowed)
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%s %q: allowed %s", flagName, addr, allowed)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < minPort || p > 65535 {
		return fmt.Errorf("%s %q: port %q: allowed %s", flagName, addr, port, allowed)
	}
	if minPort > 0 && host == "" {
		return fmt.Errorf("%s %q: no host: allowed %s", flagName, addr, allowed)
	}
	return nil
}

// relayError turns a Listen failure into what to do next.
func relayError(err error, listen, to string) error {
	var dns *net.DNSError
	switch {
	case errors.Is(err, impair.ErrPortInUse):
		return fmt.Errorf("UDP %s already in use: stop the program using it or choose another --listen port", listen)
	case errors.As(err, &dns):
		return fmt.Errorf("cannot resolve %q (%v): check the host name in --listen/--to", dns.Name, dns.Err)
	}
	return fmt.Errorf("%w; check --listen %s is an address of this machine and --to %s is reachable", err, listen, to)
}
