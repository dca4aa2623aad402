// Package authscheme reads a credential from an Authorization-style value,
// "<scheme> 1*SP <token>", with the one set of rules that httpauth's
// header sources and grpcauth's authorization metadata share: exactly one
// value; leading and trailing spaces and tabs ignored; the scheme matched
// ASCII case-insensitively and followed by one or more spaces; another
// scheme counts as absent; the scheme alone is malformed.
package authscheme

import "strings"

// Found is what [Value] found.
type Found uint8

// The outcomes of [Value].
const (
	// Absent: no value, or a value of another scheme.
	Absent Found = iota
	// Present: a credential.
	Present
	// Malformed: something was there, but no credential (the scheme
	// alone).
	Malformed
	// Ambiguous: more than one value.
	Ambiguous
	// TooLong: a value or a credential over the bound given to [Value].
	TooLong
)

// MaxOverhead is the room a value may take beyond the credential: the
// scheme and the spaces around it.
const MaxOverhead = 64

// Value reads a credential from the values (header lines, metadata
// values) of one key. With scheme "" the whole trimmed value is the
// credential. When max is positive, a value longer than max+[MaxOverhead]
// is refused before it is scanned, and a credential longer than max after
// it ([TooLong]); otherwise the caller bounds them.
func Value(values []string, scheme string, max int) (string, Found) {
	switch len(values) {
	case 0:
		return "", Absent
	case 1:
	default:
		return "", Ambiguous
	}
	v := values[0]
	if max > 0 && len(v) > max+MaxOverhead {
		return "", TooLong
	}
	v = TrimOWS(v)
	if scheme == "" {
		if v == "" {
			return "", Absent
		}
		return v, Present
	}
	// auth-scheme is a token, so it ends at the first SP or at the end.
	rest := ""
	if i := strings.IndexByte(v, ' '); i >= 0 {
		v, rest = v[:i], v[i:]
	}
	if !EqualFoldASCII(v, scheme) {
		return "", Absent
	}
	for len(rest) > 0 && rest[0] == ' ' {
		rest = rest[1:]
	}
	switch {
	case rest == "":
		return "", Malformed
	case max > 0 && len(rest) > max:
		return "", TooLong
	}
	return rest, Present
}

// TrimOWS removes leading and trailing spaces and tabs (optional white
// space, RFC 9110 §5.6.3).
func TrimOWS(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// EqualFoldASCII is strings.EqualFold for ASCII only: no Unicode folding
// (the Kelvin sign does not match "k").
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
