package media

import "github.com/srtscope/srtscope/probe/ts"

// streamInfo is what the minimal PSI scan learnt about one elementary stream.
type streamInfo struct {
	PID        uint16
	StreamType uint8
	Kind       string // video, audio or "" for anything else
	Codec      string // aac, mp2, ac3, h264, ... when known
}

// psiScanner is a minimal PAT/PMT reader: just enough to choose which video
// and audio PIDs to analyse. The full PSI handling lives in package probe.
type psiScanner struct {
	pmtPIDs  map[uint16]bool
	sections map[uint16][]byte // partial section per PID
	streams  []streamInfo
	seenPMT  map[uint16]bool
	havePAT  bool
}

func newPSIScanner() *psiScanner {
	return &psiScanner{
		pmtPIDs:  map[uint16]bool{},
		sections: map[uint16][]byte{},
		seenPMT:  map[uint16]bool{},
	}
}

// done reports whether the PAT and every PMT it lists have been read.
func (s *psiScanner) done() bool {
	if !s.havePAT || len(s.pmtPIDs) == 0 {
		return false
	}
	for pid := range s.pmtPIDs {
		if !s.seenPMT[pid] {
			return false
		}
	}
	return true
}

// packet feeds one 188-byte TS packet.
func (s *psiScanner) packet(p []byte) {
	h, err := ts.ParseHeader(p)
	if err != nil {
		return
	}
	pid := h.PID()
	if pid != 0 && !s.pmtPIDs[pid] {
		return
	}
	if pid != 0 && s.seenPMT[pid] {
		return
	}
	if pid == 0 && s.havePAT {
		return
	}
	payload := ts.Payload(p)
	if payload == nil {
		return
	}
	if h.PUSI() {
		ptr := int(payload[0])
		if 1+ptr > len(payload) {
			return
		}
		s.sections[pid] = append([]byte(nil), payload[1+ptr:]...)
	} else if sec, ok := s.sections[pid]; ok {
		s.sections[pid] = append(sec, payload...)
	} else {
		return
	}
	sec := s.sections[pid]
	if len(sec) < 3 {
		return
	}
	n := int(sec[1]&0x0f)<<8 | int(sec[2])
	if len(sec) < 3+n {
		if len(sec) > 4096 {
			delete(s.sections, pid)
		}
		return
	}
	sec = sec[:3+n]
	delete(s.sections, pid)
	if pid == 0 {
		s.parsePAT(sec)
	} else {
		s.parsePMT(pid, sec)
	}
}

func (s *psiScanner) parsePAT(sec []byte) {
	if sec[0] != 0x00 || len(sec) < 12 {
		return
	}
	body := sec[8 : len(sec)-4]
	for i := 0; i+4 <= len(body); i += 4 {
		prog := uint16(body[i])<<8 | uint16(body[i+1])
		pid := uint16(body[i+2]&0x1f)<<8 | uint16(body[i+3])
		if prog != 0 {
			s.pmtPIDs[pid] = true
		}
	}
	s.havePAT = true
}

func (s *psiScanner) parsePMT(pid uint16, sec []byte) {
	if sec[0] != 0x02 || len(sec) < 16 {
		return
	}
	s.seenPMT[pid] = true
	infoLen := int(sec[10]&0x0f)<<8 | int(sec[11])
	i := 12 + infoLen
	end := len(sec) - 4
	for i+5 <= end {
		st := sec[i]
		epid := uint16(sec[i+1]&0x1f)<<8 | uint16(sec[i+2])
		esLen := int(sec[i+3]&0x0f)<<8 | int(sec[i+4])
		dEnd := i + 5 + esLen
		if dEnd > end {
			dEnd = end
		}
		kind, codec := classify(st, sec[i+5:dEnd])
		s.streams = append(s.streams, streamInfo{PID: epid, StreamType: st, Kind: kind, Codec: codec})
		i = i + 5 + esLen
	}
}

// classify names a PMT stream_type (and its descriptors for private data).
func classify(st uint8, desc []byte) (kind, codec string) {
	switch st {
	case 0x01, 0x02:
		return "video", "mpeg2video"
	case 0x10:
		return "video", "mpeg4"
	case 0x1b:
		return "video", "h264"
	case 0x24:
		return "video", "hevc"
	case 0x03, 0x04:
		return "audio", "mp2"
	case 0x0f:
		return "audio", "aac"
	case 0x11:
		return "audio", "aac_latm"
	case 0x81:
		return "audio", "ac3"
	case 0x87:
		return "audio", "eac3"
	case 0x06:
		for i := 0; i+2 <= len(desc); {
			tag, l := desc[i], int(desc[i+1])
			if i+2+l > len(desc) {
				break
			}
			body := desc[i+2 : i+2+l]
			switch tag {
			case 0x6a:
				return "audio", "ac3"
			case 0x7a:
				return "audio", "eac3"
			case 0x7c:
				return "audio", "aac"
			case 0x05:
				if l >= 4 {
					switch string(body[:4]) {
					case "AC-3":
						return "audio", "ac3"
					case "EAC3":
						return "audio", "eac3"
					case "Opus":
						return "audio", "opus"
					}
				}
			}
			i += 2 + l
		}
	}
	return "", ""
}

// firstOf returns the first stream of the given kind, if any.
func firstOf(streams []streamInfo, kind string) (streamInfo, bool) {
	for _, s := range streams {
		if s.Kind == kind {
			return s, true
		}
	}
	return streamInfo{}, false
}
