package storetest

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
)

// familyBound is implemented by stores that report their bound on the
// families of one owner; the eviction check uses it (and
// store.DefaultMaxFamiliesPerUser otherwise).
type familyBound interface{ MaxFamiliesPerUser() int }

func rotate(t *testing.T, s store.Store, owner, fam, from, to string, retryUntil time.Time) store.Rotation {
	t.Helper()
	r, err := s.RotateFamily(context.Background(), owner, fam, from, to, retryUntil, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatalf("RotateFamily(%q, %q -> %q): %v", fam, from, to, err)
	}
	return r
}

func familyLive(t *testing.T, s store.Store, fam string) bool {
	t.Helper()
	st, err := s.Check(context.Background(), store.Check{Family: fam})
	if err != nil {
		t.Fatalf("Check(family %q): %v", fam, err)
	}
	return !st.Revoked
}

var familyCases = []struct {
	name string
	run  func(t *testing.T, s store.Store)
}{
	{"FamilyRotation", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const o, f = "{u1}fams", "{u1}fam:a"
		hour := time.Now().Add(time.Hour)
		if familyLive(t, s, f) {
			t.Fatal("a family is live before CreateFamily")
		}
		if got := rotate(t, s, o, f, "0", "1", hour); got != store.FamilyGone {
			t.Fatalf("RotateFamily before CreateFamily = %v, want FamilyGone", got)
		}
		if err := s.CreateFamily(ctx, o, f, "0", hour); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateFamily(ctx, o, f, "0", hour); err == nil {
			t.Fatal("CreateFamily of a live family succeeded")
		}
		steps := []struct {
			from, to   string
			retryUntil time.Time
			want       store.Rotation
		}{
			{"0", "1", hour, store.FamilyRotated},
			{"0", "1", hour, store.FamilyRetried}, // the answer was lost: retry
			{"0", "1", hour, store.FamilyRetried},
			{"1", "2", time.Now().Add(-time.Second), store.FamilyRotated}, // no window
			{"1", "2", hour, store.FamilyReused},                          // after the window: theft
		}
		for i, st := range steps {
			if got := rotate(t, s, o, f, st.from, st.to, st.retryUntil); got != st.want {
				t.Fatalf("step %d: RotateFamily(%s -> %s) = %v, want %v", i, st.from, st.to, got, st.want)
			}
		}
		if familyLive(t, s, f) {
			t.Fatal("the family is live after a reuse")
		}
		if got := rotate(t, s, o, f, "2", "3", hour); got != store.FamilyGone {
			t.Fatalf("RotateFamily after a reuse = %v, want FamilyGone", got)
		}
	}},
	{"FamilyRetryOnlyOfTheLastRotation", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const o, f = "{u2}fams", "{u2}fam:a"
		hour := time.Now().Add(time.Hour)
		if err := s.CreateFamily(ctx, o, f, "0", hour); err != nil {
			t.Fatal(err)
		}
		rotate(t, s, o, f, "0", "1", hour)
		rotate(t, s, o, f, "1", "2", hour)
		// The client used 1, so it saw the answer to 0: 0 again is theft.
		if got := rotate(t, s, o, f, "0", "1", hour); got != store.FamilyReused {
			t.Fatalf("RotateFamily(0 -> 1) after 1 -> 2 = %v, want FamilyReused", got)
		}
		// A retry must ask for the same successor.
		if err := s.CreateFamily(ctx, o, "{u2}fam:b", "0", hour); err != nil {
			t.Fatal(err)
		}
		rotate(t, s, o, "{u2}fam:b", "0", "1", hour)
		if got := rotate(t, s, o, "{u2}fam:b", "0", "9", hour); got != store.FamilyReused {
			t.Fatalf("RotateFamily(0 -> 9) after 0 -> 1 = %v, want FamilyReused", got)
		}
	}},
	{"FamilyRevoke", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const o = "{u3}fams"
		hour := time.Now().Add(time.Hour)
		for _, f := range []string{"{u3}fam:a", "{u3}fam:b"} {
			if err := s.CreateFamily(ctx, o, f, "0", hour); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RevokeFamily(ctx, o, "{u3}fam:a"); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeFamily(ctx, o, "{u3}fam:none"); err != nil {
			t.Fatalf("RevokeFamily of a missing family: %v", err)
		}
		if familyLive(t, s, "{u3}fam:a") || !familyLive(t, s, "{u3}fam:b") {
			t.Fatal("RevokeFamily deleted the wrong family")
		}
		if got := rotate(t, s, o, "{u3}fam:a", "0", "1", hour); got != store.FamilyGone {
			t.Fatalf("RotateFamily of a revoked family = %v, want FamilyGone", got)
		}
	}},
	{"FamilyPastIsNoop", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		if err := s.CreateFamily(ctx, "{u4}fams", "{u4}fam:p", "0", time.Now().Add(-time.Second)); err != nil {
			t.Fatal(err)
		}
		if familyLive(t, s, "{u4}fam:p") {
			t.Fatal("CreateFamily(until in the past) recorded a family")
		}
	}},
	{"FamilyBoundPerOwner", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		n := store.DefaultMaxFamiliesPerUser
		if b, ok := s.(familyBound); ok {
			n = b.MaxFamiliesPerUser()
		}
		const o = "{u5}fams"
		base := time.Now().Add(time.Hour)
		fam := func(i int) string { return "{u5}fam:" + strconv.Itoa(i) }
		// Family i expires i seconds after base: 0 expires soonest.
		for i := range n + 2 {
			if err := s.CreateFamily(ctx, o, fam(i), "0", base.Add(time.Duration(i)*time.Second)); err != nil {
				t.Fatalf("CreateFamily %d: %v", i, err)
			}
		}
		for i := range n + 2 {
			if want := i >= 2; familyLive(t, s, fam(i)) != want {
				t.Fatalf("family %d of %d (bound %d): live = %v, want %v", i, n+2, n, !want, want)
			}
		}
		// Another owner is not touched.
		if err := s.CreateFamily(ctx, "{u6}fams", "{u6}fam:x", "0", base); err != nil {
			t.Fatal(err)
		}
		if !familyLive(t, s, fam(n+1)) || !familyLive(t, s, "{u6}fam:x") {
			t.Fatal("another owner's family evicted one")
		}
	}},
	{"FamilyRotateConcurrent", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		const o, f = "{u7}fams", "{u7}fam:r"
		hour := time.Now().Add(time.Hour)
		if err := s.CreateFamily(ctx, o, f, "0", hour); err != nil {
			t.Fatal(err)
		}
		const n = 64
		var (
			wins  atomic.Int32
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make(chan error, n)
		)
		for range n {
			wg.Go(func() {
				<-start
				// No retry window: every loser is a reuse.
				r, err := s.RotateFamily(ctx, o, f, "0", "1", time.Time{}, hour)
				if err != nil {
					errs <- err
					return
				}
				if r == store.FamilyRotated {
					wins.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("RotateFamily: %v", err)
		}
		if got := wins.Load(); got != 1 {
			t.Fatalf("%d of %d concurrent rotations won, want exactly 1", got, n)
		}
	}},
	{"Check", func(t *testing.T, s store.Store) {
		ctx := context.Background()
		hour := time.Now().Add(time.Hour)
		cut := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := s.CreateFamily(ctx, "{c}fams", "{c}fam:1", "0", hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Revoke(ctx, "{c}jti:r", hour); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCutoff(ctx, "{c}sub:c", cut, hour); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			c       store.Check
			revoked bool
			cutoff  time.Time
		}{
			{store.Check{}, false, time.Time{}},
			{store.Check{Keys: []string{"{c}jti:ok"}, Family: "{c}fam:1", Cutoff: "{c}sub:c"}, false, cut},
			{store.Check{Keys: []string{"{c}jti:ok", "{c}jti:r"}, Family: "{c}fam:1"}, true, time.Time{}},
			{store.Check{Keys: []string{"{c}jti:ok"}, Family: "{c}fam:2", Cutoff: "{c}sub:c"}, true, cut},
			{store.Check{Cutoff: "{c}sub:none"}, false, time.Time{}},
			// Keys of different groups are still answered.
			{store.Check{Keys: []string{"{x}jti:ok", "{c}jti:r"}, Family: "{y}fam:1", Cutoff: "{c}sub:c"}, true, cut},
		}
		for i, tt := range tests {
			st, err := s.Check(ctx, tt.c)
			if err != nil {
				t.Fatalf("case %d: Check: %v", i, err)
			}
			if st.Revoked != tt.revoked || !cutoffEqual(st.Cutoff, tt.cutoff) && !(tt.cutoff.IsZero() && st.Cutoff.IsZero()) {
				t.Errorf("case %d: Check = %+v, want revoked %v, cutoff %v", i, st, tt.revoked, tt.cutoff)
			}
		}
	}},
}
