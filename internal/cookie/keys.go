package cookie

import (
	"errors"
	"strconv"

	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// NewRing makes the ring of a Config's keys: keys, k4.local PASERKs of
// which the first encrypts; or src, a live source of v4.local keys; or
// else the one key derived from secret for purpose with keyderive.
// Exactly one of keys, src and secret must be set. The tokens of each key
// carry footer(id), id being the key's PASERK id. Keys with the same id,
// whatever their text, or with the same footer are an error (for a
// source, a key whose footer collides with another's is left out).
// Errors are [*FieldError] naming "Keys", "Keys[i]", "KeySource" or
// "Secret". The caller checks that src keeps its keys long enough
// (keyring.Source.CheckLifetime).
func NewRing(keys []keyring.Key, src keyring.Source, secret []byte, purpose string, footer func(id string) []byte) (*Ring, error) {
	n := 0
	for _, set := range []bool{len(keys) > 0, src != nil, secret != nil} {
		if set {
			n++
		}
	}
	switch {
	case n > 1 && src != nil:
		return nil, fieldError("KeySource", "set only one of Keys, KeySource and Secret")
	case n > 1:
		return nil, fieldError("Secret", "set only one of Keys and Secret")
	case n == 0:
		return nil, fieldError("Keys", "set Keys, KeySource or Secret")
	case src != nil:
		return newSourceRing(src, footer)
	case secret != nil:
		k, err := keyderive.SymmetricKey(secret, paseto.V4, purpose)
		if err != nil {
			return nil, &FieldError{Field: "Secret", Err: err}
		}
		return newRing([]*paseto.SymmetricKey{k}, footer)
	}
	parsed := make([]*paseto.SymmetricKey, len(keys))
	for i, k := range keys {
		field := "Keys[" + strconv.Itoa(i) + "]"
		if k.Issuer != "" {
			return nil, &FieldError{Field: field + ".Issuer", Err: errIssuer}
		}
		sk, err := k.ParseSymmetric()
		if err != nil {
			return nil, &FieldError{Field: field, Err: err}
		}
		parsed[i] = sk
	}
	return newRing(parsed, footer)
}

var errIssuer = errors.New("cookie keys are bound to no issuer")
