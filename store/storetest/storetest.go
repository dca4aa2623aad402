// Package storetest checks that an implementation of store.Store follows
// the semantics documented on that interface. It is shared by the memory
// store and by the Redis store, and can check any other implementation:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
//			s, err := mystore.New(..., now)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// The checks never wait for time to pass: expiries are either an hour away
// or already in the past, so they suit stores whose clock cannot be faked.
package storetest

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
)

// NewStore returns an empty store for one subtest. The store must take
// the current time from now where it needs it (to tell whether an expiry is
// in the past); now follows the real clock, because some stores also rely
// on the clock of a server. Stores returned to different subtests must not
// see each other's keys (for example, use a fresh key prefix each time).
type NewStore func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance checks as subtests of t.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	for _, c := range append(cases[:len(cases):len(cases)], familyCases...) {
		t.Run(c.name, func(t *testing.T) {
			s := newStore(t, time.Now)
			c.run(t, s)
		})
	}
}

// cutoffEqual reports whether got is want, allowing a store to round want
// up to the millisecond (rounding up keeps a cutoff fail-closed).
func cutoffEqual(got, want time.Time) bool {
	d := got.Sub(want)
	return d >= 0 && d < time.Millisecond
}

var cases = []struct {
	name string
	run  func(t *testing.T, s store.Store)
}{
	{"RevokeRevoked", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		hour := time.Now().Add(time.Hour)
		for _, k := range []string{"jti:a", "", "with space", "ünïcødé", "nul\x00byte", strings.Repeat("k", 1000)} {
			if got := revoked(t, s, k); got {
				t.Fatalf("Revoked(%q) before Revoke = true", k)
			}
			if err := s.Revoke(ctx, k, hour); err != nil {
				t.Fatalf("Revoke(%q): %v", k, err)
			}
			if got := revoked(t, s, k); !got {
				t.Fatalf("Revoked(%q) after Revoke = false", k)
			}
		}
		if revoked(t, s, "jti:other") {
			t.Fatal("an unrelated key is revoked")
		}
	}},
	{"RevokedSeveralKeys", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.Revoke(ctx, "fam:1", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			keys []string
			want bool
		}{
			{nil, false},
			{[]string{"jti:1"}, false},
			{[]string{"jti:1", "fam:2"}, false},
			{[]string{"jti:1", "fam:1"}, true},
			{[]string{"fam:1", "jti:1"}, true},
			{[]string{"fam:1", "fam:1"}, true},
		}
		for _, tt := range tests {
			if got := revoked(t, s, tt.keys...); got != tt.want {
				t.Errorf("Revoked(%q) = %v, want %v", tt.keys, got, tt.want)
			}
		}
	}},
	{"RevokePastIsNoop", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		for _, until := range []time.Time{time.Now().Add(-time.Second), {}, time.Unix(0, 0)} {
			if err := s.Revoke(ctx, "jti:past", until); err != nil {
				t.Fatalf("Revoke(until %v): %v", until, err)
			}
			if revoked(t, s, "jti:past") {
				t.Fatalf("Revoke(until %v) recorded an entry", until)
			}
		}
	}},
	{"RevokeTwiceKeepsRevoked", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.Revoke(ctx, "jti:x", time.Now().Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// An earlier expiry neither shortens nor clears the revocation,
		// nor does one in the past.
		for _, until := range []time.Time{time.Now().Add(time.Hour), time.Now().Add(-time.Hour)} {
			if err := s.Revoke(ctx, "jti:x", until); err != nil {
				t.Fatal(err)
			}
			if !revoked(t, s, "jti:x") {
				t.Fatal("a second Revoke cleared the revocation")
			}
		}
	}},
	{"Consume", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		hour := time.Now().Add(time.Hour)
		steps := []struct {
			key  string
			want bool
		}{
			{"ott:1", true},
			{"ott:1", false},
			{"ott:2", true},
			{"ott:1", false},
			{"ott:2", false},
		}
		for i, st := range steps {
			got, err := s.Consume(ctx, st.key, hour)
			if err != nil {
				t.Fatalf("step %d: Consume(%q): %v", i, st.key, err)
			}
			if got != st.want {
				t.Fatalf("step %d: Consume(%q) = %v, want %v", i, st.key, got, st.want)
			}
		}
		if !revoked(t, s, "ott:1") {
			t.Error("a consumed key is not reported by Revoked")
		}
	}},
	{"ConsumeRevokedKey", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.Revoke(ctx, "jti:r", time.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Consume(ctx, "jti:r", time.Now().Add(time.Hour)); err != nil || ok {
			t.Fatalf("Consume(revoked key) = %v, %v; want false, nil", ok, err)
		}
	}},
	{"ConsumePastReportsFalse", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		for range 2 {
			if ok, err := s.Consume(ctx, "ott:past", time.Now().Add(-time.Second)); err != nil || ok {
				t.Fatalf("Consume(until in the past) = %v, %v; want false, nil", ok, err)
			}
		}
		if revoked(t, s, "ott:past") {
			t.Fatal("Consume(until in the past) recorded an entry")
		}
		// The key is still free for a use with a future expiry.
		if ok, err := s.Consume(ctx, "ott:past", time.Now().Add(time.Hour)); err != nil || !ok {
			t.Fatalf("Consume = %v, %v; want true, nil", ok, err)
		}
	}},
	{"ConsumeConcurrent", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		until := time.Now().Add(time.Hour)
		const n = 100
		var (
			wins  atomic.Int32
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make(chan error, n)
		)
		for range n {
			wg.Go(func() {
				<-start
				ok, err := s.Consume(ctx, "ott:race", until)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("Consume: %v", err)
		}
		if got := wins.Load(); got != 1 {
			t.Fatalf("%d of %d concurrent Consume calls got true, want exactly 1", got, n)
		}
	}},
	{"Cutoff", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		hour := time.Now().Add(time.Hour)
		base := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
		if got, err := s.Cutoff(ctx, "sub:a"); err != nil || !got.IsZero() {
			t.Fatalf("Cutoff before SetCutoff = %v, %v; want zero, nil", got, err)
		}
		steps := []struct {
			set, want time.Time
		}{
			{base, base},
			{base.Add(-time.Minute), base},                 // earlier never replaces later
			{base.Add(time.Minute), base.Add(time.Minute)}, // later replaces earlier
			{base.Add(1500 * time.Microsecond), base.Add(time.Minute)},
			{time.Time{}, base.Add(time.Minute)}, // zero is no cutoff
			{base.Add(time.Hour + 250*time.Microsecond), base.Add(time.Hour + 250*time.Microsecond)},
		}
		for i, st := range steps {
			if err := s.SetCutoff(ctx, "sub:a", st.set, hour); err != nil {
				t.Fatalf("step %d: SetCutoff(%v): %v", i, st.set, err)
			}
			got, err := s.Cutoff(ctx, "sub:a")
			if err != nil {
				t.Fatalf("step %d: Cutoff: %v", i, err)
			}
			if !cutoffEqual(got, st.want) {
				t.Fatalf("step %d: after SetCutoff(%v), Cutoff = %v, want %v", i, st.set, got, st.want)
			}
		}
		if got, err := s.Cutoff(ctx, "sub:b"); err != nil || !got.IsZero() {
			t.Fatalf("Cutoff(other key) = %v, %v; want zero, nil", got, err)
		}
	}},
	{"CutoffPastIsNoop", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.SetCutoff(ctx, "sub:p", time.Now(), time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Cutoff(ctx, "sub:p"); err != nil || !got.IsZero() {
			t.Fatalf("Cutoff after SetCutoff(until in the past) = %v, %v; want zero, nil", got, err)
		}
	}},
	{"KeySpacesAreSeparate", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		hour := time.Now().Add(time.Hour)
		if err := s.SetCutoff(ctx, "k", time.Now(), hour); err != nil {
			t.Fatal(err)
		}
		if revoked(t, s, "k") {
			t.Fatal("a cutoff makes its key revoked")
		}
		if err := s.Revoke(ctx, "r", hour); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Cutoff(ctx, "r"); err != nil || !got.IsZero() {
			t.Fatalf("Cutoff(revoked key) = %v, %v; want zero, nil", got, err)
		}
		if ok, err := s.Consume(ctx, "k", hour); err != nil || !ok {
			t.Fatalf("Consume(key with a cutoff) = %v, %v; want true, nil", ok, err)
		}
	}},
}

func revoked(t *testing.T, s store.Store, keys ...string) bool {
	t.Helper()
	ok, err := s.Revoked(context.Background(), keys...)
	if err != nil {
		t.Fatalf("Revoked(%q): %v", keys, err)
	}
	return ok
}
