package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/store"
)

// NewRememberStore returns an empty RememberStore for one subtest, like
// NewStore. The store must take the current time from now: a series is gone
// (ErrNotFound for GetSeries and RotateSeries) once now() is not before its
// Expires, whatever a server-side TTL says. now starts at the real time and
// is moved forward by the checks of expiry, so a store that also sets a TTL
// on the server keeps working: the checks never wait for real time to pass.
type NewRememberStore func(t *testing.T, now func() time.Time) store.RememberStore

// RunRemember runs the conformance checks of store.RememberStore as
// subtests of t:
//
//	func TestRememberConformance(t *testing.T) {
//		storetest.RunRemember(t, func(t *testing.T, now func() time.Time) store.RememberStore {
//			s, err := mystore.NewRemember(..., now)
//			if err != nil {
//				t.Fatal(err)
//			}
//			return s
//		})
//	}
//
// Times are compared after truncation to the second, so a store may keep
// them with second precision (it must not round Expires down by more than
// that, nor keep a series longer).
//
// A store with a method MaxSeriesPerUser() int (a bound on the series of
// one user, as store.MemoryRemember and the Redis store have) is also
// checked to keep at most that many live series per user, evicting the one
// that expires soonest atomically, without touching other users' series
// and without counting expired ones. Keep the bound small (at most 256)
// for these checks.
func RunRemember(t *testing.T, newStore NewRememberStore) {
	t.Helper()
	for _, c := range rememberCases {
		t.Run(c.name, func(t *testing.T) {
			clk := testclock.At(time.Now().Truncate(time.Second))
			s := newStore(t, clk.Now)
			c.run(t, s, clk)
		})
	}
}

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// newSeries returns a series of user expiring in an hour from base.
func newSeries(selector, user string, base time.Time) store.Series {
	return store.Series{
		Selector:      selector,
		UserID:        user,
		ValidatorHash: hashOf("v0:" + selector),
		Expires:       base.Add(time.Hour),
		Created:       base,
		Device:        "Firefox on Linux",
	}
}

func mustCreate(t *testing.T, s store.RememberStore, ss ...store.Series) {
	t.Helper()
	for _, x := range ss {
		if err := s.CreateSeries(context.Background(), x); err != nil {
			t.Fatalf("CreateSeries(%q): %v", x.Selector, err)
		}
	}
}

func mustGet(t *testing.T, s store.RememberStore, selector string) store.Series {
	t.Helper()
	got, err := s.GetSeries(context.Background(), selector)
	if err != nil {
		t.Fatalf("GetSeries(%q): %v", selector, err)
	}
	return got
}

func wantGone(t *testing.T, s store.RememberStore, selector string) {
	t.Helper()
	if got, err := s.GetSeries(context.Background(), selector); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSeries(%q) = %+v, %v; want ErrNotFound", selector, got, err)
	}
}

func sameTime(a, b time.Time) bool {
	return a.Truncate(time.Second).Equal(b.Truncate(time.Second))
}

// seriesDiff names the first field in which got differs from want,
// treating nil and empty hashes alike and comparing times to the second.
func seriesDiff(got, want store.Series) string {
	switch {
	case got.Selector != want.Selector:
		return "Selector"
	case got.UserID != want.UserID:
		return "UserID"
	case !bytes.Equal(got.ValidatorHash, want.ValidatorHash):
		return "ValidatorHash"
	case !bytes.Equal(got.PrevHash, want.PrevHash):
		return "PrevHash"
	case !sameTime(got.PrevUntil, want.PrevUntil) && !(got.PrevUntil.IsZero() && want.PrevUntil.IsZero()):
		return "PrevUntil"
	case !sameTime(got.Expires, want.Expires):
		return "Expires"
	case !sameTime(got.Created, want.Created):
		return "Created"
	case got.Device != want.Device:
		return "Device"
	}
	return ""
}

// perUserLimiter is implemented by stores that bound the series of one
// user.
type perUserLimiter interface {
	MaxSeriesPerUser() int
}

// perUserLimit returns the store's bound on the series of one user, or
// skips the test when the store has none.
func perUserLimit(t *testing.T, s store.RememberStore) int {
	t.Helper()
	l, ok := s.(perUserLimiter)
	if !ok {
		t.Skip("the store has no MaxSeriesPerUser method")
	}
	n := l.MaxSeriesPerUser()
	if n < 1 || n > 256 {
		t.Fatalf("MaxSeriesPerUser() = %d, want 1 to 256 for these checks", n)
	}
	return n
}

// liveOf returns the selectors among sels that GetSeries finds.
func liveOf(t *testing.T, s store.RememberStore, sels []string) []string {
	t.Helper()
	var out []string
	for _, sel := range sels {
		_, err := s.GetSeries(context.Background(), sel)
		switch {
		case err == nil:
			out = append(out, sel)
		case !errors.Is(err, store.ErrNotFound):
			t.Fatalf("GetSeries(%q): %v", sel, err)
		}
	}
	return out
}

var rememberCases = []struct {
	name string
	run  func(t *testing.T, s store.RememberStore, clk *testclock.Clock)
}{
	{"CreateGet", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		base := clk.Now()
		for _, x := range []store.Series{
			newSeries("sel-a", "alice", base),
			newSeries("sel:b", "user:with:colons", base),
			{Selector: "sel-c", UserID: "ünïcødé", ValidatorHash: hashOf("c"), Expires: base.Add(30 * 24 * time.Hour), Created: base},
		} {
			mustCreate(t, s, x)
			got := mustGet(t, s, x.Selector)
			if d := seriesDiff(got, x); d != "" {
				t.Fatalf("GetSeries(%q) = %+v, want %+v (%s differs)", x.Selector, got, x, d)
			}
			if len(got.PrevHash) != 0 || !got.PrevUntil.IsZero() {
				t.Fatalf("a new series has PrevHash %x, PrevUntil %v; want none", got.PrevHash, got.PrevUntil)
			}
		}
		wantGone(t, s, "sel-unknown")
		wantGone(t, s, "")
	}},
	{"CreateCopiesAndGetReturnsCopies", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		x := newSeries("sel-copy", "alice", clk.Now())
		want := bytes.Clone(x.ValidatorHash)
		mustCreate(t, s, x)
		x.ValidatorHash[0] ^= 0xff
		got := mustGet(t, s, "sel-copy")
		if !bytes.Equal(got.ValidatorHash, want) {
			t.Fatal("changing the caller's slice after CreateSeries changed the stored hash")
		}
		got.ValidatorHash[0] ^= 0xff
		if again := mustGet(t, s, "sel-copy"); !bytes.Equal(again.ValidatorHash, want) {
			t.Fatal("changing a slice returned by GetSeries changed the stored hash")
		}
	}},
	{"CreateDuplicateSelector", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		x := newSeries("sel-dup", "alice", clk.Now())
		mustCreate(t, s, x)
		y := newSeries("sel-dup", "mallory", clk.Now())
		y.ValidatorHash = hashOf("mallory")
		if err := s.CreateSeries(context.Background(), y); err == nil {
			t.Fatal("CreateSeries with a selector in use succeeded")
		}
		if d := seriesDiff(mustGet(t, s, "sel-dup"), x); d != "" {
			t.Fatalf("a refused CreateSeries changed the series (%s)", d)
		}
	}},
	{"Expiry", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		ctx := context.Background()
		base := clk.Now()
		short := newSeries("sel-short", "alice", base)
		short.Expires = base.Add(time.Minute)
		long := newSeries("sel-long", "alice", base)
		mustCreate(t, s, short, long)

		clk.Advance(59 * time.Second)
		mustGet(t, s, "sel-short")
		clk.Advance(time.Second) // now == Expires: gone
		wantGone(t, s, "sel-short")
		if ok, err := s.RotateSeries(ctx, "sel-short", short.ValidatorHash, hashOf("new"), clk.Now().Add(time.Minute)); !errors.Is(err, store.ErrNotFound) || ok {
			t.Fatalf("RotateSeries(expired) = %v, %v; want false, ErrNotFound", ok, err)
		}
		mustGet(t, s, "sel-long")
		clk.Advance(time.Hour)
		wantGone(t, s, "sel-long")
		// Deleting expired series and their user is harmless.
		if err := s.DeleteUser(ctx, "alice"); err != nil {
			t.Fatalf("DeleteUser after expiry: %v", err)
		}
	}},
	{"CreateExpiredIsNotStored", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		base := clk.Now()
		for i, exp := range []time.Time{base.Add(-time.Hour), base} {
			x := newSeries("sel-past-"+strconv.Itoa(i), "alice", base.Add(-2*time.Hour))
			x.Expires = exp
			_ = s.CreateSeries(context.Background(), x) // an error is allowed
			wantGone(t, s, x.Selector)
		}
	}},
	{"RotateSeries", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		ctx := context.Background()
		base := clk.Now()
		x := newSeries("sel-rot", "alice", base)
		mustCreate(t, s, x)
		h0, h1, h2 := x.ValidatorHash, hashOf("v1"), hashOf("v2")
		grace1 := base.Add(30 * time.Second)

		rotate := func(old, nu []byte, grace time.Time, want bool) {
			t.Helper()
			ok, err := s.RotateSeries(ctx, "sel-rot", old, nu, grace)
			if err != nil || ok != want {
				t.Fatalf("RotateSeries = %v, %v; want %v, nil", ok, err, want)
			}
		}
		rotate(hashOf("wrong"), h1, grace1, false)
		rotate(h0[:16], h1, grace1, false) // a prefix is not the hash
		rotate(nil, h1, grace1, false)
		if d := seriesDiff(mustGet(t, s, "sel-rot"), x); d != "" {
			t.Fatalf("a failed RotateSeries changed the series (%s)", d)
		}

		rotate(h0, h1, grace1, true)
		want := x
		want.ValidatorHash, want.PrevHash, want.PrevUntil = h1, h0, grace1
		if d := seriesDiff(mustGet(t, s, "sel-rot"), want); d != "" {
			t.Fatalf("after RotateSeries: %s differs: %+v", d, mustGet(t, s, "sel-rot"))
		}
		rotate(h0, h2, grace1, false) // the old hash is no longer current

		clk.Advance(10 * time.Second)
		grace2 := clk.Now().Add(30 * time.Second)
		rotate(h1, h2, grace2, true)
		want.ValidatorHash, want.PrevHash, want.PrevUntil = h2, h1, grace2
		if d := seriesDiff(mustGet(t, s, "sel-rot"), want); d != "" {
			t.Fatalf("after the second RotateSeries: %s differs", d)
		}
		// Rotation never extends the series.
		if got := mustGet(t, s, "sel-rot"); !sameTime(got.Expires, x.Expires) {
			t.Fatalf("RotateSeries moved Expires to %v, want %v", got.Expires, x.Expires)
		}

		if ok, err := s.RotateSeries(ctx, "sel-missing", h0, h1, grace1); !errors.Is(err, store.ErrNotFound) || ok {
			t.Fatalf("RotateSeries(unknown) = %v, %v; want false, ErrNotFound", ok, err)
		}
	}},
	{"RotateSeriesConcurrent", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		ctx := context.Background()
		x := newSeries("sel-race", "alice", clk.Now())
		mustCreate(t, s, x)
		grace := clk.Now().Add(30 * time.Second)
		const n = 50
		var (
			wins   atomic.Int32
			winner atomic.Int32
			wg     sync.WaitGroup
			start  = make(chan struct{})
			errs   = make(chan error, n)
		)
		for i := range n {
			wg.Go(func() {
				<-start
				ok, err := s.RotateSeries(ctx, "sel-race", x.ValidatorHash, hashOf("new"+strconv.Itoa(i)), grace)
				if err != nil {
					errs <- err
					return
				}
				if ok {
					wins.Add(1)
					winner.Store(int32(i))
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("RotateSeries: %v", err)
		}
		if got := wins.Load(); got != 1 {
			t.Fatalf("%d of %d concurrent RotateSeries from the same hash got true, want exactly 1", got, n)
		}
		got := mustGet(t, s, "sel-race")
		if w := hashOf("new" + strconv.Itoa(int(winner.Load()))); !bytes.Equal(got.ValidatorHash, w) {
			t.Fatal("the current hash is not the winner's")
		}
		if !bytes.Equal(got.PrevHash, x.ValidatorHash) {
			t.Fatal("PrevHash is not the hash rotated from")
		}
	}},
	{"DeleteSeries", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		ctx := context.Background()
		a, b := newSeries("sel-del-a", "alice", clk.Now()), newSeries("sel-del-b", "alice", clk.Now())
		mustCreate(t, s, a, b)
		if err := s.DeleteSeries(ctx, "sel-del-a"); err != nil {
			t.Fatalf("DeleteSeries: %v", err)
		}
		wantGone(t, s, "sel-del-a")
		if ok, err := s.RotateSeries(ctx, "sel-del-a", a.ValidatorHash, hashOf("x"), clk.Now()); !errors.Is(err, store.ErrNotFound) || ok {
			t.Fatalf("RotateSeries(deleted) = %v, %v; want false, ErrNotFound", ok, err)
		}
		mustGet(t, s, "sel-del-b")
		for _, sel := range []string{"sel-del-a", "sel-never"} {
			if err := s.DeleteSeries(ctx, sel); err != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("DeleteSeries(%q) of a missing series: %v", sel, err)
			}
		}
		// The selector is free again.
		mustCreate(t, s, newSeries("sel-del-a", "bob", clk.Now()))
		if got := mustGet(t, s, "sel-del-a"); got.UserID != "bob" {
			t.Fatalf("recreated series has user %q", got.UserID)
		}
	}},
	{"DeleteUser", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		ctx := context.Background()
		base := clk.Now()
		users := map[string][]string{
			"alice":  {"u-a1", "u-a2", "u-a3"},
			"alice2": {"u-b1"}, // "alice" is a prefix of it
			"bob":    {"u-c1", "u-c2"},
			"":       {"u-d1"},
		}
		for u, sels := range users {
			for _, sel := range sels {
				mustCreate(t, s, newSeries(sel, u, base))
			}
		}
		// A series deleted on its own first keeps the index consistent.
		if err := s.DeleteSeries(ctx, "u-a2"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUser(ctx, "alice"); err != nil {
			t.Fatalf("DeleteUser: %v", err)
		}
		for _, sel := range users["alice"] {
			wantGone(t, s, sel)
		}
		for _, u := range []string{"alice2", "bob", ""} {
			for _, sel := range users[u] {
				if got := mustGet(t, s, sel); got.UserID != u {
					t.Fatalf("series %q has user %q, want %q", sel, got.UserID, u)
				}
			}
		}
		if err := s.DeleteUser(ctx, "nobody"); err != nil {
			t.Fatalf("DeleteUser(unknown user): %v", err)
		}
		if err := s.DeleteUser(ctx, "alice"); err != nil {
			t.Fatalf("DeleteUser twice: %v", err)
		}
		// The user can log in again afterwards.
		mustCreate(t, s, newSeries("u-a4", "alice", base))
		mustGet(t, s, "u-a4")
	}},
	{"PerUserLimitEvictsSoonestExpiring", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		n := perUserLimit(t, s)
		base := clk.Now()
		// Alice fills her bound; each series expires sooner than the one
		// created before it, so the soonest to expire is the newest.
		var sels []string
		for i := range n {
			x := newSeries("lim-a"+strconv.Itoa(i), "alice", base)
			x.Expires = base.Add(time.Hour + time.Duration(n-i)*time.Minute)
			mustCreate(t, s, x)
			sels = append(sels, x.Selector)
		}
		bob := newSeries("lim-bob", "bob", base)
		bob.Expires = base.Add(time.Minute) // expires before all of alice's
		mustCreate(t, s, bob)
		if got := liveOf(t, s, sels); len(got) != n {
			t.Fatalf("%d of alice's %d series found, want all (bob's series must not evict hers)", len(got), n)
		}

		// One more login of alice, expiring sooner than any of hers.
		extra := newSeries("lim-extra", "alice", base)
		extra.Expires = base.Add(30 * time.Minute)
		if err := s.CreateSeries(context.Background(), extra); err != nil {
			t.Fatalf("CreateSeries beyond the per-user bound: %v; want the oldest series evicted", err)
		}
		if d := seriesDiff(mustGet(t, s, "lim-extra"), extra); d != "" {
			t.Fatalf("the new series: %s differs", d)
		}
		evicted := sels[n-1]
		wantGone(t, s, evicted)
		if got := liveOf(t, s, sels[:n-1]); len(got) != n-1 {
			t.Fatalf("only %d of alice's other series remain, want %d: a series other than the one expiring soonest was evicted", len(got), n-1)
		}
		mustGet(t, s, "lim-bob")

		// Again: now the soonest to expire is the extra series.
		mustCreate(t, s, newSeries("lim-more", "alice", base))
		wantGone(t, s, "lim-extra")
		if got := liveOf(t, s, append(sels[:n-1:n-1], "lim-more")); len(got) != n {
			t.Fatalf("%d of alice's series remain, want %d", len(got), n)
		}

		// DeleteUser still removes every series of the user.
		if err := s.DeleteUser(context.Background(), "alice"); err != nil {
			t.Fatal(err)
		}
		if got := liveOf(t, s, append(sels, "lim-extra", "lim-more")); len(got) != 0 {
			t.Fatalf("series %q left after DeleteUser", got)
		}
		mustGet(t, s, "lim-bob")
	}},
	{"PerUserLimitIgnoresExpired", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		n := perUserLimit(t, s)
		base := clk.Now()
		short := newSeries("exp-short", "carol", base)
		short.Expires = base.Add(time.Minute)
		mustCreate(t, s, short)
		var sels []string
		for i := range n - 1 {
			x := newSeries("exp-long"+strconv.Itoa(i), "carol", base)
			x.Expires = base.Add(time.Hour + time.Duration(i)*time.Second)
			mustCreate(t, s, x)
			sels = append(sels, x.Selector)
		}
		clk.Advance(time.Minute) // the short series expires: carol has n-1
		mustCreate(t, s, newSeries("exp-new", "carol", clk.Now()))
		if got := liveOf(t, s, append(sels, "exp-new")); len(got) != n {
			t.Fatalf("%d of carol's %d live series remain: an expired series counted against the bound", len(got), n)
		}
	}},
	{"PerUserLimitConcurrent", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		n := perUserLimit(t, s)
		base := clk.Now()
		total := 3*n + 5
		sels := make([]string, total)
		var wg sync.WaitGroup
		errs := make(chan error, total)
		start := make(chan struct{})
		for i := range total {
			sels[i] = "conc-" + strconv.Itoa(i)
			x := newSeries(sels[i], "dave", base)
			x.Expires = base.Add(time.Hour + time.Duration(i%7)*time.Second)
			wg.Go(func() {
				<-start
				if err := s.CreateSeries(context.Background(), x); err != nil {
					errs <- err
				}
			})
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("CreateSeries: %v", err)
		}
		if got := liveOf(t, s, sels); len(got) != n {
			t.Fatalf("%d live series of one user after %d concurrent logins, want exactly the bound %d", len(got), total, n)
		}
	}},
	{"DeleteUserAfterRotation", func(t *testing.T, s store.RememberStore, clk *testclock.Clock) {
		ctx := context.Background()
		x := newSeries("sel-dur", "carol", clk.Now())
		mustCreate(t, s, x)
		if ok, err := s.RotateSeries(ctx, "sel-dur", x.ValidatorHash, hashOf("n"), clk.Now().Add(time.Minute)); err != nil || !ok {
			t.Fatalf("RotateSeries = %v, %v", ok, err)
		}
		if err := s.DeleteUser(ctx, "carol"); err != nil {
			t.Fatal(err)
		}
		wantGone(t, s, "sel-dur")
	}},
}
