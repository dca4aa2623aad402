package authtoken_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paseto"
)

// The package documentation's key ring path, compiled: access tokens
// signed by a ring of v4.public keys, refresh tokens encrypted by a ring
// of v4.local keys, and the access keys published for resource servers.
func Example_keyRing() {
	ctx := context.Background()
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
	mux := http.NewServeMux()
	mux.Handle("GET /.well-known/paseto-keys", m.KeySetHandler())

	pair, err := m.Login(ctx, "alice", nil)
	if err != nil {
		log.Fatal(err)
	}
	tok, err := m.Verify(ctx, "access", pair.Access)
	fmt.Println(tok.Claims.Subject, err)

	// A manual rotation publishes the next access key at once.
	access.Rotate(ctx)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/.well-known/paseto-keys", nil))
	set, _ := keyset.Parse(rec.Body.Bytes())
	fmt.Println(len(set.Keys), "keys;", rec.Header().Get("Cache-Control"))
	// Output:
	// alice <nil>
	// 2 keys; public, max-age=300
}
