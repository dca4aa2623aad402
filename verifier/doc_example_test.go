package verifier_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/verifier"
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	v, err := verifier.New(verifier.Config{
		Keys:      []keyring.Key{{PASERK: "k4.public.…", Issuer: "https://auth.example.com"}},
		Audiences: []string{"https://api.example.com"},
		Leeway:    30 * time.Second,
	})
	if err != nil {
		log.Fatal(err) // a bad key fails here, not at the first request
	}

	_ = func(w http.ResponseWriter, r *http.Request) {
		// in a handler:
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok, err := v.Verify(r.Context(), token, nil)
		if err != nil {
			// errors.Is(err, verifier.ErrExpired) and friends say why.
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		user := tok.Claims.Subject
		_ = user
	}
}

// The package documentation's path for rotating keys, compiled: a verifier
// that follows the issuer's published key set.
func Example_followKeySet() {
	v, err := verifier.New(verifier.Config{
		KeySets:   []verifier.KeySet{{URL: "https://auth.example.com/.well-known/paseto-keys", Issuer: "https://auth.example.com"}},
		Audiences: []string{"https://api.example.com"},
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = v
}

// In the issuer's own process, the verifier takes the issuer's key ring as
// its KeySource: tokens of next, current and retired keys verify, and
// nothing is rebuilt when the ring rotates. CheckKeySet checks a key set
// that follows the same ring elsewhere.
func Example_keyRing() {
	ctx := context.Background()
	ring, err := keyring.New(ctx, keyring.Config{Lifetimes: []time.Duration{time.Hour}})
	if err != nil {
		log.Fatal(err)
	}
	go ring.Run(ctx)
	iss, err := issuer.New(issuer.Config{KeySource: ring, Issuer: "https://auth.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	v, err := verifier.New(verifier.Config{KeySource: ring, Issuers: []string{"https://auth.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	token, _ := iss.Issue(map[string]any{"sub": "alice"})
	tok, err := v.Verify(ctx, token, nil)
	fmt.Println(tok.Claims.Subject, err)

	// A resource server with the default MinRefreshInterval (1m) learns
	// the ring's keys in time: its PublishAhead is one day.
	fmt.Println(verifier.CheckKeySet(verifier.KeySet{URL: "https://auth.example.com/keys", Issuer: "https://auth.example.com"}, ring))
	// Output:
	// alice <nil>
	// <nil>
}
