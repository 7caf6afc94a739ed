package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/srtscope/srtscope/session"
)

// MaxBodyBytes bounds a request body: the API's bodies are a few bytes.
const MaxBodyBytes = 4096

// BodyError is a request body the API cannot take. It names the field, the
// value as sent (cut short) and what is allowed.
type BodyError struct {
	Field   string // "latency_ms", or "body" for the body as a whole
	Value   string // printable, at most about 40 characters
	Allowed string
}

// Error implements error.
func (e *BodyError) Error() string { return "api: " + e.Message() }

// Message is the error without the package prefix, as the API answers it.
func (e *BodyError) Message() string {
	return fmt.Sprintf("%s %s: allowed %s", e.Field, e.Value, e.Allowed)
}

// latencyExample is the form the latency body takes.
const latencyExample = `a JSON object such as {"latency_ms": 200}`

// readBody reads a request body of at most MaxBodyBytes; the error is a
// *BodyError.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, &BodyError{Field: "body", Value: fmt.Sprintf("(over %d bytes)", MaxBodyBytes), Allowed: latencyExample}
	}
	if err != nil {
		return nil, &BodyError{Field: "body", Value: "(could not be read)", Allowed: latencyExample}
	}
	return data, nil
}

// ParseLatencyBody reads the body of POST /feeds/{id}/latency,
// {"latency_ms": N}, and returns N: a whole number of milliseconds from
// session.MinLatencyMs to session.MaxLatencyMs. Anything else, unknown
// fields and trailing data included, is a *BodyError.
func ParseLatencyBody(data []byte) (int, error) {
	allowedMs := fmt.Sprintf("a whole number of milliseconds from %d to %d", session.MinLatencyMs, session.MaxLatencyMs)
	if len(data) > MaxBodyBytes {
		return 0, &BodyError{Field: "body", Value: fmt.Sprintf("(%d bytes)", len(data)), Allowed: fmt.Sprintf("at most %d bytes: %s", MaxBodyBytes, latencyExample)}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return 0, &BodyError{Field: "body", Value: "(empty)", Allowed: latencyExample}
	}
	if !utf8.Valid(data) {
		return 0, &BodyError{Field: "body", Value: "(not UTF-8)", Allowed: latencyExample}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return 0, &BodyError{Field: "body", Value: shorten(string(data)), Allowed: latencyExample}
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, &BodyError{Field: "body", Value: shorten(string(data)), Allowed: latencyExample + ", alone"}
	}
	for k := range fields {
		if k != "latency_ms" {
			return 0, &BodyError{Field: "field", Value: strconv.Quote(shorten(k)), Allowed: "only latency_ms"}
		}
	}
	raw, ok := fields["latency_ms"]
	if !ok {
		return 0, &BodyError{Field: "latency_ms", Value: "(missing)", Allowed: allowedMs}
	}
	text := strings.TrimSpace(string(raw))
	var num json.Number
	if err := json.Unmarshal(raw, &num); err != nil || !isJSONNumber(text) {
		return 0, &BodyError{Field: "latency_ms", Value: shorten(text), Allowed: allowedMs + " (a number, not a string)"}
	}
	n, err := strconv.ParseInt(num.String(), 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(num.String(), 64)
		if ferr != nil || f != float64(int64(f)) || f < -1e15 || f > 1e15 {
			return 0, &BodyError{Field: "latency_ms", Value: shorten(text), Allowed: allowedMs}
		}
		n = int64(f) // 200.0 or 2e2: a whole number written otherwise
	}
	if n < session.MinLatencyMs || n > session.MaxLatencyMs {
		return 0, &BodyError{Field: "latency_ms", Value: shorten(text), Allowed: allowedMs}
	}
	return int(n), nil
}

// isJSONNumber reports whether s looks like a JSON number rather than a
// string, null, true or an object.
func isJSONNumber(s string) bool {
	return s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
}

// shorten cuts what a client sent to about 40 printable characters for an
// error message.
func shorten(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return ' '
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 40 {
		r := []rune(s)
		s = string(r[:40]) + "…"
	}
	return s
}
