package keyderive_test

import (
	"bytes"
	"fmt"
	"log"

	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/paseto"
)

func ExampleSymmetricKey() {
	secret := bytes.Repeat([]byte("0123456789abcdef"), 3) // use real random bytes
	session, _ := keyderive.SymmetricKey(secret, paseto.V4, "session")
	remember, _ := keyderive.SymmetricKey(secret, paseto.V4, "remember-me")
	fmt.Println(session, session.Equal(remember))
	// Output: paseto.SymmetricKey(v4.local, redacted) false
}

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	secret := bytes.Repeat([]byte("0123456789abcdef"), 3) // use real random bytes
	sessionKey, err := keyderive.SymmetricKey(secret, paseto.V4, "session")
	if err != nil {
		log.Fatal(err) // a secret under 32 bytes
	}
	rememberKey, err := keyderive.SymmetricKey(secret, paseto.V4, "remember-me")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sessionKey.Equal(rememberKey))
	// Output: false
}
