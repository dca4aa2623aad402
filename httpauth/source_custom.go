package httpauth

import (
	"errors"
	"net/http"
)

// CustomSource is the open way to add a place the sources above do not
// cover, such as a header of a proprietary gateway or a signed cookie of
// another framework. Values reports what the request holds in that place;
// the middleware, not Values, applies the rules every source follows, so a
// custom source cannot weaken them:
//
//   - no value, or only empty ones, counts as absent: the next source is
//     tried;
//   - more than one non-empty value is ErrAmbiguousToken (code
//     token_ambiguous), never a choice between them;
//   - a non-nil error, or a value holding anything but printable ASCII
//     without spaces (a token is base64url and dots), is a malformed token
//     (code token_malformed) and ends the search;
//   - a value longer than [Config.MaxTokenLength] is rejected before
//     verification.
//
// Values gets the request as the middleware got it; it must not retain it,
// and should not consume its body (see [JSONBodySource] for how to read a
// body and put it back). It must be safe for concurrent use.
type CustomSource struct {
	// Name labels the source in [Error.Source] as "custom:<Name>". It is
	// required, printable ASCII, and unique among the sources.
	Name string
	// Values returns every token candidate the request carries in this
	// place. It is required.
	Values func(r *http.Request) ([]string, error)
}

func (CustomSource) source() {}

// kindCustom is the extractor kind of a CustomSource.
const kindCustom kind = 101

func compileCustom(dst []extractor, s CustomSource) ([]extractor, error) {
	if s.Name == "" {
		return dst, errors.New("CustomSource.Name is empty")
	}
	for i := 0; i < len(s.Name); i++ {
		if c := s.Name[i]; c < ' ' || c > '~' {
			return dst, errors.New("CustomSource.Name holds a character other than printable ASCII")
		}
	}
	if s.Values == nil {
		return dst, errors.New("CustomSource.Values is nil")
	}
	return append(dst, extractor{kind: kindCustom, name: s.Name, custom: s.Values, label: "custom:" + s.Name}), nil
}

// customValue applies the rules of every source to what a CustomSource
// found.
func customValue(r *http.Request, values func(*http.Request) ([]string, error)) (string, found) {
	vs, err := values(r)
	if err != nil {
		return "", malformed
	}
	tok, n := "", 0
	for _, v := range vs {
		if v == "" {
			continue
		}
		if n++; n > 1 {
			return "", ambiguous
		}
		tok = v
	}
	if n == 0 {
		return "", absent
	}
	for i := 0; i < len(tok); i++ {
		if c := tok[i]; c <= ' ' || c > '~' {
			return "", malformed
		}
	}
	return tok, present
}

// same reports whether e and o read the same place the same way: two
// CustomSources are the same when their names are.
func (e *extractor) same(o *extractor) bool {
	return e.kind == o.kind && e.name == o.name && e.scheme == o.scheme && e.prefix == o.prefix &&
		e.websocket == o.websocket && e.label == o.label && e.bare == o.bare && e.max == o.max
}
