// Package cli implements srtscope's headless subcommands. Every subcommand
// prints --help, exits 0 on success, 2 on bad usage (one line naming the bad
// argument and the allowed form) and 1 on a runtime failure (one line saying
// what failed and what to check).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/srtscope/srtscope/app"
)

// Exit codes shared by every subcommand.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// IO is where a subcommand reads and writes.
type IO struct {
	Stdout io.Writer
	Stderr io.Writer
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, std IO) int
}

// commands lists every subcommand in the order --help shows them.
var commands = []command{
	{"watch", "receive from an SRT URL and print live statistics", runWatch},
	{"send", "send a TS file or the demo clip over SRT at real-time pace", runSend},
	{"relay", "UDP impairment relay: loss, burst loss, delay, jitter, outages", runRelay},
	{"inspect", "programs, PIDs, codecs, TR 101 290 and media health of a file or URL", runInspect},
	{"wizard", "latency tuning wizard, headless", runWizard},
	{"linetest", "how much the path carries: stepped-rate send test (or --receive)", runLinetest},
	{"sessions", "list recorded sessions", runSessions},
	{"report", "export a recorded session as PDF, HTML, CSV or JSON", runReport},
	{"serve", "run a workspace's feeds with no window: HTTP API and Prometheus metrics", runServe},
	{"version", "print the version", runVersion},
}

// IsSubcommand reports whether name is one of the headless subcommands.
func IsSubcommand(name string) bool {
	_, ok := lookup(name)
	return ok
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// Usage writes the top-level help.
func Usage(w io.Writer) {
	fmt.Fprintf(w, "%s %s: SRT and MPEG-TS monitor for live events\n\n", app.Name, app.Version)
	fmt.Fprintf(w, "Usage:\n  %s                 open the window\n  %s --demo          open the window with a live demo feed\n  %s --demo=N        ... with N demo feeds (1..16)\n  %s COMMAND [flags] run headless\n\nCommands:\n", app.Name, app.Name, app.Name, app.Name)
	names := make([]string, 0, len(commands))
	for _, c := range commands {
		names = append(names, fmt.Sprintf("  %-9s %s", c.name, c.summary))
	}
	fmt.Fprintln(w, strings.Join(names, "\n"))
	fmt.Fprintf(w, "\nRun '%s COMMAND --help' for a command's flags.\n", app.Name)
}

// Run runs the subcommand named by args[0] and returns the process exit code.
func Run(ctx context.Context, args []string, std IO) int {
	if len(args) == 0 {
		Usage(std.Stderr)
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		Usage(std.Stdout)
		return ExitOK
	case "--version", "-version":
		return runVersion(ctx, nil, std)
	}
	c, ok := lookup(args[0])
	if !ok {
		if strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(std.Stderr, "%s: unknown flag %q; see '%s --help'\n", app.Name, args[0], app.Name)
		} else {
			known := make([]string, 0, len(commands))
			for _, c := range commands {
				known = append(known, c.name)
			}
			sort.Strings(known)
			fmt.Fprintf(std.Stderr, "%s: unknown command %q (commands: %s); see '%s --help'\n", app.Name, args[0], strings.Join(known, ", "), app.Name)
		}
		return ExitUsage
	}
	return c.run(ctx, args[1:], std)
}

// newFlagSet returns a flag set for a subcommand whose errors are reported by
// parseFlags rather than printed by the flag package.
func newFlagSet(name, usage string, std IO) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(std.Stdout)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: %s %s %s\n\nFlags:\n", app.Name, name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args into fs. It returns ok=false and the exit code when
// the command must stop: 0 after --help, 2 with one line on bad usage.
// Flags may come before or after positional arguments.
func parseFlags(fs *flag.FlagSet, args []string, std IO) (positional []string, code int, ok bool) {
	fs.SetOutput(io.Discard) // errors are reported below in one line
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(std.Stdout)
			fs.Usage()
			return nil, ExitOK, false
		}
		if err != nil {
			return nil, usageError(std, fs.Name(), "%s", flagErrorLine(err)), false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	fs.SetOutput(std.Stdout)
	return positional, ExitOK, true
}

func flagErrorLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// usageError prints one line naming the bad argument and returns ExitUsage.
func usageError(std IO, cmd string, format string, a ...any) int {
	fmt.Fprintf(std.Stderr, "%s %s: %s; see '%s %s --help'\n", app.Name, cmd, fmt.Sprintf(format, a...), app.Name, cmd)
	return ExitUsage
}

// failure prints one line saying what failed and returns ExitFailure.
func failure(std IO, cmd string, err error) int {
	fmt.Fprintf(std.Stderr, "%s %s: %v\n", app.Name, cmd, err)
	return ExitFailure
}

func runVersion(_ context.Context, args []string, std IO) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprintf(std.Stdout, "Usage: %s version\n", app.Name)
		return ExitOK
	}
	fmt.Fprintf(std.Stdout, "%s %s\n", app.Name, app.Version)
	return ExitOK
}
