//go:build unix

package state

import "syscall"

// openNoBlock opens a FIFO without waiting for a writer and refuses a final
// symbolic link; readConfined then refuses whatever is not a regular file.
const openNoBlock = syscall.O_NONBLOCK | syscall.O_NOFOLLOW | syscall.O_CLOEXEC

// openNoBlockFollow is openNoBlock for configuration files, which the command
// line may name through a symbolic link.
const openNoBlockFollow = syscall.O_NONBLOCK | syscall.O_CLOEXEC
