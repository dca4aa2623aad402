package store_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/storetest"
)

// checkConfigError fails unless err is a *store.ConfigError for field, or
// nil when field is empty.
func checkConfigError(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	ce, ok := errors.AsType[*store.ConfigError](err)
	if !ok || !errors.Is(err, store.ErrInvalidConfig) || ce.Field != field {
		t.Fatalf("error = %v, want a *store.ConfigError for %s matching ErrInvalidConfig", err, field)
	}
	if want := "store: invalid configuration: " + field + ": "; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error = %q, want prefix %q", err, want)
	}
}

func newMem(t testing.TB, cfg store.MemoryConfig) *store.Memory {
	t.Helper()
	m, err := store.NewMemory(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newMem(t, store.MemoryConfig{Now: now})
	})
}

func TestMemoryConformanceSmall(t *testing.T) {
	// One shard (small bound) and sixteen shards take different paths.
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newMem(t, store.MemoryConfig{MaxEntries: 100, Now: now})
	})
}

func TestNewMemoryConfig(t *testing.T) {
	tests := []struct {
		name      string
		cfg       store.MemoryConfig
		wantField string // "" when the config is valid
	}{
		{"zero", store.MemoryConfig{}, ""},
		{"small", store.MemoryConfig{MaxEntries: 1}, ""},
		{"sharded", store.MemoryConfig{MaxEntries: 1 << 16}, ""},
		{"negative", store.MemoryConfig{MaxEntries: -1}, "MaxEntries"},
		{"series bound ignored", store.MemoryConfig{MaxSeriesPerUser: -1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := store.NewMemory(tt.cfg)
			checkConfigError(t, err, tt.wantField)
			if err == nil && m == nil {
				t.Fatal("NewMemory returned nil without error")
			}
		})
	}
}

func TestMemoryExpiry(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// record records key "k" expiring after ttl.
		record func(m *store.Memory, ttl time.Duration, now time.Time) error
		// present reports whether "k" is still there.
		present func(t *testing.T, m *store.Memory) bool
	}{
		{
			"Revoke",
			func(m *store.Memory, ttl time.Duration, now time.Time) error {
				return m.Revoke(ctx, "k", now.Add(ttl))
			},
			func(t *testing.T, m *store.Memory) bool {
				ok, err := m.Revoked(ctx, "k")
				if err != nil {
					t.Fatal(err)
				}
				return ok
			},
		},
		{
			"Consume",
			func(m *store.Memory, ttl time.Duration, now time.Time) error {
				ok, err := m.Consume(ctx, "k", now.Add(ttl))
				if err == nil && !ok {
					err = errors.New("first Consume got false")
				}
				return err
			},
			func(t *testing.T, m *store.Memory) bool {
				ok, err := m.Revoked(ctx, "k")
				if err != nil {
					t.Fatal(err)
				}
				return ok
			},
		},
		{
			"SetCutoff",
			func(m *store.Memory, ttl time.Duration, now time.Time) error {
				return m.SetCutoff(ctx, "k", now, now.Add(ttl))
			},
			func(t *testing.T, m *store.Memory) bool {
				c, err := m.Cutoff(ctx, "k")
				if err != nil {
					t.Fatal(err)
				}
				return !c.IsZero()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New()
			m := newMem(t, store.MemoryConfig{MaxEntries: 10, Now: clk.Now})
			if err := tt.record(m, time.Minute, clk.Now()); err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute - time.Nanosecond)
			if !tt.present(t, m) {
				t.Fatal("entry gone before its expiry")
			}
			clk.Advance(time.Nanosecond)
			if tt.present(t, m) {
				t.Fatal("entry still there at its expiry")
			}
			// The memory of the expired entry is reclaimed by the next write.
			if got := m.Len(); got != 1 {
				t.Fatalf("Len before a write = %d, want 1", got)
			}
			if err := m.Revoke(ctx, "other", clk.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if got := m.Len(); got != 1 {
				t.Fatalf("Len after a write = %d, want 1 (expired entry not swept)", got)
			}
		})
	}
}

func TestMemoryConsumeAfterExpiry(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New()
	m := newMem(t, store.MemoryConfig{Now: clk.Now})
	if ok, _ := m.Consume(ctx, "ott", clk.Now().Add(time.Minute)); !ok {
		t.Fatal("first Consume = false")
	}
	clk.Advance(time.Minute)
	// The key was forgotten with its token: a new use is a first use.
	if ok, err := m.Consume(ctx, "ott", clk.Now().Add(time.Minute)); err != nil || !ok {
		t.Fatalf("Consume after expiry = %v, %v; want true, nil", ok, err)
	}
}

func TestMemoryRevokeExtends(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		first, then time.Duration
		gone        time.Duration // when the revocation disappears
	}{
		{"later extends", time.Minute, time.Hour, time.Hour},
		{"earlier keeps", time.Hour, time.Minute, time.Hour},
		{"same", time.Hour, time.Hour, time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New()
			start := clk.Now()
			m := newMem(t, store.MemoryConfig{Now: clk.Now})
			if err := m.Revoke(ctx, "k", start.Add(tt.first)); err != nil {
				t.Fatal(err)
			}
			if err := m.Revoke(ctx, "k", start.Add(tt.then)); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tt.gone - time.Nanosecond)
			if ok, _ := m.Revoked(ctx, "k"); !ok {
				t.Fatal("revocation gone too early")
			}
			clk.Advance(time.Nanosecond)
			if ok, _ := m.Revoked(ctx, "k"); ok {
				t.Fatal("revocation kept too long")
			}
		})
	}
}

func TestMemoryCutoffMax(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New()
	start := clk.Now()
	m := newMem(t, store.MemoryConfig{Now: clk.Now})
	t1, t2 := start.Add(-time.Hour), start.Add(-time.Minute)
	// Later cutoff with an earlier expiry, then an earlier cutoff with a
	// later expiry: both maxima are kept.
	if err := m.SetCutoff(ctx, "sub", t2, start.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := m.SetCutoff(ctx, "sub", t1, start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(30 * time.Minute)
	got, err := m.Cutoff(ctx, "sub")
	if err != nil || !got.Equal(t2) {
		t.Fatalf("Cutoff = %v, %v; want %v", got, err, t2)
	}
	clk.Advance(30 * time.Minute)
	if got, _ := m.Cutoff(ctx, "sub"); !got.IsZero() {
		t.Fatalf("Cutoff after expiry = %v, want zero", got)
	}
}

func TestMemoryBound(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New()
	m := newMem(t, store.MemoryConfig{MaxEntries: 3, Now: clk.Now})
	now := clk.Now()
	for i, until := range []time.Duration{time.Minute, time.Hour, time.Hour} {
		if err := m.Revoke(ctx, strconv.Itoa(i), now.Add(until)); err != nil {
			t.Fatal(err)
		}
	}
	full := []struct {
		name string
		op   func() error
	}{
		{"Revoke", func() error { return m.Revoke(ctx, "new", now.Add(time.Hour)) }},
		{"Consume", func() error {
			ok, err := m.Consume(ctx, "new", now.Add(time.Hour))
			if ok {
				t.Error("Consume on a full store got true")
			}
			return err
		}},
		{"SetCutoff", func() error { return m.SetCutoff(ctx, "new", now, now.Add(time.Hour)) }},
	}
	for _, f := range full {
		err := f.op()
		if !errors.Is(err, store.ErrFull) || !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("%s on a full store: error %v, want ErrFull and ErrUnavailable", f.name, err)
		}
	}
	// Nothing was evicted to make room.
	if ok, _ := m.Revoked(ctx, "0", "1", "2"); !ok {
		t.Fatal("entries lost")
	}
	for _, k := range []string{"0", "1", "2"} {
		if ok, _ := m.Revoked(ctx, k); !ok {
			t.Fatalf("entry %q evicted", k)
		}
	}
	// Updating an entry already there is allowed when full.
	if err := m.Revoke(ctx, "1", now.Add(2*time.Hour)); err != nil {
		t.Fatalf("extending an entry of a full store: %v", err)
	}
	// Once an entry expires, there is room again.
	clk.Advance(time.Minute)
	if err := m.Revoke(ctx, "new", now.Add(time.Hour)); err != nil {
		t.Fatalf("Revoke after an entry expired: %v", err)
	}
	if got := m.Len(); got != 3 {
		t.Fatalf("Len = %d, want 3", got)
	}
}

func TestMemoryBoundSharded(t *testing.T) {
	// A sharded store accepts at least most of its bound and never holds
	// more than it.
	ctx := context.Background()
	const max = 1 << 14
	clk := testclock.New()
	m := newMem(t, store.MemoryConfig{MaxEntries: max, Now: clk.Now})
	until := clk.Now().Add(time.Hour)
	accepted := 0
	for i := range 2 * max {
		err := m.Revoke(ctx, strconv.Itoa(i), until)
		switch {
		case err == nil:
			accepted++
		case !errors.Is(err, store.ErrFull):
			t.Fatal(err)
		}
	}
	if accepted > max || accepted < max*9/10 {
		t.Fatalf("accepted %d entries, want between %d and %d", accepted, max*9/10, max)
	}
	if got := m.Len(); got != accepted {
		t.Fatalf("Len = %d, want %d", got, accepted)
	}
}

func TestMemoryConcurrentMixed(t *testing.T) {
	// All methods at once on overlapping keys, for the race detector.
	ctx := context.Background()
	clk := testclock.New()
	m := newMem(t, store.MemoryConfig{MaxEntries: 1 << 14, Now: clk.Now})
	var wg sync.WaitGroup
	var wins atomic.Int32
	for g := range 32 {
		wg.Go(func() {
			for i := range 200 {
				k := strconv.Itoa(i % 50)
				now := clk.Now()
				switch (g + i) % 5 {
				case 0:
					_ = m.Revoke(ctx, "r"+k, now.Add(time.Duration(i)*time.Second))
				case 1:
					_, _ = m.Revoked(ctx, "r"+k, "c"+k)
				case 2:
					if ok, _ := m.Consume(ctx, "c"+k, now.Add(time.Hour)); ok {
						wins.Add(1)
					}
				case 3:
					_ = m.SetCutoff(ctx, "s"+k, now, now.Add(time.Minute))
				case 4:
					_, _ = m.Cutoff(ctx, "s"+k)
					clk.Advance(time.Millisecond)
				}
			}
		})
	}
	wg.Wait()
	if got := wins.Load(); got > 50 {
		t.Fatalf("%d Consume calls won for 50 keys", got)
	}
}

func ExampleMemory() {
	ctx := context.Background()
	s, err := store.NewMemory(store.MemoryConfig{})
	if err != nil {
		log.Fatal(err)
	}
	exp := time.Now().Add(time.Hour) // the token's expiry

	first, _ := s.Consume(ctx, "ott:4f2a", exp)
	again, _ := s.Consume(ctx, "ott:4f2a", exp)
	fmt.Println("first use:", first, "second use:", again)

	_ = s.Revoke(ctx, "jti:91c0", exp)
	revoked, _ := s.Revoked(ctx, "jti:91c0", "fam:77")
	fmt.Println("revoked:", revoked)
	// Output:
	// first use: true second use: false
	// revoked: true
}

func benchStores(b *testing.B, f func(b *testing.B, m *store.Memory)) {
	for _, shards := range []int{1, 16} {
		b.Run(fmt.Sprintf("shards=%d", shards), func(b *testing.B) {
			m, err := store.NewMemoryShards(store.MemoryConfig{}, shards)
			if err != nil {
				b.Fatal(err)
			}
			f(b, m)
		})
	}
}

func BenchmarkMemoryConsume(b *testing.B) {
	benchStores(b, func(b *testing.B, m *store.Memory) {
		ctx := context.Background()
		until := time.Now().Add(time.Hour)
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				// Bounded key set, so that the store does not fill up.
				k := strconv.FormatInt(n.Add(1)%(1<<19), 10)
				if _, err := m.Consume(ctx, k, until); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

func BenchmarkMemoryRevoked(b *testing.B) {
	benchStores(b, func(b *testing.B, m *store.Memory) {
		ctx := context.Background()
		until := time.Now().Add(time.Hour)
		for i := range 1 << 16 {
			_ = m.Revoke(ctx, "jti:"+strconv.Itoa(i), until)
		}
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				i := n.Add(1)
				if _, err := m.Revoked(ctx, "jti:"+strconv.FormatInt(i%(1<<17), 10), "fam:1"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
