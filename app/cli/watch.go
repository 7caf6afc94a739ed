package cli

import (
	"context"
	"fmt"
)

func runWatch(_ context.Context, args []string, std IO) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
		fmt.Fprint(std.Stdout, "Usage: srtscope watch ... (not built yet)\n")
		return ExitOK
	}
	return notBuilt(std, "watch")
}
