// Package keyload turns a key as configured (a PASERK string, or PEM text
// with a version) into a typed paseto key. The issuer and verifier packages
// share it so that both accept exactly the same key forms and fail at
// construction, never at the first request.
package keyload

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// ErrNoKey: the entry has neither a PASERK nor a PEM key.
var ErrNoKey = errors.New("no key given: set PASERK or PEM")

// ErrBothForms: the entry has both a PASERK and a PEM key.
var ErrBothForms = errors.New("both PASERK and PEM given: set one")

// Load parses one configured key. pasrk is a plaintext local, public or
// secret PASERK; pem is a PEM key, for which version picks v2 or v4 for
// Ed25519 (zero means V4) and must be V3 or zero for P-384. A non-zero
// version given with a PASERK must match it. Errors never include key text.
func Load(pasrk string, pem []byte, version paseto.Version) (paseto.Key, error) {
	pasrk = strings.TrimSpace(pasrk)
	switch {
	case pasrk == "" && len(pem) == 0:
		return nil, ErrNoKey
	case pasrk != "" && len(pem) != 0:
		return nil, ErrBothForms
	}
	var (
		k   paseto.Key
		err error
	)
	if pasrk != "" {
		k, err = paserk.Parse(pasrk)
		if err != nil {
			return nil, fmt.Errorf("PASERK: %w", err)
		}
	} else {
		ed := version
		if ed == 0 {
			ed = paseto.V4
		}
		k, err = paseto.ParseKeyPEM(pem, ed)
		if err != nil {
			return nil, fmt.Errorf("PEM: %w", err)
		}
	}
	if version != 0 && k.Version() != version {
		return nil, fmt.Errorf("%w: the key is %s but the entry says %s", paseto.ErrWrongKey, k.Version(), version)
	}
	return k, nil
}
