// Package app is srtscope's Fyne-free core, shared by the window, the
// command line and (later) the service: the Controller. It takes main's
// context and owns the feeds, the recordings database, the preset store,
// retention and the demo feeds. Each feed is one goroutine that owns its
// session, inspection, alarms, history and recording, runs the commands
// sent to it (start, stop, update, apply latency, acknowledge, tune) and
// publishes an immutable FeedView after every change; adapters read those
// snapshots and never take a lock on a feed.
package app

// Name is the product name shown to users.
const Name = "srtscope"

// Version is the release version. Release builds set it with
// -ldflags "-X github.com/srtscope/srtscope/app.Version=...".
var Version = "0.1.0"
