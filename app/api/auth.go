package api

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
)

// MinTokenLen is the shortest token a token file may hold: 16 characters
// (`openssl rand -hex 32` gives 64).
const MinTokenLen = 16

// Errors of token files and listen addresses, for callers that branch.
var (
	// ErrInsecureTokenFile: the token file can be read by others.
	ErrInsecureTokenFile = errors.New("api: the token file can be read by others")
	// ErrBadToken: the token file holds no usable token.
	ErrBadToken = errors.New("api: the token file holds no usable token")
	// ErrNeedsToken: a non-loopback address was asked for without a token.
	ErrNeedsToken = errors.New("api: listening beyond loopback needs a token")
)

// ReadTokenFile reads a bearer token from a file only its owner may read or
// write (mode 0600 or 0400); the token is its first line, without spaces,
// at least MinTokenLen characters. Errors name the file and never hold the
// token.
func ReadTokenFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("api: token file: %w", err)
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%w: %s is not a regular file", ErrBadToken, path)
	}
	// Windows has no such mode bits: there the folder's ACL is the guard.
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return "", fmt.Errorf("%w: %s has mode %04o, allowed 0600 or 0400 (chmod 600 %s)", ErrInsecureTokenFile, path, st.Mode().Perm(), path)
	}
	if st.Size() > 4096 {
		return "", fmt.Errorf("%w: %s is %d bytes, allowed one line of at most 4096", ErrBadToken, path, st.Size())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("api: token file: %w", err)
	}
	line, _, _ := strings.Cut(string(data), "\n")
	tok := strings.TrimSpace(line)
	switch {
	case tok == "":
		return "", fmt.Errorf("%w: %s is empty, allowed one line of at least %d characters (openssl rand -hex 32 > %s)", ErrBadToken, path, MinTokenLen, path)
	case len(tok) < MinTokenLen:
		return "", fmt.Errorf("%w: the token in %s has %d characters, allowed at least %d (openssl rand -hex 32 > %s)", ErrBadToken, path, len(tok), MinTokenLen, path)
	case strings.ContainsAny(tok, " \t\r\x00"):
		return "", fmt.Errorf("%w: the token in %s has spaces or control characters, allowed printable characters only", ErrBadToken, path)
	}
	return tok, nil
}

// IsLoopback reports whether addr (host:port, as for net.Listen) listens
// on loopback only. An empty host, 0.0.0.0 or :: listen everywhere; a host
// name other than localhost is taken as beyond loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// CheckListen refuses a non-loopback address when no token is set: a
// service never answers beyond its own machine without one.
func CheckListen(addr string, opts Options) error {
	if opts.Token == "" && opts.ReadToken == "" && !IsLoopback(addr) {
		return fmt.Errorf("%w: %s is reachable from other machines; add --token-file FILE (and --read-token-file FILE for read-only access), or listen on 127.0.0.1:PORT", ErrNeedsToken, addr)
	}
	return nil
}

// authorize checks the request's bearer token against what need asks and
// answers 401 or 403 itself when it falls short.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, need access) bool {
	if need == accessControl && s.opts.Token == "" {
		writeError(w, http.StatusForbidden, "control is off: this service was started without --token-file, so it only answers GET requests")
		return false
	}
	if s.opts.Token == "" && s.opts.ReadToken == "" {
		return true // loopback only (CheckListen), read-only
	}
	tok, ok := bearer(r)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="srtscope"`)
		writeError(w, http.StatusUnauthorized, "this request needs a token: send the header Authorization: Bearer TOKEN with the token of the service's --token-file (or --read-token-file for GET)")
		return false
	}
	control := s.opts.Token != "" && equal(tok, s.opts.Token)
	read := s.opts.ReadToken != "" && equal(tok, s.opts.ReadToken)
	switch {
	case control:
		return true
	case read && need == accessRead:
		return true
	case read:
		writeError(w, http.StatusForbidden, "the read-only token may only GET: control needs the token of the service's --token-file")
		return false
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="srtscope", error="invalid_token"`)
	writeError(w, http.StatusUnauthorized, "the bearer token is not one of this service's tokens")
	return false
}

// bearer is the token of an "Authorization: Bearer TOKEN" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// equal compares tokens in constant time.
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
