package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/srtscope/srtscope/assets"
	"github.com/srtscope/srtscope/session"
)

const sendUsage = `URL (--file F.ts | --demo) [--duration D] [--loop]

Send an MPEG-TS file, or the built-in bars-and-tone demo clip, over SRT at its
real-time pace (taken from the PCR), as caller (srt://HOST:PORT) or listener
(srt://:PORT). A caller reconnects after a drop and carries on.

Examples:
  srtscope send srt://127.0.0.1:9000 --demo --loop
  srtscope send "srt://:9000?mode=listener&passphrase=..." --file feed.ts --duration 60s`

func runSend(ctx context.Context, args []string, std IO) int {
	fs := newFlagSet("send", sendUsage, std)
	file := fs.String("file", "", "MPEG-TS `FILE` to send")
	demo := fs.Bool("demo", false, "send the built-in bars-and-tone demo clip")
	duration := relayDurationFlag(fs, "duration", "stop after `D`, e.g. 60s (default: at the end of the input, or until interrupted with --loop)")
	loop := fs.Bool("loop", false, "start again at the end of the input")
	pos, code, ok := parseFlags(fs, args, std)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		return usageError(std, "send", "expected one URL (srt://[host]:port?...), got %d arguments", len(pos))
	}
	if (*file == "") == !*demo {
		return usageError(std, "send", "give exactly one of --file F.ts or --demo")
	}
	if *duration < 0 {
		return usageError(std, "send", "--duration %s: allowed a positive duration such as 60s", *duration)
	}
	cfg, notes, err := session.ParseURL(pos[0])
	var fe *session.FieldError
	if errors.As(err, &fe) {
		return usageError(std, "send", "%s", fe.Message())
	} else if err != nil {
		return usageError(std, "send", "%v", err)
	}
	for _, n := range notes {
		fmt.Fprintf(std.Stderr, "srtscope send: note: %s\n", n)
	}

	var src io.ReaderAt
	var size int64
	name := "demo clip"
	if *demo {
		src, size = bytes.NewReader(assets.DemoTS), int64(len(assets.DemoTS))
	} else {
		f, err := os.Open(*file)
		if err != nil {
			return usageError(std, "send", "--file %q: cannot open it (%v); allowed: a readable MPEG-TS file", *file, errors.Unwrap(err))
		}
		defer func() { _ = f.Close() }()
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() || st.Size() == 0 {
			return usageError(std, "send", "--file %q: allowed: a non-empty regular MPEG-TS file", *file)
		}
		src, size, name = f, st.Size(), *file
	}
	s, err := session.NewSender(cfg, src, size, session.SenderOptions{Loop: *loop})
	if err != nil {
		return failure(std, "send", err)
	}
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	sub := s.Subscribe(0)
	runErr := make(chan error, 1)
	go func() { runErr <- s.Run(ctx) }()
	fmt.Fprintf(std.Stderr, "srtscope send: %s (%.2f Mbit/s, %.2f s) to %s as %s (%s)\n",
		name, s.Bitrate()/1e6, s.MediaDuration().Seconds(), cfg.RedactedURL(), cfg.Mode, stopAfter(*duration))
	for e := range sub.Events {
		fmt.Fprintf(std.Stdout, "%s event %s: %s\n", e.Time.Format("15:04:05"), e.Kind, e.Detail)
	}
	err = <-runErr
	st := s.Stats()
	fmt.Fprintf(std.Stdout, "sent %d packets (%d bytes), %d connections\n", st.PktsSent, st.BytesSent, st.Connects)
	if err != nil {
		return failure(std, "send", err)
	}
	if st.Connects == 0 {
		if last := s.LastError(); last != nil {
			return failure(std, "send", last)
		}
		return failure(std, "send", fmt.Errorf("no peer connected to %s: check the receiver's address, port and passphrase", cfg.Address()))
	}
	return ExitOK
}
