// Package serializer turns token payloads into bytes and back.
//
// # For most users
//
// Use [JSON]: leave the Serializer field of an issuer, verifier or session
// Config nil, which means [JSON] with the default limits, or pass [JSON].
// PASETO payloads are [JSON] objects by specification, and [JSON] is the only
// format other PASETO implementations will read. [JSON] validates
// every payload strictly before decoding it: the input must be a single
// well-formed [JSON] object of bounded size and nesting, with valid UTF-8 and
// no duplicate keys. Keys that differ only in case, such as "exp" and "EXP",
// count as duplicates, because encoding/json matches keys to struct fields
// case-insensitively and would otherwise let one silently override the
// other. For the same reason a top-level key that is a registered claim name
// in another letter case ("EXP", "Iss") is rejected as [ErrMalformed]: PASETO
// claim names are case-sensitive, and encoding/json would read it as the
// claim. Use [NewJSON] to change the limits.
//
// # CBOR
//
// [CBOR] and [NewCBOR] encode payloads as [CBOR] (RFC 8949) maps instead. This
// is a non-standard extension: PASETO payloads are [JSON] by specification, and
// a [CBOR] token can only be read by software that expects it. Only use [CBOR]
// when both the issuer and the verifier are yours, or to interoperate with
// another library that offers [CBOR] payloads as an option. Encoding is
// deterministic, and decoding is as strict as for [JSON]: a single
// definite-length map with text keys, bounded size and nesting, valid UTF-8,
// no duplicate keys and no tags.
//
// # Errors
//
// Errors returned by Unmarshal and Marshal match one of the package's sentinel
// errors with [errors.Is], whatever the format. Their messages may give an
// offset, a Go type or the kind of limit that was exceeded, but never quote
// the payload, which may hold secret claims. For the same reason, errors from
// the underlying [JSON] and [CBOR] libraries, which may quote their input, are not
// wrapped.
package serializer

import "github.com/pasetokit/pasetokit/internal/payloadcodec"

// Serializer turns a payload value into bytes and back. Implementations are
// safe for concurrent use.
type Serializer interface {
	// Name is a short stable identifier: "json" or "cbor".
	Name() string
	// Marshal encodes v, which must encode as an object (a map or a
	// struct). The result satisfies the same rules and limits as
	// Unmarshal, so that Unmarshal accepts it.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into v, which must be a non-nil pointer. It
	// validates data before decoding: size limits, nesting, duplicate keys.
	// If the payload is valid but does not fit v, v may be partially
	// filled.
	Unmarshal(data []byte, v any) error
}

// Errors returned by Serializer methods. Match them with errors.Is.
var (
	// ErrTooLarge means the payload exceeds a size limit: its length in
	// bytes, its number of keys, or the number of elements in one of its
	// arrays or maps.
	ErrTooLarge = payloadcodec.ErrTooLarge
	// ErrTooDeep means the payload's maps and arrays are nested too deeply.
	ErrTooDeep = payloadcodec.ErrTooDeep
	// ErrDuplicateKey means a map in the payload has two equal keys. For
	// [JSON], keys that are equal under Unicode case folding are duplicates.
	ErrDuplicateKey = payloadcodec.ErrDuplicateKey
	// ErrNotObject means the payload is not a [JSON] object or a [CBOR] map.
	ErrNotObject = payloadcodec.ErrNotObject
	// ErrMalformed means the payload is not well-formed, or uses features
	// that are not allowed, such as invalid UTF-8 or [CBOR] tags.
	ErrMalformed = payloadcodec.ErrMalformed
	// ErrDecode means the payload is valid but could not be decoded into
	// the destination value, for example because of a type mismatch.
	ErrDecode = payloadcodec.ErrDecode
	// ErrEncode means Marshal could not encode the value, for example
	// because it has a type or value the format cannot represent.
	ErrEncode = payloadcodec.ErrEncode
)

// payloadError is the error returned by Serializer methods. Its message is
// built only from its fields and never quotes the payload.
type payloadError = payloadcodec.Error
