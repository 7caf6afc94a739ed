package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// showDialog shows d over w with the habits every srtscope dialog keeps:
// first (when not nil) takes the keyboard focus, so the operator can type
// at once, and Esc closes the dialog as its Cancel or Close would. Esc
// reaches the dialog when nothing is focused, and from the fields made
// with newField / newPasswordField / newMultiLineField, which pass it on
// instead of swallowing it. Nested dialogs close one Esc at a time.
func showDialog(d dialog.Dialog, w fyne.Window, first fyne.Focusable) {
	showDialogEsc(d, w, first, nil)
}

// showDialogEsc is showDialog with what Esc does (nil: close the dialog),
// for a dialog that must first stop what it runs.
func showDialogEsc(d dialog.Dialog, w fyne.Window, first fyne.Focusable, onEsc func()) {
	if onEsc == nil {
		onEsc = d.Hide
	}
	c := w.Canvas()
	prev := c.OnTypedKey()
	closed := false
	c.SetOnTypedKey(func(e *fyne.KeyEvent) {
		if e.Name == fyne.KeyEscape && !closed {
			onEsc()
			return
		}
		if prev != nil {
			prev(e)
		}
	})
	d.SetOnClosed(func() {
		closed = true
		c.SetOnTypedKey(prev)
	})
	d.Show()
	if first != nil {
		c.Focus(first)
	}
}

// field is an Entry that hands Esc on to its window (which closes the
// dialog it is in) instead of swallowing it as widget.Entry does.
type field struct{ widget.Entry }

// newField returns a one-line field.
func newField() *field {
	e := &field{}
	e.Wrapping = fyne.TextWrapOff
	e.ExtendBaseWidget(e)
	return e
}

// newMultiLineField returns a field for several lines.
func newMultiLineField() *field {
	e := &field{}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// newPasswordField returns a field that hides what is typed, with a button
// that shows it.
func newPasswordField() *field {
	e := newField()
	e.Password = true
	var reveal *widget.Button
	reveal = widget.NewButtonWithIcon("", theme.VisibilityOffIcon(), func() {
		e.Password = !e.Password
		if e.Password {
			reveal.SetIcon(theme.VisibilityOffIcon())
		} else {
			reveal.SetIcon(theme.VisibilityIcon())
		}
		e.Refresh()
	})
	reveal.Importance = widget.LowImportance
	e.ActionItem = reveal
	return e
}

// TypedKey passes Esc to the window's key handler; every other key is the
// Entry's.
func (e *field) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		if c := fyne.CurrentApp().Driver().CanvasForObject(e); c != nil && c.OnTypedKey() != nil {
			c.Unfocus()
			c.OnTypedKey()(k)
		}
		return
	}
	e.Entry.TypedKey(k)
}

// dialogSize is want, made smaller where the window is: a dialog never
// makes the window grow (at the 1024x700 minimum it leaves a margin).
func dialogSize(w fyne.Window, want fyne.Size) fyne.Size {
	c := w.Canvas().Size()
	if c.Width <= 0 || c.Height <= 0 {
		return want
	}
	return fyne.NewSize(min(want.Width, c.Width-2*theme.Padding()*4), min(want.Height, c.Height-2*theme.Padding()*4))
}

// showInformation is dialog.ShowInformation that closes with Esc.
func showInformation(title, message string, w fyne.Window) {
	showDialog(dialog.NewInformation(title, message, w), w, nil)
}

// showErrorDialog is dialog.ShowError that closes with Esc.
func showErrorDialog(err error, w fyne.Window) {
	showDialog(dialog.NewError(err, w), w, nil)
}

// showConfirm is dialog.ShowConfirm that closes with Esc (as No).
func showConfirm(title, message string, callback func(bool), w fyne.Window) {
	showDialog(dialog.NewConfirm(title, message, callback, w), w, nil)
}

// attempt is a dialog's action that runs off the UI goroutine (listening,
// connecting): while it runs the button is disabled and the spinner shown;
// its error is shown in the dialog's problem line, or done runs on
// success. settled, when set, is called last either way (for tests).
type attempt struct {
	button  *widget.Button
	spinner *widget.ProgressBarInfinite
	problem *widget.Label
	settled func()
}

// run starts work; call it on the UI goroutine.
func (a attempt) run(work func() error, done func()) {
	a.problem.SetText("")
	a.button.Disable()
	a.spinner.Show()
	go func() {
		err := work()
		fyne.Do(func() {
			a.button.Enable()
			a.spinner.Hide()
			if a.settled != nil {
				defer a.settled()
			}
			if err != nil {
				a.problem.SetText(errorText(err))
				return
			}
			done()
		})
	}()
}
