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
	if len(args) == 0 || (len(args) == 1 && args[0] == "--demo") {
		if err := views.Run(views.Options{Demo: len(args) == 1}); err != nil {
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
