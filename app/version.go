// Package app is srtscope's Fyne-free core: the Controller that owns
// sessions, recording and alarms, shared by the GUI and the command line.
package app

// Name is the product name shown to users.
const Name = "srtscope"

// Version is the release version. Release builds set it with
// -ldflags "-X github.com/srtscope/srtscope/app.Version=...".
var Version = "0.1.0"
