package probe

import (
	"strings"
	"unicode/utf8"

	"github.com/asticode/go-astits"
)

// service is what the SDT says about one program.
type service struct {
	name, provider string
}

// onSDT keeps the service and provider names of the SDT of this multiplex
// (go-astits parses it; the packet loop has checked its CRC).
func (a *Analyzer) onSDT(sdt *astits.SDTData) {
	for _, s := range sdt.Services {
		if s == nil {
			continue
		}
		for _, d := range s.Descriptors {
			if d == nil || d.Service == nil {
				continue
			}
			a.services[s.ServiceID] = service{name: dvbString(d.Service.Name), provider: dvbString(d.Service.Provider)}
		}
	}
}

// dvbString decodes a DVB SI text field (EN 300 468 annex A) well enough
// for a name: the character-table selector is dropped, UTF-8 (0x15) and
// valid UTF-8 kept, other bytes read as Latin-1, control codes removed.
func dvbString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	switch c := b[0]; {
	case c == 0x10 && len(b) >= 3: // ISO/IEC 8859 part in the next two bytes
		b = b[3:]
	case c == 0x1f && len(b) >= 2: // encoding_type_id
		b = b[2:]
	case c < 0x20:
		b = b[1:]
	}
	var s strings.Builder
	if utf8.Valid(b) {
		for _, r := range string(b) {
			if r >= 0x20 && (r < 0x7f || r >= 0xa0) {
				s.WriteRune(r)
			}
		}
	} else {
		for _, c := range b {
			if c >= 0x20 && (c < 0x7f || c >= 0xa0) {
				s.WriteRune(rune(c))
			}
		}
	}
	return strings.TrimSpace(s.String())
}
