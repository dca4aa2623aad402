package paserk

import "errors"

// Sentinel errors. Every error returned by this package matches one of them
// with errors.Is, or paseto.ErrInvalidKey when key bytes are not a valid key
// (see each function). Error strings never contain key material, passwords
// or the PASERK string itself (a plaintext PASERK is a secret).
var (
	// ErrMalformed: the string is not a well-formed PASERK: longer than
	// [MaxLength], a bad "k<version>.<type>." header, data that is not
	// canonical unpadded base64url (padding, CR/LF, non-zero trailing bits),
	// data of the wrong length for its type, or an invalid ephemeral public
	// key in a seal.
	ErrMalformed = errors.New("paserk: malformed PASERK")
	// ErrUnsupported: the string names a version or type this package does
	// not implement: k1 (deprecated), any unknown version, an unknown type,
	// or a wrapping protocol other than "pie".
	ErrUnsupported = errors.New("paserk: unsupported PASERK version or type")
	// ErrWrongVersion: the PASERK's version differs from the version the
	// caller named, directly or through a key (the wrapping key, the
	// recipient key, or the key to wrap). Cross-version use is forbidden by
	// the PASERK specification. No cryptography has run when this is
	// returned.
	ErrWrongVersion = errors.New("paserk: PASERK or key of the wrong version")
	// ErrWrongType: the PASERK is of a supported type, but not one this
	// function accepts (for example a "seal" given to Parse, or a "public"
	// given to [ParseLocal]).
	ErrWrongType = errors.New("paserk: wrong PASERK type for this operation")
	// ErrInvalidMAC: the authentication tag of a wrapped, sealed or
	// password-wrapped key does not verify: wrong wrapping key, wrong
	// secret key, wrong password, or a tampered string. Nothing was
	// decrypted.
	ErrInvalidMAC = errors.New("paserk: invalid authentication tag")
	// ErrParamsTooExpensive: password-wrapping parameters exceed the limits
	// (the caller's, or [MaxPasswordParams]). When unwrapping, this is checked
	// before the key-derivation function runs, so a hostile string cannot
	// make the caller spend memory or time on it.
	ErrParamsTooExpensive = errors.New("paserk: password parameters exceed the limits")
	// ErrInvalidParams: password-wrapping parameters are not valid for the
	// algorithm (for example Argon2id memory below 8 KiB per lane, a memory
	// cost that is not a whole number of KiB when wrapping, a time cost or
	// iteration count of zero in a string) or below this package's minimums
	// when wrapping, or the password to wrap with is empty.
	ErrInvalidParams = errors.New("paserk: invalid password parameters")
)
