package authtoken_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

func TestIssueWith(t *testing.T) {
	tests := []struct {
		name    string
		cfg     func(*authtoken.Config)
		kind    string
		opts    authtoken.IssueOptions
		wantErr error
		check   func(t *testing.T, claims, footer map[string]any)
		verify  []byte // implicit assertion to verify with
	}{
		{name: "zero options", kind: "access", check: func(t *testing.T, c, f map[string]any) {
			if c["fresh"] != false || c["exp"] != "2030-01-02T03:19:05Z" {
				t.Errorf("claims %v", c)
			}
		}},
		{name: "fresh", kind: "access", opts: authtoken.IssueOptions{Fresh: true}, check: func(t *testing.T, c, f map[string]any) {
			if c["fresh"] != true {
				t.Errorf("fresh = %v", c["fresh"])
			}
		}},
		{name: "fresh on refresh", kind: "refresh", opts: authtoken.IssueOptions{Fresh: true}, wantErr: authtoken.ErrInvalidOptions},
		{name: "shorter lifetime", kind: "access", opts: authtoken.IssueOptions{Lifetime: time.Minute}, check: func(t *testing.T, c, f map[string]any) {
			if c["exp"] != "2030-01-02T03:05:05Z" {
				t.Errorf("exp = %v", c["exp"])
			}
		}},
		{name: "access as long as refresh", kind: "access", opts: authtoken.IssueOptions{Lifetime: authtoken.DefaultRefreshLifetime}},
		{name: "longer than any kind", kind: "reset", opts: authtoken.IssueOptions{Lifetime: authtoken.DefaultRefreshLifetime + time.Second}, wantErr: authtoken.ErrInvalidOptions},
		{name: "refresh longer than its family", kind: "refresh", cfg: func(c *authtoken.Config) {
			c.Custom = map[string]authtoken.KindConfig{"reset": {Lifetime: 365 * 24 * time.Hour}}
		}, opts: authtoken.IssueOptions{Lifetime: 40 * 24 * time.Hour}, wantErr: authtoken.ErrInvalidOptions},
		{name: "under a second", kind: "access", opts: authtoken.IssueOptions{Lifetime: time.Millisecond}, wantErr: authtoken.ErrInvalidOptions},
		{name: "negative", kind: "access", opts: authtoken.IssueOptions{Lifetime: -time.Second}, wantErr: authtoken.ErrInvalidOptions},
		{name: "no expiration, records bounded", kind: "reset", opts: authtoken.IssueOptions{NoExpiration: true}, wantErr: authtoken.ErrInvalidOptions},
		{name: "no expiration and lifetime", kind: "reset", opts: authtoken.IssueOptions{NoExpiration: true, Lifetime: time.Hour}, wantErr: authtoken.ErrInvalidOptions},
		{name: "no expiration, another kind never expires", kind: "reset", cfg: func(c *authtoken.Config) {
			c.Custom = map[string]authtoken.KindConfig{"reset": {}, "invite": {NoExpiration: true}}
		}, opts: authtoken.IssueOptions{NoExpiration: true}, wantErr: authtoken.ErrInvalidOptions},
		{name: "lifetime for a kind that never expires", kind: "reset", cfg: func(c *authtoken.Config) {
			c.Custom = map[string]authtoken.KindConfig{"reset": {NoExpiration: true}}
		}, opts: authtoken.IssueOptions{Lifetime: 400 * 24 * time.Hour}, check: func(t *testing.T, c, f map[string]any) {
			if c["exp"] == nil {
				t.Error("no exp")
			}
		}},
		{name: "no expiration, records kept", kind: "reset", cfg: func(c *authtoken.Config) {
			c.Custom = map[string]authtoken.KindConfig{"reset": {NoExpiration: true}, "invite": {}}
		}, opts: authtoken.IssueOptions{NoExpiration: true}, check: func(t *testing.T, c, f map[string]any) {
			if _, ok := c["exp"]; ok {
				t.Errorf("exp = %v", c["exp"])
			}
		}},
		{name: "audiences", kind: "access", cfg: func(c *authtoken.Config) { c.Audiences = []string{"a", "b"} },
			opts: authtoken.IssueOptions{Audiences: []string{"b", "c"}}, check: func(t *testing.T, c, f map[string]any) {
				if aud, _ := c["aud"].([]any); len(aud) != 2 || aud[0] != "b" || aud[1] != "c" {
					t.Errorf("aud = %v", c["aud"])
				}
			}},
		{name: "empty audience", kind: "access", opts: authtoken.IssueOptions{Audiences: []string{""}}, wantErr: authtoken.ErrInvalidOptions},
		{name: "footer", kind: "reset", opts: authtoken.IssueOptions{Footer: map[string]any{"tenant": "t1"}}, check: func(t *testing.T, c, f map[string]any) {
			if f["tenant"] != "t1" || f["type"] != "reset" || f["kid"] == nil {
				t.Errorf("footer %v", f)
			}
		}},
		{name: "footer type", kind: "access", opts: authtoken.IssueOptions{Footer: map[string]any{"Type": "refresh"}}, wantErr: issuer.ErrReservedClaim},
		{name: "footer kid", kind: "access", opts: authtoken.IssueOptions{Footer: map[string]any{"kid": "x"}}, wantErr: issuer.ErrReservedClaim},
		{name: "implicit", kind: "access", opts: authtoken.IssueOptions{Implicit: []byte("tenant-1")}, verify: []byte("tenant-1")},
		{name: "implicit custom kind", kind: "reset", opts: authtoken.IssueOptions{Implicit: []byte("tenant-1")}, verify: []byte("tenant-1")},
		{name: "unknown kind", kind: "nope", wantErr: authtoken.ErrUnknownKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.cfg)
			tok, err := e.m.IssueWith(ctx, tt.kind, "alice", nil, tt.opts)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("%v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var v interface {
				Verify(context.Context, string, []byte) (*verifier.Token, error)
			}
			switch tt.kind {
			case "access":
				v = e.m.Access()
			case "refresh":
				v = e.m.RefreshTokens()
			default:
				v = e.m.Kind(tt.kind)
			}
			if tt.verify != nil {
				if _, err := v.Verify(ctx, tok, nil); err == nil {
					t.Fatal("verified without its implicit assertion")
				}
				if _, err := v.Verify(ctx, tok, []byte("tenant-2")); err == nil {
					t.Fatal("verified with another implicit assertion")
				}
			}
			vt, err := v.Verify(ctx, tok, tt.verify)
			if err != nil {
				if tt.opts.Audiences != nil && errors.Is(err, verifier.ErrWrongAudience) {
					t.Fatalf("audience: %v", err)
				}
				t.Fatal(err)
			}
			var c, f map[string]any
			if err := vt.Decode(&c); err != nil {
				t.Fatal(err)
			}
			_ = paseto.UnmarshalFooter(vt.Footer, &f)
			if tt.check != nil {
				tt.check(t, c, f)
			}
		})
	}
}

// The refresh token IssueWith makes starts a family that Refresh rotates.
func TestIssueWithRefreshFamily(t *testing.T) {
	e := newEnv(t, nil)
	tok, err := e.m.IssueWith(ctx, "refresh", "alice", map[string]any{"role": "x"}, authtoken.IssueOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	p, err := e.m.Refresh(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if c := claimsOf(t, e.m, "access", p.Access); c["role"] != "x" || c["fam"] == nil {
		t.Fatalf("claims %v", c)
	}
	// Generation 0 of a family recorded in the store, rotated to 1.
	if g0, g1 := fmt.Sprint(claimsOf(t, e.m, "refresh", tok)["gen"]), fmt.Sprint(claimsOf(t, e.m, "refresh", p.Refresh)["gen"]); g0 != "0" || g1 != "1" {
		t.Fatalf("gen %s then %s, want 0 then 1", g0, g1)
	}
	e.clock.Advance(authtoken.DefaultRetryWindow + time.Second)
	if _, err := e.m.Refresh(ctx, tok); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("reuse of the IssueWith refresh token: %v, want ErrRefreshReused", err)
	}
}

// Issuer is what a Manager writes; Issuers what it accepts.
func TestIssuers(t *testing.T) {
	k := genKey(t, paseto.V4, paseto.Public)
	refresh := genKey(t, paseto.V4, paseto.Local)
	mk := func(iss string, issuers ...string) (*authtoken.Manager, error) {
		return authtoken.New(authtoken.Config{
			Access:  authtoken.KindConfig{Keys: []keyring.Key{k}},
			Refresh: authtoken.KindConfig{Keys: []keyring.Key{refresh}},
			Issuer:  iss, Issuers: issuers,
		})
	}
	old, err := mk("https://old.example")
	if err != nil {
		t.Fatal(err)
	}
	renamed, err := mk("https://new.example", "https://new.example", "https://old.example")
	if err != nil {
		t.Fatal(err)
	}
	other, err := mk("https://other.example")
	if err != nil {
		t.Fatal(err)
	}
	oldTok, _ := old.CreateAccessToken(ctx, "alice", false, nil)
	newTok, _ := renamed.CreateAccessToken(ctx, "alice", false, nil)
	otherTok, _ := other.CreateAccessToken(ctx, "alice", false, nil)
	tests := []struct {
		name string
		m    *authtoken.Manager
		tok  string
		want error
	}{
		{"renamed accepts the old name", renamed, oldTok, nil},
		{"renamed accepts its own", renamed, newTok, nil},
		{"renamed refuses another", renamed, otherTok, verifier.ErrWrongIssuer},
		{"old refuses the new name", old, newTok, verifier.ErrWrongIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.m.Verify(ctx, "access", tt.tok)
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("%v, want %v", err, tt.want)
			}
		})
	}
	if vt, _ := renamed.Verify(ctx, "access", newTok); vt == nil || vt.Claims.Issuer != "https://new.example" {
		t.Fatal("renamed does not write Issuer")
	}
	for _, bad := range [][]string{{"https://old.example"}, {"https://new.example", ""}} {
		var ce *authtoken.ConfigError
		if _, err := mk("https://new.example", bad...); !errors.As(err, &ce) || ce.Field[:7] != "Issuers" {
			t.Errorf("Issuers %q: %v", bad, err)
		}
	}
}

// Config.Rules run on every kind, after this package's checks.
func TestRules(t *testing.T) {
	errBanned := errors.New("banned")
	var calls int
	e := newEnv(t, func(c *authtoken.Config) {
		c.Rules = []verifier.Rule{func(_ context.Context, tok *verifier.Token) error {
			calls++
			if tok.Claims.Subject == "mallory" {
				return errBanned
			}
			return nil
		}}
	})
	p, _ := e.m.Login(ctx, "mallory", nil)
	reset, _ := e.m.CreateToken(ctx, "reset", "mallory", nil)
	for kind, tok := range map[string]string{"access": p.Access, "refresh": p.Refresh, "reset": reset} {
		_, err := e.m.Verify(ctx, kind, tok)
		var re *verifier.RuleError
		if !errors.Is(err, errBanned) || !errors.As(err, &re) {
			t.Errorf("%s: %v", kind, err)
		}
	}
	// A revoked token fails on this package's check: the rule does not run.
	q, _ := e.m.Login(ctx, "alice", nil)
	if err := e.m.Logout(ctx, q.Access); err != nil {
		t.Fatal(err)
	}
	calls = 0
	if _, err := e.m.Verify(ctx, "access", q.Access); !errors.Is(err, authtoken.ErrRevoked) || calls != 0 {
		t.Errorf("revoked: %v, rule ran %d times", err, calls)
	}
	if _, err := authtoken.New(authtoken.Config{Access: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}}, Rules: []verifier.Rule{nil}}); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Errorf("nil rule: %v", err)
	}
}
