package paseto

import "errors"

// Sentinel errors. Every error returned by this package matches one of them
// with errors.Is. Error strings never contain key material, payload or claim
// values.
var (
	// ErrMalformed: the token is not well formed: wrong number of parts,
	// non-canonical base64url, a trailing "." with an empty footer, or a body
	// too short to hold the nonce, tag or signature.
	ErrMalformed = errors.New("paseto: malformed token")
	// ErrTokenTooLong: the token is longer than the configured maximum. It is
	// checked before anything else is read.
	ErrTokenTooLong = errors.New("paseto: token too long")
	// ErrFooterTooLong: the footer is longer than the configured maximum.
	ErrFooterTooLong = errors.New("paseto: footer too long")
	// ErrUnsupported: the token header names a version or purpose this
	// package does not implement (v1, or anything unknown).
	ErrUnsupported = errors.New("paseto: unsupported token version or purpose")
	// ErrWrongKey: the key is of another version or purpose than the token or
	// operation. No cryptography has run when this is returned.
	ErrWrongKey = errors.New("paseto: key does not match token version or purpose")
	// ErrInvalidKey: key bytes, PEM or parameters are not a valid key.
	ErrInvalidKey = errors.New("paseto: invalid key")
	// ErrInvalidSignature: the signature of a public token does not verify.
	ErrInvalidSignature = errors.New("paseto: invalid signature")
	// ErrInvalidMAC: the authentication tag of a local token does not verify
	// (wrong key, tampered token, footer or implicit assertion).
	ErrInvalidMAC = errors.New("paseto: invalid authentication tag")
	// ErrImplicitUnsupported: an implicit assertion was given for a v2 key;
	// v2 cannot bind one, and silently dropping it would be a trap.
	ErrImplicitUnsupported = errors.New("paseto: v2 does not support implicit assertions")

	// ErrInvalidFooter: a JSON footer is not a JSON object within the
	// footer limits, or its kid is not a string.
	ErrInvalidFooter = errors.New("paseto: invalid footer")
	// ErrKeyInFooter: the footer's kid holds PASERK key material instead of
	// a key identifier. The specification forbids putting keys in footers.
	ErrKeyInFooter = errors.New("paseto: footer kid holds a key, not a key id")

	// ErrInvalidClaims: the payload is not a JSON object, has duplicate keys
	// or a registered claim of the wrong type.
	ErrInvalidClaims = errors.New("paseto: invalid claims")
	// ErrExpired: the exp claim is in the past.
	ErrExpired = errors.New("paseto: token expired")
	// ErrNotYetValid: the nbf claim is in the future.
	ErrNotYetValid = errors.New("paseto: token not yet valid")
	// ErrIssuedInFuture: the iat claim is in the future.
	ErrIssuedInFuture = errors.New("paseto: token issued in the future")
)
