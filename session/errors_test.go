package session

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

func TestParseRejectCode(t *testing.T) {
	tests := []struct {
		text string
		code uint32
		ok   bool
	}{
		{"connection rejected: REJECT (vi)", 1010, true},
		{"connection rejected: REJECT (vj)", 1011, true},
		{"REJECT (1bv)", 1407, true},
		{"connection timeout. server didn't respond", 0, false},
	}
	for _, tc := range tests {
		code, ok := ParseRejectCode(tc.text)
		if code != tc.code || ok != tc.ok {
			t.Errorf("ParseRejectCode(%q) = %d, %v; want %d, %v", tc.text, code, ok, tc.code, tc.ok)
		}
	}
}

func TestExplainDialError(t *testing.T) {
	cfg := Config{Mode: ModeCaller, Host: "192.0.2.1", Port: 9000}
	withPass := cfg
	withPass.Passphrase = "0123456789"
	tests := []struct {
		name  string
		err   error
		cfg   Config
		kind  error
		words []string
	}{
		{"bad secret", errors.New("connection rejected: REJECT (vi)"), withPass, ErrWrongPassphrase, []string{"wrong passphrase"}},
		{"unsecure, we have one", errors.New("connection rejected: REJECT (vj)"), withPass, ErrPassphraseOneSide, []string{"one side only", "peer has none"}},
		{"unsecure, peer wants one", errors.New("connection rejected: REJECT (vj)"), cfg, ErrPassphraseOneSide, []string{"one side only", "requires a passphrase"}},
		{"streamid", fmt.Errorf("connection rejected: REJECT (%s)", strconv.FormatUint(1404, 32)), cfg, ErrStreamIDRejected, []string{"streamid rejected"}},
		{"busy", fmt.Errorf("connection rejected: REJECT (%s)", strconv.FormatUint(1407, 32)), cfg, ErrPeerBusy, []string{"busy"}},
		{"timeout", errors.New("connection timeout. server didn't respond"), cfg, ErrNoAnswer, []string{"no answer from 192.0.2.1:9000 within 3s"}},
		{"dns", errors.New("failed dialing: dial udp: lookup nosuch.invalid: no such host"), cfg, ErrHostUnknown, []string{"not found"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ce := explainDialError(tc.err, tc.cfg)
			if !errors.Is(ce, tc.kind) {
				t.Errorf("kind of %v is not %v", ce, tc.kind)
			}
			for _, w := range tc.words {
				if !strings.Contains(ce.Error(), w) {
					t.Errorf("%q lacks %q", ce.Error(), w)
				}
			}
		})
	}
}

func TestEveryRejectCodeHasWords(t *testing.T) {
	for code, info := range rejectCodes {
		ce := ExplainReject(code, false)
		if info.words == "" || !strings.Contains(ce.Detail, info.name) || ce.Kind == nil {
			t.Errorf("code %d: %+v", code, ce)
		}
	}
	if ce := ExplainReject(2042, false); !errors.Is(ce, ErrRejected) || !strings.Contains(ce.Detail, "2042") {
		t.Errorf("user code: %v", ce)
	}
}

func TestExplainListenError(t *testing.T) {
	ce := explainListenError(fmt.Errorf("listen: %w", syscall.EADDRINUSE), Config{Port: 9000})
	if !errors.Is(ce, ErrPortInUse) || !strings.Contains(ce.Error(), "UDP port 9000 already in use") {
		t.Errorf("got %v", ce)
	}
}
