// Package payloadcodec is the strict JSON payload codec behind
// serializer.JSON and paseto.UnmarshalClaims, and the error type and
// sentinel errors that both of serializer's formats return.
//
// It lives here rather than in serializer so that paseto can decode claims
// with the standard library alone: serializer also carries the CBOR
// library. serializer re-exports the sentinels, so errors.Is matches the
// same values whichever package returned the error.
package payloadcodec

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/pasetokit/pasetokit/internal/strictjson"
)

// The sentinel errors of serializer (which documents them). Their messages
// keep serializer's prefix: that is the package users see.
var (
	ErrTooLarge     = errors.New("serializer: payload too large")
	ErrTooDeep      = errors.New("serializer: payload nested too deeply")
	ErrDuplicateKey = errors.New("serializer: duplicate key in payload")
	ErrNotObject    = errors.New("serializer: payload is not an object")
	ErrMalformed    = errors.New("serializer: malformed payload")
	ErrDecode       = errors.New("serializer: cannot decode payload into destination")
	ErrEncode       = errors.New("serializer: cannot encode payload")
)

// Error is the error a payload codec returns. Its message is built only
// from its fields and never quotes the payload.
type Error struct {
	Kind   error  // one of the sentinel errors above
	Format string // "JSON" or "CBOR"
	Detail string // content-free detail, or ""
	Offset int64  // byte offset in the input, or -1 if unknown
}

func (e *Error) Error() string {
	b := make([]byte, 0, 96)
	b = append(b, e.Kind.Error()...)
	b = append(b, " ("...)
	b = append(b, e.Format...)
	if e.Detail != "" {
		b = append(b, ": "...)
		b = append(b, e.Detail...)
	}
	if e.Offset >= 0 {
		b = append(b, ", offset "...)
		b = strconv.AppendInt(b, e.Offset, 10)
	}
	b = append(b, ')')
	return string(b)
}

// Unwrap returns e.Kind.
func (e *Error) Unwrap() error { return e.Kind }

// Default limits of the JSON codec, used for zero arguments of [JSONLimits].
const (
	DefaultJSONMaxLength = 1 << 20 // 1 MiB
	DefaultJSONMaxDepth  = 32
	DefaultJSONMaxKeys   = 4096
)

// DefaultJSON is the JSON codec's limits with every default.
var DefaultJSON = JSONLimits(0, 0, 0)

// registeredClaims are PASETO's registered claim names. They are
// case-sensitive, but encoding/json matches struct fields case-insensitively,
// so a payload whose top level has one of them in another letter case
// ({"EXP":…}) is rejected as ErrMalformed rather than read as the claim.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// JSONLimits returns the limits of a JSON payload codec: a zero argument
// selects its default; the caller rejects negative ones. A top-level
// registered claim name in another letter case is always rejected.
func JSONLimits(maxLength, maxDepth, maxKeys int) strictjson.Limits {
	if maxLength == 0 {
		maxLength = DefaultJSONMaxLength
	}
	if maxDepth == 0 {
		maxDepth = DefaultJSONMaxDepth
	}
	if maxKeys == 0 {
		maxKeys = DefaultJSONMaxKeys
	}
	return strictjson.Limits{
		MaxLength: maxLength,
		MaxDepth:  maxDepth,
		MaxKeys:   maxKeys,
		ExactKeys: registeredClaims,
	}
}

// MarshalJSON encodes v with json.Marshal and then checks the result as
// [UnmarshalJSON] would, so that it fails instead of producing a payload
// UnmarshalJSON rejects.
func MarshalJSON(v any, lim strictjson.Limits) ([]byte, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, jsonEncodeError(err)
	}
	if err := strictjson.ValidateObject(out, lim); err != nil {
		return nil, jsonValidateError(err)
	}
	return out, nil
}

// UnmarshalJSON validates data with strictjson (a single object within lim,
// valid UTF-8, no duplicate keys under case folding) and then decodes it
// into v with encoding/json. Numbers decoded into an interface value become
// json.Number. Errors are *[Error].
func UnmarshalJSON(data []byte, v any, lim strictjson.Limits) error {
	return UnmarshalJSONWith(data, v, lim, nil)
}

// UnmarshalJSONWith is UnmarshalJSON with a shortcut: after the
// validation, read (when not nil) may decode data into v itself and report
// true; when it reports false, having left v as it was, encoding/json
// decodes data. read must decode exactly as encoding/json would, or leave
// the input to it.
func UnmarshalJSONWith(data []byte, v any, lim strictjson.Limits, read func(data []byte) bool) error {
	if err := strictjson.ValidateObject(data, lim); err != nil {
		return jsonValidateError(err)
	}
	if read != nil && read(data) {
		return nil
	}
	var err error
	if needsUseNumber(v) {
		d := json.NewDecoder(bytes.NewReader(data))
		d.UseNumber()
		err = d.Decode(v)
	} else {
		// json.Unmarshal is cheaper than a Decoder, and UseNumber would
		// make no difference.
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		return jsonDecodeError(err)
	}
	return nil
}

// jsonValidateError converts an error from strictjson.
func jsonValidateError(err error) error {
	e := &Error{Kind: ErrMalformed, Format: "JSON", Offset: -1}
	var se *strictjson.SyntaxError
	if errors.As(err, &se) {
		e.Offset = se.Offset
		e.Detail = strings.TrimPrefix(se.Err.Error(), "strictjson: ")
	}
	switch {
	case errors.Is(err, strictjson.ErrTooLong), errors.Is(err, strictjson.ErrTooManyKeys):
		e.Kind = ErrTooLarge
	case errors.Is(err, strictjson.ErrTooDeep):
		e.Kind = ErrTooDeep
	case errors.Is(err, strictjson.ErrDuplicateKey):
		e.Kind, e.Detail = ErrDuplicateKey, ""
	case errors.Is(err, strictjson.ErrNotObject):
		e.Kind, e.Detail = ErrNotObject, ""
	}
	return e
}

// jsonDecodeError converts an error from encoding/json's decoder. The
// messages of its errors may quote the input, so only their types and
// offsets are kept.
func jsonDecodeError(err error) error {
	e := &Error{Kind: ErrDecode, Format: "JSON", Offset: -1}
	var (
		typeErr    *json.UnmarshalTypeError
		invalidErr *json.InvalidUnmarshalError
		syntaxErr  *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		e.Offset = typeErr.Offset
		kind, _, _ := strings.Cut(typeErr.Value, " ") // "number 123" → "number"
		e.Detail = "cannot decode " + kind
		if typeErr.Type != nil {
			e.Detail += " into Go value of type " + typeErr.Type.String()
		}
	case errors.As(err, &invalidErr):
		e.Detail = "invalid destination"
		if invalidErr.Type != nil {
			e.Detail += " of type " + invalidErr.Type.String()
		}
	case errors.As(err, &syntaxErr):
		// Unreachable after validation, but kept as a safety net.
		e.Kind, e.Offset = ErrMalformed, syntaxErr.Offset
	}
	return e
}

// jsonEncodeError converts an error from json.Marshal.
func jsonEncodeError(err error) error {
	e := &Error{Kind: ErrEncode, Format: "JSON", Offset: -1}
	var (
		typeErr      *json.UnsupportedTypeError
		marshalerErr *json.MarshalerError
	)
	switch {
	case errors.As(err, &typeErr):
		e.Detail = "unsupported type " + typeErr.Type.String()
	case errors.As(err, &marshalerErr):
		e.Detail = "error from marshaler of type " + marshalerErr.Type.String()
	}
	return e
}

// useNumberCache maps a reflect.Type to whether decoding into it can reach
// an interface value.
var useNumberCache sync.Map

// needsUseNumber reports whether decoding into v can store a number in an
// interface value, which is when json.Decoder.UseNumber makes a difference.
func needsUseNumber(v any) bool {
	t := reflect.TypeOf(v)
	if t == nil {
		return false
	}
	if r, ok := useNumberCache.Load(t); ok {
		return r.(bool)
	}
	r := reachesInterface(t, make(map[reflect.Type]bool))
	useNumberCache.Store(t, r)
	return r
}

var jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// reachesInterface reports whether encoding/json, decoding into a value of
// type t, may decode a number into an interface value. It errs on the side
// of true.
func reachesInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false // already being examined further up
	}
	seen[t] = true
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface &&
		reflect.PointerTo(t).Implements(jsonUnmarshalerType) {
		return false // the type decodes itself, without the Decoder's options
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return reachesInterface(t.Elem(), seen)
	case reflect.Map:
		return reachesInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if reachesInterface(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
