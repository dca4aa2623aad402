package store_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/storetest"
)

func TestMemoryRememberConformance(t *testing.T) {
	storetest.RunRemember(t, func(t *testing.T, now func() time.Time) store.RememberStore {
		s, err := store.NewMemoryRemember(store.MemoryConfig{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestMemoryRememberConformanceSmallPerUser runs the suite again with a
// small per-user bound, as an application might configure.
func TestMemoryRememberConformanceSmallPerUser(t *testing.T) {
	storetest.RunRemember(t, func(t *testing.T, now func() time.Time) store.RememberStore {
		s, err := store.NewMemoryRemember(store.MemoryConfig{Now: now, MaxSeriesPerUser: 2})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestMemoryRememberConfig(t *testing.T) {
	_, err := store.NewMemoryRemember(store.MemoryConfig{MaxEntries: -1})
	checkConfigError(t, err, "MaxEntries")
	_, err = store.NewMemoryRemember(store.MemoryConfig{MaxSeriesPerUser: -1})
	checkConfigError(t, err, "MaxSeriesPerUser")
	s, err := store.NewMemoryRemember(store.MemoryConfig{})
	if err != nil {
		t.Fatalf("zero config: %v", err)
	}
	if n := s.MaxSeriesPerUser(); n != store.DefaultMaxSeriesPerUser {
		t.Fatalf("MaxSeriesPerUser() = %d, want DefaultMaxSeriesPerUser", n)
	}
}

// TestMemoryRememberOneUserCannotFill: a user who logs in over and over
// keeps at most MaxSeriesPerUser series, so the global bound stays
// available to everyone else.
func TestMemoryRememberOneUserCannotFill(t *testing.T) {
	ctx := context.Background()
	c := testclock.At(time.Unix(1_800_000_000, 0))
	s, err := store.NewMemoryRemember(store.MemoryConfig{MaxEntries: 10, MaxSeriesPerUser: 3, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		c.Advance(time.Second)
		if err := s.CreateSeries(ctx, remSeries("m"+strconv.Itoa(i), "mallory", c.Now().Add(time.Hour))); err != nil {
			t.Fatalf("login %d of one user: %v", i, err)
		}
	}
	if n := s.Len(); n != 3 {
		t.Fatalf("Len = %d after 100 logins of one user, want 3", n)
	}
	// The three most recent (latest expiring) survive.
	for i := 97; i < 100; i++ {
		if _, err := s.GetSeries(ctx, "m"+strconv.Itoa(i)); err != nil {
			t.Fatalf("series m%d: %v", i, err)
		}
	}
	for i := range 7 {
		if err := s.CreateSeries(ctx, remSeries("o"+strconv.Itoa(i), "user"+strconv.Itoa(i), c.Now().Add(time.Hour))); err != nil {
			t.Fatalf("another user's login: %v", err)
		}
	}
}

func remSeries(sel, user string, exp time.Time) store.Series {
	h := sha256.Sum256([]byte(sel))
	return store.Series{Selector: sel, UserID: user, ValidatorHash: h[:], Expires: exp}
}

func TestMemoryRememberBound(t *testing.T) {
	ctx := context.Background()
	c := testclock.At(time.Unix(1_800_000_000, 0))
	s, err := store.NewMemoryRemember(store.MemoryConfig{MaxEntries: 2, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSeries(ctx, store.Series{}); err == nil {
		t.Fatal("empty selector accepted")
	}
	for i := range 2 {
		if err := s.CreateSeries(ctx, remSeries("s"+strconv.Itoa(i), "u", c.Now().Add(time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	err = s.CreateSeries(ctx, remSeries("s2", "u", c.Now().Add(time.Hour)))
	if !errors.Is(err, store.ErrFull) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("CreateSeries beyond the bound: %v; want ErrFull and ErrUnavailable", err)
	}
	if err := s.CreateSeries(ctx, remSeries("s0", "u", c.Now().Add(time.Hour))); !errors.Is(err, store.ErrSelectorInUse) {
		t.Fatalf("duplicate selector: %v; want ErrSelectorInUse", err)
	}
	// Expired series are reclaimed by the next creation, with their index.
	c.Advance(time.Minute)
	if err := s.CreateSeries(ctx, remSeries("s2", "v", c.Now().Add(time.Hour))); err != nil {
		t.Fatalf("CreateSeries after expiry: %v", err)
	}
	if n := s.Len(); n != 1 {
		t.Fatalf("Len = %d after sweeping, want 1", n)
	}
	// An expired selector may be reused before it was swept.
	if err := s.CreateSeries(ctx, remSeries("s3", "w", c.Now().Add(time.Second))); err != nil {
		t.Fatal(err)
	}
	c.Advance(time.Second)
	if err := s.CreateSeries(ctx, remSeries("s3", "x", c.Now().Add(time.Hour))); err != nil {
		t.Fatalf("reusing an expired selector: %v", err)
	}
	if got, err := s.GetSeries(ctx, "s3"); err != nil || got.UserID != "x" {
		t.Fatalf("GetSeries = %+v, %v", got, err)
	}
	// DeleteUser of the old owner must not remove the new series.
	if err := s.DeleteUser(ctx, "w"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSeries(ctx, "s3"); err != nil {
		t.Fatalf("DeleteUser of the expired owner removed the new series: %v", err)
	}
}

// TestMemoryRememberConcurrent mixes every method under -race.
func TestMemoryRememberConcurrent(t *testing.T) {
	ctx := context.Background()
	s, _ := store.NewMemoryRemember(store.MemoryConfig{MaxEntries: 64})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			user := "u" + strconv.Itoa(g%3)
			for i := range 200 {
				sel := "g" + strconv.Itoa(g) + "-" + strconv.Itoa(i%10)
				x := remSeries(sel, user, time.Now().Add(time.Hour))
				_ = s.CreateSeries(ctx, x)
				_, _ = s.GetSeries(ctx, sel)
				_, _ = s.RotateSeries(ctx, sel, x.ValidatorHash, x.ValidatorHash, time.Now())
				switch i % 7 {
				case 0:
					_ = s.DeleteUser(ctx, user)
				case 3:
					_ = s.DeleteSeries(ctx, sel)
				}
			}
		})
	}
	wg.Wait()
	if n := s.Len(); n > 64 {
		t.Fatalf("Len = %d beyond the bound", n)
	}
}
