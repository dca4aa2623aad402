package paseto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// maxPEMLength bounds PEM input; real keys of the supported types are well
// under 1 KiB.
const maxPEMLength = 16 << 10

// decodeOnePEM returns the single PEM block in data. Anything other than
// white space around the block is rejected, so a file cannot smuggle a second
// key.
func decodeOnePEM(data []byte) (*pem.Block, error) {
	if len(data) > maxPEMLength {
		return nil, fmt.Errorf("%w: PEM input too long", ErrInvalidKey)
	}
	// pem.Decode skips any text before a block, and broken blocks too:
	// insist on exactly one block and nothing but white space around it.
	if t := bytes.TrimSpace(data); !bytes.HasPrefix(t, []byte("-----BEGIN ")) || bytes.Count(t, []byte("-----BEGIN")) != 1 {
		return nil, fmt.Errorf("%w: want exactly one PEM block and nothing around it", ErrInvalidKey)
	}
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidKey)
	}
	if len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%w: data after the PEM block", ErrInvalidKey)
	}
	if len(block.Headers) != 0 {
		return nil, fmt.Errorf("%w: PEM headers are not supported (encrypted PEM?)", ErrInvalidKey)
	}
	return block, nil
}

// parsePEM decodes the single PEM block in data into a standard library key:
// ed25519.PrivateKey, *ecdsa.PrivateKey, ed25519.PublicKey or
// *ecdsa.PublicKey.
func parsePEM(data []byte) (any, error) {
	block, err := decodeOnePEM(data)
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM type %q is not PRIVATE KEY, EC PRIVATE KEY or PUBLIC KEY", ErrInvalidKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: unparsable %s", ErrInvalidKey, strings.ToLower(block.Type))
	}
	return key, nil
}

// fromStdKey turns a parsed PEM key into a key of version v.
func fromStdKey(v Version, key any) (Key, error) {
	switch k := key.(type) {
	case ed25519.PrivateKey:
		if v != V2 && v != V4 {
			return nil, fmt.Errorf("%w: an Ed25519 key is for v2 or v4, not %s", ErrInvalidKey, v)
		}
		return newEd25519SecretKey(v, append(ed25519.PrivateKey(nil), k...)), nil
	case ed25519.PublicKey:
		if v != V2 && v != V4 {
			return nil, fmt.Errorf("%w: an Ed25519 key is for v2 or v4, not %s", ErrInvalidKey, v)
		}
		return NewPublicKey(v, k)
	case *ecdsa.PrivateKey:
		if v != V3 || k.Curve != elliptic.P384() {
			return nil, fmt.Errorf("%w: an ECDSA key is for v3 on P-384 only", ErrInvalidKey)
		}
		return newECDSASecretKey(k)
	case *ecdsa.PublicKey:
		if v != V3 || k.Curve != elliptic.P384() {
			return nil, fmt.Errorf("%w: an ECDSA key is for v3 on P-384 only", ErrInvalidKey)
		}
		return newECDSAPublicKey(k)
	}
	return nil, fmt.Errorf("%w: unsupported key algorithm (want Ed25519 or ECDSA P-384)", ErrInvalidKey)
}

// ParseSecretKeyPEM reads a signing key for version v from PEM: a PKCS#8
// "PRIVATE KEY" holding an Ed25519 key (v2, v4) or a P-384 ECDSA key (v3), or
// a SEC1 "EC PRIVATE KEY" on P-384 (v3). The version is not in the PEM for
// Ed25519, so the caller names it; a key of another type than v requires is
// an error. The input must hold exactly one PEM block.
func ParseSecretKeyPEM(v Version, data []byte) (*SecretKey, error) {
	k, err := ParseKeyPEM(v, data)
	if err != nil {
		return nil, err
	}
	sk, ok := k.(*SecretKey)
	if !ok || sk.version != v {
		return nil, fmt.Errorf("%w: PEM does not hold a %s secret key", ErrInvalidKey, v)
	}
	return sk, nil
}

// ParsePublicKeyPEM reads a verifying key for version v from a PKIX "PUBLIC
// KEY" PEM block: Ed25519 for v2 and v4, P-384 ECDSA for v3. The point of a
// P-384 key is validated.
func ParsePublicKeyPEM(v Version, data []byte) (*PublicKey, error) {
	k, err := ParseKeyPEM(v, data)
	if err != nil {
		return nil, err
	}
	pk, ok := k.(*PublicKey)
	if !ok || pk.version != v {
		return nil, fmt.Errorf("%w: PEM does not hold a %s public key", ErrInvalidKey, v)
	}
	return pk, nil
}

// ParseKeyPEM reads a secret or public key from one PEM block when the caller
// does not know which it is: it returns a [*SecretKey] or a [*PublicKey]. Like
// [ParseSecretKeyPEM] and [ParsePublicKeyPEM] it takes the version first.
// A P-384 key is always v3, whatever v says; an Ed25519 key, which PEM does
// not tie to a version, gets v ([V2] or [V4]; anything else is an error for
// Ed25519 keys).
func ParseKeyPEM(v Version, data []byte) (Key, error) {
	key, err := parsePEM(data)
	if err != nil {
		return nil, err
	}
	switch key.(type) {
	case *ecdsa.PrivateKey, *ecdsa.PublicKey:
		v = V3
	}
	return fromStdKey(v, key)
}

// MarshalPEM encodes the key as a PKCS#8 "PRIVATE KEY" PEM block.
func (k *SecretKey) MarshalPEM() ([]byte, error) {
	var key any = k.ed
	if k.ec != nil {
		key = k.ec
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot encode key", ErrInvalidKey)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPEM encodes the key as a PKIX "PUBLIC KEY" PEM block.
func (k *PublicKey) MarshalPEM() ([]byte, error) {
	var key any = k.ed
	if k.ec != nil {
		key = k.ec
	}
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: cannot encode key", ErrInvalidKey)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}
