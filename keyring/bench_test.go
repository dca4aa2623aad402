package keyring

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/paseto"
)

// staticKeys is what a component holds for a static key list today: an
// atomically swapped struct with the issuing key and a map by kid.
type staticKeys struct {
	signer *paseto.SecretKey
	byID   map[string]*paseto.PublicKey
}

// benchRing returns a ring with a next, a current and a retired key, and
// the kid of the retired one.
func benchRing(b *testing.B) (*Ring, *testclock.Clock, string) {
	clk := testclock.New()
	cfg := testConfig(clk, nil)
	cfg.Lifetimes = []time.Duration{2 * time.Hour}
	r := mustNew(b, cfg)
	first := r.Snapshot().Keys()[0].ID()
	for _, d := range []time.Duration{50 * time.Minute, 10 * time.Minute, 50 * time.Minute} {
		clk.Advance(d)
		mustTick(b, r)
	}
	if len(r.Snapshot().Keys()) != 3 {
		b.Fatal("want 3 keys")
	}
	return r, clk, first
}

// BenchmarkSnapshot compares what Issue and Verify pay to find their key:
// a static key list (one atomic load, one map lookup) against a ring
// Source (one interface call and atomic load, a time comparison, one map
// lookup and a time comparison). Run with -count and benchstat: the ring
// costs nanoseconds more than the static case, and "sign" shows what that
// is next to one signature (the 1.05x budget of Issue and Verify).
func BenchmarkSnapshot(b *testing.B) {
	r, clk, kid := benchRing(b)
	now := clk.Now()
	s := r.Snapshot()
	cur, _ := s.Current(now)
	var static atomic.Pointer[staticKeys]
	sk := &staticKeys{signer: cur.SecretKey(), byID: map[string]*paseto.PublicKey{}}
	for _, e := range s.Keys() {
		sk.byID[e.ID()] = e.PublicKey()
	}
	static.Store(sk)
	var src Source = r

	b.Run("static/issue", func(b *testing.B) {
		for b.Loop() {
			if static.Load().signer == nil {
				b.Fatal("no key")
			}
		}
	})
	b.Run("ring/issue", func(b *testing.B) {
		for b.Loop() {
			if e, err := src.Snapshot().Current(now); err != nil || e == nil {
				b.Fatal("no key")
			}
		}
	})
	b.Run("static/verify", func(b *testing.B) {
		for b.Loop() {
			if static.Load().byID[kid] == nil {
				b.Fatal("no key")
			}
		}
	})
	b.Run("ring/verify", func(b *testing.B) {
		for b.Loop() {
			if _, ok := src.Snapshot().Lookup(kid, now); !ok {
				b.Fatal("no key")
			}
		}
	})
	b.Run("ring/verify-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok := src.Snapshot().Lookup(kid, now); !ok {
					b.Fatal("no key")
				}
			}
		})
	})
	payload := []byte(`{"sub":"alice","exp":"2030-01-01T13:00:00Z"}`)
	b.Run("static/sign", func(b *testing.B) {
		for b.Loop() {
			if _, err := paseto.Sign(static.Load().signer, payload, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ring/sign", func(b *testing.B) {
		for b.Loop() {
			e, err := src.Snapshot().Current(now)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := paseto.Sign(e.SecretKey(), payload, nil, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestSnapshotAllocs: finding a key allocates nothing.
func TestSnapshotAllocs(t *testing.T) {
	clk := testclock.New()
	r := mustNew(t, testConfig(clk, nil))
	var src Source = r
	now := clk.Now()
	id := r.Snapshot().Keys()[0].ID()
	if n := testing.AllocsPerRun(100, func() {
		s := src.Snapshot()
		s.Current(now)
		s.Lookup(id, now)
	}); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}
