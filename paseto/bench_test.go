package paseto_test

// Benchmarks quoted in the README. Run them all with
//
//	go test -run='^$' -bench=. -benchmem -count=6 ./paseto/
//
// The v4 headline benchmarks have three sub-benchmarks each:
//
//   - pasetokit: the public API, as an application calls it.
//   - raw: the bare primitives on the same bytes, with no token format
//     (no base64, no header, no parsing): the floor any implementation pays.
//   - go-paseto: aidanwoods.dev/go-paseto doing the same job the way its
//     users do.

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"hash"
	"strings"
	"testing"
	"time"

	gopaseto "aidanwoods.dev/go-paseto"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"

	"github.com/pasetokit/pasetokit/paseto"
)

// benchClaims is a typical claims set: the registered claims plus two
// application claims.
type benchClaims struct {
	paseto.Claims
	Role   string   `json:"role"`
	Scopes []string `json:"scopes"`
}

func newBenchClaims() benchClaims {
	iat := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	return benchClaims{
		Claims: paseto.Claims{
			Issuer:     "https://auth.example.com",
			Subject:    "user-8c41d2e7",
			Audience:   paseto.Audience{"https://api.example.com", "https://admin.example.com"},
			Expiration: paseto.NewTime(iat.Add(time.Hour)),
			NotBefore:  paseto.NewTime(iat),
			IssuedAt:   paseto.NewTime(iat),
			TokenID:    "5f0c6a3e9b7d41c28e1f4a6b3c2d9e07",
		},
		Role:   "admin",
		Scopes: []string{"read", "write"},
	}
}

// benchLocalPayload is a 200-byte JSON object: go-paseto only carries JSON
// objects, and re-serialises this one to the same 200 bytes.
var benchLocalPayload = []byte(`{"data":"` + strings.Repeat("x", 200-len(`{"data":""}`)) + `"}`)

func benchSecretKey(b *testing.B, v paseto.Version) *paseto.SecretKey {
	b.Helper()
	sk, err := paseto.GenerateSecretKey(v)
	if err != nil {
		b.Fatal(err)
	}
	return sk
}

func benchSymmetricKey(b *testing.B, v paseto.Version) *paseto.SymmetricKey {
	b.Helper()
	k, err := paseto.GenerateSymmetricKey(v)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// benchSign: claims struct → JSON → public token, with pasetokit.
func benchSign(b *testing.B, sk *paseto.SecretKey) {
	claims := newBenchClaims()
	b.ReportAllocs()
	for b.Loop() {
		payload, err := json.Marshal(&claims)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := paseto.Sign(sk, payload, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchVerify: public token → verified payload → claims struct, with
// pasetokit.
func benchVerify(b *testing.B, sk *paseto.SecretKey) {
	claims := newBenchClaims()
	payload, _ := json.Marshal(&claims)
	token, err := paseto.Sign(sk, payload, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	pk := sk.Public()
	b.ReportAllocs()
	stop := cpuMeter(b)
	for b.Loop() {
		p, _, err := paseto.Verify(pk, token, nil)
		if err != nil {
			b.Fatal(err)
		}
		var c benchClaims
		if err := paseto.UnmarshalClaims(p, &c); err != nil {
			b.Fatal(err)
		}
	}
	stop()
}

func benchEncrypt(b *testing.B, k *paseto.SymmetricKey) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := paseto.Encrypt(k, benchLocalPayload, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func benchDecrypt(b *testing.B, k *paseto.SymmetricKey) {
	token, err := paseto.Encrypt(k, benchLocalPayload, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := paseto.Decrypt(k, token, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkV4PublicSign(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) {
		benchSign(b, benchSecretKey(b, paseto.V4))
	})
	b.Run("raw", func(b *testing.B) {
		priv := ed25519.PrivateKey(benchSecretKey(b, paseto.V4).Bytes())
		claims := newBenchClaims()
		b.ReportAllocs()
		for b.Loop() {
			payload, err := json.Marshal(&claims)
			if err != nil {
				b.Fatal(err)
			}
			_ = ed25519.Sign(priv, payload)
		}
	})
	b.Run("go-paseto", func(b *testing.B) {
		sk, err := gopaseto.NewV4AsymmetricSecretKeyFromBytes(benchSecretKey(b, paseto.V4).Bytes())
		if err != nil {
			b.Fatal(err)
		}
		claims := newBenchClaims()
		b.ReportAllocs()
		for b.Loop() {
			// From the same struct. Setting the claims one by one with
			// go-paseto's setters costs one json.Marshal per claim and is
			// slower still.
			payload, err := json.Marshal(&claims)
			if err != nil {
				b.Fatal(err)
			}
			tok, err := gopaseto.NewTokenFromClaimsJSON(payload, nil)
			if err != nil {
				b.Fatal(err)
			}
			_ = tok.V4Sign(sk, nil)
		}
	})
}

func BenchmarkV4PublicVerify(b *testing.B) {
	// All three read the same token, made by pasetokit.
	b.Run("pasetokit", func(b *testing.B) {
		benchVerify(b, benchSecretKey(b, paseto.V4))
	})
	b.Run("raw", func(b *testing.B) {
		sk := benchSecretKey(b, paseto.V4)
		claims := newBenchClaims()
		payload, _ := json.Marshal(&claims)
		token, err := paseto.Sign(sk, payload, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		// The body is decoded once: raw has no base64.
		body, err := b64Body(token, "v4.public.")
		if err != nil {
			b.Fatal(err)
		}
		m, sig := body[:len(body)-ed25519.SignatureSize], body[len(body)-ed25519.SignatureSize:]
		msg := paseto.PAE([]byte("v4.public."), m, nil, nil)
		pub := ed25519.PublicKey(sk.Public().Bytes())
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("raw verification fails")
		}
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("invalid signature")
			}
			var c benchClaims
			if err := json.Unmarshal(m, &c); err != nil {
				b.Fatal(err)
			}
		}
		stop()
	})
	b.Run("go-paseto", func(b *testing.B) {
		sk := benchSecretKey(b, paseto.V4)
		claims := newBenchClaims()
		payload, _ := json.Marshal(&claims)
		token, err := paseto.Sign(sk, payload, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		pk, err := gopaseto.NewV4AsymmetricPublicKeyFromBytes(sk.Public().Bytes())
		if err != nil {
			b.Fatal(err)
		}
		// No expiry rule, so the fixed claims stay valid; claim validation
		// is not part of any of the three variants.
		parser := gopaseto.NewParserWithoutExpiryCheck()
		b.ReportAllocs()
		stop := cpuMeter(b)
		for b.Loop() {
			tok, err := parser.ParseV4Public(pk, token, nil)
			if err != nil {
				b.Fatal(err)
			}
			var c benchClaims
			if err := json.Unmarshal(tok.ClaimsJSON(), &c); err != nil {
				b.Fatal(err)
			}
		}
		stop()
	})
}

// rawV4Keys is the v4.local key derivation: keyed BLAKE2b-448 for the
// encryption key and XChaCha20 nonce, keyed BLAKE2b-256 for the MAC key.
func rawV4Keys(key, n []byte) (ek, n2, ak []byte) {
	var out [56 + 32]byte
	h, _ := blake2b.New(56, key)
	h.Write([]byte("paseto-encryption-key"))
	h.Write(n)
	h.Sum(out[:0])
	h, _ = blake2b.New256(key)
	h.Write([]byte("paseto-auth-key-for-aead"))
	h.Write(n)
	h.Sum(out[56:56])
	return out[:32], out[32:56], out[56:]
}

// rawPAE feeds the pre-authentication encoding of pieces to h.
func rawPAE(h hash.Hash, pieces ...[]byte) {
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(pieces)))
	h.Write(n[:])
	for _, p := range pieces {
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
}

// rawV4LocalHeader is hoisted so that it is not allocated on every call
// (hash.Hash.Write makes a converted []byte escape).
var rawV4LocalHeader = []byte("v4.local.")

// rawV4Encrypt is the v4.local work without the token format: it returns
// nonce || ciphertext || tag.
func rawV4Encrypt(key, payload []byte) []byte {
	body := make([]byte, 32+len(payload)+32)
	n, c := body[:32], body[32:32+len(payload)]
	rand.Read(n)
	ek, n2, ak := rawV4Keys(key, n)
	s, _ := chacha20.NewUnauthenticatedCipher(ek, n2)
	s.XORKeyStream(c, payload)
	m, _ := blake2b.New256(ak)
	rawPAE(m, rawV4LocalHeader, n, c, nil, nil)
	m.Sum(c[len(c):])
	return body
}

// rawV4Decrypt opens what rawV4Encrypt returns, into a new slice.
func rawV4Decrypt(key, body []byte) ([]byte, bool) {
	if len(body) < 64 {
		return nil, false
	}
	n, c, t := body[:32], body[32:len(body)-32], body[len(body)-32:]
	ek, n2, ak := rawV4Keys(key, n)
	m, _ := blake2b.New256(ak)
	rawPAE(m, rawV4LocalHeader, n, c, nil, nil)
	var want [32]byte
	if subtle.ConstantTimeCompare(m.Sum(want[:0]), t) != 1 {
		return nil, false
	}
	s, _ := chacha20.NewUnauthenticatedCipher(ek, n2)
	out := make([]byte, len(c))
	s.XORKeyStream(out, c)
	return out, true
}

func BenchmarkV4LocalEncrypt(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) {
		benchEncrypt(b, benchSymmetricKey(b, paseto.V4))
	})
	b.Run("raw", func(b *testing.B) {
		key := benchSymmetricKey(b, paseto.V4).Bytes()
		b.ReportAllocs()
		for b.Loop() {
			_ = rawV4Encrypt(key, benchLocalPayload)
		}
	})
	b.Run("go-paseto", func(b *testing.B) {
		key, err := gopaseto.V4SymmetricKeyFromBytes(benchSymmetricKey(b, paseto.V4).Bytes())
		if err != nil {
			b.Fatal(err)
		}
		// The token is built once, outside the loop, which favours
		// go-paseto: pasetokit takes the payload bytes on every call.
		tok, err := gopaseto.NewTokenFromClaimsJSON(benchLocalPayload, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			_ = tok.V4Encrypt(key, nil)
		}
	})
}

func BenchmarkV4LocalDecrypt(b *testing.B) {
	// All three open the same kind of token, made by pasetokit.
	b.Run("pasetokit", func(b *testing.B) {
		benchDecrypt(b, benchSymmetricKey(b, paseto.V4))
	})
	b.Run("raw", func(b *testing.B) {
		key := benchSymmetricKey(b, paseto.V4)
		token, err := paseto.Encrypt(key, benchLocalPayload, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		// The body is decoded once: raw has no base64.
		body, err := b64Body(token, "v4.local.")
		if err != nil {
			b.Fatal(err)
		}
		raw := key.Bytes()
		if p, ok := rawV4Decrypt(raw, body); !ok || string(p) != string(benchLocalPayload) {
			b.Fatal("raw decryption fails")
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := rawV4Decrypt(raw, body); !ok {
				b.Fatal("invalid tag")
			}
		}
	})
	b.Run("go-paseto", func(b *testing.B) {
		key := benchSymmetricKey(b, paseto.V4)
		token, err := paseto.Encrypt(key, benchLocalPayload, nil, nil)
		if err != nil {
			b.Fatal(err)
		}
		theirs, err := gopaseto.V4SymmetricKeyFromBytes(key.Bytes())
		if err != nil {
			b.Fatal(err)
		}
		parser := gopaseto.NewParserWithoutExpiryCheck()
		b.ReportAllocs()
		for b.Loop() {
			tok, err := parser.ParseV4Local(theirs, token, nil)
			if err != nil {
				b.Fatal(err)
			}
			// go-paseto parses the plaintext into a claims map; ClaimsJSON
			// gives back payload bytes, which is what the two others return.
			_ = tok.ClaimsJSON()
		}
	})
}

// b64Body decodes the body of a token that has no footer.
func b64Body(token, header string) ([]byte, error) {
	return base64.RawURLEncoding.Strict().DecodeString(strings.TrimPrefix(token, header))
}

// The pasetokit-only benchmarks for the other versions, for the README table.

func BenchmarkV3PublicSign(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchSign(b, benchSecretKey(b, paseto.V3)) })
}

func BenchmarkV3PublicVerify(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchVerify(b, benchSecretKey(b, paseto.V3)) })
}

func BenchmarkV3LocalEncrypt(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchEncrypt(b, benchSymmetricKey(b, paseto.V3)) })
}

func BenchmarkV3LocalDecrypt(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchDecrypt(b, benchSymmetricKey(b, paseto.V3)) })
}

func BenchmarkV2PublicSign(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchSign(b, benchSecretKey(b, paseto.V2)) })
}

func BenchmarkV2PublicVerify(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchVerify(b, benchSecretKey(b, paseto.V2)) })
}

func BenchmarkV2LocalEncrypt(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchEncrypt(b, benchSymmetricKey(b, paseto.V2)) })
}

func BenchmarkV2LocalDecrypt(b *testing.B) {
	b.Run("pasetokit", func(b *testing.B) { benchDecrypt(b, benchSymmetricKey(b, paseto.V2)) })
}

// BenchmarkUnmarshalClaims compares the strict decoding (duplicate-key and
// limit checks, then encoding/json with UseNumber) with plain json.Unmarshal.
func BenchmarkUnmarshalClaims(b *testing.B) {
	claims := newBenchClaims()
	payload, err := json.Marshal(&claims)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("pasetokit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c benchClaims
			if err := paseto.UnmarshalClaims(payload, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c benchClaims
			if err := json.Unmarshal(payload, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
