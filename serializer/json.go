package serializer

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"

	"github.com/pasetokit/pasetokit/internal/strictjson"
)

// Default limits of the JSON serializer, used for zero JSONConfig fields.
const (
	DefaultJSONMaxLength = 1 << 20 // 1 MiB
	DefaultJSONMaxDepth  = 32
	DefaultJSONMaxKeys   = 4096
)

// JSONConfig sets the limits of a JSON serializer. A zero field selects the
// corresponding default; negative fields are invalid. There is no way to
// remove a limit.
type JSONConfig struct {
	// MaxLength is the maximum payload length in bytes, whitespace
	// included. The default is DefaultJSONMaxLength (1 MiB).
	MaxLength int
	// MaxDepth is the maximum nesting depth of objects and arrays: a flat
	// object such as {"sub":"x"} has depth 1. The default is
	// DefaultJSONMaxDepth (32).
	MaxDepth int
	// MaxKeys is the maximum total number of object keys, counted at every
	// depth. The default is DefaultJSONMaxKeys (4096).
	MaxKeys int
}

// JSON is the JSON serializer with the default limits of a zero
// [JSONConfig]. It is the right choice for standard PASETO payloads.
//
// JSON is a variable for convenience only. No package of this module
// depends on its identity: a nil Serializer in a Config means JSON with the
// default limits, which the components hold as their own value, and they
// recognize a default JSON serializer with [IsDefaultJSON], by what it is.
// Reassigning JSON changes only the caller's own uses of it.
var JSON Serializer = &jsonSerializer{lim: JSONConfig{}.limits()}

// IsDefaultJSON reports whether s is a JSON serializer of this package with
// the default limits: [JSON] as the package sets it, or any serializer
// [NewJSON] returned for a [JSONConfig] whose limits are the defaults. A
// nil s is not one. Components use it to take fast paths that assume the
// default limits.
func IsDefaultJSON(s Serializer) bool {
	j, ok := s.(*jsonSerializer)
	if !ok || j == nil {
		return false
	}
	def := JSONConfig{}.limits()
	return j.lim.MaxLength == def.MaxLength && j.lim.MaxDepth == def.MaxDepth && j.lim.MaxKeys == def.MaxKeys
}

// NewJSON returns a JSON serializer with the limits of cfg. It returns an
// error if a field of cfg is negative.
//
// Unmarshal requires the payload to be a single JSON object (RFC 8259) with
// valid UTF-8 strings and no duplicate keys, where keys that are equal under
// Unicode case folding count as duplicates; it then decodes it with
// encoding/json. Numbers decoded into an interface value become json.Number,
// so integers of any size keep their exact value.
//
// Marshal encodes with json.Marshal and then applies the same checks, so
// that it fails, instead of producing a payload Unmarshal would reject, if
// for example a map has keys "exp" and "EXP".
func NewJSON(cfg JSONConfig) (Serializer, error) {
	if cfg.MaxLength < 0 || cfg.MaxDepth < 0 || cfg.MaxKeys < 0 {
		return nil, errors.New("serializer: JSONConfig fields must not be negative")
	}
	return &jsonSerializer{lim: cfg.limits()}, nil
}

func (cfg JSONConfig) limits() strictjson.Limits {
	return strictjson.Limits{
		MaxLength: orDefault(cfg.MaxLength, DefaultJSONMaxLength),
		MaxDepth:  orDefault(cfg.MaxDepth, DefaultJSONMaxDepth),
		MaxKeys:   orDefault(cfg.MaxKeys, DefaultJSONMaxKeys),
		ExactKeys: registeredClaims,
	}
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// registeredClaims are PASETO's registered claim names. They are
// case-sensitive, but encoding/json matches struct fields case-insensitively,
// so a payload whose top level has one of them in another letter case
// ({"EXP":…}) is rejected as ErrMalformed rather than read as the claim.
var registeredClaims = []string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

type jsonSerializer struct {
	lim strictjson.Limits
}

func (s *jsonSerializer) Name() string { return "json" }

func (s *jsonSerializer) Marshal(v any) ([]byte, error) {
	out, err := json.Marshal(v)
	if err != nil {
		return nil, jsonEncodeError(err)
	}
	if err := strictjson.ValidateObject(out, s.lim); err != nil {
		return nil, jsonValidateError(err)
	}
	return out, nil
}

func (s *jsonSerializer) Unmarshal(data []byte, v any) error {
	if err := strictjson.ValidateObject(data, s.lim); err != nil {
		return jsonValidateError(err)
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
	e := &payloadError{kind: ErrMalformed, format: "JSON", offset: -1}
	var se *strictjson.SyntaxError
	if errors.As(err, &se) {
		e.offset = se.Offset
		e.detail = strings.TrimPrefix(se.Err.Error(), "strictjson: ")
	}
	switch {
	case errors.Is(err, strictjson.ErrTooLong), errors.Is(err, strictjson.ErrTooManyKeys):
		e.kind = ErrTooLarge
	case errors.Is(err, strictjson.ErrTooDeep):
		e.kind = ErrTooDeep
	case errors.Is(err, strictjson.ErrDuplicateKey):
		e.kind, e.detail = ErrDuplicateKey, ""
	case errors.Is(err, strictjson.ErrNotObject):
		e.kind, e.detail = ErrNotObject, ""
	}
	return e
}

// jsonDecodeError converts an error from encoding/json's decoder. The
// messages of its errors may quote the input, so only their types and
// offsets are kept.
func jsonDecodeError(err error) error {
	e := &payloadError{kind: ErrDecode, format: "JSON", offset: -1}
	var (
		typeErr    *json.UnmarshalTypeError
		invalidErr *json.InvalidUnmarshalError
		syntaxErr  *json.SyntaxError
	)
	switch {
	case errors.As(err, &typeErr):
		e.offset = typeErr.Offset
		kind, _, _ := strings.Cut(typeErr.Value, " ") // "number 123" → "number"
		e.detail = "cannot decode " + kind
		if typeErr.Type != nil {
			e.detail += " into Go value of type " + typeErr.Type.String()
		}
	case errors.As(err, &invalidErr):
		e.detail = "invalid destination"
		if invalidErr.Type != nil {
			e.detail += " of type " + invalidErr.Type.String()
		}
	case errors.As(err, &syntaxErr):
		// Unreachable after validation, but kept as a safety net.
		e.kind, e.offset = ErrMalformed, syntaxErr.Offset
	}
	return e
}

// jsonEncodeError converts an error from json.Marshal.
func jsonEncodeError(err error) error {
	e := &payloadError{kind: ErrEncode, format: "JSON", offset: -1}
	var (
		typeErr      *json.UnsupportedTypeError
		marshalerErr *json.MarshalerError
	)
	switch {
	case errors.As(err, &typeErr):
		e.detail = "unsupported type " + typeErr.Type.String()
	case errors.As(err, &marshalerErr):
		e.detail = "error from marshaler of type " + marshalerErr.Type.String()
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
