package issuer

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

type benchClaims struct {
	paseto.Claims
	Role   string   `json:"role"`
	Scopes []string `json:"scopes,omitempty"`
}

var benchIn = benchClaims{
	Claims: paseto.Claims{Subject: "user-1234567890", Audience: paseto.Audience{"https://api.example.com"}},
	Role:   "editor",
	Scopes: []string{"articles:read", "articles:write"},
}

// BenchmarkPayload measures the payload work of Issue without the
// cryptography: the issuer's path (serializer, scan, splice, limit check)
// against filling the struct by hand and calling json.Marshal.
func BenchmarkPayload(b *testing.B) {
	b.Run("issuer", func(b *testing.B) {
		s := settings{issuer: "https://auth.example.com", issJSON: []byte(`"iss":"https://auth.example.com"`),
			exp: time.Hour, iat: true, jti: true, ser: serializer.JSON, now: time.Now,
			claimNames: claimISS | claimIAT | claimJTI}
		add := s.claimNames | claimEXP
		claims := benchIn
		b.ReportAllocs()
		for b.Loop() {
			body, err := s.ser.Marshal(&claims)
			if err != nil {
				b.Fatal(err)
			}
			t, err := s.times(time.Time{}, false, s.exp, false)
			if err != nil {
				b.Fatal(err)
			}
			var id [16]byte
			var jti [22]byte
			rand.Read(id[:])
			base64.RawURLEncoding.Encode(jti[:], id[:])
			if _, err := s.addJSON(body, add, &t, jti[:]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bare", func(b *testing.B) {
		claims := benchIn
		b.ReportAllocs()
		for b.Loop() {
			c := claims
			now := time.Now().UTC().Truncate(time.Second)
			var id [16]byte
			rand.Read(id[:])
			c.Issuer = "https://auth.example.com"
			c.IssuedAt = paseto.NewTime(now)
			c.Expiration = paseto.NewTime(now.Add(time.Hour))
			c.TokenID = base64.RawURLEncoding.EncodeToString(id[:])
			if _, err := json.Marshal(&c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
