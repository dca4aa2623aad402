// Package strictjson checks that a byte slice holds exactly one well-formed
// JSON value, without decoding it.
//
// It is stricter than encoding/json in three ways, so that a document it
// accepts can be decoded by encoding/json with no ambiguity:
//
//   - Strings must be valid UTF-8, and \u escapes must not form lone or
//     mismatched UTF-16 surrogates. encoding/json silently replaces both
//     with U+FFFD.
//   - No object may hold two keys that are equal under Unicode case folding
//     (the equivalence of strings.EqualFold, applied after unescaping).
//     encoding/json matches object keys to struct fields case-insensitively
//     and keeps the last of several matches, so {"exp":1,"EXP":2} and
//     {"exp":1,"\u0065xp":2} would otherwise let the second key silently
//     override the first. Keys that are exactly equal are rejected for the
//     same reason.
//   - Nesting depth, total key count and input length can be bounded.
//
// Validation runs in linear time, needs no recursion, and does not allocate
// for typical inputs (shallow objects with at most 16 keys each).
package strictjson

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// Limits bounds the input. A zero field means "no limit" for that field. A
// negative field makes every input fail with the corresponding error.
//
// Independently of MaxDepth, nesting deeper than 10000 levels is always
// rejected with ErrTooDeep, matching the limit of encoding/json.
type Limits struct {
	// MaxLength is the maximum length of the input, in bytes, including
	// surrounding whitespace.
	MaxLength int
	// MaxDepth is the maximum nesting depth of objects and arrays. A bare
	// scalar has depth 0, {"a":1} has depth 1 and {"a":{"b":[1]}} depth 3.
	MaxDepth int
	// MaxKeys is the maximum total number of object keys in the document,
	// counted at every depth.
	MaxKeys int
	// ExactKeys lists top-level object keys that must be written exactly:
	// a top-level key that equals one of them under case folding but not
	// byte for byte is rejected with ErrKeyCase. Go's encoding/json matches
	// struct fields case-insensitively, so without this {"EXP":…} would be
	// read as the exp claim although PASETO's claim names are
	// case-sensitive.
	ExactKeys []string
}

// Errors returned by Validate and ValidateObject, wrapped in a *SyntaxError.
// Match them with errors.Is.
var (
	// ErrSyntax means the input is not exactly one RFC 8259 JSON value
	// surrounded by optional whitespace.
	ErrSyntax = errors.New("strictjson: invalid JSON")
	// ErrDuplicateKey means an object has two keys that are equal, or
	// equal under Unicode case folding, after unescaping.
	ErrDuplicateKey = errors.New("strictjson: duplicate object key")
	// ErrTooLong means the input is longer than Limits.MaxLength.
	ErrTooLong = errors.New("strictjson: input too long")
	// ErrTooDeep means objects and arrays are nested deeper than
	// Limits.MaxDepth, or deeper than 10000 levels.
	ErrTooDeep = errors.New("strictjson: nesting too deep")
	// ErrTooManyKeys means the document has more object keys in total than
	// Limits.MaxKeys.
	ErrTooManyKeys = errors.New("strictjson: too many object keys")
	// ErrInvalidUTF8 means a string holds invalid UTF-8, or a \u escape
	// that is a lone or mismatched UTF-16 surrogate.
	ErrInvalidUTF8 = errors.New("strictjson: invalid UTF-8 in string")
	// ErrNotObject is returned by ValidateObject for a well-formed value
	// that is not an object.
	ErrNotObject = errors.New("strictjson: top-level value is not an object")
	// ErrKeyCase means a top-level key differs only in letter case from
	// one of Limits.ExactKeys.
	ErrKeyCase = errors.New("strictjson: key differs in case from a reserved key")
)

// A SyntaxError reports why and where an input was rejected. It never
// contains any part of the input.
type SyntaxError struct {
	// Offset is the byte offset in the input at which the problem was
	// detected.
	Offset int64
	// Err is one of the package's sentinel errors.
	Err error
}

// Error describes the problem and its offset, never the input.
func (e *SyntaxError) Error() string {
	msg := "strictjson: invalid input"
	if e.Err != nil {
		msg = e.Err.Error()
	}
	return msg + " at offset " + strconv.FormatInt(e.Offset, 10)
}

// Unwrap returns e.Err.
func (e *SyntaxError) Unwrap() error { return e.Err }

func errAt(off int, err error) error {
	return &SyntaxError{Offset: int64(off), Err: err}
}

// hardMaxDepth bounds nesting when Limits.MaxDepth does not, so that the
// explicit stack stays small. It matches encoding/json.
const hardMaxDepth = 10000

// smallObjectKeys is the number of keys up to which an object's keys are
// compared pairwise; beyond it, they are kept in a map.
const smallObjectKeys = 16

// Validate reports whether data holds exactly one well-formed JSON value
// (RFC 8259), optionally surrounded by whitespace, that respects lim and has
// no duplicate object keys. The length limit is checked before anything is
// scanned. The returned error, if any, is a *SyntaxError wrapping one of the
// package's sentinel errors.
func Validate(data []byte, lim Limits) error {
	_, err := validate(data, lim, nil)
	return err
}

// ValidateObject is like Validate, but additionally requires the top-level
// value to be an object. A well-formed value of another kind is rejected
// with ErrNotObject.
func ValidateObject(data []byte, lim Limits) error {
	isObject, err := validate(data, lim, nil)
	if err != nil {
		return err
	}
	if !isObject {
		return errAt(skipSpace(data, 0), ErrNotObject)
	}
	return nil
}

// ObjectInfo describes an object that ScanObject accepted.
type ObjectInfo struct {
	// End is the offset of the top-level object's closing brace.
	End int
	// TopKeys is the number of top-level keys; TotalKeys counts keys at
	// every depth.
	TopKeys, TotalKeys int
}

// ScanObject is ValidateObject that also reports where the object ends and
// how many keys it has, and calls topKey, if not nil, with each top-level
// key (unescaped; the slice is only valid during the call). An error from
// topKey stops the scan and is returned unwrapped.
func ScanObject(data []byte, lim Limits, topKey func(key []byte) error) (ObjectInfo, error) {
	st := &scan{topKey: topKey}
	isObject, err := validate(data, lim, st)
	if st.err != nil {
		return ObjectInfo{}, st.err
	}
	if err != nil {
		return ObjectInfo{}, err
	}
	if !isObject {
		return ObjectInfo{}, errAt(skipSpace(data, 0), ErrNotObject)
	}
	end := len(data) - 1
	for data[end] != '}' { // only white space follows it: validate checked
		end--
	}
	return ObjectInfo{End: end, TopKeys: st.top, TotalKeys: st.total}, nil
}

// scan is what ScanObject collects during validate.
type scan struct {
	topKey     func([]byte) error
	buf        []byte
	top, total int
	err        error // from topKey
}

// frame is an open object or array.
type frame struct {
	object bool
	// keyStart and scratchStart are the lengths of the key and scratch
	// stacks when the object was opened.
	keyStart     int
	scratchStart int
	// set holds the folded keys of an object with more than
	// smallObjectKeys keys. While it is nil, the keys are on the key stack.
	set map[string]struct{}
}

// keyRef locates an object key, without its quotes, in the input or, if
// it had escapes, unescaped in the scratch buffer.
type keyRef struct {
	start, end int
	scratch    bool
	// fp is a fingerprint of the key: keys that are equal under case
	// folding have equal fingerprints.
	fp uint32
}

// fpNonASCII is the fingerprint of every key that has non-ASCII bytes: they
// may fold to keys of a different length.
const fpNonASCII = 1 << 31

// fingerprint returns the fingerprint of a key.
func fingerprint(key []byte, ascii bool) uint32 {
	if !ascii {
		return fpNonASCII
	}
	if len(key) == 0 {
		return 0
	}
	return uint32(len(key)&0x7fff)<<16 | uint32(key[0]|0x20)<<8 | uint32(key[len(key)-1]|0x20)
}

// validate does the work of Validate and reports whether the top-level
// value is an object.
func validate(data []byte, lim Limits, st *scan) (isObject bool, err error) {
	switch {
	case lim.MaxLength < 0:
		return false, errAt(0, ErrTooLong)
	case lim.MaxLength > 0 && len(data) > lim.MaxLength:
		return false, errAt(lim.MaxLength, ErrTooLong)
	case lim.MaxDepth < 0:
		return false, errAt(0, ErrTooDeep)
	case lim.MaxKeys < 0:
		return false, errAt(0, ErrTooManyKeys)
	}
	maxDepth := hardMaxDepth
	if lim.MaxDepth > 0 && lim.MaxDepth < hardMaxDepth {
		maxDepth = lim.MaxDepth
	}

	// The stacks start in fixed arrays, which keeps typical inputs free of
	// heap allocations.
	var (
		frameBuf   [8]frame
		keyBuf     [32]keyRef
		scratchBuf [128]byte
	)
	frames := frameBuf[:0]
	keys := keyBuf[:0]
	scratch := scratchBuf[:0]
	totalKeys := 0
	n := len(data)
	i := 0

	// member parses an object member's key and colon at i, checks it
	// against the other keys of the innermost object, and returns the
	// offset just past the colon.
	member := func(i int) (int, error) {
		i = skipSpace(data, i)
		if i >= n || data[i] != '"' {
			return i, ErrSyntax
		}
		start := i
		end, flags, err := scanString(data, i)
		if err != nil {
			return end, err
		}
		totalKeys++
		if lim.MaxKeys > 0 && totalKeys > lim.MaxKeys {
			return start, ErrTooManyKeys
		}

		ref := keyRef{start: start + 1, end: end - 1}
		key := data[ref.start:ref.end]
		ascii := flags&flagNonASCII == 0
		if flags&flagEscape != 0 {
			s := len(scratch)
			scratch = appendUnescaped(scratch, key)
			key = scratch[s:]
			ref = keyRef{start: s, end: len(scratch), scratch: true}
			ascii = isASCII(key)
		}
		ref.fp = fingerprint(key, ascii)

		f := &frames[len(frames)-1]
		if f.set != nil {
			folded := foldKey(key)
			if _, dup := f.set[folded]; dup {
				return start, ErrDuplicateKey
			}
			f.set[folded] = struct{}{}
		} else {
			for _, k := range keys[f.keyStart:] {
				if k.fp != ref.fp && (k.fp|ref.fp)&fpNonASCII == 0 {
					continue // both ASCII and certainly different
				}
				other := data
				if k.scratch {
					other = scratch
				}
				if equalKeys(other[k.start:k.end], key, (k.fp|ref.fp)&fpNonASCII == 0) {
					return start, ErrDuplicateKey
				}
			}
			if len(keys)-f.keyStart < smallObjectKeys {
				keys = append(keys, ref)
			} else {
				f.set = make(map[string]struct{}, 2*smallObjectKeys)
				for _, k := range keys[f.keyStart:] {
					other := data
					if k.scratch {
						other = scratch
					}
					f.set[foldKey(other[k.start:k.end])] = struct{}{}
				}
				f.set[foldKey(key)] = struct{}{}
				keys = keys[:f.keyStart]
				scratch = scratch[:f.scratchStart]
			}
		}

		if len(frames) == 1 {
			for _, r := range lim.ExactKeys {
				if (!ascii || len(r) == len(key)) && string(key) != r && equalKeys([]byte(r), key, ascii) {
					return start, ErrKeyCase
				}
			}
		}

		if st != nil && len(frames) == 1 {
			st.top++
			if st.topKey != nil {
				// Hand over a copy: passing key itself would make the
				// stack buffers it may point into escape on every call.
				st.buf = append(st.buf[:0], key...)
				if st.err = st.topKey(st.buf); st.err != nil {
					return start, st.err
				}
			}
		}
		i = skipSpace(data, end)
		if i >= n || data[i] != ':' {
			return i, ErrSyntax
		}
		return i + 1, nil
	}

	push := func(object bool) bool {
		if len(frames) >= maxDepth {
			return false
		}
		frames = append(frames, frame{object: object, keyStart: len(keys), scratchStart: len(scratch)})
		return true
	}

	pop := func() {
		f := &frames[len(frames)-1]
		keys = keys[:f.keyStart]
		scratch = scratch[:f.scratchStart]
		f.set = nil
		frames = frames[:len(frames)-1]
	}

value:
	for {
		// Scan one value starting at i.
		i = skipSpace(data, i)
		if i >= n {
			return false, errAt(i, ErrSyntax)
		}
		switch c := data[i]; c {
		case '{':
			if len(frames) == 0 {
				isObject = true
			}
			if !push(true) {
				return false, errAt(i, ErrTooDeep)
			}
			i = skipSpace(data, i+1)
			if i < n && data[i] == '}' {
				pop()
				i++
				break
			}
			if i, err = member(i); err != nil {
				return false, errAt(i, err)
			}
			continue value
		case '[':
			if !push(false) {
				return false, errAt(i, ErrTooDeep)
			}
			i = skipSpace(data, i+1)
			if i < n && data[i] == ']' {
				pop()
				i++
				break
			}
			continue value
		case '"':
			if i, _, err = scanString(data, i); err != nil {
				return false, errAt(i, err)
			}
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			if i, err = scanNumber(data, i); err != nil {
				return false, errAt(i, err)
			}
		case 't':
			if !hasPrefix(data[i:], "true") {
				return false, errAt(i, ErrSyntax)
			}
			i += len("true")
		case 'f':
			if !hasPrefix(data[i:], "false") {
				return false, errAt(i, ErrSyntax)
			}
			i += len("false")
		case 'n':
			if !hasPrefix(data[i:], "null") {
				return false, errAt(i, ErrSyntax)
			}
			i += len("null")
		default:
			return false, errAt(i, ErrSyntax)
		}

		// A value ended at i: continue or close the enclosing containers.
		for {
			i = skipSpace(data, i)
			if len(frames) == 0 {
				if i != n {
					return false, errAt(i, ErrSyntax)
				}
				if st != nil {
					st.total = totalKeys
				}
				return isObject, nil
			}
			if i >= n {
				return false, errAt(i, ErrSyntax)
			}
			object := frames[len(frames)-1].object
			switch c := data[i]; {
			case c == ',':
				i++
				if object {
					if i, err = member(i); err != nil {
						return false, errAt(i, err)
					}
				}
				continue value
			case object && c == '}', !object && c == ']':
				pop()
				i++
			default:
				return false, errAt(i, ErrSyntax)
			}
		}
	}
}

func hasPrefix(b []byte, s string) bool {
	return len(b) >= len(s) && string(b[:len(s)]) == s
}

// skipSpace returns the offset of the first non-whitespace byte at or after
// i, or len(data).
func skipSpace(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanNumber scans the number starting at data[i] and returns the offset
// just past it, or the offset of the offending byte and ErrSyntax.
func scanNumber(data []byte, i int) (int, error) {
	n := len(data)
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= n:
		return i, ErrSyntax
	case data[i] == '0':
		i++
	case '1' <= data[i] && data[i] <= '9':
		i = skipDigits(data, i+1)
	default:
		return i, ErrSyntax
	}
	if i < n && data[i] == '.' {
		i++
		if i >= n || !isDigit(data[i]) {
			return i, ErrSyntax
		}
		i = skipDigits(data, i+1)
	}
	if i < n && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < n && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= n || !isDigit(data[i]) {
			return i, ErrSyntax
		}
		i = skipDigits(data, i+1)
	}
	return i, nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func skipDigits(data []byte, i int) int {
	for i < len(data) && isDigit(data[i]) {
		i++
	}
	return i
}

const (
	flagEscape   = 1 << iota // the string has backslash escapes
	flagNonASCII             // the string has raw bytes >= 0x80
)

// plain[c] is true for bytes that stand for themselves in a JSON string
// and need no further checks: printable ASCII other than '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// hasSpecial reports whether any of the eight bytes in w is not plain:
// below 0x20, '"', '\\' or 0x80 and above.
func hasSpecial(w uint64) bool {
	const (
		ones  = 0x0101010101010101
		highs = 0x8080808080808080
	)
	quote := w ^ (ones * '"')
	backslash := w ^ (ones * '\\')
	// (x - ones) & ^x & highs is non-zero if and only if x has a zero
	// byte; (w - 0x20*ones) & ^w & highs if w has a byte below 0x20.
	return (w|(w-0x20*ones)|(quote-ones)&^quote|(backslash-ones)&^backslash)&highs != 0
}

// scanString scans the string whose opening quote is at data[i]. It returns
// the offset just past the closing quote and the string's flags, or the
// offset of the problem and ErrSyntax or ErrInvalidUTF8.
func scanString(data []byte, i int) (int, uint8, error) {
	var flags uint8
	n := len(data)
	i++
	for {
		// Skip eight plain bytes at a time, then one at a time.
		for i+8 <= n && !hasSpecial(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		for i < n && plain[data[i]] {
			i++
		}
		if i >= n {
			return i, flags, ErrSyntax
		}
		switch c := data[i]; {
		case c == '"':
			return i + 1, flags, nil
		case c == '\\':
			flags |= flagEscape
			var err error
			if i, err = scanEscape(data, i); err != nil {
				return i, flags, err
			}
		case c < 0x20:
			return i, flags, ErrSyntax
		default:
			flags |= flagNonASCII
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				return i, flags, ErrInvalidUTF8
			}
			i += size
		}
	}
}

// scanEscape scans the escape sequence starting with the backslash at
// data[i], including a following low surrogate escape if the first one is
// a high surrogate. It returns the offset just past it.
func scanEscape(data []byte, i int) (int, error) {
	if i+1 >= len(data) {
		return i + 1, ErrSyntax
	}
	switch data[i+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return i + 2, nil
	case 'u':
	default:
		return i + 1, ErrSyntax
	}
	r, ok := hex4(data, i+2)
	if !ok {
		return i + 2, ErrSyntax
	}
	switch {
	case r < 0xD800 || r > 0xDFFF:
		return i + 6, nil
	case r >= 0xDC00:
		return i, ErrInvalidUTF8 // lone low surrogate
	}
	// A high surrogate must be followed by an escaped low surrogate.
	j := i + 6
	if j+1 < len(data) && data[j] == '\\' && data[j+1] == 'u' {
		r2, ok := hex4(data, j+2)
		if !ok {
			return j + 2, ErrSyntax
		}
		if 0xDC00 <= r2 && r2 <= 0xDFFF {
			return j + 6, nil
		}
	}
	if j >= len(data) {
		return j, ErrSyntax
	}
	return i, ErrInvalidUTF8
}

// hex4 decodes the four hex digits at data[i:i+4].
func hex4(data []byte, i int) (rune, bool) {
	if i+4 > len(data) {
		return 0, false
	}
	var r rune
	for _, c := range data[i : i+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// appendUnescaped appends the unescaped form of s, the contents of a JSON
// string already checked by scanString, to dst.
func appendUnescaped(dst, s []byte) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			dst = append(dst, c)
			i++
			continue
		}
		switch s[i+1] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, _ := hex4(s, i+2)
			if 0xD800 <= r && r < 0xDC00 {
				r2, _ := hex4(s, i+8)
				r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
				i += 6
			}
			dst = utf8.AppendRune(dst, r)
			i += 6
			continue
		default: // '"', '\\', '/'
			dst = append(dst, s[i+1])
		}
		i += 2
	}
	return dst
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// equalKeys reports whether a and b are equal under Unicode case folding,
// as defined by bytes.EqualFold. If ascii is set, both are ASCII.
func equalKeys(a, b []byte, ascii bool) bool {
	if !ascii {
		return bytes.EqualFold(a, b)
	}
	if len(a) != len(b) {
		return false
	}
	for i, c := range a {
		if d := b[i]; c != d && (c|0x20 != d|0x20 || c|0x20 < 'a' || c|0x20 > 'z') {
			return false
		}
	}
	return true
}

// foldKey returns a canonical form of key such that foldKey(a) == foldKey(b)
// if and only if bytes.EqualFold(a, b), for valid UTF-8 a and b. Each rune is
// replaced by the smallest rune of its case folding orbit.
func foldKey(key []byte) string {
	var buf [64]byte
	out := buf[:0]
	for i := 0; i < len(key); {
		c := key[i]
		if c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(key[i:])
		out = utf8.AppendRune(out, minFold(r))
		i += size
	}
	return string(out)
}

// minFold returns the smallest rune that is equivalent to r under simple
// case folding.
func minFold(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}
