package keyring

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
)

// flaky is a Backend that fails while down is set, and counts its writes.
type flaky struct {
	Backend
	down   atomic.Bool
	writes atomic.Int64
}

func (f *flaky) inMemory() {}

var errDown = errors.New("backend down")

func (f *flaky) Load(ctx context.Context) (Record, error) {
	if f.down.Load() {
		return Record{}, errDown
	}
	return f.Backend.Load(ctx)
}

func (f *flaky) CompareAndSwap(ctx context.Context, old uint64, rec Record) error {
	if f.down.Load() {
		return errDown
	}
	err := f.Backend.CompareAndSwap(ctx, old, rec)
	if err == nil {
		f.writes.Add(1)
	}
	return err
}

// testPolicy: rotate hourly, publish 10 minutes ahead, keep 30 minutes.
var testPolicy = Policy{RotateEvery: time.Hour, PublishAhead: 10 * time.Minute}

func testConfig(clk *testclock.Clock, b Backend) Config {
	return Config{
		Backend:   b,
		Policy:    testPolicy,
		Lifetimes: []time.Duration{25 * time.Minute},
		Leeway:    5 * time.Minute,
		Now:       clk.Now,
	}
}

func mustNew(t testing.TB, cfg Config) *Ring {
	t.Helper()
	r, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

func mustTick(t testing.TB, r *Ring) {
	t.Helper()
	if err := r.Tick(context.Background()); err != nil {
		t.Fatalf("Tick: %v", err)
	}
}

// states returns the states of the snapshot's keys, in order.
func states(s *Snapshot) []KeyState {
	var out []KeyState
	for _, e := range s.Keys() {
		out = append(out, e.Info().State)
	}
	return out
}

func equalStates(a []KeyState, b ...KeyState) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// syncedClock lets goroutines share a testclock safely (it already is).
var _ sync.Locker = (*sync.Mutex)(nil)
