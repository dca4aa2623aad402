package authtoken_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{{PASERK: os.Getenv("ACCESS_KEY")}}},  // k4.secret.…
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: os.Getenv("REFRESH_KEY")}}}, // k4.local.…
		Issuer:  "https://api.example.com",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx := context.Background()
	pair, err := m.Login(ctx, "alice", nil)  // fresh access + refresh
	pair, err = m.Refresh(ctx, pair.Refresh) // non-fresh access + new refresh
	_ = err
	auth, _ := httpauth.New(httpauth.Config{Verifier: m.Access()})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = authtoken.Subject(r.Context())
	})
	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Require(handler)) // authtoken.Subject(r.Context())
}

// The package documentation's resource server, compiled.
func Example_resourceServer() {
	shared, _ := store.NewMemory(store.MemoryConfig{}) // the auth service's store, such as a redisstore
	rv, err := authtoken.NewVerifier(authtoken.VerifierConfig{
		KeySets: []verifier.KeySet{{URL: "https://auth.example.com/keys", Issuer: "https://auth.example.com"}},
		Issuers: []string{"https://auth.example.com"},
		Store:   shared,
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, _ := httpauth.New(httpauth.Config{Verifier: rv})
	freshAuth, _ := httpauth.New(httpauth.Config{Verifier: rv.FreshAccess()})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mux := http.NewServeMux()
	mux.Handle("GET /me", auth.Require(handler))
	mux.Handle("POST /transfer", freshAuth.Require(handler))
}
