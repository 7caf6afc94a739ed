package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/api"
	"github.com/srtscope/srtscope/app/workspace"
)

const serveUsage = `--config FILE [--http ADDR] [--token-file F] [--read-token-file F]

Run the feeds of a workspace file with no window, as a service: every feed
is received, inspected, alarmed on and recorded as in the window, and an
HTTP API (JSON, Server-Sent Events, control) and Prometheus metrics
(/metrics) serve them. The file is the TOML workspace the window saves:

  [[feed]]
  name = "cam1"
  url = "srt://:9000?mode=listener&latency=200"
  inspect = true
  media = "light"   # off | light | full

Passphrases are never in the file: passphrase_env names an environment
variable, passphrase_file a file only its owner can read; a feed whose
passphrase must be typed (passphrase_prompt) is refused.

SIGHUP reads the file again: feeds added or removed, changed ones restart,
unchanged ones keep running. SIGTERM or Ctrl-C stops every feed and closes
the recordings.

Without --token-file control (POST) is off and the API listens on loopback
only; listening on another address needs a token. Tokens are files holding
one line (openssl rand -hex 32 > FILE; chmod 600 FILE) and are never printed.

Examples:
  srtscope serve --config workspace.toml
  srtscope serve --config /etc/srtscope/workspace.toml --http 0.0.0.0:8080 --token-file /etc/srtscope/token --name venue-a
  curl -s http://127.0.0.1:8080/api/v1/feeds`

// DefaultHTTPAddr is where serve listens unless told otherwise.
const DefaultHTTPAddr = "127.0.0.1:8080"

// serveConfig is a checked serve command line.
type serveConfig struct {
	configPath string
	file       workspace.File
	httpAddr   string
	token      string
	readToken  string
	dataDir    string // "" = the default recordings folder
	cpuProfile string // "" = none
	name       string // the service's name, "" = the host name

	// ready, when set, is told the API's address once it listens and the
	// feeds are opened (tests).
	ready func(addr net.Addr)
	// pollInterval of the API's event stream (0 = 1 s; tests go faster).
	pollInterval time.Duration
}

func runServe(ctx context.Context, args []string, std IO) int {
	cfg, code, ok := parseServe(args, std)
	if !ok {
		return code
	}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return serve(ctx, cfg, hup, std)
}

// parseServe checks the command line, reads the token files and the
// workspace, and refuses to listen beyond loopback without a token.
func parseServe(args []string, std IO) (serveConfig, int, bool) {
	fs := newFlagSet("serve", serveUsage, std)
	config := fs.String("config", "", "the workspace `FILE` to run (TOML, [[feed]] tables)")
	httpAddr := fs.String("http", DefaultHTTPAddr, "`ADDR` (host:port) of the HTTP API and /metrics")
	tokenFile := fs.String("token-file", "", "`FILE` holding the bearer token for control and reading (mode 0600)")
	readTokenFile := fs.String("read-token-file", "", "`FILE` holding a bearer token that may only read (mode 0600)")
	name := fs.String("name", "", "the service's `NAME` in the API and on remote walls (default: the host name)")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the whole run to `FILE` when serve stops (for measurements: go tool pprof)")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return serveConfig{}, code, false
	}
	bad := func(format string, a ...any) (serveConfig, int, bool) {
		return serveConfig{}, usageError(std, "serve", format, a...), false
	}
	if len(pos) > 0 {
		return bad("unexpected argument %q: serve takes only flags (--config FILE)", pos[0])
	}
	if *config == "" {
		return bad("--config is required: allowed a workspace file such as /etc/srtscope/workspace.toml")
	}
	if err := checkHostPort(*httpAddr); err != nil {
		return bad("--http %q: %v", *httpAddr, err)
	}
	cfg := serveConfig{configPath: *config, httpAddr: *httpAddr, cpuProfile: *cpuProfile, name: strings.TrimSpace(*name)}
	var err error
	if *tokenFile != "" {
		if cfg.token, err = api.ReadTokenFile(*tokenFile); err != nil {
			return bad("--token-file %q: %s", *tokenFile, strings.TrimPrefix(err.Error(), "api: "))
		}
	}
	if *readTokenFile != "" {
		if cfg.readToken, err = api.ReadTokenFile(*readTokenFile); err != nil {
			return bad("--read-token-file %q: %s", *readTokenFile, strings.TrimPrefix(err.Error(), "api: "))
		}
		if cfg.readToken == cfg.token {
			return bad("--read-token-file %q holds the same token as --token-file: allowed a different token, or leave --read-token-file out", *readTokenFile)
		}
	}
	if err := api.CheckListen(cfg.httpAddr, api.Options{Token: cfg.token, ReadToken: cfg.readToken}); err != nil {
		return bad("--http %s", strings.TrimPrefix(err.Error(), "api: "))
	}
	if cfg.file, err = workspace.Load(*config); err != nil {
		return bad("--config %q: %s", *config, strings.TrimPrefix(err.Error(), "workspace: "))
	}
	return cfg, ExitOK, true
}

// checkHostPort checks a listen address: host:port, port 0..65535.
func checkHostPort(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("allowed host:port, e.g. 127.0.0.1:8080 or :8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q: allowed host:port with port 0..65535", port)
	}
	if strings.ContainsAny(host, " /") {
		return fmt.Errorf("host %q: allowed a host name or IP address", host)
	}
	return nil
}

// serve runs the workspace until ctx ends; each value on reload reads the
// file again. It returns the exit code.
func serve(ctx context.Context, cfg serveConfig, reload <-chan os.Signal, std IO) int {
	logw := &lineWriter{w: std.Stderr}
	logf := func(format string, a ...any) { logw.line("srtscope serve: " + fmt.Sprintf(format, a...)) }
	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			return failure(std, "serve", err)
		}
		defer func() {
			if err := stop(); err != nil {
				logf("%v", err)
			} else {
				logf("CPU profile written to %s", cfg.cpuProfile)
			}
		}()
	}

	ln, err := net.Listen("tcp", cfg.httpAddr)
	if err != nil {
		return failure(std, "serve", fmt.Errorf("cannot listen on %s for HTTP: %w: stop what uses the port or pick another with --http", cfg.httpAddr, unwrapOpError(err)))
	}
	ret, _ := app.RetentionFor(app.DefaultKeepDays, app.DefaultMaxMB)
	c, err := app.Open(ctx, app.ControllerOptions{
		Stores: app.StoreOptions{Recordings: true, DataDir: cfg.dataDir, Retention: func() app.Retention { return ret },
			Log: func(line string) { logf("%s", line) }},
		OnAlarm: func(_ app.FeedID, name string, ch app.AlarmChange) {
			logf("feed %q: alarm %s: %s", name, ch.Kind, ch.Detail)
		},
	})
	if err != nil {
		_ = ln.Close()
		return failure(std, "serve", err)
	}
	defer func() {
		c.Close() // stops every feed and closes the recordings
		logf("stopped; the recordings are closed")
	}()
	if err := c.RecordingsStatus(); err == nil {
		logf("recording sessions in %s", c.RecordingsPath())
	}

	runner := app.NewWorkspaceRunner(c, nil)
	res, err := runner.Apply(cfg.file)
	logf("opened %s: %s", cfg.configPath, res)
	logErrors(logf, err)

	apiCtx, stopAPI := context.WithCancel(ctx)
	defer stopAPI()
	srv := api.New(c, api.Options{Token: cfg.token, ReadToken: cfg.readToken, Name: cfg.name, PollInterval: cfg.pollInterval})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(apiCtx, ln) }()
	control := "control with the token of --token-file"
	if cfg.token == "" {
		control = "control off: no --token-file"
	}
	logf("API on http://%s/api/v1/feeds, metrics on http://%s/metrics (%s); SIGHUP reloads %s", ln.Addr(), ln.Addr(), control, cfg.configPath)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); logStatus(apiCtx, c, logf) }()
	if cfg.ready != nil {
		cfg.ready(ln.Addr())
	}

	code := ExitOK
loop:
	for {
		select {
		case <-ctx.Done():
			logf("stopping")
			break loop
		case err := <-served:
			logf("the HTTP server stopped: %v", err)
			code = ExitFailure
			break loop
		case <-reload:
			f, err := workspace.Load(cfg.configPath)
			if err != nil {
				logf("reload: %v; the feeds run as they were", err)
				continue
			}
			res, err := runner.Apply(f)
			logf("reloaded %s: %s", cfg.configPath, res)
			logErrors(logf, err)
		}
	}
	stopAPI()
	wg.Wait()
	if code == ExitOK {
		if err := <-served; err != nil {
			logf("%v", err)
		}
	}
	return code
}

// startCPUProfile profiles the process's CPU into path until stop.
func startCPUProfile(path string) (stop func() error, err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("--cpu-profile: %w", err)
	}
	return func() error {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return fmt.Errorf("--cpu-profile: %w", err)
		}
		return nil
	}, nil
}

// logErrors logs each error of a joined error on its own line.
func logErrors(logf func(string, ...any), err error) {
	if err == nil {
		return
	}
	var joined interface{ Unwrap() []error }
	if errors.As(err, &joined) {
		for _, e := range joined.Unwrap() {
			logf("%v", e)
		}
		return
	}
	logf("%v", err)
}

// logStatus logs each feed's status when it changes, once a second, in
// the words the wall uses.
func logStatus(ctx context.Context, c *app.Controller, logf func(string, ...any)) {
	last := map[app.FeedID]string{}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		seen := map[app.FeedID]bool{}
		for _, v := range c.Feeds() {
			seen[v.ID] = true
			words := v.Status.Describe()
			if last[v.ID] != words {
				last[v.ID] = words
				logf("feed %q: %s", v.Spec.Name, words)
			}
		}
		for id := range last {
			if !seen[id] {
				delete(last, id)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// unwrapOpError drops net.OpError's "listen tcp ADDR:" prefix, which the
// message already says.
func unwrapOpError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// lineWriter writes whole lines from several goroutines.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) line(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, s)
}
