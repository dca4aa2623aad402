package verifier

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/pasetokit/pasetokit/paseto"
)

// checkKeyID checks Key.KeyID, the extra id under which a configured key's
// tokens may arrive: "" (none), or a PASERK id ("k<v>.lid.", ".pid." or
// ".sid." and 33 bytes of base64url) of the key's own version that is not
// the key's id already.
func checkKeyID(id, kid string, key paseto.Key) error {
	if id == "" {
		return nil
	}
	v := key.Version()
	prefix := fmt.Sprintf("k%d.", v)
	rest, ok := strings.CutPrefix(id, prefix)
	typ, b64, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || (typ != "lid" && typ != "pid" && typ != "sid") {
		return fmt.Errorf("KeyID: %w: not a PASERK id (k%d.sid.…, k%d.pid.… or k%d.lid.…) of the key's version", ErrInvalidKeyID, v, v, v)
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(b64); err != nil || len(b) != 33 {
		return fmt.Errorf("KeyID: %w: not a PASERK id", ErrInvalidKeyID)
	}
	if id == kid {
		return fmt.Errorf("KeyID: %w: it is the key's own id; leave it empty", ErrInvalidKeyID)
	}
	return nil
}

// ErrInvalidKeyID: a configured key's KeyID is not a PASERK id of its
// version. It comes inside a [*ConfigError].
var ErrInvalidKeyID = errors.New("verifier: invalid extra key id")
