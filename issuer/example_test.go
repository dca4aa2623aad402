package issuer_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Issue a v4.public token from a claims struct and verify it with the
// published key.
func Example() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	secret, _ := paserk.Encode(sk) // in production: from a secret store

	iss, err := issuer.New(issuer.Config{
		Keys:     []keyring.Key{{PASERK: secret}},
		Issuer:   "https://auth.example.com",
		Lifetime: 15 * time.Minute,
		Now:      func() time.Time { return time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		panic(err)
	}

	type Claims struct {
		paseto.Claims
		Role string `json:"role"`
	}
	token, err := iss.Issue(Claims{Claims: paseto.Claims{Subject: "alice"}, Role: "admin"})
	if err != nil {
		panic(err)
	}

	// A verifier gets the public key from KeySetHandler or PublicKeys.
	payload, footer, err := paseto.Verify(iss.PublicKeys()[0], token, nil)
	if err != nil {
		panic(err)
	}
	var got Claims
	if err := paseto.UnmarshalClaims(payload, &got); err != nil {
		panic(err)
	}
	kid, _ := paseto.FooterKeyID(footer)
	fmt.Println(strings.SplitN(token, ".", 3)[:2])
	fmt.Println(got.Subject, got.Role, got.Issuer)
	fmt.Println(got.IssuedAt.Format(time.RFC3339), got.Expiration.Format(time.RFC3339))
	fmt.Println(len(got.TokenID), kid == iss.KeyID(), strings.HasPrefix(kid, "k4.pid."))

	// Claims the issuer adds cannot be set by the caller.
	_, err = iss.Issue(map[string]any{"sub": "bob", "exp": "2099-01-01T00:00:00Z"})
	fmt.Println(err)
	// Output:
	// [v4 public]
	// alice admin https://auth.example.com
	// 2030-01-01T12:00:00Z 2030-01-01T12:15:00Z
	// 22 true true
	// issuer: reserved claim "exp": set by the issuer, not the caller (set IssueOptions.Lifetime for another lifetime)
}
