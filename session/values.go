package session

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/serializer"
)

// valueCodec stores session values in the representation of one format and
// encodes whole payloads.
//
// The JSON codec ([Config.Serializer] nil, or a JSON serializer with the default limits: [serializer.IsDefaultJSON]) keeps each value
// as its encoded bytes (json.RawMessage): Set encodes once, Get[T] decodes
// the stored bytes straight into T, and a payload is assembled from the
// stored bytes without re-encoding. Other serializers (serializer.CBOR,
// custom ones) go through the Serializer interface and keep values in
// their decoded form.
type valueCodec interface {
	// store encodes v for storage in the session.
	store(v any) (any, error)
	// load returns a stored value as the format decodes it into an any.
	load(stored any) any
	marshal(p *payload) ([]byte, error)
	unmarshal(b []byte, p *payload) error
}

func newValueCodec(s serializer.Serializer) valueCodec {
	if s == nil || serializer.IsDefaultJSON(s) {
		return jsonCodec{}
	}
	return genericCodec{s}
}

// jsonCodec is the fast JSON path.
type jsonCodec struct{}

func (jsonCodec) store(v any) (any, error) {
	// The common types without encoding/json's reflection; the bytes
	// decode to the same values (strings are not HTML-escaped, which
	// a payload that is only ever encrypted does not need).
	switch x := v.(type) {
	case string:
		return json.RawMessage(appendString(nil, x)), nil
	case bool:
		return json.RawMessage(strconv.AppendBool(nil, x)), nil
	case int:
		return json.RawMessage(strconv.AppendInt(nil, int64(x), 10)), nil
	case int64:
		return json.RawMessage(strconv.AppendInt(nil, x, 10)), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, wrapEncode(err)
	}
	return json.RawMessage(b), nil
}

func (jsonCodec) load(stored any) any {
	raw, _ := stored.(json.RawMessage)
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil
	}
	return v
}

func (jsonCodec) marshal(p *payload) ([]byte, error) {
	n := 48 + len(p.ID)
	for k, v := range p.Values {
		n += len(k) + 8 + len(rawOf(v))
	}
	for _, v := range p.Flashes {
		n += 5 + len(rawOf(v))
	}
	b := make([]byte, 0, n)
	b = append(b, `{"id":`...)
	b = appendString(b, p.ID)
	b = append(b, `,"ct":`...)
	b = strconv.AppendInt(b, p.Created, 10)
	b = append(b, `,"ls":`...)
	b = strconv.AppendInt(b, p.Seen, 10)
	if len(p.Values) > 0 {
		b = append(b, `,"v":{`...)
		first := true
		for k, v := range p.Values {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = appendString(b, k)
			b = append(b, ':')
			b = append(b, rawOf(v)...)
		}
		b = append(b, '}')
	}
	if len(p.Flashes) > 0 {
		b = append(b, `,"f":[`...)
		for i, v := range p.Flashes {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, rawOf(v)...)
		}
		b = append(b, ']')
	}
	return append(b, '}'), nil
}

// rawOf returns a stored JSON value; every stored value is a non-empty
// json.RawMessage, "null" guards the invariant.
func rawOf(v any) json.RawMessage {
	if raw, ok := v.(json.RawMessage); ok && len(raw) > 0 {
		return raw
	}
	return json.RawMessage("null")
}

// jsonPayload is the decoding shape of a JSON payload. It is only decoded
// after the token authenticated, so it is our own encoding.
type jsonPayload struct {
	ID      string                     `json:"id"`
	Created int64                      `json:"ct"`
	Seen    int64                      `json:"ls"`
	Values  map[string]json.RawMessage `json:"v"`
	Flashes []json.RawMessage          `json:"f"`
}

func (jsonCodec) unmarshal(b []byte, p *payload) error {
	// Payloads this package writes are always valid UTF-8; encoding/json
	// would silently replace invalid bytes, so refuse them outright.
	if !utf8.Valid(b) || !json.Valid(b) {
		return serializer.ErrMalformed
	}
	var fast payload
	if parseJSONPayload(b, &fast) {
		*p = fast
		return nil
	}
	var w jsonPayload
	if err := json.Unmarshal(b, &w); err != nil {
		return serializer.ErrMalformed
	}
	p.ID, p.Created, p.Seen = w.ID, w.Created, w.Seen
	if len(w.Values) > 0 {
		p.Values = make(map[string]any, len(w.Values))
		for k, v := range w.Values {
			p.Values[k] = v
		}
	}
	for _, f := range w.Flashes {
		p.Flashes = append(p.Flashes, f)
	}
	return nil
}

// appendString appends s as a JSON string. Strings of printable ASCII
// without quote or backslash are copied as they are; others go through
// encoding/json (which replaces invalid UTF-8).
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			q, _ := json.Marshal(s) // cannot fail for a string
			return append(b, q...)
		}
	}
	if b == nil {
		b = make([]byte, 0, len(s)+2)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// genericCodec goes through a serializer.Serializer.
type genericCodec struct{ s serializer.Serializer }

func (g genericCodec) store(v any) (any, error) {
	b, err := g.s.Marshal(wrapped[any]{v})
	if err != nil {
		return nil, wrapEncode(err)
	}
	var out wrapped[any]
	if err := g.s.Unmarshal(b, &out); err != nil {
		return nil, wrapEncode(err)
	}
	return out.V, nil
}

func (genericCodec) load(stored any) any { return stored }

func (g genericCodec) marshal(p *payload) ([]byte, error) { return g.s.Marshal(p) }

func (g genericCodec) unmarshal(b []byte, p *payload) error { return g.s.Unmarshal(b, p) }

// parseJSONPayload is a fast parser for the compact payloads jsonCodec
// writes. It reports false, leaving the caller to fall back to
// encoding/json, for anything else (white space, unknown keys). b must
// already be valid JSON (json.Valid), so that skipping a value needs only
// to track strings and nesting. Raw values alias b.
func parseJSONPayload(b []byte, p *payload) bool {
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	// One copy of the payload as a string: keys and the id are its
	// substrings, not one allocation each. Values alias b.
	str := string(b)
	i := 1
	for {
		key, j, ok := jsonStr(str, i)
		if !ok || j >= len(b) || b[j] != ':' {
			return false
		}
		i = j + 1
		switch key {
		case "id":
			if p.ID, i, ok = jsonStr(str, i); !ok {
				return false
			}
		case "ct", "ls":
			j := i
			for j < len(b) && (b[j] == '-' || b[j] >= '0' && b[j] <= '9') {
				j++
			}
			n, err := strconv.ParseInt(string(b[i:j]), 10, 64)
			if err != nil {
				return false
			}
			if key == "ct" {
				p.Created = n
			} else {
				p.Seen = n
			}
			i = j
		case "v":
			if i >= len(b) || b[i] != '{' {
				return false
			}
			i++
			if i < len(b) && b[i] == '}' {
				i++
				break
			}
			if p.Values == nil {
				// Room for a few more values set in the request.
				p.Values = make(map[string]any, 16)
			}
			for {
				k, j, ok := jsonStr(str, i)
				if !ok || j >= len(b) || b[j] != ':' {
					return false
				}
				end := skipJSON(str, j+1)
				if end <= j+1 || end >= len(b) {
					return false
				}
				p.Values[k] = json.RawMessage(b[j+1 : end : end])
				i = end
				if b[i] == '}' {
					i++
					break
				}
				if b[i] != ',' {
					return false
				}
				i++
			}
		case "f":
			if i >= len(b) || b[i] != '[' {
				return false
			}
			i++
			if i < len(b) && b[i] == ']' {
				i++
				break
			}
			for {
				end := skipJSON(str, i)
				if end <= i || end >= len(b) {
					return false
				}
				p.Flashes = append(p.Flashes, json.RawMessage(b[i:end:end]))
				i = end
				if b[i] == ']' {
					i++
					break
				}
				if b[i] != ',' {
					return false
				}
				i++
			}
		default:
			return false
		}
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i++
		case '}':
			return i == len(b)-1
		default:
			return false
		}
	}
}

// jsonStr reads the JSON string at b[i]; it returns the index after it.
func jsonStr(b string, i int) (string, int, bool) {
	if i >= len(b) || b[i] != '"' {
		return "", i, false
	}
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			if !escaped {
				return b[i+1 : j], j + 1, true
			}
			var s string
			if json.Unmarshal([]byte(b[i:j+1]), &s) != nil {
				return "", i, false
			}
			return s, j + 1, true
		}
	}
	return "", i, false
}

// skipJSON returns the index after the valid JSON value at b[i], without
// white space.
func skipJSON(b string, i int) int {
	depth := 0
	for i < len(b) {
		switch c := b[i]; c {
		case '"':
			_, j, ok := jsonStr(b, i)
			if !ok {
				return -1
			}
			i = j
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i
			}
			depth--
			i++
		case ',':
			if depth == 0 {
				return i
			}
			i++
		case ' ', '\t', '\r', '\n':
			return -1
		default:
			i++
		}
		if depth == 0 && i < len(b) && (b[i] == ',' || b[i] == '}' || b[i] == ']') {
			return i
		}
	}
	return -1
}
