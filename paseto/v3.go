package paseto

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha512"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// v3Keys derives the AES-256-CTR key and IV and the HMAC-SHA384 key of
// v3.local from key and the 32-byte nonce n.
func v3Keys(key *SymmetricKey, n []byte) (ek, n2, ak []byte) {
	tmp, _ := hkdf.Key(sha512.New384, key.key[:], nil, "paseto-encryption-key"+string(n), 48)
	ak, _ = hkdf.Key(sha512.New384, key.key[:], nil, "paseto-auth-key-for-aead"+string(n), 48)
	return tmp[:32], tmp[32:], ak
}

func v3MAC(ak, n, c, footer, implicit, dst []byte) []byte {
	m := hmac.New(sha512.New384, ak)
	var le [8]byte
	paeWrite(m, &le, []byte("v3.local."), n, c, footer, implicit)
	return m.Sum(dst)
}

func v3Encrypt(key *SymmetricKey, nonce, payload, footer, implicit []byte) string {
	body := make([]byte, 32+len(payload), 32+len(payload)+48)
	copy(body, nonce[:32])
	ek, n2, ak := v3Keys(key, body[:32])
	block, _ := aes.NewCipher(ek)
	cipher.NewCTR(block, n2).XORKeyStream(body[32:], payload)
	body = v3MAC(ak, body[:32], body[32:], footer, implicit, body)
	return buildToken("v3.local.", body, footer)
}

func v3Decrypt(key *SymmetricKey, body, footer, implicit []byte) ([]byte, error) {
	if len(body) < 32+48 {
		return nil, fmt.Errorf("%w: body too short", ErrMalformed)
	}
	n, c, t := body[:32], body[32:len(body)-48], body[len(body)-48:]
	ek, n2, ak := v3Keys(key, n)
	var want [48]byte
	v3MAC(ak, n, c, footer, implicit, want[:0])
	if !hmac.Equal(want[:], t) {
		return nil, ErrInvalidMAC
	}
	block, _ := aes.NewCipher(ek)
	cipher.NewCTR(block, n2).XORKeyStream(c, c)
	return c, nil
}

// v3Digest is SHA-384 of PAE(pk, h, m, f, i).
func v3Digest(pk, m, footer, implicit []byte) []byte {
	h := sha512.New384()
	var le [8]byte
	paeWrite(h, &le, pk, []byte("v3.public."), m, footer, implicit)
	return h.Sum(nil)
}

func v3Sign(key *SecretKey, payload, footer, implicit []byte) (string, error) {
	digest := v3Digest(key.public.compressed, payload, footer, implicit)
	// A nil random source makes crypto/ecdsa sign deterministically (RFC 6979).
	der, err := key.ec.Sign(nil, digest, crypto.SHA384)
	if err != nil {
		return "", err
	}
	var r, s []byte
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) {
		return "", fmt.Errorf("paseto: unexpected ECDSA signature encoding")
	}
	body := make([]byte, len(payload)+96)
	copy(body, payload)
	if !putScalar(body[len(payload):len(payload)+48], r) || !putScalar(body[len(payload)+48:], s) {
		return "", fmt.Errorf("paseto: unexpected ECDSA signature encoding")
	}
	return buildToken("v3.public.", body, footer), nil
}

// putScalar writes the big-endian integer b (possibly with a leading zero
// from DER) right-aligned into dst.
func putScalar(dst, b []byte) bool {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if len(b) > len(dst) {
		return false
	}
	copy(dst[len(dst)-len(b):], b)
	return true
}

func v3Verify(key *PublicKey, body, footer, implicit []byte) ([]byte, error) {
	if len(body) < 96 {
		return nil, fmt.Errorf("%w: body too short", ErrMalformed)
	}
	m, sig := body[:len(body)-96], body[len(body)-96:]
	digest := v3Digest(key.compressed, m, footer, implicit)
	r := new(big.Int).SetBytes(sig[:48])
	s := new(big.Int).SetBytes(sig[48:])
	if !ecdsa.Verify(key.ec, digest, r, s) {
		return nil, ErrInvalidSignature
	}
	return m, nil
}
