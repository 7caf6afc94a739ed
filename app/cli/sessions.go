package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/srtscope/srtscope/app"
)

const sessionsUsage = "[--format text|json]\n\nLists recorded sessions, newest first. Recordings live in " +
	"$" + app.EnvDataDir + " when set, else in the user configuration folder."

// sessionLine is one session in `sessions --format json` (one object per line).
type sessionLine struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	Peer        string           `json:"peer"`
	Mode        string           `json:"mode"`
	URL         string           `json:"url"`
	Started     time.Time        `json:"started"`
	Ended       *time.Time       `json:"ended"`
	DurationS   float64          `json:"duration_s"`
	Interrupted bool             `json:"interrupted"`
	Samples     int              `json:"samples"`
	WorstAlarm  app.Severity     `json:"worst_alarm"`
	Alarms      []app.AlarmCount `json:"alarms"`
	LineTests   int              `json:"line_tests"` // line test results in the session
}

func runSessions(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("sessions", sessionsUsage, std)
	format := fs.String("format", "text", "output `format`: text or json")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(std, "sessions", "unexpected argument %q: sessions takes no arguments", pos[0])
	}
	if *format != "text" && *format != "json" {
		return usageError(std, "sessions", "--format %q: use text or json", *format)
	}
	ctrl, err := openRecordings(ctx)
	if err != nil {
		return failure(std, "sessions", err)
	}
	defer ctrl.Close()
	list, err := ctrl.Sessions(ctx)
	if err != nil {
		return failure(std, "sessions", err)
	}
	if *format == "json" {
		enc := json.NewEncoder(std.Stdout)
		enc.SetEscapeHTML(false)
		for _, s := range list {
			l := sessionLine{ID: s.ID, Name: s.Name, Peer: s.Peer, Mode: s.Mode, URL: s.URL, Started: s.Started,
				DurationS: s.Duration().Seconds(), Interrupted: s.Interrupted, Samples: s.Samples, WorstAlarm: s.Worst, Alarms: s.Alarms, LineTests: s.LineTests}
			if !s.Ended.IsZero() {
				e := s.Ended
				l.Ended = &e
			}
			if l.Alarms == nil {
				l.Alarms = []app.AlarmCount{}
			}
			// A script reading the JSON must not take a cut-off list
			// (closed pipe, full disk) for the whole one.
			if err := enc.Encode(l); err != nil {
				return failure(std, "sessions", err)
			}
		}
		return ExitOK
	}
	if len(list) == 0 {
		fmt.Fprintf(std.Stdout, "No recorded sessions in %s.\n", ctrl.RecordingsPath())
		return ExitOK
	}
	tw := tabwriter.NewWriter(std.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTARTED\tDURATION\tNAME\tPEER\tMODE\tALARMS")
	for _, s := range list {
		d := s.Duration().Round(time.Second).String()
		switch {
		case s.Recording:
			d += " (recording)"
		case s.Interrupted:
			d += " (interrupted)"
		}

		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.Started.Local().Format("2006-01-02 15:04:05"), d,
			dash(s.Name), dash(s.Peer), dash(s.Mode), alarmText(s.Alarms))
	}
	tw.Flush()
	return ExitOK
}

// openRecordings opens a Controller with only the recordings database:
// the CLI never opens a store itself.
func openRecordings(ctx context.Context) (*app.Controller, error) {
	ctrl, err := app.Open(ctx, app.ControllerOptions{Stores: app.StoreOptions{Recordings: true}})
	if err != nil {
		return nil, err
	}
	if err := ctrl.RecordingsStatus(); err != nil {
		ctrl.Close()
		return nil, err
	}
	return ctrl, nil
}

// alarmText is the worst alarms of a session in a few words.
func alarmText(cs []app.AlarmCount) string {
	if len(cs) == 0 {
		return "none"
	}
	var parts []string
	for i, c := range cs {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("+%d more", len(cs)-3))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %s ×%d", c.Severity, c.Kind, c.Count))
	}
	return strings.Join(parts, ", ")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
