package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/srtscope/srtscope/session/sessiontest"
)

// deployDir is the shipped deploy/ folder, from this package's folder.
const deployDir = "../../deploy"

// tool finds a Prometheus tool. They come from Debian's prometheus package,
// which the project's set-up installs: a missing one is a failure, not a
// skip.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run `make setup` (scripts/setup.sh installs Debian's prometheus package, which has prometheus and promtool)", name)
	}
	return p
}

// TestPromtoolChecks: the shipped Prometheus config and alert rules pass
// promtool, and the rules' unit tests pass.
func TestPromtoolChecks(t *testing.T) {
	promtool := tool(t, "promtool")
	tests := []struct {
		name string
		args []string
	}{
		{"config", []string{"check", "config", filepath.Join(deployDir, "prometheus/prometheus.yml")}},
		{"rules", []string{"check", "rules", filepath.Join(deployDir, "prometheus/alerts.yml")}},
		{"rule tests", []string{"test", "rules", filepath.Join(deployDir, "prometheus/alerts_test.yml")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, promtool, tc.args...).CombinedOutput()
			if err != nil {
				t.Fatalf("promtool %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			}
		})
	}
}

// promResult is the part of Prometheus's query answer the test reads.
type promResult struct {
	Status string `json:"status"`
	Data   struct {
		Result []struct {
			Metric map[string]string `json:"metric"`
			Value  [2]any            `json:"value"`
		} `json:"result"`
	} `json:"data"`
}

// TestPrometheusScrapesServe runs serve with two feeds fed by srtscope's own
// senders, starts Debian's prometheus with the shipped config (its target
// moved to serve's port, its data in a temporary folder) and waits until
// Prometheus's HTTP API answers srtscope_received_packets_total for both
// feeds with values above 0. The shipped alert rules load with it.
func TestPrometheusScrapesServe(t *testing.T) {
	prom := tool(t, "prometheus")
	dir := t.TempDir()
	ws := filepath.Join(dir, "workspace.toml")
	feeds := []servedFeed{{"cam1", sessiontest.FreeUDPPort(t)}, {"cam2", sessiontest.FreeUDPPort(t)}}
	writeWorkspace(t, ws, feeds, nil)
	startSenders(t, feeds)
	rs := startServe(t, serveConfig{configPath: ws, file: mustLoad(t, ws), dataDir: dir})

	// The shipped config with serve's port; alerts.yml beside it.
	shipped, err := os.ReadFile(filepath.Join(deployDir, "prometheus/prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(shipped, []byte("localhost:8080")) {
		t.Fatalf("the shipped prometheus.yml no longer scrapes localhost:8080")
	}
	_, port, _ := net.SplitHostPort(rs.addr)
	cfg := bytes.ReplaceAll(shipped, []byte("localhost:8080"), []byte("127.0.0.1:"+port))
	rules, err := os.ReadFile(filepath.Join(deployDir, "prometheus/alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	promDir := filepath.Join(dir, "prometheus")
	if err := os.MkdirAll(promDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"prometheus.yml": cfg, "alerts.yml": rules} {
		if err := os.WriteFile(filepath.Join(promDir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	webAddr := "127.0.0.1:" + strconv.Itoa(sessiontest.FreeTCPPort(t))
	var promLog syncBuffer
	cmd := exec.Command(prom, "--config.file="+filepath.Join(promDir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(promDir, "data"), "--web.listen-address="+webAddr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &promLog, &promLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(waitDone) }()
	var stopOnce sync.Once
	stopProm := func() {
		stopOnce.Do(func() {
			select {
			case <-waitDone:
				return
			default:
			}
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-waitDone:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-waitDone
				t.Errorf("prometheus did not stop within 20 s of SIGTERM")
			}
		})
	}
	t.Cleanup(stopProm)

	query := func(q string) (promResult, error) {
		var r promResult
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, "GET", "http://"+webAddr+"/api/v1/query?query="+url.QueryEscape(q), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return r, err
		}
		defer func() { _ = resp.Body.Close() }()
		if resp.StatusCode != 200 {
			return r, fmt.Errorf("status %d", resp.StatusCode)
		}
		return r, json.NewDecoder(resp.Body).Decode(&r)
	}

	deadline := time.Now().Add(90 * time.Second)
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		select {
		case <-waitDone:
			t.Fatalf("prometheus exited: %v\n%s", waitErr, promLog.String())
		default:
		}
		r, err := query("srtscope_received_packets_total")
		values := map[string]float64{}
		if err == nil {
			for _, s := range r.Data.Result {
				v, _ := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
				values[s.Metric["feed"]] = v
				if s.Metric["role"] != "input" || s.Metric["job"] != "srtscope" {
					t.Errorf("series labels %v", s.Metric)
				}
			}
			last = fmt.Sprint(values)
		} else {
			last = err.Error()
		}
		if values["cam1"] > 0 && values["cam2"] > 0 && len(values) == 2 {
			t.Logf("Prometheus: srtscope_received_packets_total %v", values)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus did not have both feeds' packets within 90 s; last answer %s\nprometheus log:\n%s\nserve log:\n%s", last, promLog.String(), rs.log)
		}
		<-tick.C
	}

	// The shipped rules loaded and evaluate without error.
	resp, err := http.Get("http://" + webAddr + "/api/v1/rules")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var rulesAnswer struct {
		Data struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []struct {
					Name   string `json:"name"`
					Health string `json:"health"`
				} `json:"rules"`
			} `json:"groups"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&rulesAnswer); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range rulesAnswer.Data.Groups {
		for _, r := range g.Rules {
			n++
			if r.Health == "err" {
				t.Errorf("rule %s fails to evaluate", r.Name)
			}
		}
	}
	if n < 8 {
		t.Errorf("prometheus loaded %d rules from alerts.yml, want the shipped ones", n)
	}
	// Every query of the shipped Grafana dashboard runs, for cam1.
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	data, err := os.ReadFile(filepath.Join(deployDir, "grafana/srtscope-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatal(err)
	}
	grafana := strings.NewReplacer("$instance", ".*", "$feed", "cam1", "$__rate_interval", "30s", "$__range", "5m")
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			q := grafana.Replace(tg.Expr)
			r, err := query(q)
			if err != nil || r.Status != "success" {
				t.Errorf("dashboard panel %q: query %s: %v %s", p.Title, q, err, r.Status)
			}
		}
	}

	stopProm()
	if code := rs.stop(); code != ExitOK {
		t.Errorf("serve exit %d", code)
	}
}
