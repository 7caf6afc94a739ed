package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunDispatch(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{"no args is usage", nil, ExitUsage, "", "Usage:"},
		{"help", []string{"--help"}, ExitOK, "Commands:", ""},
		{"help word", []string{"help"}, ExitOK, "watch", ""},
		{"version", []string{"version"}, ExitOK, "srtscope ", ""},
		{"version flag", []string{"--version"}, ExitOK, "srtscope ", ""},
		{"unknown command", []string{"frobnicate"}, ExitUsage, "", `unknown command "frobnicate"`},
		{"unknown flag", []string{"--frob"}, ExitUsage, "", `unknown flag "--frob"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(context.Background(), tt.args, IO{Stdout: &out, Stderr: &errOut})
			if code != tt.wantCode {
				t.Fatalf("exit code %d, want %d (stderr %q)", code, tt.wantCode, errOut.String())
			}
			if !strings.Contains(out.String(), tt.wantStdout) {
				t.Errorf("stdout %q does not contain %q", out.String(), tt.wantStdout)
			}
			if !strings.Contains(errOut.String(), tt.wantStderr) {
				t.Errorf("stderr %q does not contain %q", errOut.String(), tt.wantStderr)
			}
			if tt.wantCode == ExitUsage && strings.Count(strings.TrimSpace(errOut.String()), "\n") > 0 && tt.args != nil {
				t.Errorf("bad usage must be one line, got %q", errOut.String())
			}
		})
	}
}

// Every subcommand answers --help on stdout with exit 0.
func TestEverySubcommandHasHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Run(context.Background(), []string{c.name, "--help"}, IO{Stdout: &out, Stderr: &errOut})
			if code != ExitOK {
				t.Fatalf("%s --help: exit %d, stderr %q", c.name, code, errOut.String())
			}
			if !strings.Contains(out.String(), "Usage") {
				t.Errorf("%s --help printed %q, want a Usage line", c.name, out.String())
			}
		})
	}
}
