// Package keyset reads and writes published key sets: the JSON document an
// issuer serves so that verifiers elsewhere can follow its key rotations.
//
// # For most users
//
// You need not call this package:
// [github.com/pasetokit/pasetokit/issuer.Issuer.KeySetHandler] serves the
// document and a [github.com/pasetokit/pasetokit/verifier.KeySet] fetches
// and checks it. Use [Marshal] and [Parse] to publish or read key sets by
// other means (a file, a configuration service).
//
// # Format
//
// A key set is a JSON object naming its issuer and listing public keys as
// PASERK strings with their PASERK ids:
//
//	{
//	  "issuer": "https://auth.example.com",
//	  "keys": [
//	    {"kid": "k4.pid.…", "key": "k4.public.…"}
//	  ]
//	}
//
// Only public keys are ever published. [Parse] checks every entry: the key
// must be a valid public PASERK, the kid must be that key's PASERK id (so a
// key set cannot attach a key to another key's id), kids are unique, and the
// document is bounded in size and key count before it is decoded.
package keyset

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pasetokit/pasetokit/internal/strictjson"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Limits on a key set document.
const (
	// MaxSize bounds a key set document in bytes (256 KiB).
	MaxSize = 256 << 10
	// MaxKeys bounds the number of keys in a key set.
	MaxKeys = 1000
)

// Errors returned by [Parse] and [Marshal]. They never quote the document.
var (
	// ErrMalformed: the document is not a JSON object of the key set form.
	ErrMalformed = errors.New("keyset: malformed key set")
	// ErrTooLarge: the document is over [MaxSize] bytes or [MaxKeys] keys.
	ErrTooLarge = errors.New("keyset: key set too large")
	// ErrInvalidKey: an entry is not a public PASERK, or its kid is not the
	// key's PASERK id, or a kid appears twice.
	ErrInvalidKey = errors.New("keyset: invalid key entry")
)

// Key is one published key.
type Key struct {
	// KeyID is the key's PASERK id (k4.pid.…).
	KeyID string
	// Key is the public key.
	Key *paseto.PublicKey
}

// Set is a parsed key set.
type Set struct {
	// Issuer is the issuer the keys belong to ("" when the document names
	// none).
	Issuer string
	// Keys are the published keys, in document order.
	Keys []Key
}

type document struct {
	Issuer string  `json:"issuer,omitempty"`
	Keys   []entry `json:"keys"`
}

type entry struct {
	KID string `json:"kid"`
	Key string `json:"key"`
}

// Marshal encodes the public keys of an issuer as a key set document.
func Marshal(issuer string, keys []*paseto.PublicKey) ([]byte, error) {
	if len(keys) > MaxKeys {
		return nil, ErrTooLarge
	}
	doc := document{Issuer: issuer, Keys: make([]entry, 0, len(keys))}
	for _, k := range keys {
		s, err := paserk.Encode(k)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		doc.Keys = append(doc.Keys, entry{KID: paserk.PublicID(k), Key: s})
	}
	return json.Marshal(doc)
}

// Parse decodes and checks a key set document. See the package
// documentation for what is checked.
func Parse(data []byte) (*Set, error) {
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	// Each entry has two keys; allow the two top-level keys on top.
	if err := strictjson.ValidateObject(data, strictjson.Limits{MaxDepth: 3, MaxKeys: 2*MaxKeys + 2}); err != nil {
		if errors.Is(err, strictjson.ErrTooManyKeys) {
			return nil, ErrTooLarge
		}
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	var doc document
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%w: wrong field types", ErrMalformed)
	}
	if doc.Keys == nil {
		return nil, fmt.Errorf("%w: no keys field", ErrMalformed)
	}
	if len(doc.Keys) > MaxKeys {
		return nil, ErrTooLarge
	}
	set := &Set{Issuer: doc.Issuer, Keys: make([]Key, 0, len(doc.Keys))}
	seen := make(map[string]bool, len(doc.Keys))
	for i, e := range doc.Keys {
		_, typ, err := paserk.TypeOf(e.Key)
		if err != nil || typ != paserk.TypePublic {
			return nil, fmt.Errorf("%w: entry %d is not a public PASERK", ErrInvalidKey, i)
		}
		k, err := paserk.Parse(e.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: entry %d: %w", ErrInvalidKey, i, err)
		}
		pk := k.(*paseto.PublicKey)
		if paserk.PublicID(pk) != e.KID {
			return nil, fmt.Errorf("%w: entry %d: kid is not the key's PASERK id", ErrInvalidKey, i)
		}
		if seen[e.KID] {
			return nil, fmt.Errorf("%w: entry %d: duplicate kid", ErrInvalidKey, i)
		}
		seen[e.KID] = true
		set.Keys = append(set.Keys, Key{KeyID: e.KID, Key: pk})
	}
	return set, nil
}
