package api

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestParseLatencyBody: the latency body takes one whole number of
// milliseconds in range; every other body is a *BodyError naming the
// field, the value and what is allowed.
func TestParseLatencyBody(t *testing.T) {
	tests := []struct {
		name string
		body string
		want int
		err  []string // parts of the message; nil = no error
	}{
		{"plain", `{"latency_ms":200}`, 200, nil},
		{"spaces", " {\n \"latency_ms\" : 8000 }\n", 8000, nil},
		{"lowest", `{"latency_ms":20}`, 20, nil},
		{"written as float", `{"latency_ms":250.0}`, 250, nil},
		{"exponent", `{"latency_ms":2e2}`, 200, nil},
		{"empty", ``, 0, []string{"body (empty)", `{"latency_ms": 200}`}},
		{"spaces only", "  \n", 0, []string{"body (empty)"}},
		{"not JSON", `latency=200`, 0, []string{"body latency=200", "allowed a JSON object"}},
		{"array", `[200]`, 0, []string{"body [200]", "allowed a JSON object"}},
		{"null", `null`, 0, []string{"body null", "allowed a JSON object"}},
		{"number alone", `200`, 0, []string{"body 200"}},
		{"two objects", `{"latency_ms":200}{"latency_ms":300}`, 0, []string{"body", "alone"}},
		{"trailing garbage", `{"latency_ms":200} x`, 0, []string{"body", "alone"}},
		{"missing", `{}`, 0, []string{"latency_ms (missing)", "from 20 to 8000"}},
		{"unknown field", `{"latency_ms":200,"latency":300}`, 0, []string{`field "latency"`, "only latency_ms"}},
		{"typo", `{"latencyms":200}`, 0, []string{`field "latencyms"`, "only latency_ms"}},
		{"too low", `{"latency_ms":19}`, 0, []string{"latency_ms 19", "allowed a whole number of milliseconds from 20 to 8000"}},
		{"too high", `{"latency_ms":8001}`, 0, []string{"latency_ms 8001", "from 20 to 8000"}},
		{"negative", `{"latency_ms":-200}`, 0, []string{"latency_ms -200"}},
		{"fraction", `{"latency_ms":200.5}`, 0, []string{"latency_ms 200.5", "whole number"}},
		{"string", `{"latency_ms":"200"}`, 0, []string{`latency_ms "200"`, "not a string"}},
		{"null value", `{"latency_ms":null}`, 0, []string{"latency_ms null"}},
		{"bool", `{"latency_ms":true}`, 0, []string{"latency_ms true"}},
		{"huge", `{"latency_ms":1e400}`, 0, []string{"latency_ms 1e400"}},
		{"int overflow", `{"latency_ms":99999999999999999999999}`, 0, []string{"latency_ms 99999999999999999999999"}},
		{"too big", `{"latency_ms":200,"x":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, 0, []string{"body (", "bytes)", "at most 4096 bytes"}},
		{"not UTF-8", "{\"latency_ms\":\xff}", 0, []string{"body (not UTF-8)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseLatencyBody([]byte(tc.body))
			if tc.err == nil {
				if err != nil || got != tc.want {
					t.Fatalf("got %d, %v; want %d", got, err, tc.want)
				}
				return
			}
			var be *BodyError
			if !errors.As(err, &be) {
				t.Fatalf("got %d, %v; want a *BodyError", got, err)
			}
			for _, part := range tc.err {
				if !strings.Contains(be.Message(), part) {
					t.Errorf("message %q lacks %q", be.Message(), part)
				}
			}
			if !strings.HasPrefix(err.Error(), "api: ") {
				t.Errorf("error %q has no package prefix", err)
			}
		})
	}
}

// FuzzParseLatencyBody: whatever the body, the parser does not panic; a
// body it takes gives a latency in range that reads back the same; a body
// it refuses gets a *BodyError with a short, printable message.
func FuzzParseLatencyBody(f *testing.F) {
	for _, s := range []string{`{"latency_ms":200}`, `{"latency_ms":20}`, `{"latency_ms":8000.0}`, `{}`, `{"latency_ms":"200"}`,
		`{"latency_ms":2e2}`, `[1]`, `null`, `{"latency_ms":200} `, `{"a":1,"latency_ms":200}`, "{\"latency_ms\":\xff}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseLatencyBody(body)
		if err == nil {
			if n < 20 || n > 8000 {
				t.Fatalf("took %q as %d ms: out of range", body, n)
			}
			again, err := ParseLatencyBody([]byte(`{"latency_ms":` + strconv.Itoa(n) + `}`))
			if err != nil || again != n {
				t.Fatalf("%d ms does not read back: %d, %v", n, again, err)
			}
			return
		}
		var be *BodyError
		if !errors.As(err, &be) || be.Field == "" || be.Allowed == "" {
			t.Fatalf("error %v for %q is not a full *BodyError", err, body)
		}
		msg := be.Message()
		if len(msg) > 400 || !utf8.ValidString(msg) {
			t.Fatalf("message for %q is too long or not UTF-8: %q", body, msg)
		}
		for _, r := range msg {
			if r < 0x20 {
				t.Fatalf("message for %q has control characters: %q", body, msg)
			}
		}
	})
}
