package paseto_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
)

// Sign and verify a v4.public token with registered claims.
func Example() {
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		panic(err)
	}
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	payload, _ := json.Marshal(paseto.Claims{
		Subject:    "alice",
		Expiration: paseto.NewTime(now.Add(time.Hour)),
	})
	token, err := paseto.Sign(sk, payload, []byte(`{"kid":"k4.pid.example"}`), nil)
	if err != nil {
		panic(err)
	}

	payload, footer, err := paseto.Verify(sk.Public(), token, nil)
	if err != nil {
		panic(err)
	}
	var claims paseto.Claims
	if err := paseto.UnmarshalClaims(payload, &claims); err != nil {
		panic(err)
	}
	fmt.Println(claims.Subject, claims.Expiration.Format(time.RFC3339), string(footer))
	fmt.Println(claims.Validate(now, 0))
	fmt.Println(claims.Validate(now.Add(2*time.Hour), 0))
	// Output:
	// alice 2030-01-01T13:00:00Z {"kid":"k4.pid.example"}
	// <nil>
	// paseto: token expired
}

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	claims := paseto.Claims{Subject: "alice", Expiration: paseto.NewTime(time.Now().Add(time.Hour))}
	payload, _ := json.Marshal(claims)
	token, _ := paseto.Sign(sk, payload, nil, nil)

	payload, _, err := paseto.Verify(sk.Public(), token, nil)
	var got paseto.Claims
	if err == nil {
		err = paseto.UnmarshalClaims(payload, &got)
	}
	if err == nil {
		err = got.Validate(time.Now(), 30*time.Second)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Subject)
	// Output: alice
}

// Encrypt a v4.local token bound to an implicit assertion that is never sent.
func ExampleEncrypt() {
	key, _ := paseto.GenerateSymmetricKey(paseto.V4)
	token, _ := paseto.Encrypt(key, []byte(`{"user":42}`), nil, []byte("session-binding"))

	payload, _, err := paseto.Decrypt(key, token, []byte("session-binding"))
	fmt.Println(string(payload), err)
	_, _, err = paseto.Decrypt(key, token, []byte("another-context"))
	fmt.Println(errors.Is(err, paseto.ErrInvalidMAC))
	// Output:
	// {"user":42} <nil>
	// true
}

// Read the key id from a footer before verifying, to choose the key.
func ExampleUnverified() {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	token, _ := paseto.Sign(sk, []byte(`{}`), []byte(`{"kid":"k4.pid.abc"}`), nil)

	u, err := paseto.Unverified(token)
	if err != nil {
		panic(err)
	}
	kid, err := paseto.FooterKeyID(u.UnverifiedFooter)
	fmt.Println(u.Version, u.Purpose, kid, err)
	// Output: v4 public k4.pid.abc <nil>
}

// Keys never print their bytes.
func ExampleSymmetricKey_String() {
	key, _ := paseto.NewSymmetricKey(paseto.V4, make([]byte, 32))
	fmt.Println(key)
	fmt.Printf("%x\n", key)
	// Output:
	// paseto.SymmetricKey(v4.local, redacted)
	// paseto.SymmetricKey(v4.local, redacted)
}

// A key of one version cannot open a token of another.
func ExampleDecrypt_wrongVersion() {
	raw := make([]byte, 32)
	k3, _ := paseto.NewSymmetricKey(paseto.V3, raw)
	k4, _ := paseto.NewSymmetricKey(paseto.V4, raw)
	token, _ := paseto.Encrypt(k4, []byte(`{}`), nil, nil)
	_, _, err := paseto.Decrypt(k3, token, nil)
	fmt.Println(err)
	// Output: paseto: key does not match token version or purpose: v3.local key for a v4.local token
}
