package paserk

import (
	"fmt"

	"github.com/pasetokit/pasetokit/paseto"
)

// Raw key sizes by version.
const (
	localSize     = 32 // every version
	edPublicSize  = 32 // v2, v4: Ed25519 public key
	edSecretSize  = 64 // v2, v4: Ed25519 seed || public key
	p384PublicLen = 49 // v3: compressed P-384 point
	p384SecretLen = 48 // v3: P-384 scalar
)

func publicSize(v paseto.Version) int {
	if v == paseto.V3 {
		return p384PublicLen
	}
	return edPublicSize
}

func secretSize(v paseto.Version) int {
	if v == paseto.V3 {
		return p384SecretLen
	}
	return edSecretSize
}

// localBytes returns the raw bytes of a usable symmetric key.
func localBytes(k *paseto.SymmetricKey) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("%w: nil key", paseto.ErrInvalidKey)
	}
	if err := versionOK(k.Version()); err != nil {
		return nil, err
	}
	b := k.Bytes()
	if len(b) != localSize {
		return nil, fmt.Errorf("%w: not a usable key", paseto.ErrInvalidKey)
	}
	return b, nil
}

// publicBytes returns the raw bytes of a usable public key.
func publicBytes(k *paseto.PublicKey) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("%w: nil key", paseto.ErrInvalidKey)
	}
	if err := versionOK(k.Version()); err != nil {
		return nil, err
	}
	b := k.Bytes()
	if len(b) != publicSize(k.Version()) {
		return nil, fmt.Errorf("%w: not a usable key", paseto.ErrInvalidKey)
	}
	return b, nil
}

// secretBytes returns the raw bytes of a usable secret key.
func secretBytes(k *paseto.SecretKey) ([]byte, error) {
	if k == nil {
		return nil, fmt.Errorf("%w: nil key", paseto.ErrInvalidKey)
	}
	if err := versionOK(k.Version()); err != nil {
		return nil, err
	}
	b := k.Bytes()
	if len(b) != secretSize(k.Version()) {
		clear(b)
		return nil, fmt.Errorf("%w: not a usable key", paseto.ErrInvalidKey)
	}
	return b, nil
}

// encode returns prefix(v, typ) followed by the base64url of data.
func encode(v paseto.Version, typ string, data []byte) string {
	h := prefix(v, typ)
	out := make([]byte, len(h)+b64.EncodedLen(len(data)))
	copy(out, h)
	b64.Encode(out[len(h):], data)
	return string(out)
}

// Encode serializes a key as a plaintext PASERK: "k<v>.local." for a
// *paseto.SymmetricKey, "k<v>.public." for a *paseto.PublicKey and
// "k<v>.secret." for a *paseto.SecretKey, where <v> is the key's version.
// The data is the raw key: 32 bytes for local keys; for v2 and v4 the
// 32-byte Ed25519 public key or 64-byte seed and public key; for v3 the
// 49-byte compressed P-384 point or 48-byte scalar.
//
// The local and secret forms are secrets: store them like the key itself,
// or use a wrapping function instead. The error, which matches
// paseto.ErrInvalidKey, is only for a nil or zero-value key.
func Encode(k paseto.Key) (string, error) {
	switch k := k.(type) {
	case *paseto.SymmetricKey:
		b, err := localBytes(k)
		if err != nil {
			return "", err
		}
		defer clear(b)
		return encode(k.Version(), TypeLocal, b), nil
	case *paseto.PublicKey:
		b, err := publicBytes(k)
		if err != nil {
			return "", err
		}
		return encode(k.Version(), TypePublic, b), nil
	case *paseto.SecretKey:
		b, err := secretBytes(k)
		if err != nil {
			return "", err
		}
		defer clear(b)
		return encode(k.Version(), TypeSecret, b), nil
	}
	return "", fmt.Errorf("%w: not a PASETO key", paseto.ErrInvalidKey)
}

// Parse reads a plaintext PASERK of type local, public or secret, of any
// supported version, and returns a *paseto.SymmetricKey, *paseto.PublicKey
// or *paseto.SecretKey bound to the PASERK's version. Use [ParseLocal],
// [ParsePublic] or [ParseSecret] when you know the version and type you need;
// Parse is for tools that accept any key.
//
// Errors: [ErrMalformed], [ErrUnsupported] (k1, unknown version or type),
// [ErrWrongType] (an [ID] or a wrapped key), and paseto.ErrInvalidKey when the
// bytes are not a valid key (a v3 point off the curve, a v2/v4 secret key
// whose public half does not match its seed).
func Parse(s string) (paseto.Key, error) {
	h, err := splitHeader(s)
	if h.typ != "" && !supported(h.version) {
		return nil, fmt.Errorf("%w: version k%d", ErrUnsupported, h.version)
	}
	if err != nil {
		return nil, err
	}
	v := paseto.Version(h.version)
	switch h.typ {
	case TypeLocal:
		return parseLocal(v, h.data)
	case TypePublic:
		return parsePublic(v, h.data)
	case TypeSecret:
		return parseSecret(v, h.data)
	}
	return nil, fmt.Errorf("%w: %s is not a plaintext key; see the package documentation", ErrWrongType, h.typ)
}

// checkVersion rejects a version argument this package does not implement.
func checkVersion(v paseto.Version) error {
	if !supported(int(v)) {
		return fmt.Errorf("%w: version %d", ErrUnsupported, int(v))
	}
	return nil
}

// ParseLocal reads a "k<v>.local." PASERK, where v must be the version
// given, and returns the symmetric key. A PASERK of another version is
// [ErrWrongVersion]; of another type, [ErrWrongType]. Other errors are
// [ErrMalformed] and [ErrUnsupported] (v is not V2, V3 or V4).
func ParseLocal(v paseto.Version, s string) (*paseto.SymmetricKey, error) {
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	data, err := expect(s, v, TypeLocal)
	if err != nil {
		return nil, err
	}
	return parseLocal(v, data)
}

// ParsePublic reads a "k<v>.public." PASERK, where v must be the version
// given, and returns the public key. For v3 the compressed point is checked
// to be on P-384; for v2 and v4 any 32 bytes are accepted, as by
// paseto.NewPublicKey. Errors are as for [ParseLocal], plus
// paseto.ErrInvalidKey for an invalid v3 point.
func ParsePublic(v paseto.Version, s string) (*paseto.PublicKey, error) {
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	data, err := expect(s, v, TypePublic)
	if err != nil {
		return nil, err
	}
	return parsePublic(v, data)
}

// ParseSecret reads a "k<v>.secret." PASERK, where v must be the version
// given, and returns the secret key. For v2 and v4 the public half of the
// 64 bytes must match the seed; for v3 the scalar must be a valid P-384
// private key. Errors are as for [ParseLocal], plus paseto.ErrInvalidKey for
// invalid key bytes.
func ParseSecret(v paseto.Version, s string) (*paseto.SecretKey, error) {
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	data, err := expect(s, v, TypeSecret)
	if err != nil {
		return nil, err
	}
	return parseSecret(v, data)
}

func parseLocal(v paseto.Version, data string) (*paseto.SymmetricKey, error) {
	b, err := decodeData(data, localSize)
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return newLocal(v, b)
}

func parsePublic(v paseto.Version, data string) (*paseto.PublicKey, error) {
	b, err := decodeData(data, publicSize(v))
	if err != nil {
		return nil, err
	}
	k, err := paseto.NewPublicKey(v, b)
	if err != nil {
		return nil, fmt.Errorf("paserk: %w", err)
	}
	return k, nil
}

func parseSecret(v paseto.Version, data string) (*paseto.SecretKey, error) {
	b, err := decodeData(data, secretSize(v))
	if err != nil {
		return nil, err
	}
	defer clear(b)
	return newSecret(v, b)
}

// newLocal and newSecret wrap the paseto constructors' errors.
func newLocal(v paseto.Version, b []byte) (*paseto.SymmetricKey, error) {
	k, err := paseto.NewSymmetricKey(v, b)
	if err != nil {
		return nil, fmt.Errorf("paserk: %w", err)
	}
	return k, nil
}

func newSecret(v paseto.Version, b []byte) (*paseto.SecretKey, error) {
	k, err := paseto.NewSecretKey(v, b)
	if err != nil {
		return nil, fmt.Errorf("paserk: %w", err)
	}
	return k, nil
}
