package api

import (
	"fmt"
	"math"
	"net/url"
	"time"

	"github.com/srtscope/srtscope/app"
	"github.com/srtscope/srtscope/probe"
	"github.com/srtscope/srtscope/session"
)

// Roles of the metrics' role label: the feed srtscope receives, and the
// outputs it forwards the feed to.
const (
	RoleInput  = "input"
	RoleOutput = "output"
)

// Feed is a feed's snapshot as the API gives it. The sample fields of the
// watch contract (DESIGN.md section 8: time, state, peer, rtt_ms,
// latency_ms, rtt_multiplier, recv_mbps, pkts_recv, pkts_lost,
// pkts_retrans, pkts_dropped, ...) are at the top level with the same
// names; the feed's settings, status, alarms and inspection sit beside them.
type Feed struct {
	ID   app.FeedID `json:"id"`
	Name string     `json:"name"`
	session.Sample
	URL     string `json:"url"` // without the passphrase
	Mode    string `json:"mode"`
	Role    string `json:"role"`
	Running bool   `json:"running"`
	Tuning  bool   `json:"tuning"`
	Inspect bool   `json:"inspect"`
	Media   string `json:"media"` // off, light or full
	// Port is the port shared by many feeds this feed's publisher comes
	// through (by streamid), "" otherwise.
	Port string `json:"port,omitempty"`

	Status         Status         `json:"status"`
	Health         string         `json:"health"` // green, amber or red: the worst active alarm
	Unacknowledged bool           `json:"unacknowledged"`
	HadAlarm       bool           `json:"had_alarm"`
	Alarms         []Alarm        `json:"alarms"` // active now
	LatencyAdvice  *LatencyAdvice `json:"latency_advice,omitempty"`
	MediaState     *MediaState    `json:"media_state,omitempty"`
	Inspection     *Inspection    `json:"inspection,omitempty"`
	// Thumbnail is the path of the latest picture, "" when there is none.
	Thumbnail      string     `json:"thumbnail,omitempty"`
	Started        *time.Time `json:"started,omitempty"`
	ConnectedSince *time.Time `json:"connected_since,omitempty"`
	LastError      string     `json:"last_error,omitempty"`
	// Outputs forward the feed; each has the sender fields of DESIGN.md
	// section 3, and a listener output lists its pullers.
	Outputs []Output `json:"outputs"`
}

// Output is one output of a feed, or one puller of a listener output.
type Output struct {
	Index        int    `json:"index,omitempty"` // 1-based, the metrics' output label; 0 on a puller
	URL          string `json:"url"`             // without the passphrase
	Kind         string `json:"kind"`            // srt-caller, srt-listener or udp
	State        string `json:"state"`
	Peer         string `json:"peer"`
	Health       string `json:"health"` // green, amber or red
	HealthReason string `json:"health_reason,omitempty"`
	session.SenderFigures
	LatencyMs    int       `json:"latency_ms"`
	BytesSent    uint64    `json:"bytes_sent"`
	SkippedBytes uint64    `json:"skipped_bytes"`
	Attempt      int       `json:"attempt,omitempty"`
	LastError    string    `json:"last_error,omitempty"`
	Pullers      []Output  `json:"pullers,omitempty"`
	Time         time.Time `json:"time"`
	// Recording is a record output's state (recording, disk full,
	// failed, stopped), bytes, skipped bytes and segments, the live one
	// in current.
	Recording *app.RecordingView `json:"recording,omitempty"`
	// PullPoint marks a port feed's implicit pull point: callers with
	// m=request pull through it; it is no output of the feed's spec.
	PullPoint bool `json:"pull_point,omitempty"`
}

// OutputOf turns an output's view into the API's Output.
func OutputOf(v app.OutputView) Output {
	h, why := v.Health()
	o := Output{Index: v.Index, URL: v.URL, Kind: string(v.Kind), State: string(v.State), Peer: v.Peer, Health: h.String(), HealthReason: why,
		SenderFigures: v.Rounded(), LatencyMs: v.LatencyMs, BytesSent: v.BytesSent, SkippedBytes: v.SkippedBytes, Attempt: v.Attempt, LastError: v.LastError, Time: v.Time,
		Recording: v.Recording, PullPoint: v.PullPoint}
	if v.Failed != "" {
		o.LastError = v.Failed
	}
	for _, p := range v.Pullers {
		po := OutputOf(p)
		po.Index = 0
		o.Pullers = append(o.Pullers, po)
	}
	return o
}

// Status is where a feed stands and why (app.FeedStatus).
type Status struct {
	Phase       app.Phase `json:"phase"`
	Description string    `json:"description"` // in words, with the cause
	Since       time.Time `json:"since"`
	Listen      string    `json:"listen,omitempty"`
	Stream      string    `json:"stream,omitempty"` // a feed on a shared port: its streamid name
	Remote      string    `json:"remote,omitempty"`
	Peer        string    `json:"peer,omitempty"`
	Attempt     int       `json:"attempt,omitempty"`
	Cause       string    `json:"cause,omitempty"`
	Rejections  int       `json:"rejections,omitempty"`
	// WrongPassphrase: the last failure was a passphrase that did not match.
	WrongPassphrase bool `json:"wrong_passphrase,omitempty"`
}

// Alarm is an active alarm.
type Alarm struct {
	Kind     app.AlarmKind `json:"kind"`
	Severity string        `json:"severity"` // red or amber
	Since    time.Time     `json:"since"`
	Detail   string        `json:"detail"`
	Value    float64       `json:"value,omitempty"`
	Limit    float64       `json:"limit,omitempty"`
	Count    uint64        `json:"count,omitempty"`
	ForS     float64       `json:"for_s,omitempty"`
}

// LatencyAdvice compares the latency with the guide's advice for the
// current connection's loss and RTT.
type LatencyAdvice struct {
	RTTMultiplier     float64 `json:"rtt_multiplier"`
	LossPct           float64 `json:"loss_pct"`
	AdvisedMultiplier int     `json:"advised_multiplier"`
	AdvisedLatencyMs  int     `json:"advised_latency_ms"`
	Headroom          string  `json:"headroom"` // green, amber or red
}

// MediaState is the media analysis of a feed and what it finds now.
type MediaState struct {
	Analysis string `json:"analysis"` // ffmpeg or bitstream-only
	Note     string `json:"note,omitempty"`
	Black    bool   `json:"black"`
	Frozen   bool   `json:"frozen"`
	Silent   bool   `json:"silent"`
}

// Inspection is a summary of the stream inspection; the whole report is at
// /api/v1/feeds/{id}/inspection.
type Inspection struct {
	DurationS     float64         `json:"duration_s"`
	TSBitrateBps  float64         `json:"ts_bitrate_bps"`
	Programs      []probe.Program `json:"programs"`
	PIDs          int             `json:"pid_count"`
	TR101290      probe.TR101290  `json:"tr101290"`
	MediaAnalysis string          `json:"media_analysis,omitempty"`
	Problems      []string        `json:"problems,omitempty"`
}

// FeedOf turns a snapshot into the API's Feed.
func FeedOf(v app.FeedView) Feed {
	s := v.Sample
	s.RTTMs = round(s.RTTMs, 3)
	s.RTTMultiplier = round(s.RTTMultiplier, 2)
	s.RecvMbps = round(s.RecvMbps, 3)
	f := Feed{
		ID: v.ID, Name: v.Spec.Name, Sample: s,
		URL: v.Spec.Config.RedactedURL(), Mode: string(v.Spec.Config.Mode), Role: RoleInput,
		Running: v.Running, Tuning: v.Tuning, Inspect: v.Spec.Inspect, Media: mediaMode(v.Spec), Port: v.Spec.Port,
		Health: v.Health.String(), Unacknowledged: v.Unacknowledged, HadAlarm: v.HadAlarm,
		Alarms: []Alarm{}, LastError: v.LastError, Outputs: []Output{},
	}
	for _, o := range v.Outputs {
		f.Outputs = append(f.Outputs, OutputOf(o))
	}
	st := v.Status
	f.Status = Status{Phase: st.Phase, Description: st.Describe(), Since: st.Since, Listen: st.Listen, Stream: st.Stream, Remote: st.Remote,
		Peer: st.Peer, Attempt: st.Attempt, Rejections: st.Rejections, WrongPassphrase: st.WrongPassphrase()}
	if st.Cause != nil {
		f.Status.Cause = st.Cause.Error()
	}
	for _, a := range v.Alarms {
		f.Alarms = append(f.Alarms, Alarm{Kind: a.Kind, Severity: a.Kind.Severity().String(), Since: a.Time, Detail: a.Detail,
			Value: round(a.Value, 3), Limit: a.Limit, Count: a.Count, ForS: round(a.For.Seconds(), 1)})
	}
	if adv, ok := app.AdviseLatency(v); ok {
		f.LatencyAdvice = &LatencyAdvice{RTTMultiplier: round(adv.Multiplier, 2), LossPct: round(adv.Loss.Pct, 3),
			AdvisedMultiplier: adv.Advice.Multiplier, AdvisedLatencyMs: adv.Advice.LatencyMs, Headroom: adv.Health.String()}
	}
	if v.MediaAnalysis != "" {
		m := v.MediaNow()
		f.MediaState = &MediaState{Analysis: v.MediaAnalysis, Note: v.MediaNote, Black: m.Black, Frozen: m.Frozen, Silent: m.Silent}
	}
	if r := v.Inspection; r != nil {
		f.Inspection = &Inspection{DurationS: round(r.DurationS, 2), TSBitrateBps: math.Round(r.TSBitrateBps), Programs: r.Programs,
			PIDs: len(r.PIDs), TR101290: r.TR101290, MediaAnalysis: r.MediaAnalysis, Problems: r.Problems}
	}
	if len(v.Thumbnail) > 0 {
		f.Thumbnail = fmt.Sprintf("/api/v1/feeds/%s/thumbnail.jpg", url.PathEscape(v.Spec.Name))
	}
	if !v.Started.IsZero() {
		t := v.Started
		f.Started = &t
	}
	if !v.ConnectedSince.IsZero() {
		t := v.ConnectedSince
		f.ConnectedSince = &t
	}
	return f
}

// mediaMode is the workspace's word for a feed's media analysis.
func mediaMode(spec app.FeedSpec) string {
	switch {
	case !spec.Media:
		return "off"
	case spec.LightMedia:
		return "light"
	}
	return "full"
}

func round(v float64, places int) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}
