package probe

import (
	"fmt"

	"github.com/asticode/go-astits"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/ac3"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg1audio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
)

// Stream kinds.
const (
	KindVideo    = "video"
	KindAudio    = "audio"
	KindData     = "data"
	KindSubtitle = "subtitle"
)

// describeStream names an elementary stream from its PMT stream_type and
// descriptors. It fills StreamType, Kind, Codec and Language.
func describeStream(es *astits.PMTElementaryStream) Stream {
	s := Stream{PID: es.ElementaryPID, StreamType: uint8(es.StreamType)}
	s.Kind, s.Codec = kindCodec(uint8(es.StreamType))
	for _, d := range es.ElementaryStreamDescriptors {
		if d == nil {
			continue
		}
		if d.ISO639LanguageAndAudioType != nil && len(d.ISO639LanguageAndAudioType.Language) > 0 {
			s.Language = printable(d.ISO639LanguageAndAudioType.Language)
		}
		if es.StreamType != astits.StreamTypePrivateData {
			continue
		}
		switch {
		case d.AC3 != nil || d.Tag == astits.DescriptorTagAC3:
			s.Kind, s.Codec = KindAudio, "ac3"
		case d.EnhancedAC3 != nil || d.Tag == astits.DescriptorTagEnhancedAC3:
			s.Kind, s.Codec = KindAudio, "eac3"
		case d.Tag == 0x7b:
			s.Kind, s.Codec = KindAudio, "dts"
		case d.Teletext != nil || d.Tag == astits.DescriptorTagTeletext:
			s.Kind, s.Codec = KindSubtitle, "teletext"
			if d.Teletext != nil && len(d.Teletext.Items) > 0 && s.Language == "" {
				s.Language = printable([]byte(d.Teletext.Items[0].Language))
			}
		case d.Subtitling != nil || d.Tag == astits.DescriptorTagSubtitling:
			s.Kind, s.Codec = KindSubtitle, "dvb_subtitle"
			if d.Subtitling != nil && len(d.Subtitling.Items) > 0 && s.Language == "" {
				s.Language = printable([]byte(d.Subtitling.Items[0].Language))
			}
		case d.Registration != nil:
			switch d.Registration.FormatIdentifier {
			case 0x4f707573: // "Opus"
				s.Kind, s.Codec = KindAudio, "opus"
			case 0x4b4c5641: // "KLVA"
				s.Kind, s.Codec = KindData, "klv"
			case 0x41432d33: // "AC-3"
				s.Kind, s.Codec = KindAudio, "ac3"
			case 0x45414333: // "EAC3"
				s.Kind, s.Codec = KindAudio, "eac3"
			case 0x48455643: // "HEVC"
				s.Kind, s.Codec = KindVideo, "hevc"
			case 0x49443320: // "ID3 "
				s.Kind, s.Codec = KindData, "id3"
			}
		}
	}
	return s
}

func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		if c >= 0x20 && c < 0x7f {
			out = append(out, c)
		}
	}
	return string(out)
}

// kindCodec names a PMT stream_type.
func kindCodec(t uint8) (kind, codec string) {
	switch t {
	case 0x01:
		return KindVideo, "mpeg1video"
	case 0x02:
		return KindVideo, "mpeg2video"
	case 0x03:
		return KindAudio, "mp2"
	case 0x04:
		return KindAudio, "mp2"
	case 0x05:
		return KindData, "private_sections"
	case 0x06:
		return KindData, "private_data"
	case 0x0d:
		return KindData, "dsmcc"
	case 0x0f:
		return KindAudio, "aac"
	case 0x10:
		return KindVideo, "mpeg4video"
	case 0x11:
		return KindAudio, "aac_latm"
	case 0x15:
		return KindData, "metadata"
	case 0x1b:
		return KindVideo, "h264"
	case 0x1c:
		return KindAudio, "aac_raw"
	case 0x20:
		return KindVideo, "h264_mvc"
	case 0x24:
		return KindVideo, "hevc"
	case 0x33:
		return KindVideo, "vvc"
	case 0x42:
		return KindVideo, "cavs"
	case 0x81:
		return KindAudio, "ac3"
	case 0x82:
		return KindAudio, "dts"
	case 0x83:
		return KindAudio, "truehd"
	case 0x86:
		return KindData, "scte35"
	case 0x87:
		return KindAudio, "eac3"
	case 0x90:
		return KindSubtitle, "pgs"
	case 0xd1:
		return KindVideo, "dirac"
	case 0xea:
		return KindVideo, "vc1"
	}
	return KindData, fmt.Sprintf("stream_type_0x%02x", t)
}

// canDetect reports whether detectCodec can learn more from the PES payload of
// a stream with this codec.
func canDetect(codec string) bool {
	switch codec {
	case "h264", "hevc", "aac", "mp2", "ac3", "mpeg2video", "mpeg1video":
		return true
	}
	return false
}

// adtsChannels returns the channel count of an ADTS channel configuration
// (ISO 14496-3, Table 1.19), or 0 when it is unknown: configuration 0
// leaves the layout to a program config element in the payload.
func adtsChannels(config uint8) int {
	switch {
	case config >= 1 && config <= 6:
		return int(config)
	case config == 7:
		return 8
	}
	return 0
}

// detectCodec fills the codec details of s from one PES payload. It returns
// true when the details are complete. It never panics on malformed input.
func detectCodec(s *Stream, data []byte) (done bool) {
	defer func() {
		if recover() != nil {
			done = false
		}
	}()
	switch s.Codec {
	case "h264":
		return detectH264(s, data)
	case "hevc":
		return detectH265(s, data)
	case "aac":
		var pkts mpeg4audio.ADTSPackets
		if err := pkts.Unmarshal(data); err != nil || len(pkts) == 0 {
			return false
		}
		s.SampleRate = pkts[0].SampleRate
		s.Channels = adtsChannels(pkts[0].ChannelConfig)
		s.Profile = aacProfile(pkts[0].Type)
		return s.SampleRate > 0
	case "mp2":
		for i := 0; i+4 < len(data) && i < 4096; i++ {
			if data[i] != 0xff || data[i+1]&0xe0 != 0xe0 {
				continue
			}
			var h mpeg1audio.FrameHeader
			if h.Unmarshal(data[i:]) != nil {
				continue
			}
			switch h.Layer {
			case 1:
				s.Codec = "mp1"
			case 3:
				s.Codec = "mp3"
			}
			s.SampleRate = h.SampleRate
			s.Channels = 2
			if h.ChannelMode == mpeg1audio.ChannelModeMono {
				s.Channels = 1
			}
			return true
		}
	case "ac3":
		for i := 0; i+8 < len(data) && i < 4096; i++ {
			if data[i] != 0x0b || data[i+1] != 0x77 {
				continue
			}
			var si ac3.SyncInfo
			if si.Unmarshal(data[i:]) != nil {
				continue
			}
			var bsi ac3.BSI
			if bsi.Unmarshal(data[i+5:]) != nil {
				continue
			}
			s.SampleRate = si.SampleRate()
			s.Channels = bsi.ChannelCount()
			return true
		}
	case "mpeg2video", "mpeg1video":
		return detectMPEG2Video(s, data)
	}
	return false
}

func aacProfile(t mpeg4audio.ObjectType) string {
	switch t {
	case 1:
		return "Main"
	case 2:
		return "LC"
	case 3:
		return "SSR"
	case 4:
		return "LTP"
	case 5:
		return "HE-AAC"
	case 29:
		return "HE-AACv2"
	}
	return ""
}

// nalUnits splits an Annex B byte stream without allocating the units.
func nalUnits(data []byte, fn func(nalu []byte) bool) {
	start := -1
	i := 0
	for i+2 < len(data) {
		if data[i] == 0 && data[i+1] == 0 && data[i+2] == 1 {
			if start >= 0 {
				end := i
				for end > start && data[end-1] == 0 {
					end--
				}
				if !fn(data[start:end]) {
					return
				}
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(data) {
		fn(data[start:])
	}
}

func detectH264(s *Stream, data []byte) bool {
	found := false
	nalUnits(data, func(n []byte) bool {
		if len(n) == 0 || h264.NALUType(n[0]&0x1f) != h264.NALUTypeSPS {
			return true
		}
		var sps h264.SPS
		if sps.Unmarshal(n) != nil {
			return true
		}
		s.Width, s.Height = sps.Width(), sps.Height()
		s.FPS = round3(sps.FPS())
		s.Interlaced = !sps.FrameMbsOnlyFlag
		s.Profile = h264Profile(sps.ProfileIdc, sps.ConstraintSet1Flag, sps.ConstraintSet3Flag)
		if sps.LevelIdc == 11 && sps.ConstraintSet3Flag && (sps.ProfileIdc == 66 || sps.ProfileIdc == 77) {
			s.Level = "1b"
		} else {
			s.Level = fmt.Sprintf("%d.%d", sps.LevelIdc/10, sps.LevelIdc%10)
		}
		found = s.Width > 0 && s.Height > 0
		return !found
	})
	return found
}

func h264Profile(idc uint8, cs1, cs3 bool) string {
	switch idc {
	case 66:
		if cs1 {
			return "Constrained Baseline"
		}
		return "Baseline"
	case 77:
		return "Main"
	case 88:
		return "Extended"
	case 100:
		return "High"
	case 110:
		if cs3 {
			return "High 10 Intra"
		}
		return "High 10"
	case 122:
		if cs3 {
			return "High 4:2:2 Intra"
		}
		return "High 4:2:2"
	case 244:
		return "High 4:4:4 Predictive"
	case 44:
		return "CAVLC 4:4:4 Intra"
	}
	return fmt.Sprintf("profile_idc %d", idc)
}

func detectH265(s *Stream, data []byte) bool {
	found := false
	nalUnits(data, func(n []byte) bool {
		if len(n) < 2 || h265.NALUType((n[0]>>1)&0x3f) != h265.NALUType_SPS_NUT {
			return true
		}
		var sps h265.SPS
		if sps.Unmarshal(n) != nil {
			return true
		}
		s.Width, s.Height = sps.Width(), sps.Height()
		s.FPS = round3(sps.FPS())
		ptl := sps.ProfileTierLevel
		s.Interlaced = ptl.GeneralInterlacedSourceFlag || (sps.VUI != nil && sps.VUI.FieldSeqFlag)
		switch ptl.GeneralProfileIdc {
		case 1:
			s.Profile = "Main"
		case 2:
			s.Profile = "Main 10"
		case 3:
			s.Profile = "Main Still Picture"
		case 4:
			s.Profile = "Rext"
		default:
			s.Profile = fmt.Sprintf("profile_idc %d", ptl.GeneralProfileIdc)
		}
		l := int(ptl.GeneralLevelIdc)
		s.Level = fmt.Sprintf("%d.%d", l/30, (l%30)/3)
		found = s.Width > 0 && s.Height > 0
		return !found
	})
	return found
}

// detectMPEG2Video reads an MPEG-1/2 sequence header and, when present, its
// sequence extension (ISO/IEC 13818-2 6.2.2).
func detectMPEG2Video(s *Stream, data []byte) bool {
	rates := [...]float64{0, 23.976, 24, 25, 29.97, 30, 50, 59.94, 60}
	found := false
	nalUnits(data, func(n []byte) bool {
		if len(n) == 0 {
			return true
		}
		switch {
		case n[0] == 0xb3 && len(n) >= 8:
			s.Width = int(n[1])<<4 | int(n[2])>>4
			s.Height = int(n[2]&0x0f)<<8 | int(n[3])
			if rc := int(n[4] & 0x0f); rc < len(rates) {
				s.FPS = rates[rc]
			}
			found = s.Width > 0 && s.Height > 0
		case n[0] == 0xb5 && len(n) >= 6 && n[1]>>4 == 1 && found:
			s.Codec = "mpeg2video"
			pl := n[1]&0x0f<<4 | n[2]>>4
			switch pl >> 4 & 7 {
			case 5:
				s.Profile = "Simple"
			case 4:
				s.Profile = "Main"
			case 1:
				s.Profile = "High"
			case 2:
				s.Profile = "Spatially Scalable"
			case 3:
				s.Profile = "SNR Scalable"
			}
			switch pl & 0x0f {
			case 10:
				s.Level = "Low"
			case 8:
				s.Level = "Main"
			case 6:
				s.Level = "High 1440"
			case 4:
				s.Level = "High"
			}
			progressiveSeq := n[2]&0x08 != 0
			s.Interlaced = !progressiveSeq
			return false
		}
		return true
	})
	return found
}

func round3(f float64) float64 {
	return float64(int64(f*1000+0.5)) / 1000
}
