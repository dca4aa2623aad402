package verifier_test

import (
	"context"
	"errors"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// An issuer publishes its keys with KeySetHandler and a verifier elsewhere
// follows them by URL, through a key rotation.
func TestIssuerKeySetRotation(t *testing.T) {
	clk := testclock.New()
	clock, advance := clk.Now, clk.Advance

	newKey := func() keyring.Key {
		sk, _ := paseto.GenerateSecretKey(paseto.V4)
		s, _ := paserk.Encode(sk)
		return keyring.Key{PASERK: s}
	}
	k1, k2 := newKey(), newKey()
	const name = "https://auth.example"
	iss, err := issuer.New(issuer.Config{Keys: []keyring.Key{k1}, Issuer: name, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(iss.KeySetHandler()) // 127.0.0.1
	defer srv.Close()

	ver, err := verifier.New(verifier.Config{
		KeySets: []verifier.KeySet{{URL: srv.URL, Issuer: name, MinRefreshInterval: time.Minute}},
		Now:     clock,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tok1, err := iss.Issue(map[string]any{"sub": "alice"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := ver.Verify(ctx, tok1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Claims.Subject != "alice" || got.KeyID != iss.KeyID() || got.KeyIssuer != name {
		t.Fatalf("got %+v", got)
	}

	// Rotate: k2 signs, k1 stays published.
	if err := iss.SetKeys([]keyring.Key{k2, k1}); err != nil {
		t.Fatal(err)
	}
	tok2, _ := iss.Issue(map[string]any{"sub": "bob"})
	advance(2 * time.Minute) // past MinRefreshInterval: the unknown kid may refresh
	if got, err := ver.Verify(ctx, tok2, nil); err != nil || got.Claims.Subject != "bob" {
		t.Fatalf("token of the new key: %v", err)
	}
	if _, err := ver.Verify(ctx, tok1, nil); err != nil {
		t.Fatalf("token of the old, still published key: %v", err)
	}

	// Retire k1: after the next refresh its tokens are unknown.
	if err := iss.SetKeys([]keyring.Key{k2}); err != nil {
		t.Fatal(err)
	}
	if err := ver.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ver.Verify(ctx, tok1, nil); !errors.Is(err, verifier.ErrUnknownKey) {
		t.Fatalf("retired key: %v", err)
	}
}
