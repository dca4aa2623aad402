package paseto

import (
	"fmt"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20poly1305"
)

// v2Encrypt implements v2.local. b is the 24 random bytes that key the
// BLAKE2b derivation of the XChaCha20-Poly1305 nonce from the payload.
func v2Encrypt(key *SymmetricKey, b, payload, footer []byte) string {
	h, _ := blake2b.New(24, b)
	h.Write(payload)
	var nonce [24]byte
	h.Sum(nonce[:0])
	return v2Seal(key, nonce[:], payload, footer)
}

// v2Seal encrypts payload under the final 24-byte XChaCha20-Poly1305 nonce.
func v2Seal(key *SymmetricKey, nonce, payload, footer []byte) string {
	body := make([]byte, 24, 24+len(payload)+chacha20poly1305.Overhead)
	copy(body, nonce)
	aead, _ := chacha20poly1305.NewX(key.key[:])
	body = aead.Seal(body, body[:24], payload, pae([]byte("v2.local."), body[:24], footer))
	return buildToken("v2.local.", body, footer)
}

func v2Decrypt(key *SymmetricKey, body, footer []byte) ([]byte, error) {
	if len(body) < 24+chacha20poly1305.Overhead {
		return nil, fmt.Errorf("%w: body too short", ErrMalformed)
	}
	n, c := body[:24], body[24:]
	aead, _ := chacha20poly1305.NewX(key.key[:])
	// Not in place: on a wrong key Open zeroes its output, and an
	// UnverifiedToken's body may be tried with another key next.
	m, err := aead.Open(nil, n, c, pae([]byte("v2.local."), n, footer))
	if err != nil {
		return nil, ErrInvalidMAC
	}
	return m, nil
}
