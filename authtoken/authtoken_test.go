package authtoken_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

var ctx = context.Background()

func TestKindsAndLifetimes(t *testing.T) {
	tests := []struct {
		name     string
		edit     func(*authtoken.Config)
		kind     string
		make     func(m *authtoken.Manager) (string, error)
		lifetime time.Duration // 0: no exp
		fresh    any           // expected "fresh" claim, nil for none
		fam      bool
	}{
		{"access default", nil, "access", func(m *authtoken.Manager) (string, error) {
			return m.CreateAccessToken(ctx, "alice", true, nil)
		}, 15 * time.Minute, true, false},
		{"access not fresh", nil, "access", func(m *authtoken.Manager) (string, error) {
			return m.CreateAccessToken(ctx, "alice", false, nil)
		}, 15 * time.Minute, false, false},
		{"refresh default", nil, "refresh", func(m *authtoken.Manager) (string, error) {
			return m.CreateRefreshToken(ctx, "alice", nil)
		}, 30 * 24 * time.Hour, nil, true},
		{"custom default", nil, "reset", func(m *authtoken.Manager) (string, error) {
			return m.CreateToken(ctx, "reset", "alice", nil)
		}, 30 * 24 * time.Hour, nil, false},
		{"access configured", func(c *authtoken.Config) { c.Access.Lifetime = time.Hour }, "access", func(m *authtoken.Manager) (string, error) {
			return m.CreateAccessToken(ctx, "alice", true, nil)
		}, time.Hour, true, false},
		{"refresh configured", func(c *authtoken.Config) { c.Refresh.Lifetime = 48 * time.Hour }, "refresh", func(m *authtoken.Manager) (string, error) {
			return m.CreateRefreshToken(ctx, "alice", nil)
		}, 48 * time.Hour, nil, true},
		{"custom configured", func(c *authtoken.Config) { c.Custom["reset"] = authtoken.KindConfig{Lifetime: 10 * time.Minute} }, "reset", func(m *authtoken.Manager) (string, error) {
			return m.CreateToken(ctx, "reset", "alice", nil)
		}, 10 * time.Minute, nil, false},
		{"access no expiry", func(c *authtoken.Config) { c.Access.NoExpiration = true }, "access", func(m *authtoken.Manager) (string, error) {
			return m.CreateAccessToken(ctx, "alice", false, nil)
		}, 0, false, false},
		{"refresh no expiry", func(c *authtoken.Config) { c.Refresh.NoExpiration = true }, "refresh", func(m *authtoken.Manager) (string, error) {
			return m.CreateRefreshToken(ctx, "alice", nil)
		}, 0, nil, true},
		{"custom no expiry", func(c *authtoken.Config) { c.Custom["reset"] = authtoken.KindConfig{NoExpiration: true} }, "reset", func(m *authtoken.Manager) (string, error) {
			return m.CreateToken(ctx, "reset", "alice", nil)
		}, 0, nil, false},
		{"login access", nil, "access", func(m *authtoken.Manager) (string, error) {
			p, err := m.Login(ctx, "alice", nil)
			return p.Access, err
		}, 15 * time.Minute, true, true},
		{"login refresh", nil, "refresh", func(m *authtoken.Manager) (string, error) {
			p, err := m.Login(ctx, "alice", nil)
			return p.Refresh, err
		}, 30 * 24 * time.Hour, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *authtoken.Config) {
				c.Issuer = "https://auth.example"
				c.Audiences = []string{"https://api.example"}
				if tt.edit != nil {
					tt.edit(c)
				}
			})
			tok, err := tt.make(e.m)
			if err != nil {
				t.Fatal(err)
			}
			c := claimsOf(t, e.m, tt.kind, tok)
			now := t0.Format(time.RFC3339)
			want := map[string]any{"sub": "alice", "type": tt.kind, "iat": "2030-01-02T03:04:05.000Z", "nbf": now,
				"iss": "https://auth.example", "aud": "https://api.example"}
			for k, v := range want {
				if c[k] != v {
					t.Errorf("%s = %v, want %v", k, c[k], v)
				}
			}
			if jti, _ := c["jti"].(string); len(jti) < 16 {
				t.Errorf("jti = %v", c["jti"])
			}
			if tt.lifetime == 0 {
				if _, ok := c["exp"]; ok {
					t.Errorf("exp present without expiry: %v", c["exp"])
				}
			} else if c["exp"] != t0.Add(tt.lifetime).Format(time.RFC3339) {
				t.Errorf("exp = %v, want now+%v", c["exp"], tt.lifetime)
			}
			if c["fresh"] != tt.fresh {
				t.Errorf("fresh = %v, want %v", c["fresh"], tt.fresh)
			}
			if fam, _ := c["fam"].(string); (fam != "") != tt.fam {
				t.Errorf("fam = %q, want present %v", fam, tt.fam)
			}
			if tt.lifetime != 0 {
				// Valid one second before exp, expired at exp.
				e.clock.Advance(tt.lifetime - time.Second)
				if _, err := e.m.Verify(ctx, tt.kind, tok); err != nil {
					t.Errorf("before exp: %v", err)
				}
				e.clock.Advance(time.Second)
				if _, err := e.m.Verify(ctx, tt.kind, tok); !errors.Is(err, verifier.ErrExpired) {
					t.Errorf("at exp: %v, want ErrExpired", err)
				}
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	pub := func() string {
		k, _ := paseto.GenerateSecretKey(paseto.V4)
		s, _ := paserk.Encode(k.Public())
		return s
	}()
	v3pub := func() string {
		k, _ := paseto.GenerateSecretKey(paseto.V3)
		s, _ := paserk.Encode(k.Public())
		return s
	}()
	tests := []struct {
		name  string
		edit  func(*authtoken.Config)
		field string
	}{
		{"no access key", func(c *authtoken.Config) { c.Access.Keys = nil }, "Access.Keys"},
		{"empty access key", func(c *authtoken.Config) { c.Access.Keys = []keyring.Key{{}} }, "Access.Keys[0]"},
		{"bad key", func(c *authtoken.Config) { c.Access.Keys = []keyring.Key{{PASERK: "k4.local.nope"}} }, "Access.Keys[0]"},
		{"public key cannot issue", func(c *authtoken.Config) { c.Refresh.Keys = []keyring.Key{{PASERK: pub}} }, "Refresh.Keys[0]"},
		{"public key first cannot issue", func(c *authtoken.Config) {
			c.Refresh.Keys = []keyring.Key{{PASERK: pub}, c.Refresh.Keys[0]}
		}, "Refresh.Keys[0]"},
		{"first key bound to another issuer", func(c *authtoken.Config) {
			c.Issuer = "a"
			c.Access.Keys[0].Issuer = "b"
		}, "Access.Keys[0].Issuer"},
		{"same key twice", func(c *authtoken.Config) { c.Access.Keys = append(c.Access.Keys, c.Access.Keys[0]) }, "Access.Keys[1]"},
		{"secret key and its public half", func(c *authtoken.Config) {
			c.Refresh.Keys = append(c.Refresh.Keys, keyring.Key{PASERK: publicOf(t, c.Refresh.Keys[0])})
		}, "Refresh.Keys[1]"},
		{"negative lifetime", func(c *authtoken.Config) { c.Access.Lifetime = -time.Second }, "Access.Lifetime"},
		{"lifetime under a second", func(c *authtoken.Config) { c.Refresh.Lifetime = time.Millisecond }, "Refresh.Lifetime"},
		{"no expiration and lifetime", func(c *authtoken.Config) { c.Access.NoExpiration, c.Access.Lifetime = true, time.Hour }, "Access.NoExpiration"},
		{"custom no expiration and lifetime", func(c *authtoken.Config) {
			c.Custom["reset"] = authtoken.KindConfig{NoExpiration: true, Lifetime: time.Hour}
		}, "Custom[reset].NoExpiration"},
		{"custom named access", func(c *authtoken.Config) { c.Custom["access"] = authtoken.KindConfig{} }, "Custom"},
		{"custom named refresh", func(c *authtoken.Config) { c.Custom["refresh"] = authtoken.KindConfig{} }, "Custom"},
		{"custom empty name", func(c *authtoken.Config) { c.Custom[""] = authtoken.KindConfig{} }, "Custom"},
		{"custom bad name", func(c *authtoken.Config) { c.Custom["a b"] = authtoken.KindConfig{} }, "Custom"},
		{"verify key of other purpose", func(c *authtoken.Config) { c.Access.Keys = append(c.Access.Keys, keyring.Key{PASERK: pub}) }, "Access.Keys[1]"},
		{"verify key of other version", func(c *authtoken.Config) { c.Refresh.Keys = append(c.Refresh.Keys, keyring.Key{PASERK: v3pub}) }, "Refresh.Keys[1]"},
		{"negative leeway", func(c *authtoken.Config) { c.Leeway = -time.Second }, "Leeway"},
		{"empty audience", func(c *authtoken.Config) { c.Audiences = []string{""} }, "Audiences[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := authtoken.Config{
				Access:  authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
				Refresh: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Public)}},
				Custom:  map[string]authtoken.KindConfig{"reset": {}},
			}
			tt.edit(&cfg)
			m, err := authtoken.New(cfg)
			var ce *authtoken.ConfigError
			if !errors.Is(err, authtoken.ErrInvalidConfig) || !errors.As(err, &ce) || m != nil {
				t.Fatalf("New = %v, %v; want a *ConfigError", m, err)
			}
			if ce.Field != tt.field {
				t.Fatalf("Field %q, want %q (%v)", ce.Field, tt.field, err)
			}
			for _, k := range append(cfg.Access.Keys, cfg.Refresh.Keys...) {
				if p := strings.TrimSpace(k.PASERK); len(p) > 10 && strings.Contains(err.Error(), p[10:]) {
					t.Fatal("error holds a key")
				}
			}
		})
	}
	// A zero Config apart from the access key is valid; other kinds share
	// the access key.
	m, err := authtoken.New(authtoken.Config{Access: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}}})
	if err != nil {
		t.Fatal(err)
	}
	if v, p, ok := m.Version("refresh"); !ok || v != paseto.V4 || p != paseto.Local {
		t.Fatalf("refresh kind = %v %v %v", v, p, ok)
	}
}

func TestReservedClaims(t *testing.T) {
	e := newEnv(t, nil)
	names := []string{"sub", "jti", "iat", "nbf", "exp", "type", "fresh", "fam", "iss", "aud", "TYPE", "Fresh", "Sub"}
	for _, name := range names {
		claims := map[string]any{"role": "admin", name: "x"}
		calls := map[string]func() error{
			"access":  func() error { _, err := e.m.CreateAccessToken(ctx, "alice", true, claims); return err },
			"refresh": func() error { _, err := e.m.CreateRefreshToken(ctx, "alice", claims); return err },
			"custom":  func() error { _, err := e.m.CreateToken(ctx, "reset", "alice", claims); return err },
			"login":   func() error { _, err := e.m.Login(ctx, "alice", claims); return err },
		}
		for call, f := range calls {
			err := f()
			var rc *issuer.ReservedClaimError
			if !errors.Is(err, issuer.ErrReservedClaim) || !errors.As(err, &rc) || rc.Claim != strings.ToLower(name) {
				t.Errorf("%s with %q: %v", call, name, err)
			}
		}
	}
	// Other claims are carried.
	tok, err := e.m.CreateAccessToken(ctx, "alice", true, map[string]any{"role": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if c := claimsOf(t, e.m, "access", tok); c["role"] != "admin" {
		t.Fatalf("role = %v", c["role"])
	}
	if _, err := e.m.CreateAccessToken(ctx, "", true, nil); !errors.Is(err, authtoken.ErrEmptySubject) {
		t.Fatalf("empty subject: %v", err)
	}
	if _, err := e.m.CreateToken(ctx, "nope", "alice", nil); !errors.Is(err, authtoken.ErrUnknownKind) {
		t.Fatalf("unknown kind: %v", err)
	}
	if _, err := e.m.CreateToken(ctx, "access", "alice", nil); !errors.Is(err, authtoken.ErrUnknownKind) {
		t.Fatalf("access through CreateToken: %v", err)
	}
}

func TestVersionAndPurposePerKind(t *testing.T) {
	tests := []struct {
		name            string
		access, refresh keyring.Key
		accessPrefix    string
		refreshPrefix   string
	}{
		{"v4 local access, v4 public refresh", genKey(t, paseto.V4, paseto.Local), genKey(t, paseto.V4, paseto.Public), "v4.local.", "v4.public."},
		{"v4 public access, v4 local refresh", genKey(t, paseto.V4, paseto.Public), genKey(t, paseto.V4, paseto.Local), "v4.public.", "v4.local."},
		{"v3 local access, v3 public refresh", genKey(t, paseto.V3, paseto.Local), genKey(t, paseto.V3, paseto.Public), "v3.local.", "v3.public."},
		{"v3 public access, v4 public refresh", genKey(t, paseto.V3, paseto.Public), genKey(t, paseto.V4, paseto.Public), "v3.public.", "v4.public."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *authtoken.Config) {
				c.Access.Keys, c.Refresh.Keys = []keyring.Key{tt.access}, []keyring.Key{tt.refresh}
			})
			p, err := e.m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.Access, tt.accessPrefix) || !strings.HasPrefix(p.Refresh, tt.refreshPrefix) {
				t.Fatalf("headers %.10s / %.10s", p.Access, p.Refresh)
			}
			claimsOf(t, e.m, "access", p.Access)
			claimsOf(t, e.m, "refresh", p.Refresh)
			// Each kind's verifier refuses the other's token, by key.
			if _, err := e.m.Verify(ctx, "access", p.Refresh); err == nil {
				t.Fatal("access verifier accepted a refresh token")
			}
			if _, err := e.m.Verify(ctx, "refresh", p.Access); err == nil {
				t.Fatal("refresh verifier accepted an access token")
			}
			// A token of the right version and purpose from another key is
			// refused too.
			other := newEnv(t, func(c *authtoken.Config) {
				c.Access.Keys, c.Refresh.Keys = []keyring.Key{genKeyLike(t, tt.access)}, []keyring.Key{genKeyLike(t, tt.refresh)}
			})
			p2, err := other.m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.m.Verify(ctx, "access", p2.Access); err == nil {
				t.Fatal("foreign access token accepted")
			}
		})
	}
}

// genKeyLike returns a new key of the version and purpose of k.
func genKeyLike(t *testing.T, k keyring.Key) keyring.Key {
	t.Helper()
	pk, err := paserk.Parse(k.PASERK)
	if err != nil {
		t.Fatal(err)
	}
	return genKey(t, pk.Version(), pk.Purpose())
}

func TestKeysRotation(t *testing.T) {
	old := genKey(t, paseto.V4, paseto.Public)
	e1 := newEnv(t, func(c *authtoken.Config) { c.Access.Keys = []keyring.Key{old} })
	tok, err := e1.m.CreateAccessToken(ctx, "alice", true, nil)
	if err != nil {
		t.Fatal(err)
	}
	sk, _ := paserk.Parse(old.PASERK)
	oldPub, _ := paserk.Encode(sk.(*paseto.SecretKey).Public())
	e2 := newEnv(t, func(c *authtoken.Config) {
		c.Access.Keys = []keyring.Key{genKey(t, paseto.V4, paseto.Public)}
		c.Access.Keys = append(c.Access.Keys, keyring.Key{PASERK: oldPub})
	})
	if _, err := e2.m.Verify(ctx, "access", tok); err != nil {
		t.Fatalf("token of the previous key: %v", err)
	}
}

func TestWrongType(t *testing.T) {
	// One key for everything: only the type claim tells kinds apart.
	k := genKey(t, paseto.V4, paseto.Local)
	e := newEnv(t, func(c *authtoken.Config) {
		c.Access.Keys, c.Refresh.Keys = []keyring.Key{k}, []keyring.Key{k}
		c.Custom = map[string]authtoken.KindConfig{"reset": {}, "invite": {}}
	})
	p, err := e.m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	invite, _ := e.m.CreateToken(ctx, "invite", "alice", nil)
	// A token of the access key without a type claim, made by a bare issuer.
	iss, err := issuer.New(issuer.Config{Keys: []keyring.Key{k}, Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	untyped, _ := iss.Issue(map[string]any{"sub": "alice"})
	numtype, _ := iss.Issue(map[string]any{"sub": "alice", "type": 1})

	tokens := map[string]string{"access": p.Access, "refresh": p.Refresh, "reset": reset, "invite": invite, "untyped": untyped, "numtype": numtype}
	reqs := map[string]string{"access": "access", "refresh": "refresh", "reset": "reset", "invite": "invite"}
	for kind, tok := range tokens {
		for req := range reqs {
			_, err := e.m.Verify(ctx, req, tok)
			if kind == req {
				if err != nil {
					t.Errorf("%s token as %s: %v", kind, req, err)
				}
				continue
			}
			if !errors.Is(err, authtoken.ErrWrongType) || !errors.Is(err, verifier.ErrRule) {
				t.Errorf("%s token as %s: %v, want ErrWrongType", kind, req, err)
			}
		}
	}
	if _, err := e.m.Refresh(ctx, p.Access); !errors.Is(err, authtoken.ErrWrongType) {
		t.Errorf("Refresh(access token): %v", err)
	}
	if err := e.m.Logout(ctx, p.Refresh); !errors.Is(err, authtoken.ErrWrongType) {
		t.Errorf("Logout(refresh token): %v", err)
	}
}

func TestFresh(t *testing.T) {
	e := newEnv(t, nil)
	fresh, _ := e.m.CreateAccessToken(ctx, "alice", true, nil)
	stale, _ := e.m.CreateAccessToken(ctx, "alice", false, nil)
	p, _ := e.m.Login(ctx, "alice", nil)
	r, err := e.m.Refresh(ctx, p.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		tok     string
		wantErr error
	}{
		{"created fresh", fresh, nil},
		{"created not fresh", stale, authtoken.ErrNotFresh},
		{"login", p.Access, nil},
		{"refreshed", r.Access, authtoken.ErrNotFresh},
		{"refresh token", p.Refresh, authtoken.ErrWrongType}, // told by its footer, before its key
	}
	for _, tt := range tests {
		_, err := e.m.FreshAccess().Verify(ctx, tt.tok, nil)
		if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
			t.Errorf("%s: FreshAccess: %v, want %v", tt.name, err, tt.wantErr)
		}
		if err != nil && !errors.Is(err, verifier.ErrRule) {
			t.Errorf("%s: %v does not match verifier.ErrRule", tt.name, err)
		}
		_, err = e.m.Access().Verify(ctx, tt.tok, nil)
		if wantOK := tt.wantErr != authtoken.ErrWrongType; (err == nil) != wantOK {
			t.Errorf("%s: Access: %v", tt.name, err)
		}
	}
}

func TestRefreshRotationAndReuse(t *testing.T) {
	e := newEnv(t, nil)
	p0, err := e.m.Login(ctx, "alice", map[string]any{"role": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	fam := claimsOf(t, e.m, "refresh", p0.Refresh)["fam"]
	e.clock.Advance(time.Minute)
	p1, err := e.m.Refresh(ctx, p0.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	for kind, tok := range map[string]string{"access": p1.Access, "refresh": p1.Refresh} {
		c := claimsOf(t, e.m, kind, tok)
		if c["fam"] != fam || c["sub"] != "alice" || c["role"] != "admin" {
			t.Errorf("%s after rotation: fam %v sub %v role %v", kind, c["fam"], c["sub"], c["role"])
		}
		if kind == "access" && c["fresh"] != false {
			t.Errorf("rotated access token fresh = %v", c["fresh"])
		}
	}
	// The old access token still works until reuse is detected.
	if _, err := e.m.Access().Verify(ctx, p0.Access, nil); err != nil {
		t.Fatal(err)
	}
	// A second rotation from the new token works.
	p2, err := e.m.Refresh(ctx, p1.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.reuses()) != 0 {
		t.Fatal("OnReuse called early")
	}
	// Replaying the first refresh token: reuse.
	if _, err := e.m.Refresh(ctx, p0.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) || !errors.Is(err, verifier.ErrRule) {
		t.Fatalf("reuse: %v", err)
	}
	if got := e.reuses(); len(got) != 1 || got[0] != "alice/"+fam.(string) {
		t.Fatalf("OnReuse calls %v", got)
	}
	// The whole family is revoked, including tokens of later rotations.
	for name, check := range map[string]func() error{
		"p0 access":  func() error { _, err := e.m.Access().Verify(ctx, p0.Access, nil); return err },
		"p1 access":  func() error { _, err := e.m.Access().Verify(ctx, p1.Access, nil); return err },
		"p2 access":  func() error { _, err := e.m.Access().Verify(ctx, p2.Access, nil); return err },
		"p2 refresh": func() error { _, err := e.m.RefreshTokens().Verify(ctx, p2.Refresh, nil); return err },
		"p2 rotate":  func() error { _, err := e.m.Refresh(ctx, p2.Refresh); return err },
		"p1 rotate":  func() error { _, err := e.m.Refresh(ctx, p1.Refresh); return err },
	} {
		if err := check(); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("%s: %v, want ErrRevoked", name, err)
		}
	}
	// Another family of the same subject is unaffected.
	q, err := e.m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Refresh(ctx, q.Refresh); err != nil {
		t.Fatalf("other family: %v", err)
	}
	// The family revocation outlives every token of the family.
	e.clock.Advance(30*24*time.Hour - 2*time.Minute)
	if _, err := e.m.Refresh(ctx, p2.Refresh); !errors.Is(err, authtoken.ErrRevoked) {
		t.Fatalf("late: %v", err)
	}
}

// TestConcurrentRefreshOneGeneration: 50 concurrent refreshes with one
// token within the retry window all succeed (the first rotates, the others
// are retries), and they hand out one generation: one branch of the family.
// Once the family moves on past the window, another copy of that
// generation is reuse. (storetest's FamilyRotateConcurrent checks that
// exactly one of many concurrent rotations wins without a window.)
func TestConcurrentRefreshOneGeneration(t *testing.T) {
	e := newEnv(t, nil)
	p, err := e.m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	const n = 50
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		mu    sync.Mutex
		ok    []authtoken.Pair
		other []error
	)
	for range n {
		wg.Go(func() {
			<-start
			got, err := e.m.Refresh(ctx, p.Refresh)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				other = append(other, err)
				return
			}
			ok = append(ok, got)
		})
	}
	close(start)
	wg.Wait()
	if len(other) != 0 || len(ok) != n {
		t.Fatalf("%d of %d concurrent refreshes succeeded; errors %v", len(ok), n, other)
	}
	for _, q := range ok {
		if g := fmt.Sprint(claimsOf(t, e.m, "refresh", q.Refresh)["gen"]); g != "1" {
			t.Fatalf("a successor of generation %v, want 1", g)
		}
	}
	if r := e.reuses(); len(r) != 0 {
		t.Fatalf("OnReuse called %d times", len(r))
	}
	e.clock.Advance(authtoken.DefaultRetryWindow)
	if _, err := e.m.Refresh(ctx, ok[0].Refresh); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(authtoken.DefaultRetryWindow)
	if _, err := e.m.Refresh(ctx, ok[1].Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("another copy of generation 1 after the family moved on: %v, want ErrRefreshReused", err)
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, nil)
	p, _ := e.m.Login(ctx, "alice", nil)
	p1, err := e.m.Refresh(ctx, p.Refresh)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := e.m.Login(ctx, "alice", nil)
	if err := e.m.Logout(ctx, p1.Access); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string][2]string{
		"access": {"access", p1.Access}, "first access": {"access", p.Access}, "refresh": {"refresh", p1.Refresh},
	} {
		if _, err := e.m.Verify(ctx, tok[0], tok[1]); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("%s after logout: %v", name, err)
		}
	}
	if _, err := e.m.Refresh(ctx, p1.Refresh); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("refresh after logout: %v", err)
	}
	if _, err := e.m.Verify(ctx, "access", other.Access); err != nil {
		t.Errorf("other session: %v", err)
	}
	// An access token without a family: only it is revoked.
	solo, _ := e.m.CreateAccessToken(ctx, "alice", true, nil)
	if err := e.m.Logout(ctx, solo); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Verify(ctx, "access", solo); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("solo: %v", err)
	}
	if err := e.m.Logout(ctx, solo); !errors.Is(err, authtoken.ErrRevoked) {
		t.Errorf("second logout: %v", err)
	}
}

func TestRevokeToken(t *testing.T) {
	e := newEnv(t, nil)
	p, _ := e.m.Login(ctx, "alice", nil)
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	reset2, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	for kind, tok := range map[string]string{"access": p.Access, "refresh": p.Refresh, "reset": reset} {
		if err := e.m.RevokeToken(ctx, tok); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if _, err := e.m.Verify(ctx, kind, tok); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("%s after RevokeToken: %v", kind, err)
		}
		if err := e.m.RevokeToken(ctx, tok); err != nil {
			t.Errorf("%s revoked twice: %v", kind, err)
		}
	}
	if _, err := e.m.Kind("reset").Verify(ctx, reset2, nil); err != nil {
		t.Errorf("other reset token: %v", err)
	}
	if err := e.m.RevokeToken(ctx, "v4.local.garbage"); err == nil {
		t.Error("garbage revoked")
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if err := e.m.RevokeToken(ctx, reset2); !errors.Is(err, verifier.ErrExpired) {
		t.Errorf("expired: %v", err)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	e := newEnv(t, nil)
	p, _ := e.m.Login(ctx, "alice", nil)
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	bob, _ := e.m.Login(ctx, "bob", nil)
	e.clock.Advance(1500 * time.Millisecond)
	sameSecond := func() string { tok, _ := e.m.CreateAccessToken(ctx, "alice", true, nil); return tok }()
	if err := e.m.LogoutEverywhere(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string][2]string{
		"access": {"access", p.Access}, "refresh": {"refresh", p.Refresh}, "reset": {"reset", reset},
		"same second": {"access", sameSecond},
	} {
		if _, err := e.m.Verify(ctx, tok[0], tok[1]); !errors.Is(err, authtoken.ErrRevoked) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := e.m.Verify(ctx, "access", bob.Access); err != nil {
		t.Errorf("bob: %v", err)
	}
	e.clock.Advance(time.Second)
	p2, _ := e.m.Login(ctx, "alice", nil)
	if _, err := e.m.Verify(ctx, "access", p2.Access); err != nil {
		t.Errorf("login after cutoff: %v", err)
	}
	if _, err := e.m.Refresh(ctx, p2.Refresh); err != nil {
		t.Errorf("refresh after cutoff: %v", err)
	}
	if err := e.m.LogoutEverywhere(ctx, ""); !errors.Is(err, authtoken.ErrEmptySubject) {
		t.Errorf("empty subject: %v", err)
	}
}

func TestStoreUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	p, _ := e.m.Login(ctx, "alice", nil)
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)
	e.store.down.Store(true)
	checks := map[string]func() error{
		"verify access":     func() error { _, err := e.m.Access().Verify(ctx, p.Access, nil); return err },
		"verify fresh":      func() error { _, err := e.m.FreshAccess().Verify(ctx, p.Access, nil); return err },
		"verify refresh":    func() error { _, err := e.m.RefreshTokens().Verify(ctx, p.Refresh, nil); return err },
		"verify custom":     func() error { _, err := e.m.Kind("reset").Verify(ctx, reset, nil); return err },
		"refresh":           func() error { _, err := e.m.Refresh(ctx, p.Refresh); return err },
		"logout":            func() error { return e.m.Logout(ctx, p.Access) },
		"revoke":            func() error { return e.m.RevokeToken(ctx, reset) },
		"logout everywhere": func() error { return e.m.LogoutEverywhere(ctx, "alice") },
	}
	for name, f := range checks {
		if err := f(); !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: %v, want store.ErrUnavailable", name, err)
		}
	}
	e.store.down.Store(false)
	if _, err := e.m.Refresh(ctx, p.Refresh); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestNotNew(t *testing.T) {
	var m *authtoken.Manager
	if _, err := m.Login(ctx, "a", nil); err == nil {
		t.Fatal("nil Manager")
	}
	if _, err := m.Access().Verify(ctx, "x", nil); err == nil {
		t.Fatal("nil Manager verifier")
	}
	m = &authtoken.Manager{}
	if _, err := m.Refresh(ctx, "x"); err == nil {
		t.Fatal("zero Manager")
	}
	if _, err := m.Verify(ctx, "access", "x"); err == nil {
		t.Fatal("zero Manager Verify")
	}
}

// TestRefreshRacingLogoutEverywhere: LogoutEverywhere (or Logout) runs
// while Refresh is between verifying the old refresh token and minting the
// new pair, and the new pair is minted in a later second than the cutoff.
// Refresh must not hand out a pair that survives the logout: it may fail
// with ErrRevoked, or succeed with tokens that are revoked.
func TestRefreshRacingLogoutEverywhere(t *testing.T) {
	for _, tc := range []struct {
		name   string
		logout func(m *authtoken.Manager, p authtoken.Pair) error
		// before is how far the clock moves between the verification and
		// the logout, after is how far it moves between the logout and the
		// minting of the new pair.
		before, after time.Duration
	}{
		{"logout everywhere", func(m *authtoken.Manager, _ authtoken.Pair) error { return m.LogoutEverywhere(ctx, "alice") }, 0, 2 * time.Second},
		{"logout everywhere a second later", func(m *authtoken.Manager, _ authtoken.Pair) error { return m.LogoutEverywhere(ctx, "alice") }, 1500 * time.Millisecond, 2 * time.Second},
		// Logout revokes the family, which the new pair belongs to.
		{"logout of the family", func(m *authtoken.Manager, p authtoken.Pair) error { return m.Logout(ctx, p.Access) }, 0, 2 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClock()
			mem, err := store.NewMemory(store.MemoryConfig{Now: c.Now})
			if err != nil {
				t.Fatal(err)
			}
			hs := &hookStore{Store: mem}
			m, err := authtoken.New(authtoken.Config{
				Access: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
				Store:  hs,
				Now:    c.Now,
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			c.Advance(5*time.Second + 900*time.Millisecond)
			var logoutErr error
			hs.onRotate = func() {
				c.Advance(tc.before)
				logoutErr = tc.logout(m, p)
				c.Advance(tc.after) // the refresh finishes in a later second
			}
			got, err := m.Refresh(ctx, p.Refresh)
			if logoutErr != nil {
				t.Fatalf("logout: %v", logoutErr)
			}
			switch {
			case err == nil:
				for kind, tok := range map[string]string{"access": got.Access, "refresh": got.Refresh} {
					if _, verr := m.Verify(ctx, kind, tok); !errors.Is(verr, authtoken.ErrRevoked) {
						t.Fatalf("the %s token minted by the racing Refresh: %v, want ErrRevoked", kind, verr)
					}
				}
			case !errors.Is(err, authtoken.ErrRevoked):
				t.Fatalf("Refresh racing the logout = %v, want ErrRevoked", err)
			case got != (authtoken.Pair{}):
				t.Fatal("Refresh returned tokens with its error")
			}
			// A login after the logout still works and refreshes.
			c.Advance(time.Second)
			p2, err := m.Login(ctx, "alice", nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Refresh(ctx, p2.Refresh); err != nil {
				t.Fatalf("refresh after the logout: %v", err)
			}
		})
	}
}

// TestRefreshNoStoreCallAfterRotate: once Refresh has rotated the family,
// no store call may fail it: nothing is read after the rotation. The store
// here fails every call made after a successful RotateFamily, and the
// clock moves on during RotateFamily; the new pair must be dated at the
// start of Refresh, with full lifetimes from there. Refresh makes exactly
// two store calls: Check (the verification) and RotateFamily.
func TestRefreshNoStoreCallAfterRotate(t *testing.T) {
	c := newClock()
	mem, err := store.NewMemory(store.MemoryConfig{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	rs := &recordStore{Store: mem, onRotate: func() { c.Advance(2500 * time.Millisecond) }}
	var reused []string
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Public)}},
		Store:   rs,
		Now:     c.Now,
		OnReuse: func(_ context.Context, subject, family string) { reused = append(reused, subject) },
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Login(ctx, "alice", map[string]any{"role": "admin"})
	if err != nil {
		t.Fatal(err)
	}
	c.Advance(10*time.Second + 700*time.Millisecond)
	startAt := c.Now()
	start := startAt.Truncate(time.Second)
	rs.reset(true)
	got, err := m.Refresh(ctx, p.Refresh)
	calls := rs.log()
	if err != nil {
		t.Fatalf("Refresh with the store failing after RotateFamily: %v (store calls %q)", err, calls)
	}
	if want := []string{"Check", "RotateFamily"}; !slices.Equal(calls, want) {
		t.Fatalf("store calls %q, want %q", calls, want)
	}
	if len(reused) != 0 {
		t.Fatalf("OnReuse called: %q", reused)
	}

	rs.reset(false)
	for kind, lifetime := range map[string]time.Duration{"access": authtoken.DefaultAccessLifetime, "refresh": authtoken.DefaultRefreshLifetime} {
		tok := got.Access
		if kind == "refresh" {
			tok = got.Refresh
		}
		cl := claimsOf(t, m, kind, tok)
		want := map[string]string{
			"iat": startAt.Format("2006-01-02T15:04:05.000Z07:00"),
			"nbf": start.Format(time.RFC3339),
			"exp": start.Add(lifetime).Format(time.RFC3339),
		}
		for name, w := range want {
			if cl[name] != w {
				t.Errorf("%s token %s = %v, want %s", kind, name, cl[name], w)
			}
		}
		if cl["role"] != "admin" || cl["sub"] != "alice" || cl["fresh"] == true {
			t.Errorf("%s token claims %v", kind, cl)
		}
	}
	// The new refresh token rotates; the old one is now reuse.
	if _, err := m.Refresh(ctx, got.Refresh); err != nil {
		t.Fatalf("refreshing the new token: %v", err)
	}
	if _, err := m.Refresh(ctx, p.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("reusing the old token: %v, want ErrRefreshReused", err)
	}
}

// publicOf returns the public PASERK of a secret key.
func publicOf(t *testing.T, k keyring.Key) string {
	t.Helper()
	pk, err := k.ParsePublic()
	if err != nil {
		t.Fatal(err)
	}
	s, err := paserk.Encode(pk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
