package authtoken_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// With CacheSize set, a cached access token still goes through the
// per-call checks: revocation, logout, the cutoff, expiry with the current
// clock, and its key still being configured. Each case verifies the token
// twice first (the second time from the cache), then changes the world
// and expects the next verification, a cache hit if the checks were
// skipped, to be refused. The Manager and a resource server's Verifier
// sharing its store are both checked.
func TestCacheSizeChecksEveryCall(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, e *env, p authtoken.Pair)
		want   error
	}{
		{"revoked", func(t *testing.T, e *env, p authtoken.Pair) {
			if err := e.m.RevokeToken(ctx, p.Access); err != nil {
				t.Fatal(err)
			}
		}, authtoken.ErrRevoked},
		{"logged out", func(t *testing.T, e *env, p authtoken.Pair) {
			if err := e.m.Logout(ctx, p.Access); err != nil {
				t.Fatal(err)
			}
		}, authtoken.ErrRevoked},
		{"logged out everywhere", func(t *testing.T, e *env, p authtoken.Pair) {
			if err := e.m.LogoutEverywhere(ctx, "alice"); err != nil {
				t.Fatal(err)
			}
		}, authtoken.ErrRevoked},
		{"expired", func(t *testing.T, e *env, p authtoken.Pair) {
			e.clock.Advance(authtoken.DefaultAccessLifetime + time.Second)
		}, verifier.ErrExpired},
		{"key left", func(t *testing.T, e *env, p authtoken.Pair) {
			if err := e.m.SetKeys(authtoken.TypeAccess, []keyring.Key{genKey(t, paseto.V4, paseto.Public)}); err != nil {
				t.Fatal(err)
			}
		}, verifier.ErrUnknownKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(c *authtoken.Config) {
				c.Access.Keys = []keyring.Key{genKey(t, paseto.V4, paseto.Public)}
				c.CacheSize = 16
			})
			verifiers := map[string]httpauth.TokenVerifier{"manager": e.m.Access(), "resource": resourceOf(t, e, 16)}
			p, err := e.m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			for name, v := range verifiers {
				for i := range 2 {
					if _, err := v.Verify(ctx, p.Access, nil); err != nil {
						t.Fatalf("%s, before, call %d: %v", name, i, err)
					}
				}
			}
			tc.change(t, e, p)
			for name, v := range verifiers {
				if name == "resource" && tc.name == "key left" {
					continue // its keys are its own: SetKeys changed the Manager's
				}
				for i := range 2 {
					if _, err := v.Verify(ctx, p.Access, nil); !errors.Is(err, tc.want) {
						t.Errorf("%s, after, call %d: %v, want %v", name, i, err, tc.want)
					}
				}
			}
		})
	}
}

// resourceOf returns a resource server's Verifier of e's access tokens,
// on e's store, with the given CacheSize.
func resourceOf(t *testing.T, e *env, cacheSize int) *authtoken.Verifier {
	t.Helper()
	var keys []keyring.Key
	for _, pk := range e.m.PublicKeys() {
		s, err := paserk.Encode(pk)
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, keyring.Key{PASERK: s})
	}
	v, err := authtoken.NewVerifier(authtoken.VerifierConfig{Keys: keys, Store: e.store, Now: e.clock.Now, CacheSize: cacheSize})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// CacheSize reaches the access verifier: verifying a token again
// allocates less with the cache (no payload decoding), which is what makes
// the cases of TestCacheSizeChecksEveryCall cache hits.
func TestCacheSizeIsUsed(t *testing.T) {
	allocs := func(size int) float64 {
		e := newEnv(t, func(c *authtoken.Config) {
			c.Access.Keys = []keyring.Key{genKey(t, paseto.V4, paseto.Public)}
			c.CacheSize = size
		})
		p, err := e.m.Login(ctx, "alice", nil)
		if err != nil {
			t.Fatal(err)
		}
		v := e.m.Access()
		return testing.AllocsPerRun(20, func() {
			if _, err := v.Verify(ctx, p.Access, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
	if off, on := allocs(0), allocs(16); on >= off {
		t.Errorf("allocations per verification: %v with the cache, %v without", on, off)
	}
}

func TestCacheSizeNegative(t *testing.T) {
	_, err := authtoken.New(authtoken.Config{
		Access:    authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Public)}},
		CacheSize: -1,
	})
	var ce *authtoken.ConfigError
	if !errors.As(err, &ce) || ce.Field != "CacheSize" || !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Errorf("New: %v", err)
	}
	e := newEnv(t, nil)
	_, err = authtoken.NewVerifier(authtoken.VerifierConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}, Store: e.store, CacheSize: -1})
	if !errors.As(err, &ce) || ce.Field != "CacheSize" || !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Errorf("NewVerifier: %v", err)
	}
}
