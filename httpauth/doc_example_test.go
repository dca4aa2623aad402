package httpauth_test

import (
	"fmt"
	"log"
	"net/http"

	"github.com/pasetokit/pasetokit/httpauth"
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	v, _ := setup()
	mux := http.NewServeMux()

	auth, err := httpauth.New(httpauth.Config{Verifier: v, Realm: "api"})
	if err != nil {
		log.Fatal(err)
	}
	mux.Handle("/me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := httpauth.TokenFrom(r.Context())
		fmt.Fprintln(w, tok.Claims.Subject)
	})))
}
