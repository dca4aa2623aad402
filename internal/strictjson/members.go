package strictjson

import "bytes"

// TopMembers calls f with the key (without its quotes, still escaped) and
// the raw value of each top-level member of data, in order, until f
// returns false. data must be an object that [ValidateObject] accepted:
// TopMembers trusts its structure and checks nothing. It reports whether
// it went through every member: false when f stopped it, or at a key with
// an escape, which the caller would have to unescape to compare.
func TopMembers(data []byte, f func(key, value []byte) bool) bool {
	i := skipSpace(data, 0) + 1 // past '{'
	for {
		i = skipSpace(data, i)
		if data[i] == '}' {
			return true
		}
		end := stringEnd(data, i)
		key := data[i+1 : end-1]
		if bytes.IndexByte(key, '\\') >= 0 {
			return false
		}
		i = skipSpace(data, end) + 1 // past ':'
		i = skipSpace(data, i)
		end = valueEnd(data, i)
		if !f(key, data[i:end]) {
			return false
		}
		i = skipSpace(data, end)
		if data[i] == ',' {
			i++
		}
	}
}

// stringEnd returns the index just past the string that starts at data[i].
func stringEnd(data []byte, i int) int {
	for i++; data[i] != '"'; i++ {
		if data[i] == '\\' {
			i++ // the escaped byte; \uXXXX's hex digits are no quotes
		}
	}
	return i + 1
}

// valueEnd returns the index just past the value that starts at data[i].
func valueEnd(data []byte, i int) int {
	depth := 0
	for {
		switch data[i] {
		case '"':
			i = stringEnd(data, i)
		case '{', '[':
			depth++
			i++
		case '}', ']':
			if depth == 0 {
				return i // the enclosing object's end
			}
			depth--
			i++
		case ',':
			if depth == 0 {
				return i
			}
			i++
		default:
			i++
		}
		if depth == 0 && (data[i-1] == '"' || data[i-1] == '}' || data[i-1] == ']') {
			return i
		}
	}
}

// OnlyPlainString returns s when data is exactly {"name":"s"}, with no
// space and s of printable ASCII other than '"' and '\' (so the bytes are
// the string, and ValidateObject would accept data): the footer issuers
// write, {"kid":"…"}, read without a decoder. ok is false for anything
// else, which the caller then decodes.
func OnlyPlainString(data []byte, name string) (s []byte, ok bool) {
	// {"name":"s"}: 2 + len(name) + 3 bytes before s, 2 after.
	n := len(name)
	if len(data) < n+7 || data[0] != '{' || data[1] != '"' || string(data[2:2+n]) != name ||
		string(data[2+n:5+n]) != `":"` || string(data[len(data)-2:]) != `"}` {
		return nil, false
	}
	s = data[5+n : len(data)-2]
	for _, c := range s {
		if c < ' ' || c > '~' || c == '"' || c == '\\' {
			return nil, false
		}
	}
	return s, true
}
