package redisstore_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/pasetokit/pasetokit/store/storetest"
	"github.com/redis/go-redis/v9"
)

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// newSeries returns a series of user that expires in d, with every field
// set (times with nanoseconds, to check they read back exactly).
func newSeries(selector, user string, d time.Duration) store.Series {
	now := time.Now()
	return store.Series{
		Selector:      selector,
		UserID:        user,
		ValidatorHash: hashOf("validator-" + selector),
		Expires:       now.Add(d),
		Created:       now,
		Device:        "Firefox on Linux",
	}
}

func seriesEqual(a, b store.Series) bool {
	return a.Selector == b.Selector && a.UserID == b.UserID &&
		string(a.ValidatorHash) == string(b.ValidatorHash) &&
		string(a.PrevHash) == string(b.PrevHash) &&
		a.PrevUntil.Equal(b.PrevUntil) && a.Expires.Equal(b.Expires) &&
		a.Created.Equal(b.Created) && a.Device == b.Device
}

// nearMs is near, allowing for the expiry being rounded up to the
// millisecond.
func nearMs(t *testing.T, what string, got, want time.Duration) {
	t.Helper()
	near(t, what, got, want+time.Millisecond)
}

func rememberStore(t *testing.T) (*redisstore.Store, *redis.Client, string) {
	t.Helper()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	return newStore(t, c, redisstore.Config{Prefix: p}), c, p
}

func mustCreate(t *testing.T, s store.RememberStore, sr store.Series) {
	t.Helper()
	if err := s.CreateSeries(context.Background(), sr); err != nil {
		t.Fatalf("CreateSeries(%q): %v", sr.Selector, err)
	}
}

func wantNotFound(t *testing.T, s store.RememberStore, selector string) {
	t.Helper()
	if got, err := s.GetSeries(context.Background(), selector); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSeries(%q) = %+v, %v; want ErrNotFound", selector, got, err)
	}
}

func wantSeries(t *testing.T, s store.RememberStore, want store.Series) {
	t.Helper()
	got, err := s.GetSeries(context.Background(), want.Selector)
	if err != nil {
		t.Fatalf("GetSeries(%q): %v", want.Selector, err)
	}
	if !seriesEqual(got, want) {
		t.Fatalf("GetSeries(%q) =\n%+v\nwant\n%+v", want.Selector, got, want)
	}
}

func members(t *testing.T, c *redis.Client, key string) []string {
	t.Helper()
	m, err := c.ZRange(context.Background(), key, 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(m)
	return m
}

func TestRememberConformance(t *testing.T) {
	c := newClient(t, redisAddr(t))
	storetest.RunRemember(t, func(t *testing.T, now func() time.Time) store.RememberStore {
		return newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c), Now: now})
	})
}

// TestRememberConformanceSmallPerUser runs the suite with a small per-user
// bound, so that eviction also runs in the checks that were not written
// for it.
func TestRememberConformanceSmallPerUser(t *testing.T) {
	c := newClient(t, redisAddr(t))
	storetest.RunRemember(t, func(t *testing.T, now func() time.Time) store.RememberStore {
		return newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c), Now: now, MaxSeriesPerUser: 2})
	})
}

func TestRememberMaxSeriesPerUserConfig(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never contacted
	defer c.Close()
	if _, err := redisstore.New(c, redisstore.Config{MaxSeriesPerUser: -1}); err == nil {
		t.Fatal("negative MaxSeriesPerUser accepted")
	}
	s, err := redisstore.New(c, redisstore.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.MaxSeriesPerUser(); n != store.DefaultMaxSeriesPerUser {
		t.Fatalf("MaxSeriesPerUser() = %d, want store.DefaultMaxSeriesPerUser", n)
	}
}

// TestRememberSelectorInUseHidesSelector: the selector is half of a
// secret cookie and must not reach logs through the error text.
func TestRememberSelectorInUseHidesSelector(t *testing.T) {
	s, _, _ := rememberStore(t)
	const sel = "secret-selector-Zq8"
	mustCreate(t, s, newSeries(sel, "alice", time.Hour))
	err := s.CreateSeries(context.Background(), newSeries(sel, "bob", time.Hour))
	if !errors.Is(err, store.ErrSelectorInUse) {
		t.Fatalf("CreateSeries(duplicate) = %v, want ErrSelectorInUse", err)
	}
	if strings.Contains(err.Error(), sel) || strings.Contains(err.Error(), "bob") {
		t.Fatalf("error text %q holds the selector or user", err)
	}
}

// TestRememberUserIndexIsBounded checks the representation: the user's
// index is a sorted set scored by expiry that never holds more than the
// bound, and entries whose series is gone are pruned.
func TestRememberUserIndexIsBounded(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: p, MaxSeriesPerUser: 3})
	for i := range 20 {
		mustCreate(t, s, newSeries(fmt.Sprint("b", i), "alice", time.Hour+time.Duration(i)*time.Second))
	}
	if typ := c.Type(ctx, p+"ru:alice").Val(); typ != "zset" {
		t.Fatalf("user index has type %q, want zset", typ)
	}
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"b17", "b18", "b19"}) {
		t.Fatalf("user index = %q, want the three latest expiring [b17 b18 b19]", got)
	}
	if keys := c.Keys(ctx, p+"rs:*").Val(); len(keys) != 3 {
		t.Fatalf("%d series keys in Redis, want 3", len(keys))
	}
	zs := c.ZRangeWithScores(ctx, p+"ru:alice", 0, -1).Val()
	for _, z := range zs {
		x, _ := c.HGet(ctx, p+"rs:"+z.Member.(string), "x").Int64()
		if int64(z.Score) != x {
			t.Fatalf("score of %v is %v, want its expiry %d", z.Member, z.Score, x)
		}
	}
	nearMs(t, "user index", pttl(t, c, p+"ru:alice"), time.Hour+19*time.Second)

	// A member whose series is gone is pruned by the next creation, without
	// evicting a live series.
	if err := c.ZAdd(ctx, p+"ru:alice", redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: "gone"}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSeries(ctx, "b17"); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newSeries("b20", "alice", 2*time.Hour))
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"b18", "b19", "b20"}) {
		t.Fatalf("user index = %q, want [b18 b19 b20]", got)
	}
}

// TestRememberLegacySetIndex: a user index written as a plain set by an
// earlier version keeps working and is converted by CreateSeries.
func TestRememberLegacySetIndex(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: p, MaxSeriesPerUser: 3})
	legacy := func(user string, sels ...string) {
		t.Helper()
		for i, sel := range sels {
			mustCreate(t, s, newSeries(sel, user, time.Hour+time.Duration(i)*time.Second))
		}
		c.Del(ctx, p+"ru:"+user)
		if err := c.SAdd(ctx, p+"ru:"+user, append(sels, "vanished")).Err(); err != nil {
			t.Fatal(err)
		}
	}
	legacy("alice", "l1", "l2", "l3")
	mustCreate(t, s, newSeries("l4", "alice", 2*time.Hour))
	if typ := c.Type(ctx, p+"ru:alice").Val(); typ != "zset" {
		t.Fatalf("user index has type %q after CreateSeries, want zset", typ)
	}
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"l2", "l3", "l4"}) {
		t.Fatalf("converted index = %q, want [l2 l3 l4]", got)
	}
	wantNotFound(t, s, "l1")

	legacy("bob", "m1", "m2")
	if err := s.DeleteSeries(ctx, "m1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.SMembers(ctx, p+"ru:bob").Result(); slices.Contains(got, "m1") {
		t.Fatal("DeleteSeries left the selector in a legacy set")
	}
	if err := s.DeleteUser(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, "m2")
}

// TestRememberLegacySetIndexKeepsOnlyTheUsers: converting a legacy set
// keeps only the selectors whose series exists and belongs to the user. A
// selector reused by another user since, or whose series is gone, is
// dropped: it must neither count toward the user's bound nor stay in the
// index.
func TestRememberLegacySetIndexKeepsOnlyTheUsers(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: p, MaxSeriesPerUser: 3})
	mustCreate(t, s, newSeries("l1", "alice", time.Hour))
	mustCreate(t, s, newSeries("l2", "alice", time.Hour+time.Second))
	// bob's series expires after alice's: when the set is converted,
	// ZPOPMIN would not pick it, so it would stay in alice's index.
	bobs := newSeries("reused", "bob", 3*time.Hour)
	mustCreate(t, s, bobs)
	c.Del(ctx, p+"ru:alice")
	if err := c.SAdd(ctx, p+"ru:alice", "l1", "l2", "reused", "vanished").Err(); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newSeries("l3", "alice", 2*time.Hour))
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"l1", "l2", "l3"}) {
		t.Fatalf("converted index = %q, want alice's own [l1 l2 l3]", got)
	}
	wantSeries(t, s, bobs)
	// All three of alice's series are live: bob's selector did not count.
	for _, sel := range []string{"l1", "l2", "l3"} {
		if _, err := s.GetSeries(ctx, sel); err != nil {
			t.Fatalf("GetSeries(%q): %v", sel, err)
		}
	}
}

// TestRememberGoneSeriesDoNotCount: a member of the index whose series
// Redis no longer holds does not count toward the bound, wherever its
// score puts it (a series can vanish before its expiry: deleted, or
// evicted under maxmemory). Creating a series then evicts nobody, and the
// member is pruned.
func TestRememberGoneSeriesDoNotCount(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: p, MaxSeriesPerUser: 3})
	mustCreate(t, s, newSeries("a1", "alice", time.Hour))
	mustCreate(t, s, newSeries("a2", "alice", time.Hour+time.Second))
	mustCreate(t, s, newSeries("ghost", "alice", 5*time.Hour))
	if err := c.Del(ctx, p+"rs:ghost").Err(); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, newSeries("a3", "alice", 2*time.Hour))
	for _, sel := range []string{"a1", "a2", "a3"} {
		if _, err := s.GetSeries(ctx, sel); err != nil {
			t.Fatalf("GetSeries(%q) after the creation: %v (a live series was evicted for a gone one)", sel, err)
		}
	}
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"a1", "a2", "a3"}) {
		t.Fatalf("user index = %q, want [a1 a2 a3]", got)
	}
	// At the bound, the next creation evicts the soonest to expire.
	mustCreate(t, s, newSeries("a4", "alice", 3*time.Hour))
	wantNotFound(t, s, "a1")
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"a2", "a3", "a4"}) {
		t.Fatalf("user index = %q, want [a2 a3 a4]", got)
	}
}

// TestRememberDeleteUserClockSkew: two processes share Redis, one with a
// clock two hours ahead. For the one ahead, a series of alice has expired;
// the other still accepts it. A creation by the process ahead must not
// drop that series from alice's index, or DeleteUser (from either
// process) would miss it and leave it usable.
func TestRememberDeleteUserClockSkew(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	p := testPrefix(t, c)
	ahead := newStore(t, c, redisstore.Config{Prefix: p, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	onTime := newStore(t, c, redisstore.Config{Prefix: p})
	old := newSeries("old", "alice", time.Hour)
	mustCreate(t, onTime, old)
	mustCreate(t, ahead, newSeries("new", "alice", 3*time.Hour))
	wantSeries(t, onTime, old) // still accepted by the process on time
	for _, del := range []*redisstore.Store{ahead, onTime} {
		if err := del.DeleteUser(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, onTime, "old")
		wantNotFound(t, onTime, "new")
		if n := c.Exists(ctx, p+"rs:old", p+"rs:new", p+"ru:alice").Val(); n != 0 {
			t.Fatalf("%d of alice's keys left in Redis after DeleteUser", n)
		}
		mustCreate(t, onTime, old)
		mustCreate(t, ahead, newSeries("new", "alice", 3*time.Hour))
	}
}

func TestRememberLifecycle(t *testing.T) {
	ctx := context.Background()
	s, c, p := rememberStore(t)

	wantNotFound(t, s, "sel1")
	sr := newSeries("sel1", "alice", time.Hour)
	mustCreate(t, s, sr)
	wantSeries(t, s, sr)
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"sel1"}) {
		t.Fatalf("user set = %q, want [sel1]", got)
	}

	// A selector in use cannot be created again, even for another user.
	other := newSeries("sel1", "bob", 2*time.Hour)
	if err := s.CreateSeries(ctx, other); !errors.Is(err, store.ErrSelectorInUse) || errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("CreateSeries(duplicate) error = %v, want ErrSelectorInUse", err)
	}
	wantSeries(t, s, sr)
	if n := c.Exists(ctx, p+"ru:bob").Val(); n != 0 {
		t.Fatal("failed CreateSeries added the selector to the other user's set")
	}

	// Rotation from a wrong hash changes nothing.
	v2 := hashOf("v2")
	if ok, err := s.RotateSeries(ctx, "sel1", hashOf("wrong"), v2, time.Now().Add(time.Minute)); err != nil || ok {
		t.Fatalf("RotateSeries(wrong old) = %v, %v; want false, nil", ok, err)
	}
	wantSeries(t, s, sr)

	// Rotation from the current hash.
	grace := time.Now().Add(30 * time.Second)
	if ok, err := s.RotateSeries(ctx, "sel1", sr.ValidatorHash, v2, grace); err != nil || !ok {
		t.Fatalf("RotateSeries = %v, %v; want true, nil", ok, err)
	}
	rotated := sr
	rotated.PrevHash, rotated.PrevUntil, rotated.ValidatorHash = sr.ValidatorHash, grace, v2
	wantSeries(t, s, rotated)
	nearMs(t, "series after rotation", pttl(t, c, p+"rs:sel1"), time.Hour)

	// The old hash no longer rotates (it is only the previous one now).
	if ok, err := s.RotateSeries(ctx, "sel1", sr.ValidatorHash, hashOf("v3"), grace); err != nil || ok {
		t.Fatalf("RotateSeries(previous hash) = %v, %v; want false, nil", ok, err)
	}
	// A second rotation; a zero grace clears PrevUntil.
	v3 := hashOf("v3")
	if ok, err := s.RotateSeries(ctx, "sel1", v2, v3, time.Time{}); err != nil || !ok {
		t.Fatalf("second RotateSeries = %v, %v; want true, nil", ok, err)
	}
	rotated.PrevHash, rotated.PrevUntil, rotated.ValidatorHash = v2, time.Time{}, v3
	wantSeries(t, s, rotated)

	if ok, err := s.RotateSeries(ctx, "missing", v3, v2, grace); !errors.Is(err, store.ErrNotFound) || ok {
		t.Fatalf("RotateSeries(missing) = %v, %v; want false, ErrNotFound", ok, err)
	}

	// Delete removes the series and its selector from the user's set.
	mustCreate(t, s, newSeries("sel2", "alice", time.Hour))
	if err := s.DeleteSeries(ctx, "sel1"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, "sel1")
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"sel2"}) {
		t.Fatalf("user set after DeleteSeries = %q, want [sel2]", got)
	}
	if err := s.DeleteSeries(ctx, "sel1"); err != nil {
		t.Fatalf("DeleteSeries(missing) = %v, want nil", err)
	}
	if ok, err := s.RotateSeries(ctx, "sel1", v3, v2, grace); !errors.Is(err, store.ErrNotFound) || ok {
		t.Fatalf("RotateSeries(deleted) = %v, %v; want false, ErrNotFound", ok, err)
	}
	// A deleted selector may be used again.
	mustCreate(t, s, newSeries("sel1", "bob", time.Hour))
	if err := s.DeleteUser(ctx, "nobody"); err != nil {
		t.Fatalf("DeleteUser(no series) = %v, want nil", err)
	}
}

func TestRememberMinimalSeries(t *testing.T) {
	s, _, _ := rememberStore(t)
	sr := store.Series{Selector: "m", UserID: "u", ValidatorHash: []byte{0, 1, 2, 255}, Expires: time.Now().Add(time.Minute)}
	mustCreate(t, s, sr)
	got, err := s.GetSeries(context.Background(), "m")
	if err != nil {
		t.Fatal(err)
	}
	if !seriesEqual(got, sr) || got.PrevHash != nil || !got.Created.IsZero() || !got.PrevUntil.IsZero() {
		t.Fatalf("GetSeries = %+v, want %+v", got, sr)
	}
}

// TestRememberEmptyValues: an empty user id or validator hash is stored
// as such, and an empty old hash never rotates.
func TestRememberEmptyValues(t *testing.T) {
	ctx := context.Background()
	s, _, _ := rememberStore(t)
	sr := store.Series{Selector: "e", Expires: time.Now().Add(time.Minute)}
	mustCreate(t, s, sr)
	wantSeries(t, s, sr)
	for _, old := range [][]byte{nil, {}} {
		if ok, err := s.RotateSeries(ctx, "e", old, hashOf("n"), time.Now()); err != nil || ok {
			t.Fatalf("RotateSeries(empty old hash) = %v, %v; want false, nil", ok, err)
		}
	}
	if err := s.DeleteUser(ctx, ""); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, "e")
}

func TestRememberInvalid(t *testing.T) {
	ctx := context.Background()
	s, c, p := rememberStore(t)
	sr := newSeries("x", "alice", time.Hour)
	sr.Selector = ""
	if err := s.CreateSeries(ctx, sr); err == nil || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("CreateSeries(empty selector) error = %v, want a validation error", err)
	}
	// An already expired series is not stored.
	past := newSeries("past", "alice", -time.Second)
	if err := s.CreateSeries(ctx, past); err != nil {
		t.Fatalf("CreateSeries(expired) = %v, want nil", err)
	}
	wantNotFound(t, s, "past")
	if keys := c.Keys(ctx, p+"*").Val(); len(keys) != 0 {
		t.Fatalf("keys after invalid calls: %q", keys)
	}
}

func TestRememberTTL(t *testing.T) {
	s, c, p := rememberStore(t)
	mustCreate(t, s, newSeries("a", "alice", time.Hour))
	nearMs(t, "series", pttl(t, c, p+"rs:a"), time.Hour)
	nearMs(t, "user set", pttl(t, c, p+"ru:alice"), time.Hour)

	// A later series extends the user's set; an earlier one leaves it.
	mustCreate(t, s, newSeries("b", "alice", 3*time.Hour))
	nearMs(t, "series b", pttl(t, c, p+"rs:b"), 3*time.Hour)
	nearMs(t, "user set after later series", pttl(t, c, p+"ru:alice"), 3*time.Hour)
	mustCreate(t, s, newSeries("c", "alice", time.Minute))
	nearMs(t, "series c", pttl(t, c, p+"rs:c"), time.Minute)
	nearMs(t, "user set after earlier series", pttl(t, c, p+"ru:alice"), 3*time.Hour)

	// Deleting the longest series does not shorten the set (harmless: the
	// set only names selectors).
	if err := s.DeleteSeries(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	nearMs(t, "user set after delete", pttl(t, c, p+"ru:alice"), 3*time.Hour)
}

// TestRememberExpiry checks that Redis drops a series at Expires, and that
// CreateSeries drops expired selectors from the user's set.
func TestRememberExpiry(t *testing.T) {
	ctx := context.Background()
	s, c, p := rememberStore(t)
	mustCreate(t, s, newSeries("long", "alice", time.Hour))
	short := newSeries("short", "alice", 200*time.Millisecond)
	mustCreate(t, s, short)
	wantSeries(t, s, short)
	time.Sleep(400 * time.Millisecond)
	wantNotFound(t, s, "short")
	if n := c.Exists(ctx, p+"rs:short").Val(); n != 0 {
		t.Fatal("expired series still in Redis")
	}
	if ok, err := s.RotateSeries(ctx, "short", short.ValidatorHash, hashOf("n"), time.Now()); !errors.Is(err, store.ErrNotFound) || ok {
		t.Fatalf("RotateSeries(expired) = %v, %v; want false, ErrNotFound", ok, err)
	}
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"long", "short"}) {
		t.Fatalf("user set = %q, want [long short] before pruning", got)
	}
	mustCreate(t, s, newSeries("new", "alice", time.Hour))
	if got := members(t, c, p+"ru:alice"); !slices.Equal(got, []string{"long", "new"}) {
		t.Fatalf("user set = %q, want [long new] after pruning", got)
	}
	// The selector of an expired series may be used again.
	mustCreate(t, s, newSeries("short", "alice", time.Hour))
}

// TestRememberStoreClock checks that a series past its Expires by the
// Store's clock is gone even if Redis still holds it.
func TestRememberStoreClock(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	s := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c), Now: now})
	sr := newSeries("a", "alice", time.Hour)
	mustCreate(t, s, sr)
	offset.Store(int64(2 * time.Hour))
	wantNotFound(t, s, "a")
	if ok, err := s.RotateSeries(ctx, "a", sr.ValidatorHash, hashOf("n"), now()); !errors.Is(err, store.ErrNotFound) || ok {
		t.Fatalf("RotateSeries(expired by the Store's clock) = %v, %v; want false, ErrNotFound", ok, err)
	}
	// Nothing was rotated.
	offset.Store(0)
	wantSeries(t, s, sr)
	// A series expired by the Store's clock frees its selector.
	offset.Store(int64(2 * time.Hour))
	later := newSeries("a", "bob", 3*time.Hour)
	mustCreate(t, s, later)
	wantSeries(t, s, later)
	offset.Store(0)
	wantSeries(t, s, later)
	// Nor is a series created that has expired by the Store's clock.
	offset.Store(int64(2 * time.Hour))
	if err := s.CreateSeries(ctx, newSeries("b", "alice", time.Hour)); err != nil {
		t.Fatal(err)
	}
	offset.Store(0)
	wantNotFound(t, s, "b")
}

func TestRememberRotateRace(t *testing.T) {
	ctx := context.Background()
	s, _, _ := rememberStore(t)
	for round := range 5 {
		sel := fmt.Sprintf("race%d", round)
		sr := newSeries(sel, "alice", time.Hour)
		mustCreate(t, s, sr)
		const n = 50
		var (
			wins   atomic.Int32
			winner atomic.Int32
			start  = make(chan struct{})
			wg     sync.WaitGroup
		)
		grace := time.Now().Add(time.Minute)
		for i := range n {
			wg.Go(func() {
				<-start
				ok, err := s.RotateSeries(ctx, sel, sr.ValidatorHash, hashOf(fmt.Sprint(i)), grace)
				if err != nil {
					t.Error(err)
				}
				if ok {
					wins.Add(1)
					winner.Store(int32(i))
				}
			})
		}
		close(start)
		wg.Wait()
		if got := wins.Load(); got != 1 {
			t.Fatalf("round %d: %d rotations won, want exactly 1", round, got)
		}
		want := sr
		want.ValidatorHash, want.PrevHash, want.PrevUntil = hashOf(fmt.Sprint(winner.Load())), sr.ValidatorHash, grace
		wantSeries(t, s, want)
	}
}

func TestRememberDeleteUser(t *testing.T) {
	ctx := context.Background()
	s, c, p := rememberStore(t)
	alice := []string{"a1", "a2", "a3"}
	bob := []string{"b1", "b2"}
	for _, sel := range alice {
		mustCreate(t, s, newSeries(sel, "alice", time.Hour))
	}
	var bobs []store.Series
	for _, sel := range bob {
		sr := newSeries(sel, "bob", time.Hour)
		bobs = append(bobs, sr)
		mustCreate(t, s, sr)
	}
	if err := s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	for _, sel := range alice {
		wantNotFound(t, s, sel)
	}
	for _, sr := range bobs {
		wantSeries(t, s, sr)
	}
	if n := c.Exists(ctx, p+"ru:alice").Val(); n != 0 {
		t.Fatal("user set still exists after DeleteUser")
	}
	if got := members(t, c, p+"ru:bob"); !slices.Equal(got, bob) {
		t.Fatalf("bob's set = %q, want %q", got, bob)
	}
	// alice can log in again.
	mustCreate(t, s, newSeries("a1", "alice", time.Hour))
	if err := s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, "a1")
}

// TestRememberDeleteUserStaleSelector: a user's set may still name a
// selector whose series expired and was since reused by another user;
// DeleteUser leaves the other user's series alone.
func TestRememberDeleteUserStaleSelector(t *testing.T) {
	ctx := context.Background()
	s, c, p := rememberStore(t)
	mustCreate(t, s, newSeries("long", "alice", time.Hour))
	mustCreate(t, s, newSeries("shared", "alice", 150*time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	bobs := newSeries("shared", "bob", time.Hour)
	mustCreate(t, s, bobs)
	if got := members(t, c, p+"ru:alice"); !slices.Contains(got, "shared") {
		t.Fatalf("alice's set = %q: test setup expected the stale selector in it", got)
	}
	if err := s.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, "long")
	wantSeries(t, s, bobs)
}

func TestRememberPrefixIsolation(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, redisAddr(t))
	a := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)})
	b := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)})
	sa := newSeries("sel", "alice", time.Hour)
	mustCreate(t, a, sa)
	wantNotFound(t, b, "sel")
	if ok, err := b.RotateSeries(ctx, "sel", sa.ValidatorHash, hashOf("x"), time.Now()); !errors.Is(err, store.ErrNotFound) || ok {
		t.Fatalf("other prefix: RotateSeries = %v, %v; want false, ErrNotFound", ok, err)
	}
	if err := b.DeleteSeries(ctx, "sel"); err != nil {
		t.Fatal(err)
	}
	if err := b.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	wantSeries(t, a, sa)
	// The same selector is free in the other prefix.
	sb := newSeries("sel", "bob", 2*time.Hour)
	mustCreate(t, b, sb)
	wantSeries(t, a, sa)
	wantSeries(t, b, sb)
	// Remember-me keys do not collide with the keys of store.Store.
	if err := a.Revoke(ctx, "sel", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := a.SetCutoff(ctx, "alice", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wantSeries(t, a, sa)
	if err := a.DeleteUser(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.Revoked(ctx, "sel"); err != nil || !ok {
		t.Fatalf("Revoked after DeleteUser = %v, %v; want true", ok, err)
	}
	if cut, err := a.Cutoff(ctx, "alice"); err != nil || cut.IsZero() {
		t.Fatalf("Cutoff after DeleteUser = %v, %v; want it kept", cut, err)
	}
}

func TestRememberMalformedFailsClosed(t *testing.T) {
	ctx := context.Background()
	s, c, p := rememberStore(t)
	if err := c.HSet(ctx, p+"rs:bad", "u", "alice", "v", "x").Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSeries(ctx, "bad"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("GetSeries(malformed) error = %v, want ErrUnavailable", err)
	}
	if ok, err := s.RotateSeries(ctx, "bad", []byte("x"), []byte("y"), time.Now()); !errors.Is(err, store.ErrUnavailable) || ok {
		t.Fatalf("RotateSeries(malformed) = %v, %v; want false, ErrUnavailable", ok, err)
	}
	if err := c.Set(ctx, p+"rs:str", "not a hash", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSeries(ctx, "str"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("GetSeries(wrong type) error = %v, want ErrUnavailable", err)
	}
}

// checkRememberUnavailable checks that every remember-me method fails with
// ErrUnavailable, each within the timeout (plus slack).
func checkRememberUnavailable(t *testing.T, s *redisstore.Store, timeout time.Duration) {
	t.Helper()
	ctx := context.Background()
	calls := map[string]func() error{
		"CreateSeries": func() error { return s.CreateSeries(ctx, newSeries("down", "alice", time.Hour)) },
		"GetSeries":    func() error { _, err := s.GetSeries(ctx, "sel"); return err },
		"RotateSeries": func() error {
			ok, err := s.RotateSeries(ctx, "sel", hashOf("v1"), hashOf("v2"), time.Now().Add(time.Minute))
			if ok {
				t.Error("RotateSeries reported true while Redis is unavailable")
			}
			return err
		},
		"DeleteSeries": func() error { return s.DeleteSeries(ctx, "sel") },
		"DeleteUser":   func() error { return s.DeleteUser(ctx, "alice") },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: error %v, want ErrUnavailable", name, err)
		}
		if took > timeout+time.Second {
			t.Errorf("%s took %v, timeout is %v", name, took, timeout)
		}
	}
}

func TestRememberUnavailableAndRecovery(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	const timeout = 300 * time.Millisecond
	c := newClient(t, "127.0.0.1:"+srv.port)
	s := newStore(t, c, redisstore.Config{Timeout: timeout})
	ctx := context.Background()
	sr := newSeries("sel", "alice", time.Hour)
	sr.ValidatorHash = hashOf("v1")
	mustCreate(t, s, sr)
	wantSeries(t, s, sr)

	t.Run("hung", func(t *testing.T) {
		if err := srv.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		checkRememberUnavailable(t, s, timeout)
		if err := srv.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		eventually(t, "GetSeries after SIGCONT", func() error {
			_, err := s.GetSeries(ctx, "sel")
			return err
		})
	})

	t.Run("down", func(t *testing.T) {
		srv.kill()
		checkRememberUnavailable(t, s, timeout)
		checkRememberUnavailable(t, s, timeout)
	})

	t.Run("recovered", func(t *testing.T) {
		srv.start()
		eventually(t, "CreateSeries after restart", func() error {
			return s.CreateSeries(ctx, sr) // the restarted server is empty
		})
		wantSeries(t, s, sr)
		if ok, err := s.RotateSeries(ctx, "sel", hashOf("v1"), hashOf("v2"), time.Now().Add(time.Minute)); err != nil || !ok {
			t.Fatalf("RotateSeries after restart = %v, %v; want true", ok, err)
		}
		if err := s.DeleteSeries(ctx, "sel"); err != nil {
			t.Fatal(err)
		}
		mustCreate(t, s, newSeries("sel2", "alice", time.Hour))
		if err := s.DeleteUser(ctx, "alice"); err != nil {
			t.Fatal(err)
		}
		wantNotFound(t, s, "sel2")
	})
}
