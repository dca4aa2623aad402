package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
)

// localKey returns a new v4 local key as a PASERK.
func localKey(tb testing.TB) keyring.Key {
	tb.Helper()
	k, err := paseto.GenerateSymmetricKey(paseto.V4)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := paserk.Encode(k)
	if err != nil {
		tb.Fatal(err)
	}
	return keyring.Key{PASERK: s}
}

// reuseCounter records the OnReuse calls of a Manager.
type reuseCounter struct {
	n        atomic.Int64
	mu       sync.Mutex
	subjects map[string]bool
	families map[string]bool
}

func (r *reuseCounter) onReuse(_ context.Context, subject, family string) {
	r.n.Add(1)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.subjects == nil {
		r.subjects, r.families = map[string]bool{}, map[string]bool{}
	}
	r.subjects[subject] = true
	r.families[family] = true
}

// newManager returns a Manager keeping its state in st.
func newManager(tb testing.TB, st store.Store, onReuse func(context.Context, string, string)) *authtoken.Manager {
	tb.Helper()
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{localKey(tb)}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{localKey(tb)}},
		Store:   st,
		OnReuse: onReuse,
	})
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// redisManager returns a Manager on the shared Redis test server, under a
// fresh key prefix.
func redisManager(t *testing.T, onReuse func(context.Context, string, string)) *authtoken.Manager {
	t.Helper()
	c := newClient(t, redisAddr(t))
	return newManager(t, newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c)}), onReuse)
}

// TestAuthtokenConcurrentRefresh: 50 concurrent Refresh calls with the
// same token within the retry window all succeed with one generation of
// the family (one rotation, 49 retries: a client retrying a refresh whose
// answer it lost is never taken for a thief), and OnReuse is never called.
// Once the family has moved on and the window has passed, another copy of
// that generation is reuse, which revokes the family.
func TestAuthtokenConcurrentRefresh(t *testing.T) {
	var reuses reuseCounter
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	c := newClient(t, redisAddr(t))
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{localKey(t)}},
		Store:   newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c), Now: now}),
		Now:     now,
		OnReuse: reuses.onReuse,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	login, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}

	const n = 50
	var (
		wg      sync.WaitGroup
		startCh = make(chan struct{})
		mu      sync.Mutex
		pairs   []authtoken.Pair
	)
	for range n {
		wg.Go(func() {
			<-startCh
			p, err := m.Refresh(ctx, login.Refresh)
			if err != nil {
				t.Errorf("Refresh: %v", err)
				return
			}
			mu.Lock()
			pairs = append(pairs, p)
			mu.Unlock()
		})
	}
	close(startCh)
	wg.Wait()
	if len(pairs) != n || reuses.n.Load() != 0 {
		t.Fatalf("%d of %d concurrent Refresh calls succeeded, OnReuse called %d times; want all, and none",
			len(pairs), n, reuses.n.Load())
	}
	offset.Add(int64(authtoken.DefaultRetryWindow))
	next, err := m.Refresh(ctx, pairs[0].Refresh)
	if err != nil {
		t.Fatalf("refreshing one successor: %v", err)
	}
	offset.Add(int64(authtoken.DefaultRetryWindow))
	if _, err := m.Refresh(ctx, pairs[1].Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("another copy of the generation after the family moved on: %v, want ErrRefreshReused", err)
	}
	if reuses.n.Load() != 1 || !reuses.subjects["alice"] {
		t.Errorf("OnReuse: %d calls, subjects %v; want 1 for alice", reuses.n.Load(), reuses.subjects)
	}
	for name, tok := range map[string]string{"next": next.Access, "login": login.Access, "retry": pairs[2].Access} {
		if _, err := m.Verify(ctx, authtoken.TypeAccess, tok); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("Verify of the %s access token after the reuse: %v, want ErrRevoked", name, err)
		}
	}
}

// TestAuthtokenReuseRevokesFamily: rotation in sequence, then the reuse of
// an old refresh token revokes every token of its family and only those.
func TestAuthtokenReuseRevokesFamily(t *testing.T) {
	var reuses reuseCounter
	m := redisManager(t, reuses.onReuse)
	ctx := context.Background()
	p1, err := m.Login(ctx, "alice", map[string]any{"role": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := m.Login(ctx, "alice", nil) // another family of the same subject
	if err != nil {
		t.Fatal(err)
	}
	p2, err := m.Refresh(ctx, p1.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	p3, err := m.Refresh(ctx, p2.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := m.Verify(ctx, authtoken.TypeAccess, p3.Access)
	if err != nil {
		t.Fatalf("Verify of the rotated access token: %v", err)
	}
	var claims struct {
		Role  string `json:"role"`
		Fresh bool   `json:"fresh"`
	}
	if err := tok.Decode(&claims); err != nil || claims.Role != "admin" || claims.Fresh {
		t.Fatalf("rotated access token claims %+v, %v; want role admin, not fresh", claims, err)
	}
	if reuses.n.Load() != 0 {
		t.Fatal("OnReuse called before any reuse")
	}

	// p1.Refresh was used two rotations ago: presenting it again is
	// reuse. (p2.Refresh again would be a retry of the last rotation,
	// within the retry window.)
	if _, err := m.Refresh(ctx, p1.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("Refresh with a used token: %v, want ErrRefreshReused", err)
	}
	if reuses.n.Load() != 1 || !reuses.subjects["alice"] {
		t.Fatalf("OnReuse: %d calls, subjects %v; want 1 call for alice", reuses.n.Load(), reuses.subjects)
	}
	for name, access := range map[string]string{"p1": p1.Access, "p2": p2.Access, "p3": p3.Access} {
		if _, err := m.Verify(ctx, authtoken.TypeAccess, access); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("Verify of %s.Access after the reuse: %v, want ErrRevoked", name, err)
		}
	}
	if _, err := m.Refresh(ctx, p3.Refresh); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("Refresh with the newest refresh token of the family: %v, want ErrRevoked", err)
	}
	// The other family is untouched.
	if _, err := m.Verify(ctx, authtoken.TypeAccess, other.Access); err != nil {
		t.Errorf("Verify of another family's access token: %v", err)
	}
	if _, err := m.Refresh(ctx, other.Refresh); err != nil {
		t.Errorf("Refresh of another family: %v", err)
	}
}

// TestAuthtokenSharedStore: two Managers with the same keys and the same
// Redis (two machines) see each other's rotations: a retry of the last
// rotation on the other machine works, an older token is reuse.
func TestAuthtokenSharedStore(t *testing.T) {
	c := newClient(t, redisAddr(t))
	prefix := testPrefix(t, c)
	cfg := authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{localKey(t)}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{localKey(t)}},
	}
	managers := make([]*authtoken.Manager, 2)
	for i := range managers {
		cfg.Store = newStore(t, c, redisstore.Config{Prefix: prefix})
		m, err := authtoken.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		managers[i] = m
	}
	ctx := context.Background()
	p, err := managers[0].Login(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	p1, err := managers[0].Refresh(ctx, p.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := managers[1].Refresh(ctx, p.Refresh); err != nil {
		t.Fatalf("a retry on the second Manager: %v", err)
	}
	if _, err := managers[1].Refresh(ctx, p1.Refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := managers[1].Refresh(ctx, p.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("Refresh on the second Manager: %v, want ErrRefreshReused", err)
	}
}
