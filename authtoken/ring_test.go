package authtoken_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func ringOf(t testing.TB, clk *testclock.Clock, p paseto.Purpose, lifetimes ...time.Duration) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   p,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: lifetimes,
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func kidOf(t testing.TB, token string) string {
	t.Helper()
	var p paseto.Parser
	u, err := p.Unverified(token)
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := paseto.FooterKeyID(u.UnverifiedFooter)
	return kid
}

func getKeySet(t testing.TB, h http.Handler) (*keyset.Set, string) {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/keys", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("key set: %d", w.Code)
	}
	set, err := keyset.Parse(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return set, w.Header().Get("Cache-Control")
}

// A Manager on two rings (public access tokens, local refresh tokens)
// follows their rotations: tokens of the retired keys still verify and
// refresh, new ones use the new keys, and the key set lists the next
// access key before it signs.
func TestRingManager(t *testing.T) {
	clk := newClock()
	ctx := context.Background()
	access := ringOf(t, clk, paseto.Public, 2*time.Hour)
	refresh := ringOf(t, clk, paseto.Local, 30*24*time.Hour)
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{KeySource: access, Lifetime: 2 * time.Hour},
		Refresh: authtoken.KindConfig{KeySource: refresh},
		Issuer:  "https://a.example",
		Now:     clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, p, _ := m.Version("refresh"); v != paseto.V4 || p != paseto.Local {
		t.Fatalf("refresh kind %s.%s", v, p)
	}
	pair, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	set, cc := getKeySet(t, m.KeySetHandler())
	if cc != "public, max-age=300" || len(set.Keys) != 1 || set.Issuer != "https://a.example" {
		t.Fatalf("key set %+v, %q", set, cc)
	}
	nextAccess, err := access.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nextRefresh, err := refresh.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set, _ = getKeySet(t, m.KeySetHandler())
	if len(set.Keys) != 2 || set.Keys[1].KeyID != nextAccess.ID || len(m.PublicKeys()) != 2 {
		t.Fatalf("the next key is not published: %+v", set)
	}
	clk.Advance(time.Hour)
	if _, err := m.Verify(ctx, "access", pair.Access); err != nil {
		t.Fatalf("access token of the retired key: %v", err)
	}
	pair2, err := m.Refresh(ctx, pair.Refresh)
	if err != nil {
		t.Fatalf("refresh token of the retired key: %v", err)
	}
	if kidOf(t, pair2.Access) != nextAccess.ID || kidOf(t, pair2.Refresh) != nextRefresh.ID {
		t.Fatal("new tokens are not made with the new current keys")
	}
	if _, err := m.Verify(ctx, "access", pair2.Access); err != nil {
		t.Fatal(err)
	}
	if err := m.SetKeys("access", []keyring.Key{genKey(t, paseto.V4, paseto.Public)}); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Fatalf("SetKeys on a ring kind: %v", err)
	}
}

func TestRingManagerConfig(t *testing.T) {
	clk := newClock()
	short := ringOf(t, clk, paseto.Public, 15*time.Minute)
	for _, tc := range []struct {
		name  string
		cfg   authtoken.Config
		field string
		is    error
	}{
		// Refresh tokens (30 days) take the access ring, which keeps keys
		// for 15 minutes.
		{"inherited source too short", authtoken.Config{Access: authtoken.KindConfig{KeySource: short}}, "Refresh.Lifetime", keyring.ErrLifetimeNotCovered},
		{"keys and source", authtoken.Config{Access: authtoken.KindConfig{KeySource: short, Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Public)}}}, "Access.KeySource", nil},
		{"no expiration", authtoken.Config{Access: authtoken.KindConfig{KeySource: short, NoExpiration: true}}, "Access.NoExpiration", nil},
		{"max-age over the ring's", authtoken.Config{Access: authtoken.KindConfig{KeySource: short},
			Refresh: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}}, KeySetMaxAge: time.Hour}, "KeySetMaxAge", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := authtoken.New(tc.cfg)
			var ce *authtoken.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field {
				t.Fatalf("err = %v, want a ConfigError for %s", err, tc.field)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("err = %v, want %v", err, tc.is)
			}
		})
	}
}

// SetKeys rotates the keys of a kind with static keys: the new first key
// issues, the old one still verifies, and the key set follows.
func TestSetKeys(t *testing.T) {
	clk := newClock()
	ctx := context.Background()
	a, b := genKey(t, paseto.V4, paseto.Public), genKey(t, paseto.V4, paseto.Public)
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{a}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
		Now:     clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	old, err := m.CreateAccessToken(ctx, "alice", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	set, cc := getKeySet(t, m.KeySetHandler())
	if len(set.Keys) != 1 || cc != "public, max-age=300" {
		t.Fatalf("key set %+v %q", set, cc)
	}
	if err := m.SetKeys("access", []keyring.Key{b, a}); err != nil {
		t.Fatal(err)
	}
	tok, err := m.CreateAccessToken(ctx, "alice", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	bk, _ := b.ParsePublic()
	if kidOf(t, tok) != paserk.PublicID(bk) {
		t.Fatal("the new first key does not issue")
	}
	for _, tk := range []string{old, tok} {
		if _, err := m.Verify(ctx, "access", tk); err != nil {
			t.Fatal(err)
		}
	}
	set, _ = getKeySet(t, m.KeySetHandler())
	if len(set.Keys) != 2 || set.Keys[0].KeyID != paserk.PublicID(bk) {
		t.Fatalf("key set after SetKeys: %+v", set)
	}
	if err := m.SetKeys("access", []keyring.Key{b}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Verify(ctx, "access", old); err == nil {
		t.Fatal("a token of a removed key verifies")
	}
	if err := m.SetKeys("access", []keyring.Key{genKey(t, paseto.V4, paseto.Local)}); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Fatalf("a key of another purpose: %v", err)
	}
	if err := m.SetKeys("nope", []keyring.Key{b}); !errors.Is(err, authtoken.ErrUnknownKind) {
		t.Fatalf("unknown kind: %v", err)
	}
	if err := m.SetKeys("access", nil); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Fatalf("no keys: %v", err)
	}
}
