package main

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
)

// loadResult is what load measured.
type loadResult struct {
	elapsed time.Duration   // the measured window
	lats    []time.Duration // sorted latencies of the calls that ended in it
}

func (r loadResult) requests() int      { return len(r.lats) }
func (r loadResult) rate() float64      { return float64(len(r.lats)) / r.elapsed.Seconds() }
func (r loadResult) p50() time.Duration { return percentile(r.lats, 50) }
func (r loadResult) p99() time.Duration { return percentile(r.lats, 99) }

// add merges two results of the same load into one.
func (r loadResult) add(s loadResult) loadResult {
	lats := slices.Concat(r.lats, s.lats)
	slices.Sort(lats)
	return loadResult{elapsed: r.elapsed + s.elapsed, lats: lats}
}

// load calls fn(w) in a loop in each of n goroutines (w = 0..n-1) for
// warmup, then for dur, and stops. Calls that end inside the measured
// window count as requests, with their latency; fn reports failures itself.
// Each goroutine keeps its latencies in its own slice, merged at the end.
func load(n int, warmup, dur time.Duration, fn func(w int)) loadResult {
	return loadMarked(n, warmup, dur, fn, nil)
}

// loadMarked is load that also calls mark(false) when the measured window
// opens and mark(true) when it closes, from one goroutine of its own while
// the calls run, for a caller that samples something over the window
// (the bench's CPU time). mark may be nil.
func loadMarked(n int, warmup, dur time.Duration, fn func(w int), mark func(end bool)) loadResult {
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+dur)
	if mark != nil {
		done := make(chan struct{})
		go func() { // one goroutine: the two marks are ordered
			defer close(done)
			time.Sleep(time.Until(from))
			mark(false)
			time.Sleep(time.Until(until))
			mark(true)
		}()
		defer func() { <-done }()
	}
	lats := make([][]time.Duration, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]time.Duration, 0, 1024)
			for {
				t0 := time.Now()
				if !t0.Before(until) {
					break
				}
				fn(w)
				t1 := time.Now()
				if t1.After(from) && !t1.After(until) {
					lat = append(lat, t1.Sub(t0))
				}
			}
			lats[w] = lat
		}()
	}
	wg.Wait()
	all := slices.Concat(lats...)
	slices.Sort(all)
	return loadResult{elapsed: dur, lats: all}
}

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p% of the values
// at or below it. It returns 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
