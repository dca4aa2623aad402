package app

import (
	"context"
	"sync"
	"time"
)

// outageQuiet is how long without a failure ends an outage.
const outageQuiet = 3 * time.Second

// outageLog logs one line when the store (or a ring's backend) starts
// failing and one when it has answered again for outageQuiet, with the
// number of failures in between: not one line per request.
type outageLog struct {
	now  func() time.Time
	logf func(string, ...any)

	mu    sync.Mutex
	start time.Time // zero when no outage is open
	last  time.Time
	count int
}

// fail records a failure of what (a short fixed text).
func (o *outageLog) fail(what string, err error) {
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.start.IsZero() {
		o.start = now
		o.logf("store outage: %s failed: %v (further failures are counted, not logged)", what, err)
	}
	o.last = now
	o.count++
}

// check closes an outage that has been quiet for outageQuiet.
func (o *outageLog) check() {
	now := o.now()
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.start.IsZero() && now.Sub(o.last) >= outageQuiet {
		o.logf("store outage over: %d failures in %v", o.count, o.last.Sub(o.start).Round(time.Millisecond))
		o.start, o.count = time.Time{}, 0
	}
}

// run checks every second until ctx ends.
func (o *outageLog) run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			o.check()
		}
	}
}
