package authtoken_test

import (
	"testing"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// BenchmarkUnauthenticated is the cost of refusing a forged token with 32
// access keys configured: with a kid naming none of them, and without a
// kid (which would be tried against every key if kids were optional).
func BenchmarkUnauthenticated(b *testing.B) {
	keys := make([]keyring.Key, 32)
	for i := range keys {
		keys[i] = genKey(b, paseto.V4, paseto.Public)
	}
	e := newEnv(b, func(c *authtoken.Config) { c.Access.Keys = keys })
	forger, _ := paseto.GenerateSecretKey(paseto.V4)
	payload := []byte(`{"sub":"mallory","type":"access"}`)
	for _, bc := range []struct{ name, footer string }{
		{"unknown kid", `{"kid":"k4.pid.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`},
		{"no kid", ``},
	} {
		tok, err := paseto.Sign(forger, payload, []byte(bc.footer), nil)
		if err != nil {
			b.Fatal(err)
		}
		v := e.m.Access()
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := v.Verify(ctx, tok, nil); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
