package paseto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/internal/payloadcodec"
	"github.com/pasetokit/pasetokit/internal/strictjson"
)

// Claims holds the registered claims of the PASETO specification. Embed it
// in your own payload struct to add claims of your own:
//
//	type MyClaims struct {
//		paseto.Claims
//		Role string `json:"role"`
//	}
//
// Empty fields are left out when encoding.
type Claims struct {
	Issuer     string   `json:"iss,omitempty"` // who issued the token
	Subject    string   `json:"sub,omitempty"` // whom the token is about
	Audience   Audience `json:"aud,omitempty"` // for whom the token is meant
	Expiration Time     `json:"exp,omitzero"`  // not valid at or after this time
	NotBefore  Time     `json:"nbf,omitzero"`  // not valid before this time
	IssuedAt   Time     `json:"iat,omitzero"`  // when the token was made
	TokenID    string   `json:"jti,omitempty"` // unique id of the token
}

// Validate checks the time claims against now, allowing leeway for clock
// skew: exp must be after now-leeway, nbf and iat no later than now+leeway.
// Absent claims are not checked; requiring them is the caller's policy. It
// returns [ErrExpired], [ErrNotYetValid] or [ErrIssuedInFuture].
func (c *Claims) Validate(now time.Time, leeway time.Duration) error {
	if leeway < 0 {
		leeway = 0
	}
	if !c.Expiration.IsZero() && !now.Add(-leeway).Before(c.Expiration.Time) {
		return ErrExpired
	}
	if !c.NotBefore.IsZero() && now.Add(leeway).Before(c.NotBefore.Time) {
		return ErrNotYetValid
	}
	if !c.IssuedAt.IsZero() && now.Add(leeway).Before(c.IssuedAt.Time) {
		return ErrIssuedInFuture
	}
	return nil
}

// Time is a claim time. It is written as RFC 3339 in UTC with a "Z"
// (fractional seconds only when present) and read from RFC 3339 with any
// offset, with or without fractional seconds. The zero Time is an absent
// claim.
type Time struct{ time.Time }

// NewTime returns t as a claim time.
func NewTime(t time.Time) Time { return Time{t} }

// MarshalJSON writes t as an RFC 3339 string in UTC.
func (t Time) MarshalJSON() ([]byte, error) {
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return nil, fmt.Errorf("%w: time outside years 0-9999", ErrInvalidClaims)
	}
	b := make([]byte, 0, len(time.RFC3339Nano)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

// MarshalText writes t as RFC 3339 in UTC, for encoders other than JSON.
func (t Time) MarshalText() ([]byte, error) {
	b, err := t.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return b[1 : len(b)-1], nil
}

// UnmarshalJSON reads an RFC 3339 string. null leaves t unchanged.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' || bytes.IndexByte(b[1:len(b)-1], '\\') >= 0 {
		return fmt.Errorf("%w: a time claim must be an RFC 3339 string", ErrInvalidClaims)
	}
	return t.UnmarshalText(b[1 : len(b)-1])
}

// UnmarshalText reads an RFC 3339 time, with or without fractional seconds.
func (t *Time) UnmarshalText(b []byte) error {
	p, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return fmt.Errorf("%w: a time claim must be an RFC 3339 string", ErrInvalidClaims)
	}
	t.Time = p.UTC()
	return nil
}

// Audience is the aud claim: one or more recipients. One recipient is
// written as a plain string, several as a list; both forms are read.
type Audience []string

// Contains reports whether a names s.
func (a Audience) Contains(s string) bool {
	for _, x := range a {
		if x == s {
			return true
		}
	}
	return false
}

// MarshalJSON writes a single audience as a string and several as a list.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalText reads a single audience from its text form. It lets
// decoders other than JSON (such as the CBOR serializer) accept the
// single-string form of aud.
func (a *Audience) UnmarshalText(b []byte) error {
	*a = Audience{string(b)}
	return nil
}

// UnmarshalJSON reads a string or a list of strings.
func (a *Audience) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	if l, ok := plainStrings(b); ok {
		*a = l
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("%w: aud must be a string or a list of strings", ErrInvalidClaims)
		}
		*a = Audience{s}
		return nil
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("%w: aud must be a string or a list of strings", ErrInvalidClaims)
	}
	*a = l
	return nil
}

// UnmarshalClaims decodes a verified JSON payload into v (a pointer to a
// struct such as [Claims], or to a map) by the rules of serializer.JSON, with
// the same code but without depending on that package or the CBOR library
// it carries: the payload must be a single JSON object within the default
// limits (1 MiB, 32 levels, 4096 keys), with no duplicate keys (compared
// case-insensitively, because encoding/json matches struct fields that way)
// and no registered claim name in another letter case ({"EXP":…} is not the
// exp claim, and is rejected rather than misread). Numbers decoded into
// interface values keep their precision as json.Number. Errors match
// [ErrInvalidClaims] and the serializer's sentinel for the cause, such as
// serializer.ErrDuplicateKey.
func UnmarshalClaims(payload []byte, v any) error {
	var read func([]byte) bool
	if c, ok := v.(*Claims); ok && c != nil {
		read = func(data []byte) bool { return readClaims(data, c) }
	}
	if err := payloadcodec.UnmarshalJSONWith(payload, v, payloadcodec.DefaultJSON, read); err != nil {
		return fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	return nil
}

// readClaims decodes the common form of a validated payload into c, as
// json.Unmarshal would, without its reflection and allocations: iss, sub
// and jti strings without escapes, aud as plainStrings reads it, and exp,
// nbf and iat RFC 3339 strings; other members are skipped, as
// json.Unmarshal skips them for a struct. It reports false, leaving c as it
// was, at anything else (a null, an escape, a value of another type, a
// time that does not parse, a key that is not ASCII or that matches a
// claim only when letter case is ignored), which json.Unmarshal then
// decodes, or refuses with its own error. FuzzUnmarshalClaims holds it to
// json.Unmarshal's results.
func readClaims(data []byte, c *Claims) bool {
	n := *c
	ok := strictjson.TopMembers(data, func(key, value []byte) bool {
		var str *string
		var tm *Time
		switch string(key) {
		case "iss":
			str = &n.Issuer
		case "sub":
			str = &n.Subject
		case "jti":
			str = &n.TokenID
		case "exp":
			tm = &n.Expiration
		case "nbf":
			tm = &n.NotBefore
		case "iat":
			tm = &n.IssuedAt
		case "aud":
			l, ok := plainStrings(value)
			n.Audience = l
			return ok
		default:
			// encoding/json matches field names case-insensitively, with
			// Unicode's special foldings: leave anything that might
			// match to it.
			for _, b := range key {
				if b >= 0x80 {
					return false
				}
			}
			for _, name := range [...]string{"iss", "sub", "jti", "exp", "nbf", "iat", "aud"} {
				if strings.EqualFold(string(key), name) {
					return false
				}
			}
			return true
		}
		if len(value) < 2 || value[0] != '"' || value[len(value)-1] != '"' || bytes.IndexByte(value, '\\') >= 0 {
			return false
		}
		if str != nil {
			*str = string(value[1 : len(value)-1])
			return true
		}
		return tm.UnmarshalText(value[1:len(value)-1]) == nil
	})
	if ok {
		*c = n
	}
	return ok
}

// plainStrings reads the common form of aud, a string or a list of strings
// in printable ASCII without escapes, with neither json.Unmarshal's second
// pass over the bytes nor its allocations. ok is false for anything else,
// valid or not, which UnmarshalJSON then hands to json.Unmarshal: so
// plainStrings only ever accepts what json.Unmarshal accepts, with the same
// result (FuzzAudience holds it to that).
func plainStrings(b []byte) (l []string, ok bool) {
	// str reads a plain string at b[i] ('"' there) and returns it and the
	// index after its closing quote.
	str := func(i int) (string, int, bool) {
		for j := i + 1; j < len(b); j++ {
			switch c := b[j]; {
			case c == '"':
				return string(b[i+1 : j]), j + 1, true
			case c < 0x20 || c > 0x7e || c == '\\':
				return "", 0, false
			}
		}
		return "", 0, false
	}
	ws := func(i int) int {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		return i
	}
	if len(b) > 0 && b[0] == '"' {
		s, i, ok := str(0)
		if !ok || i != len(b) {
			return nil, false
		}
		return []string{s}, true
	}
	if len(b) == 0 || b[0] != '[' {
		return nil, false
	}
	l = make([]string, 0, 2)
	i := ws(1)
	if i < len(b) && b[i] == ']' {
		return l, ws(i+1) == len(b)
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return nil, false
		}
		s, j, ok := str(i)
		if !ok {
			return nil, false
		}
		l = append(l, s)
		i = ws(j)
		if i >= len(b) {
			return nil, false
		}
		switch b[i] {
		case ',':
			i = ws(i + 1)
		case ']':
			return l, ws(i+1) == len(b)
		default:
			return nil, false
		}
	}
}
