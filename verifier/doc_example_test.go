package verifier_test

import (
	"errors"
	"log"
	"net/http"
	"strings"
	"time"

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

	// in a handler:
	_ = func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok, err := v.Verify(r.Context(), token, nil)
		if err != nil {
			// 401; errors.Is(err, verifier.ErrExpired) and friends say why.
			_ = errors.Is(err, verifier.ErrExpired)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		user := tok.Claims.Subject
		_ = user
	}
}
