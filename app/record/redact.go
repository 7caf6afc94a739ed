package record

import (
	"net/url"
	"strings"
)

// secretKeys are URL query keys whose values must never be stored.
var secretKeys = map[string]bool{
	"passphrase": true,
	"password":   true,
	"pass":       true,
}

// RedactURL returns rawURL without its passphrase (and without any password
// in the user-info part), and the secrets it removed. The rest of the URL is
// kept as typed, so the stored URL still says mode, latency, key length and
// streamid. It works on text that is not a valid URL too.
func RedactURL(rawURL string) (redacted string, secrets []string) {
	s := rawURL
	// user:password@ in the authority part.
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndex(rest[:end], "@"); at >= 0 {
			user := rest[:at]
			if c := strings.IndexByte(user, ':'); c >= 0 {
				if pw := user[c+1:]; pw != "" {
					secrets = append(secrets, unescape(pw))
				}
				user = user[:c]
			}
			s = s[:i+3] + user + "@" + rest[at+1:]
		}
	}
	q := strings.IndexByte(s, '?')
	if q < 0 {
		return s, secrets
	}
	head, query, frag := s[:q], s[q+1:], ""
	if h := strings.IndexByte(query, '#'); h >= 0 {
		query, frag = query[:h], query[h:]
	}
	var kept []string
	for _, part := range strings.Split(query, "&") {
		if part == "" {
			continue
		}
		key, val, _ := strings.Cut(part, "=")
		if secretKeys[strings.ToLower(unescape(key))] {
			if val != "" {
				secrets = append(secrets, unescape(val), val)
			}
			continue
		}
		kept = append(kept, part)
	}
	out := head
	if len(kept) > 0 {
		out += "?" + strings.Join(kept, "&")
	}
	return out + frag, secrets
}

// Scrub replaces every occurrence of each secret in s with "***".
func Scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}
