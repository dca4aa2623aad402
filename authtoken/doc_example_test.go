package authtoken_test

import (
	"context"
	"log"
	"net/http"
	"os"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
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
