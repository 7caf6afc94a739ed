package views

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/srtscope/srtscope/app"
)

// pressEsc sends Esc as the window would: to the focused widget, else to
// the canvas's key handler.
func pressEsc(c fyne.Canvas) {
	k := &fyne.KeyEvent{Name: fyne.KeyEscape}
	if f := c.Focused(); f != nil {
		f.TypedKey(k)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(k)
	}
}

// Every dialog focuses its first field, so that the operator can type at
// once, and closes with Esc, from the field or with nothing focused; the
// window's own keys work again afterwards.
func TestDialogsFocusFirstFieldAndCloseWithEsc(t *testing.T) {
	tests := []struct {
		name      string
		open      func(ui *mainUI)
		wantFocus bool
	}{
		{"new session", func(ui *mainUI) {
			showSessionFormWith(ui.ctrl, ui.w, sessionFormOptions{}, func(app.FeedID) {})
		}, true},
		{"settings", func(ui *mainUI) { ui.showSettings() }, true},
		{"export without recordings", func(ui *mainUI) { ui.showExport(0, "") }, false},
		{"keyboard shortcuts", func(ui *mainUI) { showShortcuts(ui.w) }, false},
		{"error", func(ui *mainUI) { showErrorDialog(errTest, ui.w) }, false},
		{"confirm", func(ui *mainUI) { showConfirm("Delete", "Sure?", func(bool) {}, ui.w) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			test.NewTempApp(t)
			w := test.NewTempWindow(t, nil)
			ctrl := app.NewController(t.Context(), app.ControllerOptions{})
			t.Cleanup(ctrl.Close)
			ui := newMainUI(t.Context(), ctrl, w)
			w.SetContent(ui.content)
			w.Resize(fyne.NewSize(1024, 700))
			windowKeys := 0
			w.Canvas().SetOnTypedKey(func(*fyne.KeyEvent) { windowKeys++ })

			tt.open(ui)
			c := w.Canvas()
			if c.Overlays().Top() == nil {
				t.Fatal("no dialog shown")
			}
			if f := c.Focused(); tt.wantFocus && f == nil {
				t.Error("no field has the focus")
			} else if tt.wantFocus {
				if _, ok := f.(*field); !ok {
					t.Errorf("focus on %T, want the first field", f)
				}
			}
			if sz := c.Size(); sz.Width > 1024 || sz.Height > 700 {
				t.Errorf("the window grew to %v", sz)
			}
			pressEsc(c)
			if c.Overlays().Top() != nil {
				t.Fatal("Esc did not close the dialog")
			}
			c.OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyDown})
			if windowKeys != 1 {
				t.Errorf("the window's keys reached it %d times after the dialog closed, want 1", windowKeys)
			}
		})
	}
}

// Nested dialogs close one Esc at a time, innermost first.
func TestNestedDialogsCloseOneEscAtATime(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, widget.NewLabel("window"))
	w.Resize(fyne.NewSize(1024, 700))
	showShortcuts(w)
	showConfirm("Quit", "Sure?", func(bool) {}, w)
	c := w.Canvas()
	if n := len(c.Overlays().List()); n != 2 {
		t.Fatalf("%d dialogs open, want 2", n)
	}
	pressEsc(c)
	if n := len(c.Overlays().List()); n != 1 {
		t.Fatalf("after one Esc %d dialogs open, want 1", n)
	}
	pressEsc(c)
	if n := len(c.Overlays().List()); n != 0 {
		t.Fatalf("after two Esc %d dialogs open, want 0", n)
	}
}

// The shortcuts dialog lays its keys and actions out in two columns: every
// action starts at the same x, right of the widest key.
func TestShortcutsColumns(t *testing.T) {
	test.NewTempApp(t)
	w := test.NewTempWindow(t, nil)
	content := shortcutsContent()
	w.SetContent(content)
	w.Resize(fyne.NewSize(600, 400))
	objs := content.(*fyne.Container).Objects
	if len(objs) != 2*len(shortcuts) {
		t.Fatalf("%d cells, want %d", len(objs), 2*len(shortcuts))
	}
	var keyRight float32
	for i := 0; i < len(objs); i += 2 {
		keyRight = max(keyRight, objs[i].Position().X+objs[i].MinSize().Width)
	}
	x := objs[1].Position().X
	for i := 0; i < len(objs); i += 2 {
		key, action := objs[i].(*widget.Label), objs[i+1].(*widget.Label)
		if strings := key.Text + action.Text; strings == "" {
			t.Error("empty row")
		}
		if action.Position().X != x || action.Position().X < keyRight {
			t.Errorf("%q starts at x %.0f, want %.0f (right of the keys at %.0f)", action.Text, action.Position().X, x, keyRight)
		}
		if key.Position().Y != action.Position().Y {
			t.Errorf("%q and %q are not on one row", key.Text, action.Text)
		}
	}
}

var errTest = testError("the test's error")

type testError string

func (e testError) Error() string { return string(e) }
