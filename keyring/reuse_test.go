package keyring

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
)

// losing is a Memory backend that can lose its data, as a Redis server
// restarted without persistence does.
type losing struct {
	mu sync.Mutex
	m  *Memory
}

func (l *losing) inMemory() {}

func (l *losing) mem() *Memory { l.mu.Lock(); defer l.mu.Unlock(); return l.m }

func (l *losing) lose() { l.mu.Lock(); l.m = NewMemory(); l.mu.Unlock() }

func (l *losing) Load(ctx context.Context) (Record, error) { return l.mem().Load(ctx) }

func (l *losing) CompareAndSwap(ctx context.Context, old uint64, rec Record) error {
	return l.mem().CompareAndSwap(ctx, old, rec)
}

// TestLostDataVersionReused: after the backend loses its data, one ring
// stores its copy again and changes it until the version counts back up to
// the version of another ring's old copy. That ring must read the new
// state, not take its old copy for it (and swap its own keys over the
// fleet's).
func TestLostDataVersionReused(t *testing.T) {
	clk := testclock.New()
	b := &losing{m: NewMemory()}
	cfg := testConfig(clk, b)
	cfg.Policy.MaxKeys = 20
	a, other := mustNew(t, cfg), mustNew(t, cfg)
	ctx := context.Background()
	for range 2 {
		if _, err := a.Rotate(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Advance(11 * time.Minute)
		mustTick(t, a)
	}
	mustTick(t, other)
	old, _ := b.Load(ctx)

	b.lose()
	mustTick(t, a) // stores its copy again, as version 1
	// Each step stores one change, until the version is the old one.
	for i := 0; ; i++ {
		if i%2 == 0 {
			if _, err := a.Rotate(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			clk.Advance(11 * time.Minute)
			mustTick(t, a)
		}
		if rec, _ := b.Load(ctx); rec.Version >= old.Version {
			if rec.Version != old.Version {
				t.Fatalf("version %d, want %d", rec.Version, old.Version)
			}
			break
		}
	}
	mustTick(t, other)
	ids := func(r *Ring) (out []string) {
		for _, e := range r.Snapshot().Keys() {
			out = append(out, e.ID()+":"+e.Info().State.String())
		}
		return out
	}
	got, want := ids(other), ids(a)
	if len(got) != len(want) {
		t.Fatalf("the other ring sees %v, want %v", got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("the other ring sees %v, want %v", got, want)
		}
	}
}
