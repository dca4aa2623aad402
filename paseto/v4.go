package paseto

import (
	"crypto/ed25519"
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"
)

// v4Keys derives the encryption key, XChaCha20 nonce and authentication key
// of v4.local from key and the 32-byte nonce n.
func v4Keys(key *SymmetricKey, n []byte) (ek, n2, ak []byte) {
	var tmp [56 + 32]byte
	h, _ := blake2b.New(56, key.key[:])
	h.Write([]byte("paseto-encryption-key"))
	h.Write(n)
	h.Sum(tmp[:0])
	a, _ := blake2b.New256(key.key[:])
	a.Write([]byte("paseto-auth-key-for-aead"))
	a.Write(n)
	a.Sum(tmp[56:56])
	return tmp[:32], tmp[32:56], tmp[56:]
}

func v4MAC(ak, n, c, footer, implicit, dst []byte) []byte {
	m, _ := blake2b.New256(ak)
	paeWrite(m, []byte("v4.local."), n, c, footer, implicit)
	return m.Sum(dst)
}

func v4Encrypt(key *SymmetricKey, nonce, payload, footer, implicit []byte) string {
	body := make([]byte, 32+len(payload), 32+len(payload)+32)
	copy(body, nonce[:32])
	ek, n2, ak := v4Keys(key, body[:32])
	s, _ := chacha20.NewUnauthenticatedCipher(ek, n2)
	s.XORKeyStream(body[32:], payload)
	body = v4MAC(ak, body[:32], body[32:], footer, implicit, body)
	return buildToken("v4.local.", body, footer)
}

func v4Decrypt(key *SymmetricKey, body, footer, implicit []byte) ([]byte, error) {
	if len(body) < 32+32 {
		return nil, fmt.Errorf("%w: body too short", ErrMalformed)
	}
	n, c, t := body[:32], body[32:len(body)-32], body[len(body)-32:]
	ek, n2, ak := v4Keys(key, n)
	var want [32]byte
	v4MAC(ak, n, c, footer, implicit, want[:0])
	if subtle.ConstantTimeCompare(want[:], t) != 1 {
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
	if !ed25519.Verify(key.ed, m2, sig) {
		return nil, ErrInvalidSignature
	}
	return m, nil
}
