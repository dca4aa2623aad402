package verifier

import (
	"errors"

	"github.com/pasetokit/pasetokit/internal/authfail"
	"github.com/pasetokit/pasetokit/paseto"
)

// Errors returned by Verify. Match them with errors.Is. Where a paseto
// sentinel already names the failure, the verifier returns that same value,
// so errors.Is(err, paseto.ErrExpired) and errors.Is(err,
// verifier.ErrExpired) are both true. Error strings never contain claim
// values or key material.
var (
	// ErrMalformed: the token is not a well-formed PASETO (including too
	// long, a bad footer, or a payload that is not a valid claims object).
	// A token that is too long also matches paseto.ErrTokenTooLong, a bad
	// footer paseto.ErrInvalidFooter, paseto.ErrFooterTooLong or
	// paseto.ErrKeyInFooter, and a bad payload [ErrInvalidClaims].
	ErrMalformed = paseto.ErrMalformed
	// ErrUnsupported: the token's header names a version or purpose that
	// PASETO does not define or this module does not implement (v1, or
	// anything unknown). A supported version and purpose for which the
	// verifier has no key is [ErrUnknownKey] instead.
	ErrUnsupported = paseto.ErrUnsupported
	// ErrInvalidSignature: a public token's signature does not verify.
	ErrInvalidSignature = paseto.ErrInvalidSignature
	// ErrInvalidMAC: a local token's authentication tag does not verify.
	ErrInvalidMAC = paseto.ErrInvalidMAC
	// ErrWrongKey: the key the kid names is of another version or purpose
	// than the token.
	ErrWrongKey = paseto.ErrWrongKey
	// ErrExpired: exp is in the past (beyond the leeway).
	ErrExpired = paseto.ErrExpired
	// ErrNotYetValid: nbf is in the future (beyond the leeway).
	ErrNotYetValid = paseto.ErrNotYetValid
	// ErrIssuedInFuture: iat is in the future (beyond the leeway).
	ErrIssuedInFuture = paseto.ErrIssuedInFuture
	// ErrInvalidClaims: the payload is not a valid claims object.
	ErrInvalidClaims = paseto.ErrInvalidClaims

	// ErrUnknownKey: the footer's kid names no configured or published key,
	// or the token has no kid and there is no key of its version and
	// purpose. (A token without a kid that no such key opens is
	// [ErrInvalidSignature] or [ErrInvalidMAC].)
	ErrUnknownKey = authfail.ErrUnknownKey
	// ErrMissingKeyID: the token's footer has no kid and [Config.RequireKeyID]
	// is set. The error also matches [ErrUnknownKey].
	ErrMissingKeyID = authfail.ErrMissingKeyID
	// ErrWrongIssuer: iss is missing or not the issuer the key is bound to,
	// or not one of [Config.Issuers].
	ErrWrongIssuer = authfail.ErrWrongIssuer
	// ErrWrongAudience: none of the token's audiences is in
	// [Config.Audiences].
	ErrWrongAudience = authfail.ErrWrongAudience
	// ErrMissingExpiration: the token has no exp and the configuration
	// does not allow that.
	ErrMissingExpiration = authfail.ErrMissingExpiration
	// ErrTooOld: iat is older than [Config.MaxAge] (or missing while MaxAge
	// is set).
	ErrTooOld = authfail.ErrTooOld
	// ErrRule: a caller-supplied Rule rejected the token. The [*RuleError]
	// wraps the rule's own error too.
	ErrRule = authfail.ErrRule
	// ErrKeySetUnavailable: the token needs a remote key set that could
	// not be fetched and has no usable cached copy. The error also wraps
	// the set's last [*KeySetError]. (When the caller's context ends while
	// Verify waits for a fetch, the error wraps the context's error
	// instead: context.Canceled or context.DeadlineExceeded.)
	ErrKeySetUnavailable = authfail.ErrKeySetUnavailable
)

// Errors returned by New, SetKeys and Refresh.
var (
	// ErrInvalidConfig: [New] or [Verifier.SetKeys] was given a
	// configuration it cannot use. The error is a *[ConfigError] naming
	// the field, and also matches the specific cause ([ErrSecretKey],
	// [ErrDuplicateKey], [keyring.ErrInvalidKey] with its paserk or paseto
	// cause, ...).
	ErrInvalidConfig = errors.New("verifier: invalid configuration")
	// ErrSecretKey: a configured key is a secret (signing) key. A verifier
	// only needs the public key; configure that instead, so that a process
	// that verifies tokens cannot mint them.
	ErrSecretKey = errors.New("verifier: a secret key was configured; configure its public key")
	// ErrDuplicateKey: two configured keys have the same PASERK id.
	ErrDuplicateKey = errors.New("verifier: key configured twice")
	// ErrKeySetIssuer: a fetched key set document names an issuer other
	// than its [KeySet.Issuer].
	ErrKeySetIssuer = errors.New("verifier: key set document names another issuer")
)

// RuleError is returned when a [Config.Rules] function rejects a token. It
// matches both [ErrRule] and the rule's own error with errors.Is and
// errors.As.
type RuleError struct {
	// Err is the error the rule returned.
	Err error
}

// Error returns "verifier: rejected by rule: " followed by the rule's
// error. Rules should keep claim values out of their errors, as the
// verifier does.
func (e *RuleError) Error() string {
	if e.Err == nil {
		return ErrRule.Error()
	}
	return ErrRule.Error() + ": " + e.Err.Error()
}

// Unwrap returns [ErrRule] and the rule's error.
func (e *RuleError) Unwrap() []error { return []error{ErrRule, e.Err} }

// ConfigError describes what [New] or [Verifier.SetKeys] rejected. It
// matches [ErrInvalidConfig] and its Err with errors.Is.
type ConfigError struct {
	// Field is the Go path of the field, such as "Keys[2]" or
	// "KeySets[0].URL".
	Field string
	// Err is the cause. It never holds a key.
	Err error
}

// Error returns "verifier: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// configError is the one way this package builds a [*ConfigError].
func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

// KeySetError describes a failed fetch of a remote key set: a transport
// error, an HTTP status other than 200, a document over the size limit
// (matching keyset.ErrTooLarge), a document keyset.Parse rejects (matching
// its errors), or a document for another issuer ([ErrKeySetIssuer]). The
// verifier keeps using the last good copy of the set, if it has one, for
// at most [KeySet.MaxStale] after it was fetched.
type KeySetError struct {
	// URL is the key set's URL without user information or query string,
	// which may carry an access token ("?redacted" marks a removed query).
	URL string
	// Err is the cause.
	Err error
}

// Error names the URL and the cause.
func (e *KeySetError) Error() string {
	return "verifier: key set " + e.URL + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *KeySetError) Unwrap() error { return e.Err }
