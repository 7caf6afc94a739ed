package session

import (
	"fmt"
	"strconv"
	"strings"
)

// accessControlPrefix starts a streamid in the SRT access-control syntax.
const accessControlPrefix = "#!::"

// AccessControl is a streamid in the SRT access-control syntax
// "#!::r=cam1,m=publish,u=alice" (keys r, m, u, s, h, t).
type AccessControl struct {
	Resource string // r: resource name, e.g. the stream or camera name
	Mode     string // m: request (default), publish or bidirectional
	User     string // u: user name
	Session  string // s: session id
	Host     string // h: host name (virtual hosting)
	Type     string // t: stream (default), file or auth
}

// accessControlKeys maps each key to the field it fills, in build order.
var accessControlKeys = []struct {
	key   string
	field func(*AccessControl) *string
}{
	{"r", func(a *AccessControl) *string { return &a.Resource }},
	{"m", func(a *AccessControl) *string { return &a.Mode }},
	{"u", func(a *AccessControl) *string { return &a.User }},
	{"s", func(a *AccessControl) *string { return &a.Session }},
	{"h", func(a *AccessControl) *string { return &a.Host }},
	{"t", func(a *AccessControl) *string { return &a.Type }},
}

// IsAccessControl reports whether streamid uses the "#!::" access-control syntax.
func IsAccessControl(streamid string) bool {
	return strings.HasPrefix(streamid, accessControlPrefix)
}

// ParseStreamID parses an access-control streamid. It returns a *FieldError
// naming the streamid when the text is not in that syntax, repeats a key,
// uses a key other than r m u s h t, or a mode/type that does not exist.
func ParseStreamID(streamid string) (AccessControl, error) {
	var ac AccessControl
	if len(streamid) > MaxStreamIDLen {
		return ac, &FieldError{Field: "streamid", Value: fmt.Sprintf("(%d bytes)", len(streamid)), Allowed: fmt.Sprintf("at most %d bytes", MaxStreamIDLen)}
	}
	body, ok := strings.CutPrefix(streamid, accessControlPrefix)
	if !ok {
		return ac, &FieldError{Field: "streamid", Value: strconv.Quote(truncate(streamid, 60)), Allowed: `the access-control form "#!::r=NAME,m=publish,u=USER" (keys r m u s h t)`}
	}
	if body == "" {
		return ac, nil
	}
	seen := map[string]bool{}
	for _, item := range strings.Split(body, ",") {
		key, val, ok := strings.Cut(item, "=")
		if !ok || key == "" {
			return ac, &FieldError{Field: "streamid", Value: strconv.Quote(truncate(item, 60)), Allowed: "comma-separated key=value pairs"}
		}
		var target *string
		for _, k := range accessControlKeys {
			if k.key == key {
				target = k.field(&ac)
			}
		}
		if target == nil {
			return ac, &FieldError{Field: "streamid key", Value: strconv.Quote(truncate(key, 20)), Allowed: "r, m, u, s, h or t"}
		}
		if seen[key] {
			return ac, &FieldError{Field: "streamid key", Value: strconv.Quote(key) + " (repeated)", Allowed: "each key at most once"}
		}
		seen[key] = true
		*target = val
	}
	if err := ac.validate(); err != nil {
		return AccessControl{}, err
	}
	return ac, nil
}

// validate checks the enumerated keys and that no value breaks the syntax.
func (a AccessControl) validate() error {
	switch a.Mode {
	case "", "request", "publish", "bidirectional":
	default:
		return &FieldError{Field: "streamid m", Value: strconv.Quote(truncate(a.Mode, 20)), Allowed: "request, publish or bidirectional"}
	}
	switch a.Type {
	case "", "stream", "file", "auth":
	default:
		return &FieldError{Field: "streamid t", Value: strconv.Quote(truncate(a.Type, 20)), Allowed: "stream, file or auth"}
	}
	for _, k := range accessControlKeys {
		if v := *k.field(&a); strings.ContainsAny(v, ",=") {
			return &FieldError{Field: "streamid " + k.key, Value: strconv.Quote(truncate(v, 40)), Allowed: "a value without ',' or '='"}
		}
	}
	return nil
}

// Build formats the access-control streamid, keys in the order r m u s h t,
// leaving out empty ones.
func (a AccessControl) Build() (string, error) {
	if err := a.validate(); err != nil {
		return "", err
	}
	var parts []string
	for _, k := range accessControlKeys {
		if v := *k.field(&a); v != "" {
			parts = append(parts, k.key+"="+v)
		}
	}
	s := accessControlPrefix + strings.Join(parts, ",")
	if len(s) > MaxStreamIDLen {
		return "", &FieldError{Field: "streamid", Value: fmt.Sprintf("(%d bytes)", len(s)), Allowed: fmt.Sprintf("at most %d bytes", MaxStreamIDLen)}
	}
	return s, nil
}

// streamIDAllowed reports whether streamid is in allowed: an entry matches
// the whole streamid or, for access-control streamids, its resource name.
func streamIDAllowed(streamid string, allowed []string) bool {
	if len(allowed) == 0 {
		return true
	}
	resource := ""
	if ac, err := ParseStreamID(streamid); err == nil {
		resource = ac.Resource
	}
	for _, a := range allowed {
		if a == streamid || (resource != "" && a == resource) {
			return true
		}
	}
	return false
}
