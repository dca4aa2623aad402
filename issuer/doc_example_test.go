package issuer_test

import (
	"log"
	"net/http"
	"os"

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
