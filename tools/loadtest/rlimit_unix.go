//go:build unix

package main

import (
	"fmt"
	"syscall"
)

// fdSoft returns the soft open-file limit, or 0 when it is unknown.
func fdSoft() uint64 {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0
	}
	return l.Cur
}

// fdLimit describes the open-file limit of this process (Go raises the soft
// limit to the hard one at start-up).
func fdLimit() string {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return "unknown: " + err.Error()
	}
	return fmt.Sprintf("%d (hard %d)", l.Cur, l.Max)
}
