//go:build unix

package cli

import (
	"errors"
	"syscall"
)

// inFlight reports whether the process pid still runs: its pending records
// are requests waiting for their answer. EPERM means it runs as another user.
func inFlight(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
