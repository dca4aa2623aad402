package bench

import (
	"syscall"
	"testing"
	"time"
)

// processCPU is the CPU time the process has used so far, user and system,
// across all its threads (the garbage collector's included).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter starts measuring; the function it returns reports the process
// CPU time per iteration as the extra metric cpu-ns/op. Call it right
// before the b.Loop loop and right after it.
//
// On a shared machine, wall-clock ns/op grows with whatever else runs; the
// CPU this process used per operation does much less, so scripts/bench.sh
// takes its ratios from cpu-ns/op and shows ns/op beside it.
func cpuMeter(b *testing.B) (stop func()) {
	start := processCPU(b)
	return func() {
		if b.N > 0 {
			b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
		}
	}
}
