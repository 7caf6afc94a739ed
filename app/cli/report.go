package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/report"
)

const reportUsage = "(--session ID | --latest) --format pdf|html|csv|json -o FILE\n\n" +
	"Exports a recorded session (see 'srtscope sessions'). The file is written atomically:\n" +
	"a failed export leaves no partial file. Passphrases never appear in reports."

func runReport(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("report", reportUsage, std)
	id := fs.String("session", "", "`ID` of the session to export (from 'srtscope sessions')")
	latest := fs.Bool("latest", false, "export the most recent session")
	format := fs.String("format", "", "`format`: pdf, html, csv or json (default: from the -o extension)")
	out := fs.String("o", "", "output `FILE`")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(std, "report", "unexpected argument %q: use --session ID or --latest", pos[0])
	}
	var sessionID int64
	switch {
	case *id != "" && *latest:
		return usageError(std, "report", "--session and --latest together: use one of them")
	case *id == "" && !*latest:
		return usageError(std, "report", "no session chosen: use --session ID or --latest")
	case *id != "":
		n, err := strconv.ParseInt(*id, 10, 64)
		if err != nil || n <= 0 {
			return usageError(std, "report", "--session %q: use a session number from 'srtscope sessions'", *id)
		}
		sessionID = n
	}
	if *out == "" {
		return usageError(std, "report", "no output file: use -o FILE")
	}
	var f report.Format
	if *format == "" {
		g, ok := report.FormatOf(*out)
		if !ok {
			return usageError(std, "report", "no --format and %q has no known extension: use --format pdf|html|csv|json", filepath.Base(*out))
		}
		f = g
	} else {
		g, err := report.ParseFormat(*format)
		if err != nil {
			return usageError(std, "report", "--format %q: use pdf, html, csv or json", *format)
		}
		f = g
	}

	ctrl, err := openRecordings(ctx)
	if err != nil {
		return failure(std, "report", err)
	}
	defer ctrl.Close()
	if *latest {
		sessionID, err = ctrl.LatestSession(ctx)
		if err != nil {
			return failure(std, "report", fmt.Errorf("no recorded session to export in %s: record one with 'srtscope watch' first", ctrl.RecordingsPath()))
		}
	}
	s, err := ctrl.LoadSession(ctx, sessionID)
	if errors.Is(err, app.ErrNoSession) {
		return failure(std, "report", fmt.Errorf("no session %d in %s: list them with 'srtscope sessions'", sessionID, ctrl.RecordingsPath()))
	}
	if err != nil {
		return failure(std, "report", err)
	}
	report.Generator = app.Name + " " + app.Version
	if err := report.Export(*out, s, f, report.Options{}); err != nil {
		return failure(std, "report", errors.New(strings.TrimPrefix(err.Error(), "report: ")))
	}
	fmt.Fprintf(std.Stdout, "wrote %s report of session %d (%q) to %s\n", f, s.Info.ID, s.Info.Name, *out)
	return ExitOK
}
