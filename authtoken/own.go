package authtoken

import (
	"bytes"
	"encoding/json"

	"github.com/pasetokit/pasetokit/internal/payloadcodec"
	"github.com/pasetokit/pasetokit/internal/strictjson"
	"github.com/pasetokit/pasetokit/verifier"
)

// own is the part of a payload this package reads: the claims it sets
// beyond the registered ones, compared by exact name.
type own struct {
	typ    string
	fresh  bool
	fam    string
	gen    uint64 // the generation of a refresh token in its family
	hasGen bool
}

// readOwn reads type, fresh, fam and gen from t's payload. A missing or
// non-string type is ErrWrongType; fresh must be a boolean when present,
// fam a string and gen an unsigned integer.
//
// It runs up to twice per request (the kind rule, which checks the type
// and the revocation, and Fresh or TokenType in the handler), so it decodes nothing but
// these four values: the payload is validated as the default JSON
// serializer does (a single object, no duplicate keys, within the default
// limits), then its top-level members are walked for the four names. A
// payload the validation does not take (another serializer's, or JSON
// beyond the default limits), or with an escape in a top-level key, goes
// through readOwnMap instead. Either way the values are read as readOwnMap
// reads them.
func readOwn(t *verifier.Token) (own, error) {
	if strictjson.ValidateObject(t.Payload, payloadcodec.DefaultJSON) != nil {
		return readOwnMap(t)
	}
	var raw [4]json.RawMessage // type, fresh, fam, gen
	if !strictjson.TopMembers(t.Payload, func(key, value []byte) bool {
		switch string(key) {
		case "type":
			raw[0] = value
		case "fresh":
			raw[1] = value
		case "fam":
			raw[2] = value
		case "gen":
			raw[3] = value
		}
		return true
	}) {
		return readOwnMap(t)
	}
	return ownFrom(raw)
}

// readOwnMap is readOwn through t.Decode into a map, for any serializer.
func readOwnMap(t *verifier.Token) (own, error) {
	var raw map[string]json.RawMessage
	if err := t.Decode(&raw); err != nil {
		return own{}, ErrWrongType
	}
	// A key present with a null value is kept apart from a missing one:
	// the map holds a "null", never a nil value, for it.
	return ownFrom([4]json.RawMessage{raw["type"], raw["fresh"], raw["fam"], raw["gen"]})
}

// ownFrom reads the raw JSON values of type, fresh, fam and gen; nil means
// the claim is absent.
func ownFrom(raw [4]json.RawMessage) (own, error) {
	var o own
	if !readString(raw[0], &o.typ) || o.typ == "" {
		return own{}, ErrWrongType
	}
	if raw[1] != nil && !readBool(raw[1], &o.fresh) {
		return own{}, ErrWrongType
	}
	if raw[2] != nil && !readString(raw[2], &o.fam) {
		return own{}, ErrWrongType
	}
	if raw[3] != nil {
		gen := o.gen // a copy: o stays on the stack
		if json.Unmarshal(raw[3], &gen) != nil {
			return own{}, ErrWrongType
		}
		o.gen, o.hasGen = gen, true
	}
	return o, nil
}

// readString is json.Unmarshal(v, s) == nil, without the decoder for a
// string without escapes (whose bytes, in validated JSON, are the string),
// and without an allocation for the type names of this package's kinds.
func readString(v []byte, s *string) bool {
	if n := len(v); n >= 2 && v[0] == '"' && v[n-1] == '"' && bytes.IndexByte(v, '\\') < 0 {
		switch str := v[1 : n-1]; string(str) {
		case TypeAccess:
			*s = TypeAccess
		case TypeRefresh:
			*s = TypeRefresh
		default:
			*s = string(str)
		}
		return true
	}
	// A copy, so that s itself never escapes to the heap (nor the own
	// value that holds it) on the common path above.
	var x string
	if json.Unmarshal(v, &x) != nil {
		return false
	}
	*s = x
	return true
}

// readBool is json.Unmarshal(v, b) == nil, without the decoder for the
// literals (null leaves b unchanged, as json.Unmarshal does).
func readBool(v []byte, b *bool) bool {
	switch string(v) {
	case "true":
		*b = true
		return true
	case "false":
		*b = false
		return true
	case "null":
		return true
	}
	x := *b
	if json.Unmarshal(v, &x) != nil {
		return false
	}
	*b = x
	return true
}
