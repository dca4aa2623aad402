package paseto

import (
	"encoding/base64"
	"encoding/binary"
	"hash"
	"strings"
)

// b64 is unpadded base64url that rejects non-zero trailing bits. The
// standard decoder still skips CR and LF, so decode checks for those first.
var b64 = base64.RawURLEncoding.Strict()

// decodeB64Into decodes s strictly into dst, which must be exactly
// b64.DecodedLen(len(s)) long.
func decodeB64Into(dst []byte, s string) bool {
	if strings.IndexByte(s, '\n') >= 0 || strings.IndexByte(s, '\r') >= 0 {
		return false
	}
	// The conversion does not copy: the compiler sees that Decode neither
	// keeps nor changes src.
	n, err := b64.Decode(dst, []byte(s))
	return err == nil && n == len(dst)
}

// buildToken returns the token h || b64(body) [|| "." || b64(footer)]. Its
// only allocation is the token's bytes: a strings.Builder grown once to the
// exact length, filled through a buffer on the stack.
func buildToken(h string, body, footer []byte) string {
	n := len(h) + b64.EncodedLen(len(body))
	if len(footer) > 0 {
		n += 1 + b64.EncodedLen(len(footer))
	}
	var sb strings.Builder
	sb.Grow(n)
	sb.WriteString(h)
	writeB64(&sb, body)
	if len(footer) > 0 {
		sb.WriteByte('.')
		writeB64(&sb, footer)
	}
	return sb.String()
}

// writeB64 writes b64(src) to sb in chunks of whole 3-byte groups, which
// encode exactly as the same bytes do within src.
func writeB64(sb *strings.Builder, src []byte) {
	var buf [512]byte
	const chunk = len(buf) / 4 * 3 // input bytes whose encoding fills buf
	for len(src) > 0 {
		k := min(len(src), chunk)
		m := b64.EncodedLen(k)
		b64.Encode(buf[:m], src[:k])
		sb.Write(buf[:m])
		src = src[k:]
	}
}

// le64 encodes n as PASETO's LE64: little-endian with the top bit cleared.
func le64(b []byte, n uint64) { binary.LittleEndian.PutUint64(b, n&^(1<<63)) }

// pae returns the Pre-Authentication Encoding of pieces.
func pae(pieces ...[]byte) []byte {
	n := 8
	for _, p := range pieces {
		n += 8 + len(p)
	}
	out := make([]byte, n)
	le64(out, uint64(len(pieces)))
	i := 8
	for _, p := range pieces {
		le64(out[i:], uint64(len(p)))
		i += 8
		i += copy(out[i:], p)
	}
	return out
}

// paeWrite streams the Pre-Authentication Encoding of pieces into h, so a MAC
// or digest over it needs no buffer. n is scratch space for the lengths,
// passed in because anything h.Write sees escapes to the heap.
func paeWrite(h hash.Hash, n *[8]byte, pieces ...[]byte) {
	le64(n[:], uint64(len(pieces)))
	h.Write(n[:])
	for _, p := range pieces {
		le64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
}

// PAE returns the Pre-Authentication Encoding of pieces, as the PASETO
// specification defines it: the count of pieces, then each piece's length
// and bytes, every count and length as a little-endian 64-bit integer with
// the most significant bit cleared. It is exported for implementers of
// protocols on top of PASETO; token users never need it.
func PAE(pieces ...[]byte) []byte { return pae(pieces...) }
