package authtoken_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
)

// A resource server verifies the auth service's access tokens with a
// Verifier: its public key (or key set URL) and its shared store. It
// refuses refresh tokens and sees logouts.
func ExampleNewVerifier() {
	// The auth service: a Manager whose refresh tokens fall back to the
	// access key, and a store both processes share (a redisstore in
	// production).
	secret, _ := paseto.GenerateSecretKey(paseto.V4)
	accessKey, _ := paserk.Encode(secret)
	publicKey, _ := paserk.Encode(secret.Public())
	shared, _ := store.NewMemory(store.MemoryConfig{})
	m, err := authtoken.New(authtoken.Config{
		Access: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: accessKey}}},
		Issuer: "https://auth.example.com",
		Store:  shared,
	})
	if err != nil {
		log.Fatal(err)
	}

	// The resource server.
	rv, err := authtoken.NewVerifier(authtoken.VerifierConfig{
		Keys:    []keyring.Key{{PASERK: publicKey, Issuer: "https://auth.example.com"}},
		Issuers: []string{"https://auth.example.com"},
		Store:   shared,
	})
	if err != nil {
		log.Fatal(err)
	}
	auth, _ := httpauth.New(httpauth.Config{Verifier: rv})
	me := auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sub, _ := authtoken.SubjectFrom(r.Context())
		fmt.Fprintln(w, "hello", sub)
	}))
	get := func(tok string) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		me.ServeHTTP(w, r)
		fmt.Print(w.Code, " ", w.Body.String())
	}

	ctx := context.Background()
	pair, _ := m.Login(ctx, "alice", nil)
	get(pair.Access)
	get(pair.Refresh) // not an access token
	_ = m.Logout(ctx, pair.Access)
	get(pair.Access) // logged out on the auth service
	// Output:
	// 200 hello alice
	// 401 {"error":"token_wrong_type","detail":"The token is not of the type this resource accepts."}
	// 401 {"error":"token_revoked","detail":"The token has been revoked."}
}

// IssueWith makes one token with options of its own: here a
// password-reset token valid for ten minutes, bound to the user's current
// password hash as implicit assertion, so that it stops working once the
// password changes.
func ExampleManager_IssueWith() {
	local, _ := paseto.GenerateSymmetricKey(paseto.V4)
	key, _ := paserk.Encode(local)
	m, err := authtoken.New(authtoken.Config{
		Access: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: key}}},
		Custom: map[string]authtoken.KindConfig{"reset": {}},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	passwordHash := []byte("hash-of-the-current-password")
	tok, err := m.IssueWith(ctx, "reset", "alice", nil, authtoken.IssueOptions{
		Lifetime: 10 * time.Minute,
		Implicit: passwordHash,
	})
	if err != nil {
		log.Fatal(err)
	}
	_, err = m.Kind("reset").Verify(ctx, tok, passwordHash)
	fmt.Println("before the change:", err == nil)
	_, err = m.Kind("reset").Verify(ctx, tok, []byte("hash-of-the-new-password"))
	fmt.Println("after the change:", err == nil)
	// Output:
	// before the change: true
	// after the change: false
}
