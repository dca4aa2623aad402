// Package keyringtest checks that a [keyring.Backend] keeps the contract
// rings rely on: an empty backend loads as version zero, a
// compare-and-swap stores exactly version old+1 and only over version old,
// and of concurrent swaps from one version exactly one wins. A backend in
// another module (Redis, a database) runs [Run] from its tests.
package keyringtest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// recorder is a Backend that keeps every record stored, in memory.
type recorder struct {
	mu   sync.Mutex
	recs []keyring.Record
}

func (r *recorder) Load(context.Context) (keyring.Record, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.recs) == 0 {
		return keyring.Record{}, nil
	}
	return r.recs[len(r.recs)-1], nil
}

func (r *recorder) CompareAndSwap(_ context.Context, old uint64, rec keyring.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if uint64(len(r.recs)) != old {
		return keyring.ErrConflict
	}
	r.recs = append(r.recs, keyring.Record{Version: rec.Version, Data: bytes.Clone(rec.Data)})
	return nil
}

// Records returns n successive records of one ring (versions 1 to n), as a
// ring writes them: serialized state with its keys wrapped under
// wrappingKey, a v4 local key.
func Records(tb testing.TB, wrappingKey *paseto.SymmetricKey, n int) []keyring.Record {
	tb.Helper()
	clk := testclock.New()
	rec := &recorder{}
	r, err := keyring.New(context.Background(), ringConfig(rec, wrappingKey, clk))
	if err != nil {
		tb.Fatalf("keyringtest: %v", err)
	}
	for len(rec.recs) < n {
		clk.Advance(10 * time.Minute)
		if err := r.Tick(context.Background()); err != nil {
			tb.Fatalf("keyringtest: %v", err)
		}
	}
	return rec.recs[:n]
}

func ringConfig(b keyring.Backend, wk *paseto.SymmetricKey, clk *testclock.Clock) keyring.Config {
	return keyring.Config{
		Backend:     b,
		WrappingKey: wk,
		Policy:      keyring.Policy{RotateEvery: time.Hour, PublishAhead: 10 * time.Minute},
		Lifetimes:   []time.Duration{30 * time.Minute},
		Now:         clk.Now,
	}
}

// NewBackend returns an empty [keyring.Backend] for one check, not shared
// with any other.
type NewBackend func(t *testing.T) keyring.Backend

// Run runs the contract's checks against backends made by newBackend.
func Run(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	wk, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		t.Fatal(err)
	}
	recs := Records(t, wk, 4)
	load := func(t *testing.T, b keyring.Backend, want keyring.Record) {
		t.Helper()
		got, err := b.Load(ctx)
		if err != nil {
			t.Fatalf("Load: %v", err)
		}
		if got.Version != want.Version || !bytes.Equal(got.Data, want.Data) {
			t.Fatalf("Load: version %d, want %d (or other data)", got.Version, want.Version)
		}
	}

	t.Run("Empty", func(t *testing.T) {
		load(t, newBackend(t), keyring.Record{})
	})
	t.Run("Swap", func(t *testing.T) {
		b := newBackend(t)
		for i, rec := range recs {
			if err := b.CompareAndSwap(ctx, uint64(i), rec); err != nil {
				t.Fatalf("CompareAndSwap(%d): %v", i, err)
			}
			load(t, b, rec)
		}
	})
	t.Run("Conflict", func(t *testing.T) {
		b := newBackend(t)
		if err := b.CompareAndSwap(ctx, 1, recs[1]); !errors.Is(err, keyring.ErrConflict) {
			t.Fatalf("swap from 1 on an empty backend: %v, want ErrConflict", err)
		}
		load(t, b, keyring.Record{})
		if err := b.CompareAndSwap(ctx, 0, recs[0]); err != nil {
			t.Fatal(err)
		}
		if err := b.CompareAndSwap(ctx, 0, recs[0]); !errors.Is(err, keyring.ErrConflict) {
			t.Fatalf("second swap from 0: %v, want ErrConflict", err)
		}
		if err := b.CompareAndSwap(ctx, 2, recs[2]); !errors.Is(err, keyring.ErrConflict) {
			t.Fatalf("swap from 2 over version 1: %v, want ErrConflict", err)
		}
		load(t, b, recs[0])
	})
	t.Run("DataIsTheCallers", func(t *testing.T) {
		b := newBackend(t)
		rec := keyring.Record{Version: 1, Data: bytes.Clone(recs[0].Data)}
		if err := b.CompareAndSwap(ctx, 0, rec); err != nil {
			t.Fatal(err)
		}
		clear(rec.Data)
		got, _ := b.Load(ctx)
		clear(got.Data)
		load(t, b, recs[0])
	})
	t.Run("ConcurrentSwaps", func(t *testing.T) {
		b := newBackend(t)
		if err := b.CompareAndSwap(ctx, 0, recs[0]); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 8 {
			wg.Go(func() {
				err := b.CompareAndSwap(ctx, 1, recs[1])
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					wins++
				case !errors.Is(err, keyring.ErrConflict):
					t.Errorf("CompareAndSwap: %v", err)
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d of 8 concurrent swaps from one version won", wins)
		}
		load(t, b, recs[1])
	})
	t.Run("Rings", func(t *testing.T) {
		// Rings sharing the backend make one rotation per period.
		b := newBackend(t)
		clk := testclock.New()
		t0 := clk.Now()
		rings := make([]*keyring.Ring, 3)
		cfg := ringConfig(b, wk, clk)
		if _, ok := b.(*keyring.Memory); ok {
			cfg.WrappingKey = nil // Memory holds keys unwrapped
		}
		for i := range rings {
			r, err := keyring.New(ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			rings[i] = r
		}
		for _, at := range []time.Duration{50 * time.Minute, time.Hour} {
			clk.Set(t0.Add(at))
			var wg sync.WaitGroup
			for _, r := range rings {
				wg.Go(func() {
					if _, err := r.Rotate(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		rec, err := b.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Version != 3 {
			t.Fatalf("version %d after one rotation by three rings, want 3 (create, publish, activate)", rec.Version)
		}
	})
}
