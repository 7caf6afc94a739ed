package media

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
)

// startBackground starts cmd at backgroundNice. On Linux the nice value
// belongs to a thread and a child inherits its parent thread's, so cmd is
// started from a thread of its own, lowered first; the goroutine ends
// locked to it, so the runtime discards the thread rather than run other
// goroutines at the lower priority. The main thread is never discarded
// (the runtime parks it instead), so from there it starts cmd from another
// thread, holding the main one meanwhile so that the other cannot be it.
func startBackground(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if syscall.Gettid() == syscall.Getpid() {
			err := startBackground(cmd)
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		// Never unlocked from here: the thread goes with the goroutine.
		if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), backgroundNice); err != nil {
			errc <- fmt.Errorf("media: lowering ffmpeg's priority: %w", err)
			return
		}
		errc <- cmd.Start()
	}()
	return <-errc
}
