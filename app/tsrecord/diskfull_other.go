//go:build !unix && !windows

package tsrecord

import (
	"errors"
	"syscall"
)

// isDiskFull reports whether err says the disk is full.
func isDiskFull(err error) bool { return errors.Is(err, syscall.ENOSPC) }
