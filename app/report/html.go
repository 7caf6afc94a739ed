package report

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"gonum.org/v1/plot/vg"

	"github.com/srtscope/srtscope/app/chart"
	"github.com/srtscope/srtscope/app/record"
)

var htmlTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.C.Title}}: {{.C.Subtitle}}</title>
<style>
body{font-family:"Liberation Sans",Arial,Helvetica,sans-serif;color:#1d2430;margin:0;background:#f3f5f8;font-size:14px;line-height:1.4}
main{max-width:960px;margin:0 auto;background:#fff;padding:24px 32px 40px;box-shadow:0 0 8px rgba(0,0,0,.08)}
header{border-bottom:3px solid #1f5fbf;margin-bottom:16px;padding-bottom:8px}
h1{font-size:24px;margin:0;color:#1f5fbf}
h1 small{display:block;font-size:18px;color:#1d2430;margin-top:4px}
.gen{color:#6b7380;font-size:12px;margin-top:6px}
.verdict{padding:10px 14px;border-radius:4px;margin:12px 0 18px;font-weight:bold}
.ok{background:#e6f4ec;color:#1d6b3f;border-left:5px solid #2a9d5c}
.warn{background:#fdecec;color:#9b1c22;border-left:5px solid #d0212a}
.groups{display:grid;grid-template-columns:repeat(auto-fit,minmax(400px,1fr));gap:10px 24px}
h2{font-size:18px;color:#1f5fbf;border-bottom:1px solid #d5dbe3;padding-bottom:4px;margin:28px 0 10px}
h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;width:100%;margin:4px 0 10px;font-size:13px}
th{background:#eef2f7;text-align:left;font-weight:bold;padding:4px 8px;border-bottom:1px solid #c8d0da}
td{padding:3px 8px;border-bottom:1px solid #eceff3;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.kv td:first-child{color:#4a5361;width:45%}
.kv caption{text-align:left;font-weight:bold;padding:2px 0;color:#1d2430}
tr.bad td{color:#b3141b}
.note{color:#4a5361;margin:4px 0 8px}
figure{margin:0 0 12px}
figure svg{width:100%;height:auto;display:block}
footer{margin-top:32px;color:#6b7380;font-size:12px}
@media print{body{background:#fff}main{box-shadow:none}}
</style>
</head>
<body><main>
<header><h1>{{.C.Title}}<small>{{.C.Subtitle}}</small></h1><div class="gen">{{.C.Generated}}</div></header>
<div class="verdict {{if .C.VerdictOK}}ok{{else}}warn{{end}}">{{.C.Verdict}}</div>
<div class="groups">
{{range .C.Groups}}<table class="kv"><caption>{{.Title}}</caption>
{{range .Rows}}<tr{{if .Bad}} class="bad"{{end}}><td>{{.Key}}</td><td>{{.Value}}</td></tr>
{{end}}</table>
{{end}}</div>
{{if not .C.NoCharts}}<h2>Charts</h2>
<p class="note">Shaded red: the feed was off air.</p>
{{range .Charts}}<figure>{{.}}</figure>
{{end}}{{end}}
{{range .C.Sections}}<h2>{{.Title}}</h2>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}
{{range .Tables}}{{if .Title}}<h3>{{.Title}}</h3>{{end}}
<table><thead><tr>{{$num := .Num}}{{range $i, $h := .Header}}<th{{if and $num (index $num $i)}} class="num"{{end}}>{{$h}}</th>{{end}}</tr></thead><tbody>
{{$bad := .Bad}}{{range $r, $row := .Rows}}<tr{{if and $bad (index $bad $r)}} class="bad"{{end}}>{{range $i, $c := $row}}<td{{if and $num (index $num $i)}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>
{{end}}</tbody></table>
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}
{{end}}{{end}}
<footer>{{.C.Generated}}. Counters follow libsrt: lost = detected missing (recovered + dropped), dropped = not delivered to the decoder in time (unrecovered, or too late to play). Mbit/s are 10<sup>6</sup> bit/s.</footer>
</main></body></html>
`))

// sessionWindow is the span of the session's samples, so that a chart
// built from other readings (the loudness) lines up with the others.
func sessionWindow(s *record.Session) chart.Window {
	if n := len(s.Samples); n > 0 {
		return chart.Window{From: s.Samples[0].Time, To: s.Samples[n-1].Time}
	}
	return chart.Window{}
}

// reportKinds are the charts of a report: the four, then the receiver
// detail (buffer level, recovery margins) when the session has it.
func reportKinds(s *record.Session) []chart.Kind {
	kinds := slices.Clone(chart.Kinds)
	if chart.HasReceiverDetail(s.Samples) {
		kinds = append(kinds, chart.ReceiverKinds...)
	}
	return kinds
}

func writeHTML(w io.Writer, s *record.Session, o Options) error {
	c, _ := build(s, o)
	o.progress(0.2)
	var charts []template.HTML
	kinds := reportKinds(s)
	for i, k := range kinds {
		p, err := chart.Build(k, s.Samples, chart.Window{}, chart.Options{})
		if err != nil && !errors.Is(err, chart.ErrEmpty) {
			return fmt.Errorf("report: html: %w", err)
		}
		var buf bytes.Buffer
		if err := chart.WriteSVG(&buf, p, 18*vg.Centimeter, 6*vg.Centimeter); err != nil {
			return fmt.Errorf("report: html: %w", err)
		}
		svg := buf.String()
		if i := strings.Index(svg, "<svg"); i > 0 {
			svg = svg[i:] // drop the XML prelude: the SVG is inline
		}
		charts = append(charts, template.HTML(svg))
		o.progress(0.2 + 0.6*float64(i+1)/float64(len(kinds)))
	}
	if sum := Summarize(s); len(sum.LoudnessTrend) > 0 {
		p, err := chart.BuildLoudness(loudnessChartPoints(sum), ReferenceLUFS, sessionWindow(s), chart.Options{})
		if err != nil && !errors.Is(err, chart.ErrEmpty) {
			return fmt.Errorf("report: html: %w", err)
		}
		var buf bytes.Buffer
		if err := chart.WriteSVG(&buf, p, 18*vg.Centimeter, 6*vg.Centimeter); err != nil {
			return fmt.Errorf("report: html: %w", err)
		}
		svg := buf.String()
		if i := strings.Index(svg, "<svg"); i > 0 {
			svg = svg[i:]
		}
		charts = append(charts, template.HTML(svg))
	}
	if err := htmlTmpl.Execute(w, struct {
		C      content
		Charts []template.HTML
	}{c, charts}); err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	return nil
}
