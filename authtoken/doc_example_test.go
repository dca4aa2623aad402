package authtoken_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// The package documentation's path for most users, compiled (not run: it
// reads its keys from the environment).
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
	mux := http.NewServeMux()
	pair, err := m.Login(ctx, "alice", nil) // fresh access + refresh
	if err != nil {
		log.Fatal(err) // the store is unavailable
	}
	pair, err = m.Refresh(ctx, pair.Refresh) // non-fresh access + new refresh
	if err != nil {
		log.Fatal(err)
	}
	auth, err := httpauth.New(httpauth.Config{Verifier: m.Access()})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("GET /me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, _ := authtoken.SubjectFrom(r.Context())
		w.Write([]byte(user))
	})))
}

// The package documentation's path for keys that rotate by themselves,
// compiled (not run: its rings rotate in the background).
func Example_rotatingKeys() {
	ctx := context.Background()
	mux := http.NewServeMux()
	access, err := keyring.New(ctx, keyring.Config{Lifetimes: []time.Duration{authtoken.DefaultAccessLifetime}})
	if err != nil {
		log.Fatal(err)
	}
	refresh, err := keyring.New(ctx, keyring.Config{Purpose: paseto.Local, Lifetimes: []time.Duration{authtoken.DefaultRefreshLifetime}})
	if err != nil {
		log.Fatal(err)
	}
	go access.Run(ctx)
	go refresh.Run(ctx)
	m, err := authtoken.New(authtoken.Config{
		Access:  authtoken.KindConfig{KeySource: access},
		Refresh: authtoken.KindConfig{KeySource: refresh},
		Issuer:  "https://api.example.com",
	})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("GET /.well-known/paseto-keys", m.KeySetHandler())
}

// The package documentation's resource server, compiled (not run: its key
// set is remote).
func Example_resourceServer() {
	shared, _ := store.NewMemory(store.MemoryConfig{})
	mux := http.NewServeMux()
	var handler http.Handler = http.NotFoundHandler()
	rv, err := authtoken.NewVerifier(authtoken.VerifierConfig{
		KeySets: []verifier.KeySet{{URL: "https://auth.example.com/keys", Issuer: "https://auth.example.com"}},
		Issuers: []string{"https://auth.example.com"},
		Store:   shared, // the auth service's store, such as a redisstore
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, err := httpauth.New(httpauth.Config{Verifier: rv})
	if err != nil {
		log.Fatal(err)
	}
	freshAuth, err := httpauth.New(httpauth.Config{Verifier: rv.FreshAccess()})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("GET /me", auth.Require(handler))
	mux.Handle("POST /transfer", freshAuth.Require(handler))
}
