package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/srtscope/srtscope/probe/ts"
)

// runFFmpeg runs one ffmpeg process to completion. feed, when not nil,
// writes the input to ffmpeg's stdin and returns when it has no more (or its
// context is done); stdin is then closed. Stderr lines go to p under pmu;
// thumbnails on stdout go to onThumb. It returns when the process has exited
// and every goroutine it started has finished, so no process is left behind.
// A live analysis (feed set) runs at a lower priority (backgroundNice); a
// file's is the command's whole job and keeps the normal one.
func runFFmpeg(ctx context.Context, path string, args []string,
	feed func(context.Context, io.Writer), p *outputParser, pmu *sync.Mutex,
	onThumb func(jpeg []byte, t float64)) error {

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(runCtx, path, args...)
	cmd.WaitDelay = 2 * time.Second
	var stdin io.WriteCloser
	var err error
	if feed != nil {
		if stdin, err = cmd.StdinPipe(); err != nil {
			return fmt.Errorf("media: ffmpeg stdin: %w", err)
		}
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("media: ffmpeg stdout: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return fmt.Errorf("media: ffmpeg stderr: %w", err)
	}
	start := cmd.Start
	if feed != nil {
		start = func() error { return startBackground(cmd) }
	}
	if err := start(); err != nil {
		return fmt.Errorf("media: starting ffmpeg: %w", err)
	}

	var tailMu sync.Mutex
	var tail []string
	var wg sync.WaitGroup
	wg.Go(func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			pmu.Lock()
			p.line(line)
			pmu.Unlock()
			if !strings.HasPrefix(line, "[Parsed_") {
				tailMu.Lock()
				tail = append(tail, line)
				if len(tail) > 6 {
					tail = tail[1:]
				}
				tailMu.Unlock()
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	})
	wg.Go(func() {
		mr := newMPJPEGReader(stdout)
		for {
			jpg, err := mr.Next()
			if err != nil {
				_, _ = io.Copy(io.Discard, stdout)
				return
			}
			pmu.Lock()
			t := p.thumbTime
			pmu.Unlock()
			if onThumb != nil {
				onThumb(jpg, t)
			}
		}
	})
	feedDone := make(chan struct{})
	if feed != nil {
		go func() {
			defer close(feedDone)
			feed(runCtx, stdin)
			_ = stdin.Close()
		}()
	} else {
		close(feedDone)
	}
	wg.Wait()
	werr := cmd.Wait()
	cancel()
	<-feedDone
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if werr != nil {
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			tailMu.Lock()
			msg := strings.Join(tail, " | ")
			tailMu.Unlock()
			return fmt.Errorf("media: ffmpeg exited with code %d: %s: %w", ee.ExitCode(), msg, werr)
		}
		return fmt.Errorf("media: ffmpeg: %w", werr)
	}
	return nil
}

// tsPackets cuts a byte stream into 188-byte packets, resynchronising on
// the sync byte.
type tsPackets struct {
	carry []byte
}

func (t *tsPackets) feed(b []byte, fn func(pkt []byte)) {
	buf := b
	if len(t.carry) > 0 {
		t.carry = append(t.carry, b...)
		buf = t.carry
	}
	i := 0
	for i+ts.PacketSize <= len(buf) {
		if buf[i] != ts.SyncByte || (i+ts.PacketSize < len(buf) && buf[i+ts.PacketSize] != ts.SyncByte) {
			i++
			continue
		}
		fn(buf[i : i+ts.PacketSize])
		i += ts.PacketSize
	}
	rest := buf[i:]
	t.carry = append(t.carry[:0:0], rest...)
}
