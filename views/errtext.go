package views

import (
	"errors"
	"fmt"
	"strings"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/app/linetest"
	"github.com/srtscope/srtscope/session"
)

// packagePrefixes are the prefixes srtscope's packages put on their errors
// for logs; the window does not show them.
var packagePrefixes = []string{"app: ", "preset: ", "record: ", "report: ", "session: ", "wizard: ", "probe: ", "media: ", "remote: ", "workspace: ", "linetest: "}

// errorText is the one place the window turns an error into words. Typed
// errors are worded from their fields; any other error shows its own text
// without the package prefixes. The error itself is never changed, so
// errors.Is keeps working wherever it is passed on.
func errorText(err error) string {
	if err == nil {
		return ""
	}
	var fe *app.FieldError
	if errors.As(err, &fe) {
		return fmt.Sprintf("%s %s: use %s", fe.Field, fe.Value, fe.Allowed)
	}
	var re *linetest.RatesError
	if errors.As(err, &re) {
		return fmt.Sprintf("Rates %q: %s: allowed %s", re.Value, re.Problem, re.Allowed)
	}
	var sfe *session.FieldError
	if errors.As(err, &sfe) {
		return sfe.Message()
	}
	text := err.Error()
	var ce *session.ConnectError
	if errors.As(err, &ce) && ce.Detail != "" {
		text = strings.Replace(text, ce.Error(), ce.Detail, 1)
	}
	for _, p := range packagePrefixes {
		text = strings.TrimPrefix(text, p)
		text = strings.ReplaceAll(text, ": "+p, ": ")
	}
	return text
}
