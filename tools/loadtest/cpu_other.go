//go:build !linux

package main

import "time"

// procCPU is not implemented outside Linux: the bench leaves the CPU
// columns empty.
func procCPU(int) (time.Duration, bool) { return 0, false }

// selfCPU is not implemented outside Linux.
func selfCPU() (time.Duration, bool) { return 0, false }
