package serializer

import (
	"errors"

	"github.com/pasetokit/pasetokit/internal/payloadcodec"
	"github.com/pasetokit/pasetokit/internal/strictjson"
)

// Default limits of the [JSON] serializer, used for zero [JSONConfig] fields.
// (internal/payloadcodec applies them; TestNewJSON checks they agree.)
const (
	DefaultJSONMaxLength = 1 << 20 // 1 MiB
	DefaultJSONMaxDepth  = 32
	DefaultJSONMaxKeys   = 4096
)

// JSONConfig sets the limits of a [JSON] serializer. A zero field selects the
// corresponding default; negative fields are invalid. There is no way to
// remove a limit.
type JSONConfig struct {
	// MaxLength is the maximum payload length in bytes, whitespace
	// included. The default is [DefaultJSONMaxLength] (1 MiB).
	MaxLength int
	// MaxDepth is the maximum nesting depth of objects and arrays: a flat
	// object such as {"sub":"x"} has depth 1. The default is
	// [DefaultJSONMaxDepth] (32).
	MaxDepth int
	// MaxKeys is the maximum total number of object keys, counted at every
	// depth. The default is [DefaultJSONMaxKeys] (4096).
	MaxKeys int
}

// JSON is the [JSON] serializer with the default limits of a zero
// [JSONConfig]. It is the right choice for standard PASETO payloads.
//
// [JSON] is a variable for convenience only. No package of this module
// depends on its identity: a nil Serializer in a Config means [JSON] with the
// default limits, which the components hold as their own value, and they
// recognize a default [JSON] serializer with [IsDefaultJSON], by what it is.
// Reassigning [JSON] changes only the caller's own uses of it.
var JSON Serializer = &jsonSerializer{lim: JSONConfig{}.limits()}

// IsDefaultJSON reports whether s is a [JSON] serializer of this package with
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

// NewJSON returns a [JSON] serializer with the limits of cfg. It returns an
// error if a field of cfg is negative.
//
// Unmarshal requires the payload to be a single [JSON] object (RFC 8259) with
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
	return payloadcodec.JSONLimits(cfg.MaxLength, cfg.MaxDepth, cfg.MaxKeys)
}

// orDefault returns v, or def when v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

type jsonSerializer struct {
	lim strictjson.Limits
}

func (s *jsonSerializer) Name() string { return "json" }

func (s *jsonSerializer) Marshal(v any) ([]byte, error) {
	return payloadcodec.MarshalJSON(v, s.lim)
}

func (s *jsonSerializer) Unmarshal(data []byte, v any) error {
	return payloadcodec.UnmarshalJSON(data, v, s.lim)
}
