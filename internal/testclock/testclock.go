// Package testclock is the one injectable clock of this module's tests:
// every Config has a Now func() time.Time, and tests pass [Clock.Now].
//
// Tests that need real timers and goroutines to agree with a fake time use
// testing/synctest instead; Clock is for code that only reads the time.
package testclock

import (
	"sync"
	"time"
)

// T0 is the time every new Clock starts at: a fixed instant in the future,
// in UTC, so tests never depend on the real date.
var T0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// Clock is a manually advanced clock, safe for concurrent use.
// The zero value is not usable; call [New].
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a Clock at [T0].
func New() *Clock { return &Clock{t: T0} }

// At returns a Clock at t.
func At(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time. Pass the method value as a Config's Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, forwards or backwards.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock by d (negative d moves it back).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
