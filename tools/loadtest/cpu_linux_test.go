//go:build linux

package main

import (
	"os"
	"testing"
	"time"
)

// TestProcCPU checks the /proc reading against getrusage for this very
// process: both count the CPU time spent here, so after a busy loop of
// 50 ms of CPU both must have grown by about as much (the /proc figure
// has 10 ms ticks).
func TestProcCPU(t *testing.T) {
	p0, ok1 := procCPU(os.Getpid())
	s0, ok2 := selfCPU()
	if !ok1 || !ok2 {
		t.Fatalf("procCPU ok=%v, selfCPU ok=%v", ok1, ok2)
	}
	x := 0
	for {
		for i := range 100000 {
			x += i
		}
		if s, _ := selfCPU(); s-s0 >= 50*time.Millisecond {
			break
		}
	}
	p1, _ := procCPU(os.Getpid())
	s1, _ := selfCPU()
	dp, ds := p1-p0, s1-s0
	if dp < ds/2 || dp > ds*2+20*time.Millisecond {
		t.Errorf("/proc says %v of CPU, getrusage %v (x=%d)", dp, ds, x)
	}
	if _, ok := procCPU(-1); ok {
		t.Error("procCPU(-1) ok")
	}
}
