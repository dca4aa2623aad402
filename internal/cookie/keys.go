package cookie

import (
	"errors"
	"strconv"

	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// NewRing makes the ring of a Config's keys: keys, k4.local PASERKs of
// which the first encrypts, or else the one key derived from secret for
// purpose with keyderive. Exactly one of keys and secret must be set. The
// tokens of each key carry footer(id), id being the key's PASERK id. Keys
// with the same id, whatever their text, or with the same footer are an
// error. Errors are
// [*FieldError] naming "Keys", "Keys[i]" or "Secret".
//
// A later live key source (keyring.Source) will make rings the same way,
// from the keys it hands out.
func NewRing(keys []keyring.Key, secret []byte, purpose string, footer func(id string) []byte) (*Ring, error) {
	switch {
	case len(keys) > 0 && secret != nil:
		return nil, fieldError("Secret", "set only one of Keys and Secret")
	case len(keys) == 0 && secret == nil:
		return nil, fieldError("Keys", "set Keys or Secret")
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
