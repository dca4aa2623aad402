package authtoken_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

func ringV(t testing.TB, clk interface{ Now() time.Time }, v paseto.Version, p paseto.Purpose, lifetimes ...time.Duration) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(ctx, keyring.Config{
		Version:   v,
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

// Kinds stay bound to their kind when their keys come from a ring: a
// refresh (or custom) kind on the access kind's ring, by inheritance or
// named again, makes tokens that neither the Manager's access requirement
// nor a plain verifier on the same ring, nor one following the published
// key set, accepts as access tokens.
func TestRingKindsBound(t *testing.T) {
	for _, explicit := range []bool{false, true} {
		clk := newClock()
		ring := ringV(t, clk, paseto.V4, paseto.Public, 30*24*time.Hour)
		cfg := authtoken.Config{
			Access: authtoken.KindConfig{KeySource: ring},
			Custom: map[string]authtoken.KindConfig{"reset": {}},
			Issuer: "https://a.example",
			Now:    clk.Now,
		}
		if explicit {
			cfg.Refresh.KeySource = ring
			cfg.Custom["reset"] = authtoken.KindConfig{KeySource: ring}
		}
		m, err := authtoken.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		p, err := m.Login(ctx, "alice", nil)
		if err != nil {
			t.Fatal(err)
		}
		reset, err := m.CreateToken(ctx, "reset", "alice", nil)
		if err != nil {
			t.Fatal(err)
		}
		if kidOf(t, p.Refresh) != kidOf(t, p.Access) {
			t.Fatal("the kinds do not share the ring's key: the test proves nothing")
		}
		set, _ := getKeySet(t, m.KeySetHandler())
		var keys []keyring.Key
		for _, k := range set.Keys {
			s, err := paserk.Encode(k.Key)
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, keyring.Key{PASERK: s})
		}
		for name, vcfg := range map[string]verifier.Config{
			"ring":    {KeySource: ring, Now: clk.Now},
			"key set": {Keys: keys, Now: clk.Now, RequireKeyID: true},
		} {
			plain, err := verifier.New(vcfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := plain.Verify(ctx, p.Access, nil); err != nil {
				t.Fatalf("explicit=%v %s: access token refused: %v", explicit, name, err)
			}
			for kind, tok := range map[string]string{"refresh": p.Refresh, "reset": reset} {
				if _, err := plain.Verify(ctx, tok, nil); err == nil {
					t.Errorf("explicit=%v: a plain verifier on the %s accepts a %s token as an access token", explicit, name, kind)
				}
			}
		}
		for _, tok := range []string{p.Refresh, reset} {
			if _, err := m.Access().Verify(ctx, tok, nil); !errors.Is(err, authtoken.ErrWrongType) {
				t.Errorf("explicit=%v: Access(): %v, want ErrWrongType", explicit, err)
			}
		}
		if _, err := m.RefreshTokens().Verify(ctx, p.Refresh, nil); err != nil {
			t.Errorf("explicit=%v: RefreshTokens(): %v", explicit, err)
		}
	}
}

// Only the access kind's keys are published: a refresh ring or a custom
// kind's own keys are not in the key set resource servers trust for
// access tokens.
func TestKeySetAccessKeysOnly(t *testing.T) {
	clk := newClock()
	access := ringV(t, clk, paseto.V4, paseto.Public, time.Hour)
	refresh := ringV(t, clk, paseto.V4, paseto.Public, 30*24*time.Hour)
	own := genKey(t, paseto.V4, paseto.Public)
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{KeySource: access, Lifetime: time.Hour},
		Refresh: authtoken.KindConfig{KeySource: refresh},
		Custom:  map[string]authtoken.KindConfig{"reset": {Keys: []keyring.Key{own}}},
		Now:     clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	set, _ := getKeySet(t, m.KeySetHandler())
	want := access.Snapshot().PublicKeys()
	if len(set.Keys) != len(want) || len(m.PublicKeys()) != len(want) {
		t.Fatalf("key set has %d keys, PublicKeys %d, want the access ring's %d", len(set.Keys), len(m.PublicKeys()), len(want))
	}
	if _, err := refresh.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	set, _ = getKeySet(t, m.KeySetHandler())
	if len(set.Keys) != len(want) {
		t.Fatalf("a refresh ring's next key is published: %d keys", len(set.Keys))
	}
}

// A v2 kind other than access may not share the access kind's ring, nor
// come to share its keys through SetKeys, unless AllowSharedV2Keys.
func TestV2RingsNeedTheirOwn(t *testing.T) {
	clk := newClock()
	ring := ringV(t, clk, paseto.V2, paseto.Public, 30*24*time.Hour)
	other := ringV(t, clk, paseto.V2, paseto.Public, 30*24*time.Hour)
	for _, tt := range []struct {
		name  string
		cfg   authtoken.Config
		field string
	}{
		{"inherited", authtoken.Config{Access: authtoken.KindConfig{KeySource: ring}}, "Access.KeySource"},
		{"same ring", authtoken.Config{Access: authtoken.KindConfig{KeySource: ring}, Refresh: authtoken.KindConfig{KeySource: ring}}, "Refresh.KeySource"},
		{"own ring", authtoken.Config{Access: authtoken.KindConfig{KeySource: ring}, Refresh: authtoken.KindConfig{KeySource: other}}, ""},
		{"allowed", authtoken.Config{Access: authtoken.KindConfig{KeySource: ring}, AllowSharedV2Keys: true}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Now = clk.Now
			_, err := authtoken.New(tt.cfg)
			var ce *authtoken.ConfigError
			switch {
			case tt.field == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.field != "" && (!errors.As(err, &ce) || ce.Field != tt.field):
				t.Fatalf("New: %v, want a ConfigError for %s", err, tt.field)
			}
		})
	}

	a, r := genKey(t, paseto.V2, paseto.Public), genKey(t, paseto.V2, paseto.Public)
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{a}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{r}},
		Now:     clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetKeys("refresh", []keyring.Key{r, a}); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Fatalf("SetKeys gives refresh the access key: %v", err)
	}
	if err := m.SetKeys("access", []keyring.Key{a, r}); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Fatalf("SetKeys gives access the refresh key: %v", err)
	}
	if err := m.SetKeys("refresh", []keyring.Key{genKey(t, paseto.V2, paseto.Public), r}); err != nil {
		t.Fatalf("SetKeys with keys of its own: %v", err)
	}
}

// A resource server's Verifier on the issuing service's ring verifies its
// access tokens and refuses the refresh tokens made with the same ring.
func TestVerifierKeySource(t *testing.T) {
	clk := newClock()
	ring := ringV(t, clk, paseto.V4, paseto.Public, 30*24*time.Hour)
	mem, err := store.NewMemory(store.MemoryConfig{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	m, err := authtoken.New(authtoken.Config{Access: authtoken.KindConfig{KeySource: ring}, Store: mem, Issuer: "https://a.example", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	v, err := authtoken.NewVerifier(authtoken.VerifierConfig{KeySource: ring, Store: mem, Issuers: []string{"https://a.example"}, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, p.Access, nil); err != nil {
		t.Fatalf("access token: %v", err)
	}
	if _, err := v.Verify(ctx, p.Refresh, nil); !errors.Is(err, authtoken.ErrWrongType) {
		t.Fatalf("refresh token: %v, want ErrWrongType", err)
	}
	if err := m.Logout(ctx, p.Access); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, p.Access, nil); !errors.Is(err, authtoken.ErrRevoked) {
		t.Fatalf("logged-out token: %v, want ErrRevoked", err)
	}
}
