package keyset_test

import (
	"fmt"

	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// An issuer publishes its public keys; a verifier parses and checks them.
func Example() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	doc, err := keyset.Marshal("https://auth.example.com", []*paseto.PublicKey{sk.Public()})
	if err != nil {
		panic(err)
	}
	set, err := keyset.Parse(doc)
	if err != nil {
		panic(err)
	}
	fmt.Println(set.Issuer, len(set.Keys), set.Keys[0].KeyID == paserk.PublicID(sk.Public()))
	// Output: https://auth.example.com 1 true
}
