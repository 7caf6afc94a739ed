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
	args := os.Args[1:]
	if opts, ok, err := views.ParseArgs(args); ok {
		if err != nil {
			fmt.Fprintln(os.Stderr, "srtscope:", err)
			os.Exit(2)
		}
		opts.ReportUILag = os.Getenv("SRTSCOPE_UI_LAG") == "1"
		if err := views.Run(opts); err != nil {
			fmt.Fprintln(os.Stderr, "srtscope:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, args, cli.IO{Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}
