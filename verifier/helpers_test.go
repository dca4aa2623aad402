package verifier_test

import (
	"encoding/json"
	"errors"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// t0 is the time of the injected clocks.
var t0 = testclock.T0

// newClock returns the test clock, at t0.
func newClock() *testclock.Clock { return testclock.New() }

// ts formats a claim time.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// claims returns a claims map valid at t0 for an hour, with overrides;
// a nil override value deletes the claim.
func claims(kv ...any) map[string]any {
	m := map[string]any{
		"sub": "alice",
		"iss": "https://issuer.example",
		"iat": ts(t0.Add(-time.Minute)),
		"exp": ts(t0.Add(time.Hour)),
	}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(m, k)
		} else {
			m[k] = kv[i+1]
		}
	}
	return m
}

// signer is a key that makes tokens, with what a verifier is configured
// with for it.
type signer struct {
	sk    *paseto.SecretKey    // public purpose
	lk    *paseto.SymmetricKey // local purpose
	kid   string
	cfg   string // PASERK of the verifying key
	ver   paseto.Version
	local bool
}

func newSigner(t testing.TB, v paseto.Version, local bool) *signer {
	t.Helper()
	s := &signer{ver: v, local: local}
	var err error
	if local {
		s.lk, err = paseto.GenerateSymmetricKey(v)
		if err != nil {
			t.Fatal(err)
		}
		s.kid = paserk.LocalID(s.lk)
		s.cfg, err = paserk.Encode(s.lk)
	} else {
		s.sk, err = paseto.GenerateSecretKey(v)
		if err != nil {
			t.Fatal(err)
		}
		s.kid = paserk.PublicID(s.sk.Public())
		s.cfg, err = paserk.Encode(s.sk.Public())
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *signer) key(issuer string) keyring.Key {
	return keyring.Key{PASERK: s.cfg, Issuer: issuer}
}

// token makes a token with payload c (marshalled as JSON unless it is
// already bytes) and a JSON footer with kid (none when kid is "").
func (s *signer) token(t testing.TB, c any, kid string, implicit []byte) string {
	t.Helper()
	var footer []byte
	if kid != "" {
		footer, _ = json.Marshal(map[string]string{"kid": kid})
	}
	return s.tokenFooter(t, c, footer, implicit)
}

func (s *signer) tokenFooter(t testing.TB, c any, footer, implicit []byte) string {
	t.Helper()
	payload, ok := c.([]byte)
	if !ok {
		var err error
		if payload, err = json.Marshal(c); err != nil {
			t.Fatal(err)
		}
	}
	var (
		tok string
		err error
	)
	if s.local {
		tok, err = paseto.Encrypt(s.lk, payload, footer, implicit)
	} else {
		tok, err = paseto.Sign(s.sk, payload, footer, implicit)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newVerifier makes a verifier or fails the test.
func newVerifier(t testing.TB, cfg verifier.Config) *verifier.Verifier {
	t.Helper()
	v, err := verifier.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// wantErr checks that err matches every one of want, or is nil when want
// is empty.
func wantErr(t testing.TB, err error, want ...error) {
	t.Helper()
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	for _, w := range want {
		if !errors.Is(err, w) {
			t.Fatalf("error %q does not match %q", err, w)
		}
	}
}
