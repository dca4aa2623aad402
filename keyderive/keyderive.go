// Package keyderive derives independent PASETO keys from one application
// secret, with domain separation: the key for session cookies, the key for
// remember-me cookies and the key for API tokens are different bytes even
// when they come from the same secret, so a token of one kind can never be
// replayed as another.
//
// # For most users
//
// Keep one high-entropy secret (at least 32 random bytes, e.g. from
// `openssl rand -base64 48`) in your secret store and derive every local key
// from it with a purpose string that names its use:
//
//	sessionKey, err := keyderive.SymmetricKey(secret, paseto.V4, "session")
//	if err != nil {
//		log.Fatal(err) // a secret under 32 bytes
//	}
//	rememberKey, err := keyderive.SymmetricKey(secret, paseto.V4, "remember-me")
//	if err != nil {
//		log.Fatal(err)
//	}
//
// Rotating the secret rotates every derived key. Derivation is HKDF-SHA512
// (RFC 5869) with the fixed salt "pasetokit keyderive v1" and the info
// "<version>.local|<purpose>", so the same secret and purpose always give the
// same key, and different versions or purposes never do.
package keyderive

import (
	"crypto/hkdf"
	"crypto/sha512"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/paseto"
)

// MinSecretLength is the shortest secret accepted, in bytes.
const MinSecretLength = 32

// Errors returned by [SymmetricKey].
var (
	// ErrWeakSecret: the secret is shorter than [MinSecretLength].
	ErrWeakSecret = errors.New("keyderive: secret shorter than 32 bytes")
	// ErrBadPurpose: the purpose is empty, not UTF-8, or contains '|'.
	ErrBadPurpose = errors.New("keyderive: purpose must be non-empty UTF-8 without '|'")
)

var salt = []byte("pasetokit keyderive v1")

// SymmetricKey derives the local key of version v for purpose from secret.
// The same inputs always give the same key; any other version or purpose
// gives an unrelated one.
func SymmetricKey(secret []byte, v paseto.Version, purpose string) (*paseto.SymmetricKey, error) {
	if len(secret) < MinSecretLength {
		return nil, ErrWeakSecret
	}
	if purpose == "" || !utf8.ValidString(purpose) || strings.ContainsRune(purpose, '|') {
		return nil, ErrBadPurpose
	}
	if v != paseto.V2 && v != paseto.V3 && v != paseto.V4 {
		return nil, fmt.Errorf("%w: unsupported version %s", paseto.ErrInvalidKey, v)
	}
	raw, err := hkdf.Key(sha512.New, secret, salt, v.String()+".local|"+purpose, paseto.SymmetricKeySize)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	return paseto.NewSymmetricKey(v, raw)
}
