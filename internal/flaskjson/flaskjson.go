// Package flaskjson reads the session payload of a Flask application:
// the JSON that Flask's TaggedJSONSerializer (flask/json/tag.py) writes,
// converted back to values as Flask's loads would return them.
//
// TaggedJSONSerializer writes a JSON object whose values are plain JSON,
// except for Python types JSON lacks, written as a one-key object whose key
// is a tag. Flask reads them back bottom-up (the values of an object
// first, then the object itself: TaggedJSONSerializer._untag_scan, or the
// object_hook of older versions). Parse does the same and gives:
//
//	{" t": [...]}        tuple      → []any (a list, as JSON has no tuple)
//	{" b": "<base64>"}   bytes      → []byte (standard base64, padded)
//	{" m": "<html>"}     Markup     → string (the HTML text)
//	{" u": "<hex>"}      UUID       → string, canonical "xxxxxxxx-xxxx-…" lower case
//	{" d": "<http-date>"} datetime  → time.Time in UTC; nil for a date
//	                                  werkzeug's parse_date cannot read, as Flask
//	{" di": {"k__": v}}  dict whose only key is a tag → map[string]any{"k": v}
//
// Plain values: strings, booleans, nil, json.Number for numbers,
// []any and map[string]any. A one-key object whose key is no tag stays an
// object. A tagged value Flask itself would fail on (bytes that are not
// base64, a UUID that is not one, a tuple that is not a list, a " di" that
// is not a one-key object) makes Parse fail, as Flask then starts an empty
// session. Duplicate object keys keep the last value, as Python's json
// does. NaN and Infinity, which Python writes for float NaN and infinities,
// are not JSON and fail.
package flaskjson

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// MaxSize bounds the payload Parse accepts, in bytes.
const MaxSize = 64 << 10

// ErrMalformed: the payload is not a tagged JSON object Flask could read.
// The error never holds payload text.
var ErrMalformed = errors.New("flaskjson: malformed tagged JSON")

// Parse reads a Flask session payload: a JSON object, with tagged values
// converted as the package documentation lists. It never panics on any
// input.
func Parse(data []byte) (map[string]any, error) {
	if len(data) > MaxSize {
		return nil, ErrMalformed
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, ErrMalformed
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, ErrMalformed // trailing data
	}
	v, err := untag(v, 0)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, ErrMalformed // Flask's session is a dict
	}
	return m, nil
}

// maxDepth bounds the nesting Parse untags (encoding/json bounds it too).
const maxDepth = 256

// untag converts the tagged values inside v, bottom-up.
func untag(v any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, ErrMalformed
	}
	switch x := v.(type) {
	case []any:
		for i, e := range x {
			u, err := untag(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[i] = u
		}
		return x, nil
	case map[string]any:
		for k, e := range x {
			u, err := untag(e, depth+1)
			if err != nil {
				return nil, err
			}
			x[k] = u
		}
		if len(x) != 1 {
			return x, nil
		}
		for k, e := range x {
			return fromTag(k, e, x)
		}
	}
	return v, nil
}

// fromTag converts the value of a one-key object {key: v}; obj is the
// object itself, returned when key is no tag.
func fromTag(key string, v any, obj map[string]any) (any, error) {
	switch key {
	case " t":
		l, ok := v.([]any)
		if !ok {
			return nil, ErrMalformed
		}
		return l, nil
	case " b":
		s, ok := v.(string)
		if !ok {
			return nil, ErrMalformed
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, ErrMalformed
		}
		return b, nil
	case " m":
		s, ok := v.(string)
		if !ok {
			return nil, ErrMalformed
		}
		return s, nil
	case " u":
		s, ok := v.(string)
		if !ok {
			return nil, ErrMalformed
		}
		u, ok := parseUUID(s)
		if !ok {
			return nil, ErrMalformed
		}
		return u, nil
	case " d":
		s, ok := v.(string)
		if !ok {
			return nil, ErrMalformed
		}
		t, err := http.ParseTime(s)
		if err != nil {
			return nil, nil // werkzeug's parse_date returns None
		}
		return t.UTC(), nil
	case " di":
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, ErrMalformed
		}
		for k, e := range m {
			if len(k) < 2 {
				return nil, ErrMalformed
			}
			return map[string]any{k[:len(k)-2]: e}, nil
		}
	}
	return obj, nil
}

// parseUUID reads a UUID the way Python's uuid.UUID(hex) does (the braces,
// "urn:" and "uuid:" anywhere, and hyphens, removed, then 32 hex digits) and returns
// str(UUID): lower case with hyphens.
func parseUUID(s string) (string, bool) {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "urn:", ""), "uuid:", "")
	s = strings.Trim(s, "{}")
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 32 {
		return "", false
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return "", false
	}
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}
