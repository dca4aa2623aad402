package serializer

import (
	"errors"
	"io"
	"reflect"
	"strings"

	"github.com/fxamacker/cbor/v2"
)

// Default limits of the [CBOR] serializer, used for zero [CBORConfig] fields.
const (
	DefaultCBORMaxNestedLevels  = 16
	DefaultCBORMaxArrayElements = 1024
	DefaultCBORMaxMapPairs      = 1024
	DefaultCBORMaxLength        = 1 << 20 // 1 MiB
)

// CBORConfig sets the limits of a [CBOR] serializer. A zero field selects the
// corresponding default; other values must be in the range given for each
// field.
type CBORConfig struct {
	// MaxNestedLevels is the maximum nesting depth of maps and arrays: a
	// flat map has depth 1. It must be between 4 and 65535; the default is
	// [DefaultCBORMaxNestedLevels] (16).
	MaxNestedLevels int
	// MaxArrayElements is the maximum number of elements of each array. It
	// must be at least 16; the default is [DefaultCBORMaxArrayElements] (1024).
	MaxArrayElements int
	// MaxMapPairs is the maximum number of key-value pairs of each map. It
	// must be at least 16; the default is [DefaultCBORMaxMapPairs] (1024).
	MaxMapPairs int
	// MaxLength is the maximum payload length in bytes. It must not be
	// negative; the default is [DefaultCBORMaxLength] (1 MiB).
	MaxLength int
}

// CBOR is the [CBOR] serializer with the default limits of a zero [CBORConfig].
// See the package documentation before using it: PASETO payloads are [JSON] by
// specification. Like [JSON], it is a variable for convenience only: no
// package of this module compares a serializer with it.
var CBOR Serializer = mustCBOR(NewCBOR(CBORConfig{}))

func mustCBOR(s Serializer, err error) Serializer {
	if err != nil {
		panic(err) // unreachable: the default configuration is valid
	}
	return s
}

// NewCBOR returns a [CBOR] (RFC 8949) serializer with the limits of cfg. It
// returns an error if a field of cfg is out of range.
//
// Unmarshal accepts a single well-formed [CBOR] map and nothing after it. It
// rejects duplicate map keys, indefinite-length items, tags (including time
// and bignum tags), invalid UTF-8 in text strings, NaN and infinite floats,
// and simple values other than false, true and null. Map keys must be text
// strings. All of this is checked for the whole payload, including parts
// the destination has no field for. Decoding into an interface value
// produces map[string]any for maps, and int64 for integers, or big.Int if
// they do not fit, so that they keep their exact value. Struct fields are
// matched to map keys exactly, not case-insensitively, so "exp" and "EXP"
// are not ambiguous; `cbor` struct tags are honoured, and `json` tags are
// used for fields without one.
//
// Marshal uses the Core Deterministic Encoding of RFC 8949, section 4.2.1:
// map keys are sorted and every item has its shortest form, so equal values
// give identical bytes. time.Time values are encoded, untagged, as RFC 3339
// text strings in UTC with nanosecond precision, like the registered time
// claims of [JSON] payloads. Marshal then checks its output as Unmarshal would,
// so that it fails instead of producing a payload Unmarshal would reject.
func NewCBOR(cfg CBORConfig) (Serializer, error) {
	cfg.MaxNestedLevels = orDefault(cfg.MaxNestedLevels, DefaultCBORMaxNestedLevels)
	cfg.MaxArrayElements = orDefault(cfg.MaxArrayElements, DefaultCBORMaxArrayElements)
	cfg.MaxMapPairs = orDefault(cfg.MaxMapPairs, DefaultCBORMaxMapPairs)
	cfg.MaxLength = orDefault(cfg.MaxLength, DefaultCBORMaxLength)
	switch {
	case cfg.MaxNestedLevels < 4 || cfg.MaxNestedLevels > 65535:
		return nil, errors.New("serializer: CBORConfig.MaxNestedLevels must be between 4 and 65535")
	case cfg.MaxArrayElements < 16 || cfg.MaxArrayElements > 1<<31-1:
		return nil, errors.New("serializer: CBORConfig.MaxArrayElements must be between 16 and 2147483647")
	case cfg.MaxMapPairs < 16 || cfg.MaxMapPairs > 1<<31-1:
		return nil, errors.New("serializer: CBORConfig.MaxMapPairs must be between 16 and 2147483647")
	case cfg.MaxLength < 0:
		return nil, errors.New("serializer: CBORConfig.MaxLength must not be negative")
	}

	simple, err := cbor.NewSimpleValueRegistryFromDefaults(rejectSimpleValues()...)
	if err != nil {
		return nil, err
	}
	dec, err := cbor.DecOptions{
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		MaxNestedLevels:   cfg.MaxNestedLevels,
		MaxArrayElements:  cfg.MaxArrayElements,
		MaxMapPairs:       cfg.MaxMapPairs,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		IntDec:            cbor.IntDecConvertSignedOrBigInt,
		BigIntDec:         cbor.BigIntDecodeValue,
		DefaultMapType:    reflect.TypeFor[map[string]any](),
		UTF8:              cbor.UTF8RejectInvalid,
		FieldNameMatching: cbor.FieldNameMatchingCaseSensitive,
		SimpleValues:      simple,
		NaN:               cbor.NaNDecodeForbidden,
		Inf:               cbor.InfDecodeForbidden,
		// Types with a text form (paseto.Time, net.IP, ...) decode from a
		// text string, matching the encoder below; MarshalBinary forms are
		// Go-specific and are not used.
		TextUnmarshaler:   cbor.TextUnmarshalerTextString,
		BinaryUnmarshaler: cbor.BinaryUnmarshalerNone,
	}.DecMode()
	if err != nil {
		return nil, err
	}

	encOpts := cbor.CoreDetEncOptions()
	encOpts.Time = cbor.TimeRFC3339NanoUTC
	encOpts.TagsMd = cbor.TagsForbidden
	// paseto.Time embeds time.Time and so inherits its Go-specific
	// MarshalBinary; encode such types through MarshalText instead, which
	// gives the same RFC 3339 UTC string as [JSON].
	encOpts.TextMarshaler = cbor.TextMarshalerTextString
	encOpts.BinaryMarshaler = cbor.BinaryMarshalerNone
	enc, err := encOpts.EncMode()
	if err != nil {
		return nil, err
	}
	return &cborSerializer{maxLength: cfg.MaxLength, enc: enc, dec: dec}, nil
}

// rejectSimpleValues returns options that reject every simple value other
// than false (20), true (21) and null (22). Simple values 24 to 31 are
// malformed and always rejected.
func rejectSimpleValues() []func(*cbor.SimpleValueRegistry) error {
	var opts []func(*cbor.SimpleValueRegistry) error
	for sv := 0; sv <= 255; sv++ {
		if sv >= 20 && sv <= 22 || sv >= 24 && sv <= 31 {
			continue
		}
		opts = append(opts, cbor.WithRejectedSimpleValue(cbor.SimpleValue(sv)))
	}
	return opts
}

type cborSerializer struct {
	maxLength int
	enc       cbor.EncMode
	dec       cbor.DecMode
}

func (s *cborSerializer) Name() string { return "cbor" }

// cborMapMajorType is the major type of a [CBOR] map, in the top three bits of
// its first byte.
const cborMapMajorType = 5

func (s *cborSerializer) Marshal(v any) ([]byte, error) {
	out, err := s.enc.Marshal(v)
	if err != nil {
		e := &payloadError{Kind: ErrEncode, Format: "CBOR", Offset: -1}
		var typeErr *cbor.UnsupportedTypeError
		if errors.As(err, &typeErr) && typeErr.Type != nil {
			e.Detail = "unsupported type " + typeErr.Type.String()
		}
		return nil, e
	}
	// Check the result as Unmarshal would. This rejects, for example,
	// non-string map keys, duplicate keys (1 and uint(1) in a map[any]any),
	// NaN, and values nested too deeply.
	var check any
	if err := s.Unmarshal(out, &check); err != nil {
		if e, ok := err.(*payloadError); ok && (e.Kind == ErrMalformed || e.Kind == ErrDecode) {
			e.Kind = ErrEncode
			e.Detail = "result not accepted by Unmarshal: " + e.Detail
		}
		return nil, err
	}
	return out, nil
}

func (s *cborSerializer) Unmarshal(data []byte, v any) error {
	if len(data) > s.maxLength {
		return &payloadError{Kind: ErrTooLarge, Format: "CBOR", Offset: int64(s.maxLength)}
	}
	// The library checks limits, tags, indefinite lengths, simple values
	// and floats everywhere, but UTF-8 and duplicate keys only in what it
	// decodes, which may not be everything: checkCBOR covers the rest.
	if err := s.dec.Wellformed(data); err != nil {
		return s.decodeError(data, err)
	}
	if err := checkCBOR(data); err != nil {
		return err
	}
	if data[0]>>5 != cborMapMajorType {
		return &payloadError{Kind: ErrNotObject, Format: "CBOR", Offset: 0}
	}
	if err := s.dec.Unmarshal(data, v); err != nil {
		return s.decodeError(data, err)
	}
	return nil
}

// decodeError converts an error from the [CBOR] decoder. The messages of its
// errors may quote the input (DupMapKeyError has the key), so only their
// types are kept.
func (s *cborSerializer) decodeError(data []byte, err error) error {
	e := &payloadError{Kind: ErrMalformed, Format: "CBOR", Offset: -1}
	var (
		dupErr      *cbor.DupMapKeyError
		nestedErr   *cbor.MaxNestedLevelError
		arrayErr    *cbor.MaxArrayElementsError
		mapErr      *cbor.MaxMapPairsError
		indefErr    *cbor.IndefiniteLengthError
		tagsErr     *cbor.TagsMdError
		extraErr    *cbor.ExtraneousDataError
		syntaxErr   *cbor.SyntaxError
		semanticErr *cbor.SemanticError
		rejectedErr *cbor.UnacceptableDataItemError
		typeErr     *cbor.UnmarshalTypeError
		invalidErr  *cbor.InvalidUnmarshalError
		mapKeyErr   *cbor.InvalidMapKeyTypeError
	)
	switch {
	case errors.As(err, &dupErr):
		e.Kind = ErrDuplicateKey
	case errors.As(err, &nestedErr):
		e.Kind = ErrTooDeep
	case errors.As(err, &arrayErr):
		e.Kind, e.Detail = ErrTooLarge, "too many array elements"
	case errors.As(err, &mapErr):
		e.Kind, e.Detail = ErrTooLarge, "too many map pairs"
	case errors.As(err, &indefErr):
		e.Detail = "indefinite-length item"
	case errors.As(err, &tagsErr):
		e.Detail = "tag"
	case errors.As(err, &extraErr):
		e.Detail = "data after the top-level item"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.Detail = "unexpected end of input"
	case errors.As(err, &syntaxErr):
		// The library's syntax errors describe the structure only.
		e.Detail = strings.TrimPrefix(syntaxErr.Error(), "cbor: ")
	case errors.As(err, &semanticErr):
		e.Detail = "invalid UTF-8 string"
	case errors.As(err, &rejectedErr):
		e.Detail = "unacceptable " + rejectedErr.CBORType
	case errors.As(err, &typeErr):
		e.Kind, e.Detail = ErrDecode, "cannot decode "+typeErr.CBORType+" into Go value of type "+typeErr.GoType
	case errors.As(err, &invalidErr), errors.As(err, &mapKeyErr):
		e.Kind, e.Detail = ErrDecode, "invalid destination"
	default:
		// An error of unknown type, for example from a custom unmarshaler
		// of the destination, is a decoding error if the input is
		// well-formed.
		if s.dec.Wellformed(data) == nil {
			e.Kind = ErrDecode
		}
	}
	return e
}
