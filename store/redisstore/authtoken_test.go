package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

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

// TestAuthtokenConcurrentRefresh: of 50 concurrent Refresh calls with the
// same token, exactly one succeeds; the others see the reuse (and revoke
// the family) or, having verified the token after the family was revoked,
// a revoked token. Either way the family is gone, including the pair the
// winner got.
func TestAuthtokenConcurrentRefresh(t *testing.T) {
	var reuses reuseCounter
	m := redisManager(t, reuses.onReuse)
	ctx := context.Background()
	login, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}

	const n = 50
	var (
		wg      sync.WaitGroup
		startCh = make(chan struct{})
		wins    atomic.Int64
		reused  atomic.Int64
		revoked atomic.Int64
		mu      sync.Mutex
		winner  authtoken.Pair
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startCh
			p, err := m.Refresh(ctx, login.Refresh)
			switch {
			case err == nil:
				wins.Add(1)
				mu.Lock()
				winner = p
				mu.Unlock()
			case errors.Is(err, authtoken.ErrRefreshReused):
				reused.Add(1)
			case errors.Is(err, authtoken.ErrRevoked):
				revoked.Add(1)
			default:
				t.Errorf("Refresh: unexpected error %v", err)
			}
		}()
	}
	close(startCh)
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d of %d concurrent Refresh calls succeeded (%d reused, %d revoked); want exactly 1",
			wins.Load(), n, reused.Load(), revoked.Load())
	}
	if reused.Load() == 0 {
		t.Fatalf("no ErrRefreshReused among %d losers (%d revoked)", n-1, revoked.Load())
	}
	if got := reuses.n.Load(); got != reused.Load() {
		t.Errorf("OnReuse called %d times for %d ErrRefreshReused", got, reused.Load())
	}
	if len(reuses.subjects) != 1 || !reuses.subjects["alice"] || len(reuses.families) != 1 {
		t.Errorf("OnReuse subjects %v, families %v; want alice and one family", reuses.subjects, reuses.families)
	}
	// The winner's pair belongs to the revoked family.
	if _, err := m.Verify(ctx, authtoken.TypeAccess, winner.Access); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("Verify of the winner's access token: %v, want ErrRevoked", err)
	}
	if _, err := m.Refresh(ctx, winner.Refresh); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("Refresh with the winner's refresh token: %v, want ErrRevoked", err)
	}
	if _, err := m.Verify(ctx, authtoken.TypeAccess, login.Access); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("Verify of the login's access token: %v, want ErrRevoked", err)
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

	// p2.Refresh was consumed by the second rotation: presenting it again
	// is reuse.
	if _, err := m.Refresh(ctx, p2.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
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
// Redis (two machines) see each other's consumed refresh tokens.
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
	if _, err := managers[0].Refresh(ctx, p.Refresh); err != nil {
		t.Fatal(err)
	}
	if _, err := managers[1].Refresh(ctx, p.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("Refresh on the second Manager: %v, want ErrRefreshReused", err)
	}
}
