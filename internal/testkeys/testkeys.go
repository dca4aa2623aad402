// Package testkeys turns keys made in a test into the [keyring.Key] entries
// of a Config, for the tests of this module.
package testkeys

import (
	"testing"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Ring returns keys as PASERK entries, in order. It fails t on a key that
// has no PASERK.
func Ring(t testing.TB, keys ...paseto.Key) []keyring.Key {
	t.Helper()
	out := make([]keyring.Key, len(keys))
	for i, k := range keys {
		p, err := paserk.Encode(k)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = keyring.Key{PASERK: p}
	}
	return out
}
