package verifier

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// maxNumericDate is the last second of year 9999, the latest time a
// [paseto.Time] can hold: a larger number is refused, not clamped.
const maxNumericDate = 253402300799

// numericDate reports whether lit, a JSON number literal, is a plain
// non-negative integer of Unix seconds (no sign, fraction or exponent, no
// leading zero) within years 1970-9999, and its value.
func numericDate(lit string) (int64, bool) {
	if lit == "" || len(lit) > len("253402300799") || (lit[0] == '0' && len(lit) > 1) {
		return 0, false
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] < '0' || lit[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(lit, 10, 64)
	if err != nil || n > maxNumericDate {
		return 0, false
	}
	return n, true
}

// normalizeNumericDates returns payload with every top-level iat, nbf and
// exp member whose value is an integer accepted by [numericDate] rewritten
// as the RFC 3339 string the specification requires, for
// [Config.AllowNumericDates]. Anything else is left as it is, for the
// strict claims decoder to accept or refuse: a payload that is not a JSON
// object, or not valid JSON, comes back unchanged, and so does a number in
// another form (1.5, 1e9, -1), which that decoder then refuses. payload is
// never modified; a rewritten payload is a new slice.
func normalizeNumericDates(payload []byte) []byte {
	if i := bytes.IndexFunc(payload, func(r rune) bool { return r != ' ' && r != '\t' && r != '\r' && r != '\n' }); i < 0 || payload[i] != '{' {
		return payload
	}
	type span struct {
		start, end int
		t          time.Time
	}
	var spans []span
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.UseNumber()
	depth := 0
	wantKey := false // the next token at depth 1 is a key
	key := ""
	for {
		tok, err := dec.Token()
		if err != nil {
			return payload // io.EOF here is a truncated object
		}
		if k, ok := tok.(string); ok && depth == 1 && wantKey {
			key, wantKey = k, false
			continue
		}
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case json.Number:
			if depth == 1 && (key == "iat" || key == "nbf" || key == "exp") {
				if n, ok := numericDate(string(v)); ok {
					end := int(dec.InputOffset())
					spans = append(spans, span{end - len(v), end, time.Unix(n, 0).UTC()})
				}
			}
		}
		if depth == 0 {
			break
		}
		if depth == 1 {
			wantKey = true
		}
	}
	if _, err := dec.Token(); err != io.EOF {
		return payload // more than one value
	}
	if len(spans) == 0 {
		return payload
	}
	out := make([]byte, 0, len(payload)+len(spans)*16)
	last := 0
	for _, s := range spans {
		out = append(out, payload[last:s.start]...)
		out = append(out, '"')
		out = s.t.AppendFormat(out, time.RFC3339)
		out = append(out, '"')
		last = s.end
	}
	return append(out, payload[last:]...)
}
