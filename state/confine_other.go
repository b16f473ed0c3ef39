//go:build !unix

package state

// Outside Unix there are no FIFOs to block on in the file system; the
// callers have already refused anything but a regular file.
const (
	openNoBlock       = 0
	openNoBlockFollow = 0
)
