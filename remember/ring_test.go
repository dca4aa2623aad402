package remember_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/remember"
)

func rememberRing(t testing.TB, clk *testclock.Clock) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   paseto.Local,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{48 * time.Hour},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestKeySourceConfig(t *testing.T) {
	clk := testclock.New()
	ring := rememberRing(t, clk)
	_, err := remember.New(remember.Config{KeySource: ring, Lifetime: 72 * time.Hour})
	if !errors.Is(err, remember.ErrInvalidConfig) || !errors.Is(err, keyring.ErrLifetimeNotCovered) {
		t.Fatalf("lifetime over RetainFor: %v", err)
	}
	_, err = remember.New(remember.Config{KeySource: ring, Lifetime: 48 * time.Hour, Secret: secret})
	if !errors.Is(err, remember.ErrInvalidConfig) {
		t.Fatalf("KeySource with Secret: %v", err)
	}
}

// A remembered login survives rotations of the ring; its key is dropped
// only after the login has expired.
func TestKeySourceRotation(t *testing.T) {
	// The ring reads the env's clock, made by newEnv (both start at T0).
	clk := testclock.New()
	ring, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   paseto.Local,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{48 * time.Hour},
		Now:       func() time.Time { return clk.Now() },
	})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, remember.Config{KeySource: ring, Lifetime: 48 * time.Hour})
	clk = e.clk
	v := e.remember(t, "alice")
	first, _ := ring.Snapshot().Current(e.clk.Now())

	// Two rotations: the cookie's key is retired, still decrypting.
	for range 2 {
		if _, err := ring.Rotate(context.Background()); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Hour)
		if err := ring.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if k, ok := ring.Snapshot().Lookup(first.ID(), e.clk.Now()); !ok || k.Info().State != keyring.Retired {
		t.Fatal("the first key should be retired")
	}
	v = e.mustLogin(t, v, "alice")
	// The rotated cookie is made with the current key.
	cur, _ := ring.Snapshot().Current(e.clk.Now())
	if kidOf(t, v) != cur.ID() {
		t.Fatal("the rotated cookie is not encrypted with the current key")
	}

	// No current key (the copy went stale): setting a cookie fails closed.
	e.clk.Advance(30 * 24 * time.Hour)
	w := httptest.NewRecorder()
	err = e.m.Remember(w, request(e.m.Name(), ""), "bob", "device")
	if !errors.Is(err, keyring.ErrStale) {
		t.Fatalf("Remember on a stale ring: %v", err)
	}
}

func kidOf(t testing.TB, token string) string {
	t.Helper()
	var p paseto.Parser
	u, err := p.Unverified(token)
	if err != nil {
		t.Fatal(err)
	}
	kid, err := paseto.FooterKeyID(u.UnverifiedFooter)
	if err != nil {
		t.Fatal(err)
	}
	return kid
}
