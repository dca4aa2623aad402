package fastapipaseto

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// pythonToken builds a token as fastapi-paseto's AuthPASETO._create_token
// does (fastapi_paseto_auth/auth_paseto.py): the claims sub, jti, type
// (and fresh for access tokens, iss when an encode issuer is set) encoded
// with pyseto's Paseto.new(exp=…, include_iat=True).encode(key, claims,
// serializer=json), which adds iat and exp as RFC 3339 strings; no footer
// and no implicit assertion. fastapi-paseto also writes nbf, as a number
// of seconds (_get_int_from_datetime); the claims parser refuses a
// numeric nbf today (a known gap, outside this package), so the token
// here has none.
func pythonToken(t *testing.T, key paseto.Key, typ string, now time.Time, lifetime time.Duration, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"sub":  "alice",
		"jti":  "6f1c2b4e-8f0a-4c53-9b7e-" + typ + "-0001",
		"type": typ,
		"iat":  now.UTC().Format(time.RFC3339),
		"exp":  now.Add(lifetime).UTC().Format(time.RFC3339),
	}
	if typ == "access" {
		claims["fresh"] = false
	}
	for k, v := range extra {
		claims[k] = v
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	var tok string
	switch k := key.(type) {
	case *paseto.SymmetricKey:
		tok, err = paseto.Encrypt(k, payload, nil, nil)
	case *paseto.SecretKey:
		tok, err = paseto.Sign(k, payload, nil, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Tokens the Python service issued keep working after the port: access
// tokens on access routes, refresh tokens through Refresh (once: a second
// use is reuse), and neither passes as the other.
func TestPythonTokensAccepted(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	local, err := paseto.NewSymmetricKey(paseto.V4, []byte(secret32))
	if err != nil {
		t.Fatal(err)
	}
	secret, err := keyring.Key{PEM: []byte(examplePrivatePEM), Version: paseto.V4}.Parse()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		key  paseto.Key
	}{
		{"v4.local", map[string]string{VarSecretKey: secret32, VarEncodeIssuer: "py"}, local},
		{"v4.public", map[string]string{VarPurpose: "public", VarPrivateKey: examplePrivatePEM, VarEncodeIssuer: "py"}, secret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := load(t, tc.env)
			cfg := s.AuthToken
			cfg.Now = clock
			m, err := authtoken.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			iss := map[string]any{"iss": "py"}
			access := pythonToken(t, tc.key, "access", now.Add(-time.Minute), 15*time.Minute, iss)
			refresh := pythonToken(t, tc.key, "refresh", now.Add(-time.Minute), 30*24*time.Hour, iss)
			if tok, err := m.Access().Verify(ctx, access, nil); err != nil || tok.Claims.Subject != "alice" {
				t.Fatalf("Python access token: %v", err)
			}
			if _, err := m.Access().Verify(ctx, refresh, nil); !errors.Is(err, authtoken.ErrWrongType) {
				t.Fatalf("Python refresh token as access: %v, want ErrWrongType", err)
			}
			if _, err := m.RefreshTokens().Verify(ctx, access, nil); !errors.Is(err, authtoken.ErrWrongType) {
				t.Fatalf("Python access token as refresh: %v, want ErrWrongType", err)
			}
			pair, err := m.Refresh(ctx, refresh)
			if err != nil {
				t.Fatalf("Refresh(Python refresh token): %v", err)
			}
			if _, err := m.Access().Verify(ctx, pair.Access, nil); err != nil {
				t.Fatalf("access token of the rotated pair: %v", err)
			}
			// The Python token entered a family of its own ("jti-<jti>",
			// generation 0) at its first use: a retry within the retry
			// window gets generation 1 again, not a reuse.
			retry, err := m.Refresh(ctx, refresh)
			if err != nil {
				t.Fatalf("retry of the Python refresh token within the window: %v", err)
			}
			// The pair's refresh token rotates like any other, moving
			// the family on.
			next, err := m.Refresh(ctx, pair.Refresh)
			if err != nil {
				t.Fatalf("Refresh(refresh token of the adopted family): %v", err)
			}
			// Now the Python token is reuse: the whole family goes.
			if _, err := m.Refresh(ctx, refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
				t.Fatalf("use after the family moved on: %v, want ErrRefreshReused", err)
			}
			for name, tok := range map[string]string{"first": pair.Access, "retried": retry.Access, "next": next.Access} {
				if _, err := m.Access().Verify(ctx, tok, nil); !errors.Is(err, authtoken.ErrRevoked) {
					t.Fatalf("%s pair of a reused Python refresh token: %v, want ErrRevoked", name, err)
				}
			}
			// The family is gone; the Python token is never adopted again.
			if _, err := m.Refresh(ctx, refresh); !errors.Is(err, authtoken.ErrRevoked) {
				t.Fatalf("use after the family was revoked: %v, want ErrRevoked", err)
			}
			// Our own tokens stay bound: the refresh token fails a plain
			// verifier of the access key.
			p2, err := m.Login(ctx, "bob", nil)
			if err != nil {
				t.Fatal(err)
			}
			vk := s.LocalKey
			if _, ok := tc.key.(*paseto.SecretKey); ok {
				vk = keyring.Key{PEM: []byte(examplePublicPEM), Version: paseto.V4}
			}
			plain, err := verifier.New(verifier.Config{Keys: []keyring.Key{vk}, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := plain.Verify(ctx, p2.Refresh, nil); err == nil {
				t.Fatal("a plain verifier accepts a refresh token issued after the port")
			}
		})
	}
}

// The compat opt-outs are refused where they could widen a check:
// AllowMissingKeyID with several keys or a key source.
func TestAllowMissingKeyIDOneKey(t *testing.T) {
	s := load(t, map[string]string{VarSecretKey: secret32})
	cfg := s.AuthToken
	if !cfg.AllowMissingKeyID || !cfg.AllowUnboundKinds {
		t.Fatal("the loader does not set the opt-outs fastapi-paseto's tokens need")
	}
	other := keyring.Key{PASERK: s.LocalKey.PASERK}
	cfg.Access.Keys = append(cfg.Access.Keys, other)
	_, err := authtoken.New(cfg)
	var ce *authtoken.ConfigError
	if !errors.As(err, &ce) || ce.Field != "AllowMissingKeyID" {
		t.Fatalf("two access keys with AllowMissingKeyID: %v", err)
	}
	m, err := authtoken.New(s.AuthToken)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetKeys("access", []keyring.Key{s.LocalKey, s.LocalKey}); !errors.Is(err, authtoken.ErrInvalidConfig) {
		t.Fatalf("SetKeys with two keys: %v", err)
	}
}
