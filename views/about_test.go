package views

import (
	"runtime/debug"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

func TestAboutRows(t *testing.T) {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.0",
		Deps: []*debug.Module{
			{Path: "fyne.io/fyne/v2", Version: "v2.8.1"},
			{Path: "github.com/datarhei/gosrt", Version: "v0.11.0", Replace: &debug.Module{Path: "../gosrt", Version: "v0.11.1-local"}},
			{Path: "modernc.org/sqlite", Version: "v1.61.0", Replace: &debug.Module{Path: "../sqlite"}},
		},
	}
	tests := []struct {
		name    string
		info    *debug.BuildInfo
		library string
		want    [3]string
	}{
		{"go from the build info", info, "Go", [3]string{"Go", "go1.26.0", "BSD-3-Clause"}},
		{"plain version", info, "Fyne", [3]string{"Fyne", "v2.8.1", "BSD-3-Clause"}},
		{"replaced with a version", info, "gosrt", [3]string{"gosrt", "v0.11.1-local", "MIT"}},
		{"replaced by a folder keeps the required version", info, "modernc.org/sqlite", [3]string{"modernc.org/sqlite", "v1.61.0", "BSD-3-Clause"}},
		{"missing from the build info", info, "go-keyring", [3]string{"go-keyring", "?", "MIT"}},
		{"no build info", nil, "Fyne", [3]string{"Fyne", "?", "BSD-3-Clause"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := aboutRows(tc.info)
			if len(rows) != len(aboutLibraries)+1 {
				t.Fatalf("%d rows, want Go plus %d libraries", len(rows), len(aboutLibraries))
			}
			for _, r := range rows {
				if r[0] == tc.library {
					if r != tc.want {
						t.Errorf("row %q, want %q", r, tc.want)
					}
					return
				}
			}
			t.Errorf("no row for %s in %q", tc.library, rows)
		})
	}
}

func TestAboutDialogShowsVersionLicenceAndLibraries(t *testing.T) {
	test.NewTempApp(t)
	info, _ := debug.ReadBuildInfo()
	content := aboutContent(info)
	w := test.NewTempWindow(t, content)
	w.Resize(fyne.NewSize(560, 640))

	var texts []string
	for _, o := range test.LaidOutObjects(content) {
		switch v := o.(type) {
		case *widget.Label:
			texts = append(texts, v.Text)
		case *widget.Hyperlink:
			texts = append(texts, v.Text)
		}
	}
	all := strings.Join(texts, "|")
	want := []string{app.Name + " " + app.Version, aboutLicence, aboutWebsite, "ffmpeg"}
	for _, l := range aboutLibraries {
		want = append(want, l.name, l.licence)
	}
	for _, s := range want {
		if !strings.Contains(all, s) {
			t.Errorf("About shows %q, missing %q", texts, s)
		}
	}
}
