// Package session opens SRT sessions over gosrt (caller, listener, sender),
// samples trustworthy statistics once per second and reports events in words.
// It never imports probe, app or Fyne: received TS bytes go to a Sink.
package session
