package paserk

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"math"

	"github.com/pasetokit/pasetokit/paseto"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/blake2b"
)

// PasswordParams are the cost parameters of password wrapping. Argon2id
// (Memory, Time, Parallelism) is used for k2 and k4 keys, PBKDF2-SHA384
// (Iterations) for k3 keys; the fields of the other algorithm are ignored.
//
// When wrapping, a zero field takes its value from [DefaultPasswordParams].
// When unwrapping, the parameters are limits and a zero field takes its
// value from [MaxPasswordParams].
type PasswordParams struct {
	// Memory is the Argon2id memory cost in bytes (libsodium's memlimit).
	// When wrapping it must be a whole number of KiB and at least 8 KiB per
	// lane.
	Memory uint64
	// Time is the Argon2id number of passes (libsodium's opslimit).
	Time uint32
	// Parallelism is the number of Argon2id lanes. Values other than 1
	// cannot be unwrapped by libsodium-based implementations of PASERK,
	// which support only one lane.
	Parallelism uint32
	// Iterations is the PBKDF2-SHA384 iteration count. When wrapping it
	// must be at least 1,000.
	Iterations uint32
}

// DefaultPasswordParams returns the parameters used for the zero fields of
// the parameters given to [PasswordWrapLocal] and [PasswordWrapSecret]:
//
//   - Argon2id: 64 MiB, 2 passes, 1 lane. These are libsodium's
//     "interactive" limits (crypto_pwhash_MEMLIMIT_INTERACTIVE and
//     OPSLIMIT_INTERACTIVE), as in the first official k2/k4 test vector.
//     One lane keeps the result readable by implementations built on
//     libsodium, which support no other.
//   - PBKDF2-SHA384: 210,000 iterations. The PASERK specification's default
//     is 100,000; 210,000 is OWASP's 2023 recommendation for
//     PBKDF2-HMAC-SHA512, whose compression function SHA-384 shares, so it
//     costs the same per iteration.
//
// Both take roughly a tenth to a quarter of a second on current servers.
// Use larger values for keys that are unwrapped rarely.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 64 << 20, Time: 2, Parallelism: 1, Iterations: 210_000}
}

// MaxPasswordParams returns the limits used for the zero fields of the
// limits given to [PasswordUnwrapLocal] and [PasswordUnwrapSecret]; the wrap
// functions also refuse parameters above them, so that every string this
// package writes can be read with the default limits:
//
//   - Argon2id memory 1 GiB: libsodium's "sensitive" limit, the largest of
//     its presets.
//   - Argon2id time 8: twice the "sensitive" preset's 4 passes.
//   - Argon2id parallelism 16.
//   - PBKDF2-SHA384 5,000,000 iterations: about 24 times the default.
//
// At these limits one unwrap costs several seconds of CPU and, for k2/k4,
// 1 GiB of memory. A service that unwraps strings it does not trust should
// pass lower limits.
func MaxPasswordParams() PasswordParams {
	return PasswordParams{Memory: 1 << 30, Time: 8, Parallelism: 16, Iterations: 5_000_000}
}

// Hard bounds of the implementations, whatever limits the caller passes:
// x/crypto/argon2 takes the memory in KiB as a uint32 and the lanes as a
// uint8, and crypto/pbkdf2 takes the iteration count as an int.
const (
	hardMaxMemory      = math.MaxUint32 * 1024
	hardMaxParallelism = math.MaxUint8
	hardMaxIterations  = math.MaxInt32
	minIterations      = 1000 // when wrapping
)

// KDFs, replaceable by tests to prove they are not run.
var (
	argon2idKey  = argon2.IDKey
	pbkdf2SHA384 = func(password, salt []byte, iter int) ([]byte, error) {
		return pbkdf2.Key(sha512.New384, string(password), salt, iter, 32)
	}
)

// Layout of the decoded data of local-pw and secret-pw:
//
//	k2, k4: salt(16) || mem(8) || time(4) || para(4) || nonce(24) || edk || tag(32)
//	k3:     salt(32) || iterations(4) || nonce(16) || edk || tag(48)
//
// All integers are big-endian. The tag covers the header and everything
// before it.
const (
	argonSaltSize  = 16
	argonNonceSize = 24
	argonTagSize   = 32
	argonFixed     = argonSaltSize + 8 + 4 + 4 + argonNonceSize + argonTagSize
	pbkdfSaltSize  = 32
	pbkdfNonceSize = 16
	pbkdfTagSize   = 48
	pbkdfFixed     = pbkdfSaltSize + 4 + pbkdfNonceSize + pbkdfTagSize
)

func pwSize(v paseto.Version, keyLen int) int {
	if v == paseto.V3 {
		return pbkdfFixed + keyLen
	}
	return argonFixed + keyLen
}

// fill returns p with its zero fields taken from d.
func fill(p, d PasswordParams) PasswordParams {
	if p.Memory == 0 {
		p.Memory = d.Memory
	}
	if p.Time == 0 {
		p.Time = d.Time
	}
	if p.Parallelism == 0 {
		p.Parallelism = d.Parallelism
	}
	if p.Iterations == 0 {
		p.Iterations = d.Iterations
	}
	return p
}

// effectiveLimits returns the limits for unwrapping: limits with its zero
// fields defaulted, capped at what the implementations can run.
func effectiveLimits(limits PasswordParams) PasswordParams {
	l := fill(limits, MaxPasswordParams())
	l.Memory = min(l.Memory, hardMaxMemory)
	l.Parallelism = min(l.Parallelism, hardMaxParallelism)
	l.Iterations = min(l.Iterations, hardMaxIterations)
	return l
}

// checkCost checks the parameters p of version v against the limits l and
// the algorithm's rules. Nothing expensive has run when it fails.
func checkCost(v paseto.Version, p, l PasswordParams) error {
	if v == paseto.V3 {
		if p.Iterations == 0 {
			return fmt.Errorf("%w: zero iterations", ErrInvalidParams)
		}
		if p.Iterations > l.Iterations {
			return fmt.Errorf("%w: %d iterations, limit %d", ErrParamsTooExpensive, p.Iterations, l.Iterations)
		}
		return nil
	}
	if p.Time == 0 || p.Parallelism == 0 {
		return fmt.Errorf("%w: Argon2id time and parallelism must be at least 1", ErrInvalidParams)
	}
	if p.Memory > l.Memory {
		return fmt.Errorf("%w: Argon2id memory %d bytes, limit %d", ErrParamsTooExpensive, p.Memory, l.Memory)
	}
	if p.Time > l.Time {
		return fmt.Errorf("%w: Argon2id time %d, limit %d", ErrParamsTooExpensive, p.Time, l.Time)
	}
	if p.Parallelism > l.Parallelism {
		return fmt.Errorf("%w: Argon2id parallelism %d, limit %d", ErrParamsTooExpensive, p.Parallelism, l.Parallelism)
	}
	// Argon2 needs at least 8 KiB per lane; x/crypto/argon2 would silently
	// round up, so reject it here instead.
	if p.Memory/1024 < 8*uint64(p.Parallelism) {
		return fmt.Errorf("%w: Argon2id memory must be at least 8 KiB per lane", ErrInvalidParams)
	}
	return nil
}

// pwKeys runs the KDF and derives the encryption and authentication keys:
//
//	k2, k4: k = Argon2id(pw, salt, mem, time, para); Ek = BLAKE2b-256(0xFF || k); Ak = BLAKE2b-256(0xFE || k)
//	k3:     k = PBKDF2-SHA384(pw, salt, i); Ek = SHA-384(0xFF || k)[:32]; Ak = SHA-384(0xFE || k)
func pwKeys(v paseto.Version, password, salt []byte, p PasswordParams) (ek, ak []byte, err error) {
	var k []byte
	if v == paseto.V3 {
		if k, err = pbkdf2SHA384(password, salt, int(p.Iterations)); err != nil {
			return nil, nil, fmt.Errorf("%w: %v", ErrInvalidParams, err)
		}
	} else {
		// Memory is a whole number of KiB when wrapping; a string with a
		// remainder is read as libsodium reads it, rounding down.
		k = argon2idKey(password, salt, p.Time, uint32(p.Memory/1024), uint8(p.Parallelism), 32)
	}
	buf := make([]byte, 1+len(k))
	copy(buf[1:], k)
	clear(k)
	defer clear(buf)
	if v == paseto.V3 {
		buf[0] = 0xff
		e := sha512.Sum384(buf)
		buf[0] = 0xfe
		a := sha512.Sum384(buf)
		return e[:32], a[:], nil
	}
	buf[0] = 0xff
	e := blake2b.Sum256(buf)
	buf[0] = 0xfe
	a := blake2b.Sum256(buf)
	return e[:], a[:], nil
}

// pwTag computes the tag of h || msg with Ak.
func pwTag(v paseto.Version, ak []byte, h string, msg []byte) []byte {
	if v == paseto.V3 {
		m := hmac.New(sha512.New384, ak)
		m.Write([]byte(h))
		m.Write(msg)
		return m.Sum(nil)
	}
	m, _ := blake2b.New256(ak) // ak is 32 bytes: cannot fail
	m.Write([]byte(h))
	m.Write(msg)
	return m.Sum(nil)
}

// pwWrap wraps ptk, a key of version v, as a PASERK of type typ.
func pwWrap(v paseto.Version, typ string, ptk, password []byte, params PasswordParams) (string, error) {
	if len(password) == 0 {
		return "", fmt.Errorf("%w: empty password", ErrInvalidParams)
	}
	p := fill(params, DefaultPasswordParams())
	if err := checkCost(v, p, MaxPasswordParams()); err != nil {
		return "", err
	}
	if v == paseto.V3 && p.Iterations < minIterations {
		return "", fmt.Errorf("%w: at least %d PBKDF2 iterations", ErrInvalidParams, minIterations)
	}
	if v != paseto.V3 && p.Memory%1024 != 0 {
		return "", fmt.Errorf("%w: Argon2id memory must be a whole number of KiB", ErrInvalidParams)
	}

	out := make([]byte, pwSize(v, len(ptk)))
	off := edkOffset(v)
	end := off + len(ptk)
	var salt, nonce []byte
	if v == paseto.V3 {
		salt, nonce = out[:pbkdfSaltSize], out[pbkdfSaltSize+4:off]
		binary.BigEndian.PutUint32(out[pbkdfSaltSize:], p.Iterations)
	} else {
		salt, nonce = out[:argonSaltSize], out[argonSaltSize+16:off]
		binary.BigEndian.PutUint64(out[argonSaltSize:], p.Memory)
		binary.BigEndian.PutUint32(out[argonSaltSize+8:], p.Time)
		binary.BigEndian.PutUint32(out[argonSaltSize+12:], p.Parallelism)
	}
	rand.Read(salt)
	rand.Read(nonce)
	ek, ak, err := pwKeys(v, password, salt, p)
	if err != nil {
		return "", err
	}
	defer clear(ek)
	defer clear(ak)
	edk := out[off:end]
	copy(edk, ptk)
	xorKeyStream(v, ek, nonce, edk)
	h := prefix(v, typ)
	copy(out[end:], pwTag(v, ak, h, out[:end]))
	return h + b64.EncodeToString(out), nil
}

// edkOffset is where the encrypted key starts in the decoded data.
func edkOffset(v paseto.Version) int {
	if v == paseto.V3 {
		return pbkdfSaltSize + 4 + pbkdfNonceSize
	}
	return argonSaltSize + 16 + argonNonceSize
}

// pwParams reads the parameters from decoded data of version v.
func pwParams(v paseto.Version, raw []byte) PasswordParams {
	if v == paseto.V3 {
		return PasswordParams{Iterations: binary.BigEndian.Uint32(raw[pbkdfSaltSize:])}
	}
	return PasswordParams{
		Memory:      binary.BigEndian.Uint64(raw[argonSaltSize:]),
		Time:        binary.BigEndian.Uint32(raw[argonSaltSize+8:]),
		Parallelism: binary.BigEndian.Uint32(raw[argonSaltSize+12:]),
	}
}

// pwUnwrap checks and decrypts a PASERK of version v and type typ that
// wraps a key of keyLen bytes, and returns the key bytes.
func pwUnwrap(v paseto.Version, typ, s string, password []byte, limits PasswordParams, keyLen int) ([]byte, error) {
	if err := checkVersion(v); err != nil {
		return nil, err
	}
	data, err := expect(s, v, typ)
	if err != nil {
		return nil, err
	}
	raw, err := decodeData(data, pwSize(v, keyLen))
	if err != nil {
		return nil, err
	}
	p := pwParams(v, raw)
	if err := checkCost(v, p, effectiveLimits(limits)); err != nil {
		return nil, err
	}
	off := edkOffset(v)
	end := off + keyLen
	var salt, nonce []byte
	if v == paseto.V3 {
		salt, nonce = raw[:pbkdfSaltSize], raw[pbkdfSaltSize+4:off]
	} else {
		salt, nonce = raw[:argonSaltSize], raw[argonSaltSize+16:off]
	}
	ek, ak, err := pwKeys(v, password, salt, p)
	if err != nil {
		return nil, err
	}
	defer clear(ek)
	defer clear(ak)
	if subtle.ConstantTimeCompare(raw[end:], pwTag(v, ak, prefix(v, typ), raw[:end])) != 1 {
		return nil, ErrInvalidMAC
	}
	edk := raw[off:end]
	xorKeyStream(v, ek, nonce, edk)
	return edk, nil
}

// PasswordWrapLocal encrypts the symmetric key k with a key derived from
// password and returns a "k<v>.local-pw." PASERK: Argon2id for k2 and k4,
// PBKDF2-SHA384 for k3. The parameters are stored in the string and
// authenticated. Zero fields of p take [DefaultPasswordParams]; parameters
// above [MaxPasswordParams] are [ErrParamsTooExpensive], and invalid ones or
// an empty password are [ErrInvalidParams]. The password is used as given,
// without normalization; callers that accept typed passwords may want to
// normalize them (for example to Unicode NFC) first.
func PasswordWrapLocal(k *paseto.SymmetricKey, password []byte, p PasswordParams) (string, error) {
	ptk, err := localBytes(k)
	if err != nil {
		return "", err
	}
	defer clear(ptk)
	return pwWrap(k.Version(), TypeLocalPassword, ptk, password, p)
}

// PasswordUnwrapLocal decrypts a "k<v>.local-pw." PASERK of version v with
// password. The string's parameters are checked against limits (zero fields
// take [MaxPasswordParams]) before the key-derivation function runs:
// [ErrParamsTooExpensive] if they exceed it, [ErrInvalidParams] if they are
// not valid for the algorithm. Other errors: [ErrWrongVersion], [ErrWrongType],
// [ErrMalformed], [ErrUnsupported] (v is not V2, V3 or V4) and [ErrInvalidMAC]
// (wrong password or tampered string).
func PasswordUnwrapLocal(v paseto.Version, s string, password []byte, limits PasswordParams) (*paseto.SymmetricKey, error) {
	ptk, err := pwUnwrap(v, TypeLocalPassword, s, password, limits, localSize)
	if err != nil {
		return nil, err
	}
	defer clear(ptk)
	return newLocal(v, ptk)
}

// PasswordWrapSecret encrypts the secret key k with a key derived from
// password and returns a "k<v>.secret-pw." PASERK. See [PasswordWrapLocal].
func PasswordWrapSecret(k *paseto.SecretKey, password []byte, p PasswordParams) (string, error) {
	ptk, err := secretBytes(k)
	if err != nil {
		return "", err
	}
	defer clear(ptk)
	return pwWrap(k.Version(), TypeSecretPassword, ptk, password, p)
}

// PasswordUnwrapSecret decrypts a "k<v>.secret-pw." PASERK of version v
// with password. Errors are as for [PasswordUnwrapLocal], plus
// paseto.ErrInvalidKey if the authenticated plaintext is not a valid
// secret key of version v.
func PasswordUnwrapSecret(v paseto.Version, s string, password []byte, limits PasswordParams) (*paseto.SecretKey, error) {
	ptk, err := pwUnwrap(v, TypeSecretPassword, s, password, limits, secretSize(v))
	if err != nil {
		return nil, err
	}
	defer clear(ptk)
	return newSecret(v, ptk)
}
