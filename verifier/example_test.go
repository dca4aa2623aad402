package verifier_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// exampleNow is the clock of the examples, so that their output does not
// depend on the day they run.
func exampleNow() time.Time { return time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) }

// issue plays the issuer: a v4.public token with a kid, signed by sk.
func issue(sk *paseto.SecretKey, claims string) string {
	footer := `{"kid":"` + paserk.PublicID(sk.Public()) + `"}`
	tok, err := paseto.Sign(sk, []byte(claims), []byte(footer), nil)
	if err != nil {
		panic(err)
	}
	return tok
}

// Verify v4.public tokens from one issuer with its public key.
func Example() {
	// The issuer's key; the verifier only ever sees the public half.
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	public, _ := paserk.Encode(sk.Public()) // "k4.public.…"

	v, err := verifier.New(verifier.Config{
		Keys:      []keyring.Key{{PASERK: public, Issuer: "https://auth.example.com"}},
		Audiences: []string{"https://api.example.com"},
		Leeway:    30 * time.Second,
		Now:       exampleNow, // leave nil for time.Now
	})
	if err != nil {
		panic(err)
	}

	token := issue(sk, `{"iss":"https://auth.example.com","aud":"https://api.example.com","sub":"alice","exp":"2030-01-01T13:00:00Z"}`)
	tok, err := v.Verify(context.Background(), token, nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(tok.Claims.Subject, tok.KeyIssuer)

	expired := issue(sk, `{"iss":"https://auth.example.com","aud":"https://api.example.com","sub":"alice","exp":"2030-01-01T11:00:00Z"}`)
	_, err = v.Verify(context.Background(), expired, nil)
	fmt.Println(errors.Is(err, verifier.ErrExpired))
	// Output:
	// alice https://auth.example.com
	// true
}

// A rule of the service's own: here, refuse revoked token ids. Rules see
// the request's context.
func ExampleRule() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	public, _ := paserk.Encode(sk.Public())
	errRevoked := errors.New("token revoked")
	revoked := map[string]bool{"t-2": true}

	v, _ := verifier.New(verifier.Config{
		Keys: []keyring.Key{{PASERK: public}},
		Rules: []verifier.Rule{func(ctx context.Context, t *verifier.Token) error {
			if revoked[t.Claims.TokenID] {
				return errRevoked
			}
			return nil
		}},
		Now: exampleNow,
	})
	for _, jti := range []string{"t-1", "t-2"} {
		_, err := v.Verify(context.Background(), issue(sk, `{"jti":"`+jti+`","exp":"2030-01-01T13:00:00Z"}`), nil)
		fmt.Println(jti, err, errors.Is(err, verifier.ErrRule), errors.Is(err, errRevoked))
	}
	// Output:
	// t-1 <nil> false false
	// t-2 verifier: rejected by rule: token revoked true true
}

// Decode the payload into the service's own claims type.
func ExampleToken_Decode() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	public, _ := paserk.Encode(sk.Public())
	v, _ := verifier.New(verifier.Config{Keys: []keyring.Key{{PASERK: public}}, Now: exampleNow})

	tok, err := v.Verify(context.Background(), issue(sk, `{"sub":"alice","role":"admin","exp":"2030-01-01T13:00:00Z"}`), nil)
	if err != nil {
		panic(err)
	}
	var claims struct {
		paseto.Claims
		Role string `json:"role"`
	}
	if err := tok.Decode(&claims); err != nil {
		panic(err)
	}
	fmt.Println(claims.Subject, claims.Role)
	// Output: alice admin
}

// Rotate keys at run time: tokens of the removed key stop verifying.
func ExampleVerifier_SetKeys() {
	oldKey, _ := paseto.GenerateSecretKey(paseto.V4)
	newKey, _ := paseto.GenerateSecretKey(paseto.V4)
	oldPublic, _ := paserk.Encode(oldKey.Public())
	newPublic, _ := paserk.Encode(newKey.Public())

	v, _ := verifier.New(verifier.Config{Keys: []keyring.Key{{PASERK: oldPublic}}, Now: exampleNow})
	claims := `{"sub":"alice","exp":"2030-01-01T13:00:00Z"}`

	// Publish the new key next to the old one, then retire the old one.
	_ = v.SetKeys([]keyring.Key{{PASERK: oldPublic}, {PASERK: newPublic}})
	_, errOld := v.Verify(context.Background(), issue(oldKey, claims), nil)
	_, errNew := v.Verify(context.Background(), issue(newKey, claims), nil)
	fmt.Println(errOld, errNew)

	_ = v.SetKeys([]keyring.Key{{PASERK: newPublic}})
	_, errOld = v.Verify(context.Background(), issue(oldKey, claims), nil)
	fmt.Println(errOld)
	// Output:
	// <nil> <nil>
	// verifier: unknown key
}

// Follow an issuer's published key set. Here the issuer is a local test
// server; real key sets must be served over https.
func ExampleVerifier_Refresh() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	doc, _ := keyset.Marshal("https://auth.example.com", []*paseto.PublicKey{sk.Public()})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		w.Write(doc)
	}))
	defer srv.Close()

	v, err := verifier.New(verifier.Config{
		KeySets: []verifier.KeySet{{URL: srv.URL, Issuer: "https://auth.example.com"}},
		Now:     exampleNow,
	})
	if err != nil {
		panic(err)
	}
	// Optional: fetch now, to fail start-up if the key set is unreachable.
	if err := v.Refresh(context.Background()); err != nil {
		panic(err)
	}
	tok, err := v.Verify(context.Background(), issue(sk, `{"iss":"https://auth.example.com","sub":"alice","exp":"2030-01-01T13:00:00Z"}`), nil)
	fmt.Println(tok.Claims.Subject, err)
	// Output: alice <nil>
}
