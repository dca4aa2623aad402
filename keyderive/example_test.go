package keyderive_test

import (
	"bytes"
	"fmt"

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
