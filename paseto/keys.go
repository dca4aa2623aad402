package paseto

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"fmt"
	"log/slog"

	voied "github.com/oasisprotocol/curve25519-voi/primitives/ed25519"
)

// Key is implemented by [*SymmetricKey], [*SecretKey] and [*PublicKey]. Every key
// is bound to exactly one version and purpose; it cannot be used for another.
type Key interface {
	// Version is the protocol version the key belongs to.
	Version() Version
	// Purpose is Local for a [SymmetricKey] and Public for the two others.
	Purpose() Purpose
	isKey()
}

// SymmetricKey is a 32-byte key for local (encrypted) tokens of one version.
// Create it with [GenerateSymmetricKey] or [NewSymmetricKey]; the zero value is
// not a usable key. It never prints its bytes.
type SymmetricKey struct {
	version Version
	key     [32]byte
}

// SymmetricKeySize is the size in bytes of every [SymmetricKey].
const SymmetricKeySize = 32

// GenerateSymmetricKey returns a new random key for local tokens of version v.
func GenerateSymmetricKey(v Version) (*SymmetricKey, error) {
	if !v.valid() {
		return nil, fmt.Errorf("%w: unsupported version %s", ErrInvalidKey, v)
	}
	k := &SymmetricKey{version: v}
	rand.Read(k.key[:])
	return k, nil
}

// NewSymmetricKey returns a key for local tokens of version v from 32 raw
// bytes. It copies key.
func NewSymmetricKey(v Version, key []byte) (*SymmetricKey, error) {
	if !v.valid() {
		return nil, fmt.Errorf("%w: unsupported version %s", ErrInvalidKey, v)
	}
	if len(key) != SymmetricKeySize {
		return nil, fmt.Errorf("%w: a %s.local key is 32 bytes, got %d", ErrInvalidKey, v, len(key))
	}
	k := &SymmetricKey{version: v}
	copy(k.key[:], key)
	return k, nil
}

// Version returns the version the key is bound to.
func (k *SymmetricKey) Version() Version { return k.version }

// Purpose returns Local.
func (k *SymmetricKey) Purpose() Purpose { return Local }

func (k *SymmetricKey) isKey() {}

// Bytes returns a copy of the 32 raw key bytes.
func (k *SymmetricKey) Bytes() []byte { b := k.key; return b[:] }

// Equal reports in constant time whether k and o are the same key of the same
// version.
func (k *SymmetricKey) Equal(o *SymmetricKey) bool {
	if k == nil || o == nil {
		return k == o
	}
	return subtle.ConstantTimeCompare(k.key[:], o.key[:])&subtle.ConstantTimeEq(int32(k.version), int32(o.version)) == 1
}

// String describes the key without its bytes.
func (k *SymmetricKey) String() string { return describe("SymmetricKey", k) }

// GoString describes the key without its bytes.
func (k *SymmetricKey) GoString() string { return k.String() }

// Format prints the key's description for every verb, never its bytes.
func (k *SymmetricKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue keeps the key's bytes out of slog output.
func (k *SymmetricKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// SecretKey signs public tokens of one version: Ed25519 for v2 and v4, ECDSA
// P-384 for v3. Create it with [GenerateSecretKey], [NewSecretKey] or
// [ParseSecretKeyPEM]. It never prints its bytes.
type SecretKey struct {
	version Version
	ed      ed25519.PrivateKey // v2, v4
	ec      *ecdsa.PrivateKey  // v3
	public  *PublicKey
}

// GenerateSecretKey returns a new random signing key for version v.
func GenerateSecretKey(v Version) (*SecretKey, error) {
	switch v {
	case V2, V4:
		_, priv, err := ed25519.GenerateKey(nil)
		if err != nil {
			return nil, err
		}
		return newEd25519SecretKey(v, priv), nil
	case V3:
		priv, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return newECDSASecretKey(priv)
	}
	return nil, fmt.Errorf("%w: unsupported version %s", ErrInvalidKey, v)
}

// NewSecretKey returns a signing key for version v from raw bytes: for v2 and
// v4 the 64-byte Ed25519 private key (seed followed by public key, whose
// public half must match the seed), for v3 the 48-byte big-endian P-384
// scalar. It copies key.
func NewSecretKey(v Version, key []byte) (*SecretKey, error) {
	switch v {
	case V2, V4:
		if len(key) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: a %s secret key is 64 bytes, got %d", ErrInvalidKey, v, len(key))
		}
		priv := ed25519.NewKeyFromSeed(key[:ed25519.SeedSize])
		if subtle.ConstantTimeCompare(priv[ed25519.SeedSize:], key[ed25519.SeedSize:]) != 1 {
			return nil, fmt.Errorf("%w: public half does not match the seed", ErrInvalidKey)
		}
		return newEd25519SecretKey(v, priv), nil
	case V3:
		if len(key) != 48 {
			return nil, fmt.Errorf("%w: a v3 secret key is 48 bytes, got %d", ErrInvalidKey, len(key))
		}
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P384(), key)
		if err != nil {
			return nil, fmt.Errorf("%w: not a P-384 scalar", ErrInvalidKey)
		}
		return newECDSASecretKey(priv)
	}
	return nil, fmt.Errorf("%w: unsupported version %s", ErrInvalidKey, v)
}

// NewSecretKeyFromSeed returns a v2 or v4 signing key from a 32-byte Ed25519
// seed (RFC 8032 private key). It copies seed.
func NewSecretKeyFromSeed(v Version, seed []byte) (*SecretKey, error) {
	if v != V2 && v != V4 {
		return nil, fmt.Errorf("%w: seeds are for Ed25519 keys (v2, v4), not %s", ErrInvalidKey, v)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%w: an Ed25519 seed is 32 bytes, got %d", ErrInvalidKey, len(seed))
	}
	return newEd25519SecretKey(v, ed25519.NewKeyFromSeed(seed)), nil
}

// newEd25519SecretKey takes ownership of priv.
func newEd25519SecretKey(v Version, priv ed25519.PrivateKey) *SecretKey {
	pub := make(ed25519.PublicKey, ed25519.PublicKeySize)
	copy(pub, priv[ed25519.SeedSize:])
	return &SecretKey{version: v, ed: priv, public: &PublicKey{version: v, ed: pub, edTable: expandEd25519(pub)}}
}

// newECDSASecretKey takes ownership of priv, which must be on P-384.
func newECDSASecretKey(priv *ecdsa.PrivateKey) (*SecretKey, error) {
	if priv.Curve != elliptic.P384() {
		return nil, fmt.Errorf("%w: v3 keys are on P-384", ErrInvalidKey)
	}
	pub, err := newECDSAPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, err
	}
	return &SecretKey{version: V3, ec: priv, public: pub}, nil
}

// Version returns the version the key is bound to.
func (k *SecretKey) Version() Version { return k.version }

// Purpose returns Public.
func (k *SecretKey) Purpose() Purpose { return Public }

func (k *SecretKey) isKey() {}

// Public returns the public key that verifies this key's signatures.
func (k *SecretKey) Public() *PublicKey { return k.public }

// Bytes returns a copy of the raw key: 64 bytes (seed and public key) for v2
// and v4, the 48-byte scalar for v3.
func (k *SecretKey) Bytes() []byte {
	if k.ec != nil {
		b, err := k.ec.Bytes()
		if err != nil { // cannot happen for a key this package validated
			return nil
		}
		return b
	}
	return append([]byte(nil), k.ed...)
}

// Seed returns a copy of the 32-byte Ed25519 seed of a v2 or v4 key, and nil
// for v3.
func (k *SecretKey) Seed() []byte {
	if k.ed == nil {
		return nil
	}
	return append([]byte(nil), k.ed.Seed()...)
}

// Equal reports in constant time whether k and o are the same key of the same
// version.
func (k *SecretKey) Equal(o *SecretKey) bool {
	if k == nil || o == nil {
		return k == o
	}
	return k.version == o.version && subtle.ConstantTimeCompare(k.Bytes(), o.Bytes()) == 1
}

// String describes the key without its bytes.
func (k *SecretKey) String() string { return describe("SecretKey", k) }

// GoString describes the key without its bytes.
func (k *SecretKey) GoString() string { return k.String() }

// Format prints the key's description for every verb, never its bytes.
func (k *SecretKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue keeps the key's bytes out of slog output.
func (k *SecretKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// PublicKey verifies public tokens of one version: Ed25519 for v2 and v4,
// ECDSA P-384 for v3. Its String and Format print a short fingerprint, not
// the key.
//
// A v2 or v4 [PublicKey] precomputes, when it is made, a table of its point
// (about 1.6 KiB, a few microseconds once) that makes every verification
// with it about twice as fast as crypto/ed25519.Verify, with exactly the
// standard library's answer on every input: make a key once and reuse it.
type PublicKey struct {
	version    Version
	ed         ed25519.PublicKey        // v2, v4
	edTable    *voied.ExpandedPublicKey // v2, v4: see ed25519_table.go; nil if ed is not a point
	ec         *ecdsa.PublicKey         // v3
	compressed []byte                   // v3: the 49-byte SEC1 compressed point
}

// NewPublicKey returns a verifying key for version v from raw bytes: the
// 32-byte Ed25519 public key for v2 and v4, the 49-byte SEC1 compressed
// P-384 point for v3 (validated to lie on the curve). It copies key.
func NewPublicKey(v Version, key []byte) (*PublicKey, error) {
	switch v {
	case V2, V4:
		if len(key) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: a %s public key is 32 bytes, got %d", ErrInvalidKey, v, len(key))
		}
		pub := append(ed25519.PublicKey(nil), key...)
		return &PublicKey{version: v, ed: pub, edTable: expandEd25519(pub)}, nil
	case V3:
		if len(key) != 49 || (key[0] != 2 && key[0] != 3) {
			return nil, fmt.Errorf("%w: a v3 public key is a 49-byte compressed P-384 point", ErrInvalidKey)
		}
		x, y := elliptic.UnmarshalCompressed(elliptic.P384(), key)
		if x == nil {
			return nil, fmt.Errorf("%w: not a P-384 point", ErrInvalidKey)
		}
		raw := make([]byte, 97)
		raw[0] = 4
		x.FillBytes(raw[1:49])
		y.FillBytes(raw[49:])
		pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P384(), raw)
		if err != nil {
			return nil, fmt.Errorf("%w: not a P-384 point", ErrInvalidKey)
		}
		return newECDSAPublicKey(pub)
	}
	return nil, fmt.Errorf("%w: unsupported version %s", ErrInvalidKey, v)
}

// newECDSAPublicKey validates pub and caches its compressed form.
func newECDSAPublicKey(pub *ecdsa.PublicKey) (*PublicKey, error) {
	if pub.Curve != elliptic.P384() {
		return nil, fmt.Errorf("%w: v3 keys are on P-384", ErrInvalidKey)
	}
	raw, err := pub.Bytes() // fails for the point at infinity or an invalid point
	if err != nil || len(raw) != 97 {
		return nil, fmt.Errorf("%w: not a P-384 point", ErrInvalidKey)
	}
	c := make([]byte, 49)
	c[0] = 2 | raw[96]&1
	copy(c[1:], raw[1:49])
	return &PublicKey{version: V3, ec: pub, compressed: c}, nil
}

// Version returns the version the key is bound to.
func (k *PublicKey) Version() Version { return k.version }

// Purpose returns Public.
func (k *PublicKey) Purpose() Purpose { return Public }

func (k *PublicKey) isKey() {}

// Bytes returns a copy of the raw key: 32 bytes for v2 and v4, the 49-byte
// compressed point for v3.
func (k *PublicKey) Bytes() []byte {
	if k.ec != nil {
		return append([]byte(nil), k.compressed...)
	}
	return append([]byte(nil), k.ed...)
}

// Equal reports whether k and o are the same key of the same version.
func (k *PublicKey) Equal(o *PublicKey) bool {
	if k == nil || o == nil {
		return k == o
	}
	return k.version == o.version && subtle.ConstantTimeCompare(k.Bytes(), o.Bytes()) == 1
}

// String describes the key with a short fingerprint of its bytes.
func (k *PublicKey) String() string { return describe("PublicKey", k) }

// GoString describes the key like String.
func (k *PublicKey) GoString() string { return k.String() }

// Format prints the key's description for every verb.
func (k *PublicKey) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue logs the key's description.
func (k *PublicKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// describe names a key's type, version and purpose. Public keys get a short
// fingerprint so logs can tell them apart; secret keys get nothing.
func describe(kind string, k Key) string {
	switch x := k.(type) {
	case *SymmetricKey:
		if x == nil {
			return "paseto." + kind + "(nil)"
		}
	case *SecretKey:
		if x == nil {
			return "paseto." + kind + "(nil)"
		}
	case *PublicKey:
		if x == nil {
			return "paseto." + kind + "(nil)"
		}
		sum := sha512.Sum384(x.Bytes())
		return fmt.Sprintf("paseto.%s(%s.public, sha384:%x)", kind, x.version, sum[:6])
	}
	return fmt.Sprintf("paseto.%s(%s.%s, redacted)", kind, k.Version(), k.Purpose())
}
