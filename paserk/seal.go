package paserk

import (
	"crypto/ecdh"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"

	"github.com/pasetokit/pasetokit/paseto"
	"golang.org/x/crypto/blake2b"
)

// Sizes of the parts of a sealed key t || epk || edk.
func sealTagSize(v paseto.Version) int {
	if v == paseto.V3 {
		return 48 // HMAC-SHA384
	}
	return 32 // BLAKE2b-256
}

func sealEPKSize(v paseto.Version) int {
	if v == paseto.V3 {
		return p384PublicLen // compressed P-384 point
	}
	return 32 // X25519 public key
}

func sealSize(v paseto.Version) int { return sealTagSize(v) + sealEPKSize(v) + localSize }

// sealKeys derives the encryption key Ek, the cipher nonce n and the
// authentication key Ak of the seal protocol (PASERK PKE) from the header
// h, the shared secret xk, the ephemeral public key epk and the
// recipient's public key pk (for v2 and v4, its X25519 form xpk).
//
//	v2, v4: Ek = BLAKE2b-256(0x01 || h || xk || epk || xpk)
//	        Ak = BLAKE2b-256(0x02 || h || xk || epk || xpk)
//	        n  = BLAKE2b-192(epk || xpk)
//	v3:     Ek || n = SHA-384(0x01 || h || xk || epk || pk)
//	        Ak      = SHA-384(0x02 || h || xk || epk || pk)
func sealKeys(v paseto.Version, h string, xk, epk, pk []byte) (ek, n, ak []byte) {
	if v == paseto.V3 {
		s := sha512.New384()
		for i, out := range []*[]byte{&ek, &ak} {
			s.Reset()
			s.Write([]byte{byte(i + 1)})
			s.Write([]byte(h))
			s.Write(xk)
			s.Write(epk)
			s.Write(pk)
			*out = s.Sum(nil)
		}
		return ek[:32], ek[32:], ak
	}
	for i, out := range []*[]byte{&ek, &ak} {
		s, _ := blake2b.New256(nil)
		s.Write([]byte{byte(i + 1)})
		s.Write([]byte(h))
		s.Write(xk)
		s.Write(epk)
		s.Write(pk)
		*out = s.Sum(nil)
	}
	s, _ := blake2b.New(24, nil) // cannot fail for this size and no key
	s.Write(epk)
	s.Write(pk)
	return ek, s.Sum(nil), ak
}

// p384Decompress turns a 49-byte compressed P-384 point into a crypto/ecdh
// public key, checking that it is on the curve.
func p384Decompress(b []byte) (*ecdh.PublicKey, bool) {
	if len(b) != p384PublicLen || (b[0] != 2 && b[0] != 3) {
		return nil, false
	}
	x, y := elliptic.UnmarshalCompressed(elliptic.P384(), b)
	if x == nil {
		return nil, false
	}
	raw := make([]byte, 97)
	raw[0] = 4
	x.FillBytes(raw[1:49])
	y.FillBytes(raw[49:])
	k, err := ecdh.P384().NewPublicKey(raw)
	if err != nil {
		return nil, false
	}
	return k, true
}

// p384Compress returns the 49-byte compressed form of a P-384 public key.
func p384Compress(k *ecdh.PublicKey) []byte {
	raw := k.Bytes() // 0x04 || X || Y
	out := make([]byte, p384PublicLen)
	out[0] = 2 | raw[96]&1
	copy(out[1:], raw[1:49])
	return out
}

// Seal encrypts the symmetric key k to the public key to and returns a
// "k<v>.seal." PASERK that only the holder of the matching secret key can
// open with Unseal. Both keys must be of the same version
// ([ErrWrongVersion]).
//
// For v2 and v4 the Ed25519 public key is converted to X25519 and an
// ephemeral X25519 key agreement is made. The key must be a canonical
// encoding of a point of the prime-order subgroup, as libsodium requires;
// otherwise the error matches paseto.ErrInvalidKey. For v3 an ephemeral
// P-384 ECDH key agreement is made.
func Seal(k *paseto.SymmetricKey, to *paseto.PublicKey) (string, error) {
	pdk, err := localBytes(k)
	if err != nil {
		return "", err
	}
	defer clear(pdk)
	pk, err := publicBytes(to)
	if err != nil {
		return "", fmt.Errorf("paserk: recipient key: %w", err)
	}
	v := k.Version()
	if to.Version() != v {
		return "", fmt.Errorf("%w: a %s key cannot be sealed to a %s public key", ErrWrongVersion, v, to.Version())
	}
	h := prefix(v, TypeSeal)

	var xk, epk []byte
	if v == paseto.V3 {
		pub, ok := p384Decompress(pk)
		if !ok {
			return "", fmt.Errorf("%w: recipient key is not a P-384 point", paseto.ErrInvalidKey)
		}
		esk, err := ecdh.P384().GenerateKey(rand.Reader)
		if err != nil {
			return "", fmt.Errorf("paserk: %w", err)
		}
		if xk, err = esk.ECDH(pub); err != nil {
			return "", fmt.Errorf("%w: key agreement failed", paseto.ErrInvalidKey)
		}
		epk = p384Compress(esk.PublicKey())
	} else {
		xpk, ok := ed25519PublicToX25519(pk)
		if !ok {
			return "", fmt.Errorf("%w: recipient key is not an Ed25519 point of prime order", paseto.ErrInvalidKey)
		}
		pub, err := ecdh.X25519().NewPublicKey(xpk)
		if err != nil {
			return "", fmt.Errorf("%w: recipient key", paseto.ErrInvalidKey)
		}
		esk, err := ecdh.X25519().GenerateKey(rand.Reader)
		if err != nil {
			return "", fmt.Errorf("paserk: %w", err)
		}
		if xk, err = esk.ECDH(pub); err != nil {
			return "", fmt.Errorf("%w: key agreement failed", paseto.ErrInvalidKey)
		}
		epk = esk.PublicKey().Bytes()
		pk = xpk
	}
	defer clear(xk)

	ek, n, ak := sealKeys(v, h, xk, epk, pk)
	defer clear(ek)
	defer clear(ak)
	ts := sealTagSize(v)
	out := make([]byte, sealSize(v))
	copy(out[ts:], epk)
	edk := out[ts+len(epk):]
	copy(edk, pdk)
	xorKeyStream(v, ek, n, edk)
	copy(out[:ts], macTag(v, ak, h, epk, edk))
	return h + b64.EncodeToString(out), nil
}

// Unseal opens a "k<v>.seal." PASERK with the secret key sk, whose version
// v the PASERK must have, and returns the symmetric key sealed in it.
// Errors: [ErrWrongVersion] (checked first, before any cryptography),
// [ErrWrongType], [ErrMalformed] (including an invalid or low-order ephemeral
// public key) and [ErrInvalidMAC] (sealed to another key, or tampered).
func Unseal(s string, sk *paseto.SecretKey) (*paseto.SymmetricKey, error) {
	skb, err := secretBytes(sk)
	if err != nil {
		return nil, err
	}
	defer clear(skb)
	v := sk.Version()
	data, err := expect(s, v, TypeSeal)
	if err != nil {
		return nil, err
	}
	raw, err := decodeData(data, sealSize(v))
	if err != nil {
		return nil, err
	}
	ts, es := sealTagSize(v), sealEPKSize(v)
	t, epk, edk := raw[:ts], raw[ts:ts+es], raw[ts+es:]
	h := prefix(v, TypeSeal)

	var xk, pk []byte
	if v == paseto.V3 {
		priv, err := ecdh.P384().NewPrivateKey(skb)
		if err != nil {
			return nil, fmt.Errorf("%w: not a P-384 scalar", paseto.ErrInvalidKey)
		}
		pub, ok := p384Decompress(epk)
		if !ok {
			return nil, fmt.Errorf("%w: ephemeral key is not a P-384 point", ErrMalformed)
		}
		if xk, err = priv.ECDH(pub); err != nil {
			return nil, fmt.Errorf("%w: key agreement failed", ErrMalformed)
		}
		pk = p384Compress(priv.PublicKey())
	} else {
		xsk := ed25519SeedToX25519(skb[:32])
		priv, err := ecdh.X25519().NewPrivateKey(xsk)
		clear(xsk)
		if err != nil {
			return nil, fmt.Errorf("%w: X25519 conversion failed", paseto.ErrInvalidKey)
		}
		pub, err := ecdh.X25519().NewPublicKey(epk)
		if err != nil {
			return nil, fmt.Errorf("%w: ephemeral key", ErrMalformed)
		}
		// ECDH fails for a low-order ephemeral key (all-zero shared secret).
		if xk, err = priv.ECDH(pub); err != nil {
			return nil, fmt.Errorf("%w: ephemeral key of low order", ErrMalformed)
		}
		pk = priv.PublicKey().Bytes()
	}
	defer clear(xk)

	ek, n, ak := sealKeys(v, h, xk, epk, pk)
	defer clear(ek)
	defer clear(ak)
	if subtle.ConstantTimeCompare(t, macTag(v, ak, h, epk, edk)) != 1 {
		return nil, ErrInvalidMAC
	}
	xorKeyStream(v, ek, n, edk)
	defer clear(edk)
	return newLocal(v, edk)
}
