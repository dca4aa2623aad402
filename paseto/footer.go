package paseto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pasetokit/pasetokit/internal/strictjson"
)

// Default limits for JSON footers, following the specification's guidance to
// bound length, depth and key count before parsing (its recommended depth is
// a flat object).
const (
	DefaultMaxFooterJSONLength = 2048
	DefaultMaxFooterJSONDepth  = 1
	DefaultMaxFooterJSONKeys   = 32
)

// FooterLimits bounds a JSON footer before it is parsed. Zero fields take the
// defaults above; the zero value is safe.
type FooterLimits struct {
	MaxLength int // bytes; zero means DefaultMaxFooterJSONLength
	MaxDepth  int // nesting depth, 1 being a flat object; zero means DefaultMaxFooterJSONDepth
	MaxKeys   int // object keys at any depth; zero means DefaultMaxFooterJSONKeys
}

func (l FooterLimits) strict() strictjson.Limits {
	// kid and wpk are the footer claims the specification reserves; a
	// case variant ("KID") would be read as kid by encoding/json.
	s := strictjson.Limits{MaxLength: l.MaxLength, MaxDepth: l.MaxDepth, MaxKeys: l.MaxKeys, ExactKeys: footerClaims}
	if s.MaxLength <= 0 {
		s.MaxLength = DefaultMaxFooterJSONLength
	}
	if s.MaxDepth <= 0 {
		s.MaxDepth = DefaultMaxFooterJSONDepth
	}
	if s.MaxKeys <= 0 {
		s.MaxKeys = DefaultMaxFooterJSONKeys
	}
	return s
}

var footerClaims = []string{"kid", "wpk"}

// Unmarshal checks that footer is a JSON object within the limits, with no
// duplicate keys, then decodes it into v. Errors match [ErrInvalidFooter].
func (l FooterLimits) Unmarshal(footer []byte, v any) error {
	if err := strictjson.ValidateObject(footer, l.strict()); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidFooter, err)
	}
	if err := json.Unmarshal(footer, v); err != nil {
		return fmt.Errorf("%w: a footer claim has the wrong type", ErrInvalidFooter)
	}
	return nil
}

// KeyID returns the kid of a JSON footer, or "" when the footer is empty or
// has no kid. A footer that is not valid JSON within the limits, a kid that
// is not a string, and a kid holding PASERK key material (k4.local.…,
// k4.secret.…, k4.public.…, or any wrapped or sealed key) are errors: the
// specification forbids keys in footers, and a verifier must never take its
// key from the token. Footers that are not JSON at all (not starting with
// '{' after white space) have no kid. A key that differs from "kid" only in
// letter case is an error, not "no kid".
func (l FooterLimits) KeyID(footer []byte) (string, error) {
	if t := bytes.TrimLeft(footer, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return "", nil
	}
	if kid, ok := plainKID(footer); ok {
		// The footer issuers write, read on every verification: the
		// limits still apply, but it needs no decoder.
		if err := strictjson.ValidateObject(footer, l.strict()); err != nil {
			return "", fmt.Errorf("%w: %w", ErrInvalidFooter, err)
		}
		return checkKID(kid)
	}
	// A struct, not a map of raw values: one allocation fewer per claim.
	// encoding/json matches the field name without regard to case, but
	// Unmarshal's validation (ExactKeys) has already refused any key that
	// is "kid" in another case, so only "kid" lands here. A kid of another
	// type than string fails the decoding.
	var f struct {
		KeyID string `json:"kid"`
	}
	if err := l.Unmarshal(footer, &f); err != nil {
		return "", err
	}
	return checkKID(f.KeyID)
}

// checkKID refuses a kid that holds key material.
func checkKID(kid string) (string, error) {
	if isPASERKKey(kid) {
		return "", ErrKeyInFooter
	}
	return kid, nil
}

// plainKID returns s when footer is exactly {"kid":"s"} with s of
// printable ASCII other than '"' and '\' (so the bytes are the string),
// the footer issuers write; ok is false for anything else.
func plainKID(footer []byte) (kid string, ok bool) {
	s, ok := strictjson.OnlyPlainString(footer, "kid")
	return string(s), ok
}

// UnmarshalFooter is FooterLimits{}.Unmarshal: the default limits.
func UnmarshalFooter(footer []byte, v any) error { return FooterLimits{}.Unmarshal(footer, v) }

// FooterKeyID is FooterLimits{}.KeyID: the default limits.
func FooterKeyID(footer []byte) (string, error) { return FooterLimits{}.KeyID(footer) }

// isPASERKKey reports whether s looks like a PASERK that holds a key (any
// type but the ids lid, pid and sid).
func isPASERKKey(s string) bool {
	if len(s) < 4 || s[0] != 'k' || s[1] < '1' || s[1] > '9' || s[2] != '.' {
		return false
	}
	typ, _, ok := strings.Cut(s[3:], ".")
	if !ok {
		return false
	}
	switch typ {
	case "lid", "pid", "sid":
		return false
	}
	return true
}
