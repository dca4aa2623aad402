package paserk

import (
	"crypto/sha512"

	"github.com/pasetokit/pasetokit/paseto"
	"golang.org/x/crypto/blake2b"
)

// idSize is the length of the hash in an [ID]: 264 bits, 44 base64url
// characters without padding.
const idSize = 33

// id computes the PASERK [ID] of the plaintext PASERK p of version v, with
// the [ID] type typ (lid, pid or sid): h || base64url(H(h || p)[:33]), where
// H is SHA-384 for v3 and BLAKE2b with a 33-byte output for v2 and v4.
func id(v paseto.Version, typ, p string) string {
	h := prefix(v, typ)
	var d []byte
	if v == paseto.V3 {
		s := sha512.New384()
		s.Write([]byte(h))
		s.Write([]byte(p))
		d = s.Sum(nil)[:idSize]
	} else {
		b, _ := blake2b.New(idSize, nil) // cannot fail for this size and no key
		b.Write([]byte(h))
		b.Write([]byte(p))
		d = b.Sum(nil)
	}
	return encode(v, typ, d)
}

// ID returns the PASERK [ID] of a key: "k<v>.lid." for a *paseto.SymmetricKey,
// "k<v>.pid." for a *paseto.PublicKey and "k<v>.sid." for a
// *paseto.SecretKey. An [ID] names a key without revealing it, for example as
// the kid of a token footer. It is a hash of the key's plaintext PASERK (see
// Encode), so the same key always has the same [ID] and an [ID] of one version
// never equals one of another. The error, which matches
// paseto.ErrInvalidKey, is only for a nil or zero-value key.
func ID(k paseto.Key) (string, error) {
	p, err := Encode(k)
	if err != nil {
		return "", err
	}
	typ := TypeLocalID
	switch k.(type) {
	case *paseto.PublicKey:
		typ = TypePublicID
	case *paseto.SecretKey:
		typ = TypeSecretID
	}
	return id(k.Version(), typ, p), nil
}

// LocalID returns the "k<v>.lid." [ID] of a symmetric key, or "" for a nil
// or zero-value key. See [ID].
func LocalID(k *paseto.SymmetricKey) string { s, _ := ID(k); return s }

// PublicID returns the "k<v>.pid." [ID] of a public key, or "" for a nil or
// zero-value key. See [ID].
func PublicID(k *paseto.PublicKey) string { s, _ := ID(k); return s }

// SecretID returns the "k<v>.sid." [ID] of a secret key, or "" for a nil or
// zero-value key. See [ID]. It differs from the [ID] of the key's public key.
func SecretID(k *paseto.SecretKey) string { s, _ := ID(k); return s }
