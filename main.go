// Command srtscope is an SRT and MPEG-TS monitor for live events: with no
// arguments it opens the window, with a subcommand it runs headless.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/srtscope/srtscope/app/cli"
	"github.com/srtscope/srtscope/views"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// run opens the window or runs a subcommand until it ends or ctx does,
// and returns the exit code.
func run(ctx context.Context, args []string) int {
	opts, ok, err := views.ParseArgs(args)
	if !ok {
		return cli.Run(ctx, args, cli.IO{Stdout: os.Stdout, Stderr: os.Stderr})
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "srtscope:", err)
		return 2
	}
	opts.ReportUILag = os.Getenv("SRTSCOPE_UI_LAG") == "1"
	if addr := os.Getenv(pprofEnv); addr != "" {
		at, err := startPprof(addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, "srtscope:", err)
			return 2
		}
		fmt.Fprintf(os.Stderr, "srtscope: profiling on http://%s/debug/pprof/\n", at)
	}
	if err := views.Run(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "srtscope:", err)
		return 1
	}
	return 0
}
