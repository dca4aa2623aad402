package testclock

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	c := New()
	if !c.Now().Equal(T0) {
		t.Fatalf("New: %v, want %v", c.Now(), T0)
	}
	c.Advance(time.Minute)
	if got := c.Now().Sub(T0); got != time.Minute {
		t.Fatalf("Advance: moved %v, want 1m", got)
	}
	c.Set(T0.Add(-time.Hour))
	if got := c.Now().Sub(T0); got != -time.Hour {
		t.Fatalf("Set: at %v from T0, want -1h", got)
	}
	if !At(T0.Add(time.Second)).Now().Equal(T0.Add(time.Second)) {
		t.Fatal("At: wrong start")
	}
}
