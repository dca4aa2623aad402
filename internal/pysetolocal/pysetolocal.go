// Package pysetolocal opens, and only opens, the v4.local tokens that
// pyseto makes with a raw key of 1 to 64 bytes: Flask-PASETO-Extended's
// session cookies (key: the Flask SECRET_KEY) and remember-me cookies
// (key: REMEMBER_COOKIE_PASETO_KEY or the SECRET_KEY).
//
// PASETO v4.local keys are 32 bytes, and package paseto accepts nothing
// else. pyseto's V4Local accepts any key up to 64 bytes and uses it as the
// BLAKE2b key of the v4 key derivation unchanged (pyseto/versions/v4.py,
// V4Local.__init__ and encrypt/decrypt), so a Flask secret of 19 or 64
// bytes makes tokens that no conforming implementation opens. This
// package repeats the v4.local decryption with such a key, read-only, so
// that the non-standard key length stays inside the migration paths of
// packages session and remember and never reaches package paseto.
//
// Tokens without a footer and without an implicit assertion are the only
// ones Flask-PASETO-Extended makes; Open refuses a token with a footer.
package pysetolocal

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strings"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"

	"github.com/pasetokit/pasetokit/paseto"
)

// Errors of Open. They never hold key or token bytes.
var (
	// ErrKey: the key is empty or longer than 64 bytes.
	ErrKey = errors.New("pysetolocal: key must be 1 to 64 bytes")
	// ErrMalformed: not a footer-less v4.local token, or too long.
	ErrMalformed = errors.New("pysetolocal: malformed token")
	// ErrInvalidMAC: the tag does not verify under the key.
	ErrInvalidMAC = errors.New("pysetolocal: invalid authentication tag")
)

const header = "v4.local."

// Key is a pyseto v4.local key of 1 to 64 bytes. It never prints its
// bytes.
type Key struct{ b []byte }

// NewKey copies b into a Key. It fails with ErrKey for an empty key or one
// longer than 64 bytes (BLAKE2b's key limit, which pyseto enforces).
func NewKey(b []byte) (*Key, error) {
	if len(b) == 0 || len(b) > blake2b.Size {
		return nil, ErrKey
	}
	return &Key{b: append([]byte(nil), b...)}, nil
}

// String describes the key without its bytes.
func (k *Key) String() string { return "pysetolocal.Key(redacted)" }

// GoString is String.
func (k *Key) GoString() string { return k.String() }

// Open checks and decrypts a footer-less v4.local token of at most maxLen
// bytes made with k and no implicit assertion, and returns its payload.
// It never panics on any input.
func (k *Key) Open(token string, maxLen int) ([]byte, error) {
	if k == nil || len(k.b) == 0 {
		return nil, ErrKey
	}
	if len(token) > maxLen || !strings.HasPrefix(token, header) {
		return nil, ErrMalformed
	}
	rest := token[len(header):]
	if strings.IndexByte(rest, '.') >= 0 {
		return nil, ErrMalformed // a footer: not a token Flask-PASETO-Extended makes
	}
	body, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	if err != nil || len(body) < 64 {
		return nil, ErrMalformed
	}
	n, c, t := body[:32], body[32:len(body)-32], body[len(body)-32:]
	ek, n2, ak := k.derive(n)
	m, _ := blake2b.New256(ak)
	m.Write(paseto.PAE([]byte(header), n, c, nil, nil))
	if subtle.ConstantTimeCompare(m.Sum(nil), t) != 1 {
		return nil, ErrInvalidMAC
	}
	s, err := chacha20.NewUnauthenticatedCipher(ek, n2)
	if err != nil {
		return nil, ErrMalformed
	}
	out := make([]byte, len(c))
	s.XORKeyStream(out, c)
	return out, nil
}

// derive is the v4.local key derivation with the raw key as BLAKE2b key:
// Ek || n2 = BLAKE2b-448(key, "paseto-encryption-key" || n),
// Ak = BLAKE2b-256(key, "paseto-auth-key-for-aead" || n).
func (k *Key) derive(n []byte) (ek, n2, ak []byte) {
	h, _ := blake2b.New(56, k.b)
	h.Write([]byte("paseto-encryption-key"))
	h.Write(n)
	x := h.Sum(nil)
	a, _ := blake2b.New256(k.b)
	a.Write([]byte("paseto-auth-key-for-aead"))
	a.Write(n)
	return x[:32], x[32:], a.Sum(nil)
}
