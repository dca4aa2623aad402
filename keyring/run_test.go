package keyring

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestRun: two rings running their loops on one backend, in fake time,
// rotate on schedule, once per period between them, and always have a key
// to issue with.
func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &flaky{Backend: NewMemory()}
		cfg := Config{
			Backend:      b,
			Policy:       Policy{RotateEvery: time.Hour, PublishAhead: 10 * time.Minute},
			Lifetimes:    []time.Duration{20 * time.Minute},
			SyncInterval: time.Minute,
		}
		var errs []error
		var mu sync.Mutex
		cfg.OnError = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
		ctx, cancel := context.WithCancel(t.Context())
		rings := []*Ring{mustNew(t, cfg), mustNew(t, cfg)}
		done := make(chan error, len(rings))
		for _, r := range rings {
			go func() { done <- r.Run(ctx) }()
		}
		start := time.Now()
		signers := map[string]bool{}
		for range 6 * 60 {
			time.Sleep(time.Minute)
			synctest.Wait()
			for _, r := range rings {
				e, err := r.Snapshot().Current(time.Now())
				if err != nil {
					t.Fatalf("at %v: %v", time.Since(start), err)
				}
				signers[e.ID()] = true
			}
		}
		cancel()
		for range rings {
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("Run returned %v", err)
			}
		}
		if len(signers) != 7 {
			t.Fatalf("%d keys signed in 6 hours of hourly rotation, want 7", len(signers))
		}
		// The first key; six publications (at 0:50, 1:50, ... 5:50), six
		// activations (1:00 ... 6:00) and five drops (RetainFor 20m after
		// each retirement, 1:20 ... 5:20): 18 writes between two rings.
		if n := b.writes.Load(); n != 18 {
			t.Fatalf("%d writes, want 18: changes were doubled or missed", n)
		}
		if len(errs) != 0 {
			t.Fatalf("errors: %v", errs)
		}
	})
}
