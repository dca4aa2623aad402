package paseto

import (
	"crypto/ed25519"
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"
)

var (
	v4LocalHeader = []byte("v4.local.")
	encKeyInfo    = []byte("paseto-encryption-key")
	authKeyInfo   = []byte("paseto-auth-key-for-aead")
)

// v4Scratch is the working memory of one v4.local operation, in a single
// allocation: hashing through hash.Hash makes any buffer it touches escape.
type v4Scratch struct {
	keys [56 + 32]byte // Ek || n2 || Ak
	tag  [32]byte
	le   [8]byte
}

// derive derives the encryption key, XChaCha20 nonce and authentication key
// of v4.local from key and the 32-byte nonce n.
func (sc *v4Scratch) derive(key *SymmetricKey, n []byte) (ek, n2, ak []byte) {
	h, _ := blake2b.New(56, key.key[:])
	h.Write(encKeyInfo)
	h.Write(n)
	h.Sum(sc.keys[:0])
	a, _ := blake2b.New256(key.key[:])
	a.Write(authKeyInfo)
	a.Write(n)
	a.Sum(sc.keys[56:56])
	return sc.keys[:32], sc.keys[32:56], sc.keys[56:]
}

func (sc *v4Scratch) mac(ak, n, c, footer, implicit, dst []byte) []byte {
	m, _ := blake2b.New256(ak)
	paeWrite(m, &sc.le, v4LocalHeader, n, c, footer, implicit)
	return m.Sum(dst)
}

func v4Encrypt(key *SymmetricKey, nonce, payload, footer, implicit []byte) string {
	var sc v4Scratch
	body := make([]byte, 32+len(payload), 32+len(payload)+32)
	copy(body, nonce[:32])
	ek, n2, ak := sc.derive(key, body[:32])
	s, _ := chacha20.NewUnauthenticatedCipher(ek, n2)
	s.XORKeyStream(body[32:], payload)
	body = sc.mac(ak, body[:32], body[32:], footer, implicit, body)
	return buildToken("v4.local.", body, footer)
}

func v4Decrypt(key *SymmetricKey, body, footer, implicit []byte) ([]byte, error) {
	if len(body) < 32+32 {
		return nil, fmt.Errorf("%w: body too short", ErrMalformed)
	}
	var sc v4Scratch
	n, c, t := body[:32], body[32:len(body)-32], body[len(body)-32:]
	ek, n2, ak := sc.derive(key, n)
	sc.mac(ak, n, c, footer, implicit, sc.tag[:0])
	if subtle.ConstantTimeCompare(sc.tag[:], t) != 1 {
		return nil, ErrInvalidMAC
	}
	s, _ := chacha20.NewUnauthenticatedCipher(ek, n2)
	s.XORKeyStream(c, c)
	return c, nil
}

// edSign signs PAE(h, m, f[, i]) with Ed25519, for v2 and v4.
func edSign(key *SecretKey, h string, m, footer, implicit []byte, withImplicit bool) string {
	var m2 []byte
	if withImplicit {
		m2 = pae([]byte(h), m, footer, implicit)
	} else {
		m2 = pae([]byte(h), m, footer)
	}
	body := make([]byte, len(m)+ed25519.SignatureSize)
	copy(body, m)
	copy(body[len(m):], ed25519.Sign(key.ed, m2))
	return buildToken(h, body, footer)
}

// edVerify checks an Ed25519 signature over PAE(h, m, f[, i]), for v2 and v4.
func edVerify(key *PublicKey, h string, body, footer, implicit []byte, withImplicit bool) ([]byte, error) {
	if len(body) < ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: body too short", ErrMalformed)
	}
	m, sig := body[:len(body)-ed25519.SignatureSize], body[len(body)-ed25519.SignatureSize:]
	var m2 []byte
	if withImplicit {
		m2 = pae([]byte(h), m, footer, implicit)
	} else {
		m2 = pae([]byte(h), m, footer)
	}
	if !key.verifyEd25519(m2, sig) {
		return nil, ErrInvalidSignature
	}
	return m, nil
}
