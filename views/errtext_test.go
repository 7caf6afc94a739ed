package views

import (
	"errors"
	"fmt"
	"testing"

	"github.com/srtscope/srtscope/app/linetest"
)

func TestErrorTextWords(t *testing.T) {
	_, ratesErr := linetest.ParseRates("2,x")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"rates, typed", ratesErr, `Rates "2,x": "x" is not a number: allowed ` + linetest.RatesAllowed},
		{"rates, wrapped", fmt.Errorf("line test: %w", ratesErr), `Rates "2,x": "x" is not a number: allowed ` + linetest.RatesAllowed},
		{"package prefix", errors.New("linetest: step 2 (4 Mbit/s): no answer"), "step 2 (4 Mbit/s): no answer"},
	}
	for _, tc := range tests {
		if got := errorText(tc.err); got != tc.want {
			t.Errorf("%s: errorText = %q; want %q", tc.name, got, tc.want)
		}
	}
}
