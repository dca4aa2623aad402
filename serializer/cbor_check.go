package serializer

import (
	"bytes"
	"unicode/utf8"
)

// cborChecker checks the parts of a [CBOR] payload's validity that the [CBOR]
// library checks only for the data items it decodes, and so not in map
// values that a destination struct has no field for: every text string
// must be valid UTF-8, every map key must be a text string, and no map may
// have two equal keys.
//
// Its input must already have passed DecMode.Wellformed with the
// serializer's options, so that it is a single data item with definite
// lengths, no tags, and nesting bounded by MaxNestedLevels, which bounds the
// recursion. It still checks bounds, and never panics.
type cborChecker struct {
	data []byte
	// keys holds the keys, as offsets into data, of the maps being
	// checked, innermost last.
	keys []keyRange
}

type keyRange struct{ start, end int }

// smallMapKeys is the number of keys up to which a map's keys are compared
// pairwise; beyond it, they are kept in a Go map.
const smallMapKeys = 16

// checkCBOR checks data as described on cborChecker. It returns nil or a
// *payloadError.
func checkCBOR(data []byte) error {
	var buf [32]keyRange
	c := cborChecker{data: data, keys: buf[:0]}
	end, err := c.item(0)
	if err == nil && end != len(data) {
		err = &payloadError{Kind: ErrMalformed, Format: "CBOR", Detail: "data after the top-level item", Offset: int64(end)}
	}
	return err
}

func (c *cborChecker) malformed(off int, detail string) error {
	return &payloadError{Kind: ErrMalformed, Format: "CBOR", Detail: detail, Offset: int64(off)}
}

// head decodes the head of the data item at off, returning its major type,
// its argument and the offset just past the head.
func (c *cborChecker) head(off int) (major byte, arg uint64, next int, err error) {
	if off >= len(c.data) {
		return 0, 0, 0, c.malformed(off, "unexpected end of input")
	}
	b := c.data[off]
	major, ai := b>>5, b&0x1f
	next = off + 1
	var n int
	switch {
	case ai < 24:
		return major, uint64(ai), next, nil
	case ai == 24:
		n = 1
	case ai == 25:
		n = 2
	case ai == 26:
		n = 4
	case ai == 27:
		n = 8
	default:
		return 0, 0, 0, c.malformed(off, "indefinite length or reserved additional information")
	}
	if len(c.data)-next < n {
		return 0, 0, 0, c.malformed(off, "unexpected end of input")
	}
	for _, x := range c.data[next : next+n] {
		arg = arg<<8 | uint64(x)
	}
	return major, arg, next + n, nil
}

// item checks the data item at off and returns the offset just past it.
func (c *cborChecker) item(off int) (int, error) {
	major, arg, next, err := c.head(off)
	if err != nil {
		return 0, err
	}
	switch major {
	case 0, 1, 7: // integers, simple values and floats: no content
		return next, nil
	case 2, 3: // byte and text strings
		if arg > uint64(len(c.data)-next) {
			return 0, c.malformed(off, "unexpected end of input")
		}
		end := next + int(arg)
		if major == 3 && !utf8.Valid(c.data[next:end]) {
			return 0, c.malformed(off, "invalid UTF-8 string")
		}
		return end, nil
	case 4: // array
		// Each element takes at least one byte.
		if arg > uint64(len(c.data)-next) {
			return 0, c.malformed(off, "unexpected end of input")
		}
		for range arg {
			if next, err = c.item(next); err != nil {
				return 0, err
			}
		}
		return next, nil
	case 5: // map
		if arg > uint64(len(c.data)-next)/2 {
			return 0, c.malformed(off, "unexpected end of input")
		}
		return c.mapItems(next, int(arg))
	default: // tags are forbidden
		return 0, c.malformed(off, "tag")
	}
}

// mapItems checks the n key-value pairs of a map starting at off.
func (c *cborChecker) mapItems(off, n int) (int, error) {
	start := len(c.keys)
	defer func() { c.keys = c.keys[:start] }()
	var set map[string]struct{}
	for range n {
		major, arg, next, err := c.head(off)
		if err != nil {
			return 0, err
		}
		if major != 3 {
			return 0, c.malformed(off, "map key is not a text string")
		}
		if arg > uint64(len(c.data)-next) {
			return 0, c.malformed(off, "unexpected end of input")
		}
		k := keyRange{next, next + int(arg)}
		key := c.data[k.start:k.end]
		if !utf8.Valid(key) {
			return 0, c.malformed(off, "invalid UTF-8 string")
		}

		if set != nil {
			if _, dup := set[string(key)]; dup {
				return 0, &payloadError{Kind: ErrDuplicateKey, Format: "CBOR", Offset: int64(off)}
			}
			set[string(key)] = struct{}{}
		} else {
			for _, other := range c.keys[start:] {
				if bytes.Equal(c.data[other.start:other.end], key) {
					return 0, &payloadError{Kind: ErrDuplicateKey, Format: "CBOR", Offset: int64(off)}
				}
			}
			if len(c.keys)-start < smallMapKeys {
				c.keys = append(c.keys, k)
			} else {
				set = make(map[string]struct{}, 2*smallMapKeys)
				for _, other := range c.keys[start:] {
					set[string(c.data[other.start:other.end])] = struct{}{}
				}
				set[string(key)] = struct{}{}
				c.keys = c.keys[:start]
			}
		}

		if off, err = c.item(k.end); err != nil {
			return 0, err
		}
	}
	return off, nil
}
