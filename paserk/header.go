package paserk

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/pasetokit/pasetokit/paseto"
)

// MaxLength is the longest string this package accepts. Only the header,
// read from the first few bytes, is looked at before the length is checked,
// so that a longer string of another version is reported as such; nothing
// is decoded. The longest supported PASERK, a k2/k4 secret-pw, is 216
// characters; 1 KiB leaves room without letting a caller be made to decode
// large inputs.
const MaxLength = 1024

// PASERK types, as [TypeOf] returns them. The wrapped types include their
// wrapping protocol; "pie" is the only one supported.
const (
	TypeLocal          = "local"           // symmetric key (ParseLocal)
	TypePublic         = "public"          // public key (ParsePublic)
	TypeSecret         = "secret"          // secret key (ParseSecret)
	TypeLocalID        = "lid"             // ID of a local key (LocalID)
	TypePublicID       = "pid"             // ID of a public key (PublicID)
	TypeSecretID       = "sid"             // ID of a secret key (SecretID)
	TypeLocalWrap      = "local-wrap.pie"  // symmetric key wrapped by a symmetric key (UnwrapLocal)
	TypeSecretWrap     = "secret-wrap.pie" // secret key wrapped by a symmetric key (UnwrapSecret)
	TypeSeal           = "seal"            // symmetric key sealed to a public key (Unseal)
	TypeLocalPassword  = "local-pw"        // symmetric key wrapped with a password (PasswordUnwrapLocal)
	TypeSecretPassword = "secret-pw"       // secret key wrapped with a password (PasswordUnwrapSecret)
)

// b64 is unpadded base64url that rejects non-zero trailing bits. It still
// skips CR and LF, so decodeData rejects those first.
var b64 = base64.RawURLEncoding.Strict()

// header is the parsed "k<version>.<type>." prefix of a PASERK.
type header struct {
	version int    // as written; may be a version this package does not support
	typ     string // one of the Type constants
	data    string // everything after the header
}

// maxHeader bounds the part of a string that splitHeader scans for the
// header; the longest supported header, "k4.secret-wrap.pie.", is 19
// bytes.
const maxHeader = 32

// splitHeader parses the header of s. It checks the header syntax, that
// the type is known and the length bound; it does not check the version,
// so that callers that expect a version can report [ErrWrongVersion] for a
// k1 string. The header is read, from a bounded prefix, before the length
// is checked, so that an over-long string of another version (k1 secret
// keys are RSA keys, well over [MaxLength]) is reported as such.
func splitHeader(s string) (header, error) {
	if len(s) < 3 || s[0] != 'k' {
		return header{}, fmt.Errorf("%w: no k<version> header", ErrMalformed)
	}
	head := s[1:min(len(s), maxHeader)]
	dot := strings.IndexByte(head, '.')
	if dot < 1 || dot > 3 {
		return header{}, fmt.Errorf("%w: bad version", ErrMalformed)
	}
	v := 0
	for i := range dot {
		c := head[i]
		if c < '0' || c > '9' || (i == 0 && c == '0') {
			return header{}, fmt.Errorf("%w: bad version", ErrMalformed)
		}
		v = v*10 + int(c-'0')
	}
	n := 1 + dot + 1 // bytes of s consumed: "k", version, "."
	head = head[dot+1:]
	dot = strings.IndexByte(head, '.')
	if dot < 0 {
		return header{}, fmt.Errorf("%w: no type", ErrMalformed)
	}
	typ := head[:dot]
	n += dot + 1
	head = head[dot+1:]
	switch typ {
	case TypeLocal, TypePublic, TypeSecret, TypeLocalID, TypePublicID, TypeSecretID,
		TypeSeal, TypeLocalPassword, TypeSecretPassword:
	case "local-wrap", "secret-wrap":
		dot = strings.IndexByte(head, '.')
		if dot < 0 {
			return header{}, fmt.Errorf("%w: no wrapping protocol", ErrMalformed)
		}
		if head[:dot] != "pie" {
			return header{}, fmt.Errorf("%w: wrapping protocol other than pie", ErrUnsupported)
		}
		typ += ".pie"
		n += dot + 1
	default:
		return header{}, fmt.Errorf("%w: unknown type", ErrUnsupported)
	}
	if len(s) > MaxLength {
		return header{version: v, typ: typ}, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, MaxLength)
	}
	return header{version: v, typ: typ, data: s[n:]}, nil
}

// supported reports whether v is a version this package implements.
func supported(v int) bool { return v == 2 || v == 3 || v == 4 }

// TypeOf reads the header of a PASERK, such as "k4.seal.", and returns its
// version and type (one of the Type constants), for tools that must decide
// what to do with a string. It does not decode or check the data after the
// header; the Parse, Unwrap and Unseal functions do that.
//
// The errors are [ErrMalformed] for a string without a valid header or longer
// than [MaxLength], and [ErrUnsupported] for k1, an unknown version or type, or
// a wrapping protocol other than "pie".
func TypeOf(s string) (version paseto.Version, typ string, err error) {
	h, err := splitHeader(s)
	if h.typ != "" && !supported(h.version) {
		return 0, "", fmt.Errorf("%w: version k%d", ErrUnsupported, h.version)
	}
	if err != nil {
		return 0, "", err
	}
	return paseto.Version(h.version), h.typ, nil
}

// expect parses the header of s and checks that it is of version v and type
// typ. A string of another version is [ErrWrongVersion], even when that
// version is not supported, since the caller asked for v.
func expect(s string, v paseto.Version, typ string) (string, error) {
	h, err := splitHeader(s)
	if h.typ != "" && h.version != int(v) {
		// The header was read; report the version even for an over-long
		// string.
		return "", fmt.Errorf("%w: expected k%d, got k%d", ErrWrongVersion, int(v), h.version)
	}
	if err != nil {
		return "", err
	}
	if h.typ != typ {
		return "", fmt.Errorf("%w: expected %s, got %s", ErrWrongType, typ, h.typ)
	}
	return h.data, nil
}

// prefix returns the header "k<v>.<typ>." for a supported version.
func prefix(v paseto.Version, typ string) string {
	return "k" + string(rune('0'+v)) + "." + typ + "."
}

// decodeData decodes the data of a PASERK, which must be exactly n bytes
// of canonical unpadded base64url. The length is checked before decoding.
func decodeData(data string, n int) ([]byte, error) {
	if len(data) != b64.EncodedLen(n) {
		return nil, fmt.Errorf("%w: data of the wrong length", ErrMalformed)
	}
	if strings.ContainsAny(data, "\r\n") {
		return nil, fmt.Errorf("%w: line break in data", ErrMalformed)
	}
	out := make([]byte, n)
	m, err := b64.Decode(out, []byte(data))
	if err != nil || m != n {
		return nil, fmt.Errorf("%w: data is not canonical unpadded base64url", ErrMalformed)
	}
	return out, nil
}

// versionOK checks that v is a version this package supports; keys from
// the paseto constructors always are, zero-value keys are not.
func versionOK(v paseto.Version) error {
	if !supported(int(v)) {
		return fmt.Errorf("%w: key of unsupported version", paseto.ErrInvalidKey)
	}
	return nil
}
