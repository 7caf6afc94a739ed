package views

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

func TestMainViewShowsToolbarAndEmptyList(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	content := newMainView(w)
	w.SetContent(content)

	var toolbar *widget.Toolbar
	var labels []string
	walk(content, func(o fyne.CanvasObject) {
		switch v := o.(type) {
		case *widget.Toolbar:
			toolbar = v
		case *widget.Label:
			labels = append(labels, v.Text)
		}
	})
	if toolbar == nil || len(toolbar.Items) == 0 {
		t.Fatal("main view has no toolbar items")
	}
	if len(labels) == 0 {
		t.Fatal("main view shows no text for the empty session list")
	}
}

func walk(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	visit(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, child := range c.Objects {
			walk(child, visit)
		}
	}
}
