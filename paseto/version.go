package paseto

import "strconv"

// Version is a PASETO protocol version. Only [V2], [V3] and [V4] are implemented;
// V1 is deprecated by the specification and deliberately left out.
type Version uint8

// The supported protocol versions.
const (
	V2 Version = 2 // Ed25519 signatures, XChaCha20-Poly1305 encryption.
	V3 Version = 3 // NIST: P-384 ECDSA signatures, AES-256-CTR with HMAC-SHA384.
	V4 Version = 4 // Ed25519 signatures, XChaCha20 with keyed BLAKE2b. Recommended.
)

// String returns "v2", "v3" or "v4".
func (v Version) String() string {
	switch v {
	case V2, V3, V4:
		return "v" + strconv.Itoa(int(v))
	}
	return "v?(" + strconv.Itoa(int(v)) + ")"
}

func (v Version) valid() bool { return v == V2 || v == V3 || v == V4 }

// Purpose is what a token is for: Local (symmetric encryption) or Public
// (public-key signatures).
type Purpose uint8

// The two token purposes.
const (
	Local  Purpose = 1 // Encrypted and authenticated with a SymmetricKey.
	Public Purpose = 2 // Signed with a SecretKey, verified with a PublicKey.
)

// String returns "local" or "public".
func (p Purpose) String() string {
	switch p {
	case Local:
		return "local"
	case Public:
		return "public"
	}
	return "purpose?(" + strconv.Itoa(int(p)) + ")"
}

// header returns the token header for v and p, such as "v4.local.".
func header(v Version, p Purpose) string {
	switch {
	case v == V2 && p == Local:
		return "v2.local."
	case v == V2 && p == Public:
		return "v2.public."
	case v == V3 && p == Local:
		return "v3.local."
	case v == V3 && p == Public:
		return "v3.public."
	case v == V4 && p == Local:
		return "v4.local."
	case v == V4 && p == Public:
		return "v4.public."
	}
	return ""
}

// parseHeader reads the version and purpose at the start of token. ok is
// false when the token does not start with a supported header.
func parseHeader(token string) (v Version, p Purpose, ok bool) {
	if len(token) < 9 || token[0] != 'v' || token[2] != '.' {
		return 0, 0, false
	}
	switch token[1] {
	case '2':
		v = V2
	case '3':
		v = V3
	case '4':
		v = V4
	default:
		return 0, 0, false
	}
	switch {
	case len(token) >= 9 && token[3:9] == "local.":
		return v, Local, true
	case len(token) >= 10 && token[3:10] == "public.":
		return v, Public, true
	}
	return 0, 0, false
}
