package fastapipaseto_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/compat/fastapipaseto"
	"github.com/pasetokit/pasetokit/httpauth"
)

func Example() {
	// The settings of the Python service, as FromEnv would read them.
	s, err := fastapipaseto.FromMap(map[string]string{
		"AUTHPASETO_SECRET_KEY":           "0123456789abcdef0123456789abcdef", // 32 bytes; load it from a secret store
		"AUTHPASETO_ACCESS_TOKEN_EXPIRES": "600",
		"AUTHPASETO_TOKEN_LOCATION":       "headers,json",
	})
	if err != nil {
		log.Fatal(err)
	}
	m, err := authtoken.New(s.AuthToken)
	if err != nil {
		log.Fatal(err)
	}
	_, err = httpauth.New(httpauth.Config{Verifier: m.Access(), Sources: s.Sources})
	fmt.Println(s.AuthToken.Access.Lifetime, len(s.Sources), err)
	// Output: 10m0s 2 <nil>
}

func ExampleFromMap_refused() {
	_, err := fastapipaseto.FromMap(map[string]string{"AUTHPASETO_SECRET_KEY": "secret"})
	var ce *fastapipaseto.ConfigError
	fmt.Println(errors.As(err, &ce), ce.Field)
	// Output: true AUTHPASETO_SECRET_KEY
}

// The package documentation's path for most users, compiled (not run: it
// reads the process environment).
func Example_forMostUsers() {
	s, err := fastapipaseto.FromEnv()
	if err != nil {
		log.Fatal(err) // names the variable, never its value
	}
	m, err := authtoken.New(s.AuthToken)
	auth, err := httpauth.New(httpauth.Config{Verifier: m.Access(), Sources: s.Sources})
	_, _ = auth, err
}
