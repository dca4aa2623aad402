package bench

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	gopaseto "aidanwoods.dev/go-paseto"
	"github.com/golang-jwt/jwt/v5"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// accessClaims is a typical access token's claims: iss, sub, aud (2), exp,
// iat, nbf, jti, a role and two scopes, about 250 bytes of JSON.
type accessClaims struct {
	paseto.Claims
	Role   string   `json:"role"`
	Scopes []string `json:"scopes"`
}

// jwtClaims is the same set of claims for golang-jwt (NumericDate times).
type jwtClaims struct {
	jwt.RegisteredClaims
	Role   string   `json:"role"`
	Scopes []string `json:"scopes"`
}

const (
	issuer   = "https://auth.example.com"
	audience = "https://api.example.com"
)

// fixture is one key and the same access token in each library's format.
type fixture struct {
	now     time.Time
	pub     ed25519.PublicKey
	pk      *paseto.PublicKey
	paserk  string
	kid     string
	token   string // v4.public with a {"kid":…} footer
	payload []byte // the token's signed JSON
	pae     []byte // what its signature covers
	sig     []byte
	jwt     string // EdDSA JWT with the same claims and kid
}

func newFixture(b *testing.B) *fixture {
	b.Helper()
	sk, err := paseto.GenerateSecretKey(paseto.V4)
	if err != nil {
		b.Fatal(err)
	}
	// Real time: go-paseto and golang-jwt check exp and nbf against
	// time.Now; the token is valid for an hour.
	now := time.Now().UTC().Truncate(time.Second)
	f := &fixture{now: now, pk: sk.Public(), pub: ed25519.PublicKey(sk.Public().Bytes())}
	f.kid = paserk.PublicID(f.pk)
	if f.paserk, err = paserk.Encode(f.pk); err != nil {
		b.Fatal(err)
	}
	c := accessClaims{
		Claims: paseto.Claims{
			Issuer:     issuer,
			Subject:    "user-8c41d2e7",
			Audience:   paseto.Audience{audience, "https://admin.example.com"},
			Expiration: paseto.NewTime(now.Add(time.Hour)),
			NotBefore:  paseto.NewTime(now),
			IssuedAt:   paseto.NewTime(now),
			TokenID:    "5f0c6a3e9b7d41c28e1f4a6b3c2d9e07",
		},
		Role:   "admin",
		Scopes: []string{"read", "write"},
	}
	if f.payload, err = json.Marshal(&c); err != nil {
		b.Fatal(err)
	}
	footer, _ := json.Marshal(map[string]string{"kid": f.kid})
	if f.token, err = paseto.Sign(sk, f.payload, footer, nil); err != nil {
		b.Fatal(err)
	}
	body := f.token[len("v4.public."):strings.LastIndexByte(f.token, '.')]
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		b.Fatal(err)
	}
	f.sig = raw[len(raw)-ed25519.SignatureSize:]
	f.pae = paseto.PAE([]byte("v4.public."), f.payload, footer, nil)

	jt := jwt.NewWithClaims(jwt.SigningMethodEdDSA, jwtClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   "user-8c41d2e7",
			Audience:  jwt.ClaimStrings{audience, "https://admin.example.com"},
			ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        "5f0c6a3e9b7d41c28e1f4a6b3c2d9e07",
		},
		Role:   "admin",
		Scopes: []string{"read", "write"},
	})
	jt.Header["kid"] = f.kid
	priv := ed25519.NewKeyFromSeed(sk.Seed())
	if f.jwt, err = jt.SignedString(priv); err != nil {
		b.Fatal(err)
	}
	return f
}

// BenchmarkVerifyAccessToken verifies one typical v4.public access token
// (and its JWT twin) from bytes to a claims struct. Every sub-benchmark
// makes its own key and token, so none gains from another's caches.
//
//   - raw: crypto/ed25519.Verify over the token's PAE bytes and
//     json.Unmarshal of its payload: no base64, no footer, no claim checks.
//     The floor for anything built on the standard library.
//   - golang-jwt: jwt/v5 Parser.ParseWithClaims of the EdDSA JWT, checking
//     the method, exp, nbf, iat, iss and aud.
//   - go-paseto: Parser.ParseV4Public with its default rules (exp, nbf, iat)
//     and the issuer, then the claims decoded into the struct and aud
//     checked there.
//   - pasetokit-paseto: paseto.Verify with a PublicKey, then
//     paseto.UnmarshalClaims into the struct; no claim checks.
//   - pasetokit-verifier: verifier.Verifier.Verify with no cache (every
//     call verifies the signature): the kid footer selects the key, then
//     strict claim decoding and the iss, exp, nbf, iat and aud checks.
func BenchmarkVerifyAccessToken(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		f := newFixture(b)
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			if !ed25519.Verify(f.pub, f.pae, f.sig) {
				b.Fatal("invalid signature")
			}
			var c accessClaims
			if err := json.Unmarshal(f.payload, &c); err != nil {
				b.Fatal(err)
			}
		}
		stop()
	})
	b.Run("golang-jwt", func(b *testing.B) {
		f := newFixture(b)
		p := jwt.NewParser(jwt.WithValidMethods([]string{"EdDSA"}), jwt.WithIssuer(issuer),
			jwt.WithAudience(audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		keyFunc := func(*jwt.Token) (any, error) { return f.pub, nil }
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			var c jwtClaims
			if _, err := p.ParseWithClaims(f.jwt, &c, keyFunc); err != nil {
				b.Fatal(err)
			}
		}
		stop()
	})
	b.Run("go-paseto", func(b *testing.B) {
		f := newFixture(b)
		pk, err := gopaseto.NewV4AsymmetricPublicKeyFromBytes(f.pub)
		if err != nil {
			b.Fatal(err)
		}
		// go-paseto's ForAudience rule reads aud as one string and fails on
		// a list, so the audience is checked on the decoded claims.
		p := gopaseto.NewParser()
		p.AddRule(gopaseto.IssuedBy(issuer))
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			tok, err := p.ParseV4Public(pk, f.token, nil)
			if err != nil {
				b.Fatal(err)
			}
			var c accessClaims
			if err := json.Unmarshal(tok.ClaimsJSON(), &c); err != nil {
				b.Fatal(err)
			}
			if !slices.Contains(c.Audience, audience) {
				b.Fatal("wrong audience")
			}
		}
		stop()
	})
	b.Run("pasetokit-paseto", func(b *testing.B) {
		f := newFixture(b)
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			payload, _, err := paseto.Verify(f.pk, f.token, nil)
			if err != nil {
				b.Fatal(err)
			}
			var c accessClaims
			if err := paseto.UnmarshalClaims(payload, &c); err != nil {
				b.Fatal(err)
			}
		}
		stop()
	})
	b.Run("pasetokit-verifier", func(b *testing.B) {
		f := newFixture(b)
		now := f.now.Add(time.Minute)
		v, err := verifier.New(verifier.Config{
			Keys:      []keyring.Key{{PASERK: f.paserk}},
			Issuers:   []string{issuer},
			Audiences: []string{audience},
			Now:       func() time.Time { return now },
		})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			tok, err := v.Verify(ctx, f.token, nil)
			if err != nil {
				b.Fatal(err)
			}
			if tok.Claims.Subject == "" {
				b.Fatal("no subject")
			}
		}
		stop()
	})
}
