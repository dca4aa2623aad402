package authtoken_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
)

// TestRefreshRetryAfterLostAnswer: the store rotates the family but the
// answer is lost (Refresh fails with store.ErrUnavailable). The client's
// retry with the same refresh token within the window gets a working pair,
// the family is not revoked and OnReuse is not called. A retry after the
// window, or after the family moved on, is theft.
func TestRefreshRetryAfterLostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wait      time.Duration // between the lost answer and the retry
		wantReuse bool
	}{
		{"at once", 0, false},
		{"just within the window", 10*time.Second - time.Millisecond, false},
		{"at the end of the window", 10 * time.Second, true},
		{"long after", time.Hour, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			mem, err := store.NewMemory(store.MemoryConfig{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			ls := &lostAnswerStore{Store: mem}
			var reused int
			m, err := authtoken.New(authtoken.Config{
				Access:      authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
				Store:       ls,
				Now:         c.Now,
				RetryWindow: 10 * time.Second,
				OnReuse:     func(context.Context, string, string) { reused++ },
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			ls.lose.Store(true)
			if _, err := m.Refresh(ctx, p.Refresh); !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("Refresh with the answer lost: %v, want store.ErrUnavailable", err)
			}
			ls.lose.Store(false)
			c.Advance(tc.wait)
			got, err := m.Refresh(ctx, p.Refresh)
			if tc.wantReuse {
				if !errors.Is(err, authtoken.ErrRefreshReused) || reused != 1 {
					t.Fatalf("retry after the window: %v (OnReuse %d), want ErrRefreshReused", err, reused)
				}
				return
			}
			if err != nil || reused != 0 {
				t.Fatalf("retry within the window: %v (OnReuse %d)", err, reused)
			}
			if _, err := m.Verify(ctx, "access", got.Access); err != nil {
				t.Fatalf("the access token of the retry: %v", err)
			}
			// The retry's pair works, and the family goes on.
			next, err := m.Refresh(ctx, got.Refresh)
			if err != nil {
				t.Fatalf("refreshing the retry's refresh token: %v", err)
			}
			// Now the client has shown it has the successor: the first
			// token again is theft, even within the window.
			if _, err := m.Refresh(ctx, p.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
				t.Fatalf("the first token after the family moved on: %v, want ErrRefreshReused", err)
			}
			if _, err := m.Verify(ctx, "access", next.Access); !errors.Is(err, authtoken.ErrRevoked) {
				t.Fatalf("the family after the reuse: %v, want ErrRevoked", err)
			}
		})
	}
}

// TestRefreshStateConstant: 10,000 refreshes of one family leave the store
// with the entries it had after the login (one family record).
func TestRefreshStateConstant(t *testing.T) {
	c := newClock()
	mem, err := store.NewMemory(store.MemoryConfig{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	m, err := authtoken.New(authtoken.Config{
		Access: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
		Store:  mem,
		Now:    c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	after := mem.Len()
	for i := range 10000 {
		if p, err = m.Refresh(ctx, p.Refresh); err != nil {
			t.Fatalf("refresh %d: %v", i, err)
		}
	}
	if got := mem.Len(); got != after || after != 1 {
		t.Fatalf("store entries: %d after the login, %d after 10,000 refreshes; want 1 and 1", after, got)
	}
}

// TestRefreshHammerCannotFillStore: on a small memory store, one user
// logging in and refreshing in a loop cannot make another user's
// operations fail: refreshes add nothing, and logins evict the user's own
// oldest family.
func TestRefreshHammerCannotFillStore(t *testing.T) {
	c := newClock()
	mem, err := store.NewMemory(store.MemoryConfig{Now: c.Now, MaxEntries: 64, MaxFamiliesPerUser: 4})
	if err != nil {
		t.Fatal(err)
	}
	m, err := authtoken.New(authtoken.Config{
		Access: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
		Store:  mem,
		Now:    c.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := m.Login(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	var first authtoken.Pair
	for i := range 100 {
		p, err := m.Login(ctx, "mallory", nil)
		if err != nil {
			t.Fatalf("login %d: %v", i, err)
		}
		if i == 0 {
			first = p
		}
		for range 10 {
			if p, err = m.Refresh(ctx, p.Refresh); err != nil {
				t.Fatalf("refresh: %v", err)
			}
		}
	}
	if got := mem.Len(); got > 5 {
		t.Fatalf("store entries after the hammering: %d, want at most 5 (4 families + bob's)", got)
	}
	// Mallory's oldest family was evicted: its tokens are revoked.
	if _, err := m.Refresh(ctx, first.Refresh); !errors.Is(err, authtoken.ErrRevoked) {
		t.Fatalf("an evicted family: %v, want ErrRevoked", err)
	}
	// Bob refreshes, logs out and logs out everywhere as usual.
	if bob, err = m.Refresh(ctx, bob.Refresh); err != nil {
		t.Fatalf("bob's refresh: %v", err)
	}
	if err := m.Logout(ctx, bob.Access); err != nil {
		t.Fatalf("bob's logout: %v", err)
	}
	if err := m.LogoutEverywhere(ctx, "bob"); err != nil {
		t.Fatalf("bob's logout everywhere: %v", err)
	}
}
