package issuer_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	iss, err := issuer.New(issuer.Config{
		Keys:   []keyring.Key{{PASERK: os.Getenv("TOKEN_KEY")}}, // k4.secret.…
		Issuer: "https://auth.example.com",
	})
	if err != nil {
		log.Fatal(err) // a bad key fails here, not at the first request
	}

	type Claims struct {
		paseto.Claims        // sub, aud …; the issuer adds iss, iat, exp, jti
		Role          string `json:"role"`
	}
	token, err := iss.Issue(Claims{Claims: paseto.Claims{Subject: "alice"}, Role: "admin"})
	_, _ = token, err

	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/paseto-keys", iss.KeySetHandler())
}

// The package documentation's key ring path, compiled: the issuer follows
// a ring that rotates by itself.
func Example_keyRing() {
	ctx := context.Background()
	ring, err := keyring.New(ctx, keyring.Config{Lifetimes: []time.Duration{time.Hour}})
	if err != nil {
		log.Fatal(err)
	}
	go ring.Run(ctx) // rotates weekly, publishing each key a day ahead
	iss, err := issuer.New(issuer.Config{KeySource: ring, Issuer: "https://auth.example.com"})
	if err != nil {
		log.Fatal(err)
	}
	token, err := iss.Issue(map[string]any{"sub": "alice"})
	if err != nil {
		log.Fatal(err) // issuer.ErrKeyUnavailable: the ring is stale
	}
	fmt.Println(strings.HasPrefix(token, "v4.public."), strings.HasPrefix(iss.KeyID(), "k4.pid."))

	rec := httptest.NewRecorder()
	iss.KeySetHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/paseto-keys", nil))
	fmt.Println(rec.Header().Get("Cache-Control")) // half of PublishAhead, at most 5 minutes
	// Output:
	// true true
	// public, max-age=300
}
