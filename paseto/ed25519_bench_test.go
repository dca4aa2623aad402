package paseto_test

import (
	"crypto/ed25519"
	"testing"

	"github.com/pasetokit/pasetokit/paseto"
)

// BenchmarkEd25519Table measures what the per-key table costs and saves:
// making a v4 PublicKey (which builds the table), and one signature check of
// a 300-byte message by crypto/ed25519 and through the table (via a v4
// token, so including the token's parsing and PAE).
func BenchmarkEd25519Table(b *testing.B) {
	sk := benchSecretKey(b, paseto.V4)
	pub := sk.Public().Bytes()
	b.Run("NewPublicKey", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := paseto.NewPublicKey(paseto.V4, pub); err != nil {
				b.Fatal(err)
			}
		}
	})
	msg := make([]byte, 300)
	sig := ed25519.Sign(ed25519.NewKeyFromSeed(sk.Seed()), msg)
	b.Run("stdlib-verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if !ed25519.Verify(pub, msg, sig) {
				b.Fatal("invalid")
			}
		}
	})
	tok, err := paseto.Sign(sk, msg, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	pk := sk.Public()
	b.Run("table-token-verify", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := paseto.Verify(pk, tok, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
