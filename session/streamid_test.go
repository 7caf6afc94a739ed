package session

import (
	"errors"
	"testing"
)

func TestParseStreamID(t *testing.T) {
	tests := []struct {
		in      string
		want    AccessControl
		wantErr string // field of the expected *FieldError
	}{
		{"#!::r=cam1,m=publish,u=alice", AccessControl{Resource: "cam1", Mode: "publish", User: "alice"}, ""},
		{"#!::u=bob,r=live/feed,s=abc123,h=example.com,t=stream,m=request", AccessControl{Resource: "live/feed", Mode: "request", User: "bob", Session: "abc123", Host: "example.com", Type: "stream"}, ""},
		{"#!::", AccessControl{}, ""},
		{"cam1", AccessControl{}, "streamid"},
		{"#!::r=a,r=b", AccessControl{}, "streamid key"},
		{"#!::x=1", AccessControl{}, "streamid key"},
		{"#!::r", AccessControl{}, "streamid"},
		{"#!::m=push", AccessControl{}, "streamid m"},
		{"#!::t=video", AccessControl{}, "streamid t"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseStreamID(tc.in)
			if tc.wantErr != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tc.wantErr {
					t.Fatalf("ParseStreamID(%q) = %v, want field %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseStreamID(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("ParseStreamID(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestBuildStreamID(t *testing.T) {
	tests := []struct {
		ac      AccessControl
		want    string
		wantErr bool
	}{
		{AccessControl{Resource: "cam1", Mode: "publish", User: "alice"}, "#!::r=cam1,m=publish,u=alice", false},
		{AccessControl{User: "u", Resource: "r"}, "#!::r=r,u=u", false},
		{AccessControl{Resource: "a,b"}, "", true},
		{AccessControl{Mode: "push"}, "", true},
	}
	for _, tc := range tests {
		got, err := tc.ac.Build()
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("Build(%+v) = %q, %v; want %q, error %v", tc.ac, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestStreamIDAllowed(t *testing.T) {
	tests := []struct {
		streamid string
		allowed  []string
		want     bool
	}{
		{"anything", nil, true},
		{"cam1", []string{"cam1"}, true},
		{"#!::r=cam1,m=publish", []string{"cam1"}, true},
		{"#!::r=cam2,m=publish", []string{"cam1"}, false},
		{"", []string{"cam1"}, false},
	}
	for _, tc := range tests {
		if got := streamIDAllowed(tc.streamid, tc.allowed); got != tc.want {
			t.Errorf("streamIDAllowed(%q, %q) = %v, want %v", tc.streamid, tc.allowed, got, tc.want)
		}
	}
}

func FuzzParseStreamID(f *testing.F) {
	for _, seed := range []string{"#!::r=cam1,m=publish,u=alice", "#!::", "#!::r=,m=", "plain", "#!::x=1,r=2", "#!::t=file,h=a=b",
		"#!::r=cam1,m=request", "#!::r=cam1", "#!::m=publish", "#!::r=cam1,m=bidirectional", ""} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkPortStreamName(t, s)
		ac, err := ParseStreamID(s)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseStreamID(%q) error %v is not a *FieldError", s, err)
			}
			return
		}
		built, err := ac.Build()
		if err != nil {
			t.Fatalf("Build of parsed %q: %v", s, err)
		}
		again, err := ParseStreamID(built)
		if err != nil || again != ac {
			t.Fatalf("round trip %q -> %q -> %+v, %v; want %+v", s, built, again, err, ac)
		}
	})
}

// checkPortStreamName holds PortStreamName to its contract on any input: a
// *FieldError, or a non-empty name with the mode publish or request, the
// whole streamid for a plain one and its r= for the access-control form.
func checkPortStreamName(t *testing.T, s string) {
	t.Helper()
	name, mode, err := PortStreamName(s)
	if err != nil {
		var fe *FieldError
		if !errors.As(err, &fe) {
			t.Fatalf("PortStreamName(%q) error %v is not a *FieldError", s, err)
		}
		return
	}
	if name == "" || (mode != PortPublish && mode != PortRequest) {
		t.Fatalf("PortStreamName(%q) = %q, %q", s, name, mode)
	}
	if !IsAccessControl(s) {
		if name != s || mode != PortPublish {
			t.Fatalf("plain %q gave %q, %q", s, name, mode)
		}
		return
	}
	ac, err := ParseStreamID(s)
	if err != nil || ac.Resource != name {
		t.Fatalf("PortStreamName(%q) = %q but ParseStreamID gives %+v, %v", s, name, ac, err)
	}
}
