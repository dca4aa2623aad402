package httpauth

import (
	"errors"
	"net/textproto"
	"strings"
)

// BareHeaderSource takes the token from a request header that holds the
// token alone, with no authentication scheme before it, on any header
// including Authorization ("Authorization: v4.public.…"), as
// fastapi-paseto does with an empty AUTHPASETO_HEADER_TYPE.
//
// Leading and trailing spaces and tabs are ignored and an empty value
// counts as absent. A value with a space or a tab inside ("Bearer v4…")
// is a malformed token (ErrMalformed, code token_malformed): it is
// something other than a bare token, and is never passed on as one. A
// header given on more than one line is rejected with ErrAmbiguousToken.
//
// To accept both "Bearer <token>" and a bare token on one header, list a
// HeaderSource for it first: it takes the values with the scheme and
// counts the others as absent, which this source then reads.
type BareHeaderSource struct {
	// Name is the header name, matched case-insensitively. Empty means
	// "Authorization".
	Name string
}

func (BareHeaderSource) source() {}

func compileBareHeader(dst []extractor, s BareHeaderSource) ([]extractor, error) {
	name := s.Name
	if name == "" {
		name = "Authorization"
	}
	if !isToken(name) {
		return dst, errors.New("BareHeaderSource.Name " + quote(name) + " is not a valid header name")
	}
	key := textproto.CanonicalMIMEHeaderKey(name)
	return append(dst, extractor{kind: kindHeader, name: key, bare: true, label: "bare-header:" + key}), nil
}

// bareValue reads a bare token from the lines of one header.
func bareValue(lines []string) (string, found) {
	t, f := headerValue(lines, "")
	if f == present && strings.ContainsAny(t, " \t") {
		return "", malformed
	}
	return t, f
}
