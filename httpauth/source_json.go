package httpauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// DefaultMaxJSONBody is the most of a request body a JSONBodySource reads
// when its MaxBytes is zero.
const DefaultMaxJSONBody = 1 << 20

// JSONBodySource takes the token from a string field of a JSON object in
// the request body, as fastapi-paseto does with the "json" token location
// (AUTHPASETO_JSON_KEY, AUTHPASETO_JSON_TYPE): {"access_token": "v4…"}.
//
// It reads only a body whose Content-Type is application/json (or
// application/<subtype>+json); any other body counts as absent and is not
// read. It reads at most MaxBytes of it and puts back what it read, so
// the handler still reads the whole body. A request without a body, a
// body that is not a JSON object, a body longer than MaxBytes (which
// cannot be read whole) and an object without the field count as absent.
// A field given twice is rejected with ErrAmbiguousToken, like a query
// parameter given twice, and so is a field whose name matches Key only
// in another letter case ("Access_Token"), alone or next to Key:
// encoding/json matches field names case-insensitively, so a handler
// decoding the body could see another token than the one verified. A
// field that is null, empty or not a string, or (with a Type) that does
// not read "<Type> <token>", is a malformed token: the client sent
// something in the place of the token.
//
// The body is read only when the sources listed before this one found
// nothing, so list it last. Reading a body costs time, before the request
// is authenticated: use it only on routes whose clients send their token
// that way, and bound the read with the server's ReadTimeout.
type JSONBodySource struct {
	// Key is the name of the field; it is required.
	Key string
	// Scheme, when set, is a scheme that must come before the token,
	// followed by one or more spaces, as in "Bearer v4…"; it is matched
	// ASCII case-insensitively. Empty means the field is the token alone.
	Scheme string
	// MaxBytes bounds how much of the body is read. Zero means
	// DefaultMaxJSONBody; negative is an error.
	MaxBytes int64
}

func (JSONBodySource) source() {}

// kindJSON is the extractor kind of a JSONBodySource.
const kindJSON kind = 100

func compileJSON(dst []extractor, s JSONBodySource) ([]extractor, error) {
	if s.Key == "" {
		return dst, errors.New("JSONBodySource.Key is empty")
	}
	if s.Scheme != "" && !isToken(s.Scheme) {
		return dst, errors.New("JSONBodySource.Scheme " + quote(s.Scheme) + " is not a valid authentication scheme")
	}
	if s.MaxBytes < 0 {
		return dst, errors.New("JSONBodySource.MaxBytes is negative")
	}
	limit := s.MaxBytes
	if limit == 0 {
		limit = DefaultMaxJSONBody
	}
	return append(dst, extractor{kind: kindJSON, name: s.Key, scheme: s.Scheme, max: limit, label: "json:" + s.Key}), nil
}

// replayBody is a request body whose first bytes were already read.
type replayBody struct {
	io.Reader
	io.Closer
}

// jsonValue reads the token field from the body of r, and puts back what
// it read.
func jsonValue(r *http.Request, e *extractor) (string, found) {
	if r.Body == nil || r.Body == http.NoBody || !isJSONType(r.Header.Get("Content-Type")) {
		return "", absent
	}
	orig := r.Body
	buf, err := io.ReadAll(io.LimitReader(orig, e.max+1))
	r.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(buf), orig), Closer: orig}
	if err != nil || int64(len(buf)) > e.max {
		return "", absent
	}
	raw, f := jsonField(buf, e.name)
	if f != present {
		return "", f
	}
	var v string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &v) != nil || v == "" {
		return "", malformed
	}
	if e.scheme == "" {
		return v, present
	}
	t, f := headerValue([]string{v}, e.scheme)
	if f == absent {
		return "", malformed // another word in the token's place
	}
	return t, f
}

// isJSONType reports whether a Content-Type is application/json or
// application/<subtype>+json, with any parameters.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// jsonField returns the raw value of the top-level field name of the JSON
// object in data: absent when data is not an object or lacks the field,
// ambiguous when the field is given twice, or under another letter case
// (which encoding/json would match).
func jsonField(data []byte, name string) (json.RawMessage, found) {
	d := json.NewDecoder(bytes.NewReader(data))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, absent
	}
	var raw json.RawMessage
	n := 0
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, absent
		}
		k, _ := t.(string)
		var v json.RawMessage
		if err := d.Decode(&v); err != nil {
			return nil, absent
		}
		if strings.EqualFold(k, name) {
			if k != name {
				n++ // another spelling: ambiguous, alone or not
			}
			n++
			raw = v
		}
	}
	if t, err := d.Token(); err != nil || t != json.Delim('}') {
		return nil, absent
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, absent // not one JSON value
	}
	switch n {
	case 0:
		return nil, absent
	case 1:
		return raw, present
	}
	return nil, ambiguous
}
