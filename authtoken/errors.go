package authtoken

import (
	"errors"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/verifier"
)

// ruleError is a sentinel that also matches verifier.ErrRule, so that
// package httpauth (and anything else that classifies verifier errors)
// treats it as a rejected token, never a 500, and the httpauth reason
// that gives it its own code.
type ruleError struct {
	msg    string
	reason error
}

func (e *ruleError) Error() string   { return e.msg }
func (e *ruleError) Unwrap() []error { return []error{verifier.ErrRule, e.reason} }

// Errors of token verification. Each also matches verifier.ErrRule and an
// httpauth reason with errors.Is, so httpauth answers them with their own
// code: [httpauth.CodeWrongType], [httpauth.CodeNotFresh] (403),
// [httpauth.CodeRevoked] and [httpauth.CodeRefreshReused].
var (
	// ErrWrongType: the token is not of the kind the route or method
	// requires (a refresh token presented as an access token, a
	// custom-type token presented as a refresh token, …), as its footer
	// or its "type" claim says. It matches [httpauth.ErrWrongTokenType].
	ErrWrongType error = &ruleError{"authtoken: wrong token type", httpauth.ErrWrongTokenType}
	// ErrNotFresh: the route requires a fresh access token (one made by
	// Login or CreateAccessToken with fresh set) and the token is not. It
	// matches [httpauth.ErrNotFresh]: 403 with error="insufficient_scope".
	ErrNotFresh error = &ruleError{"authtoken: access token is not fresh", httpauth.ErrNotFresh}
	// ErrRevoked: the token was revoked (RevokeToken, Logout, reuse of its
	// refresh family) or issued at or before the subject's
	// LogoutEverywhere cutoff. It matches [httpauth.ErrTokenRevoked].
	ErrRevoked error = &ruleError{"authtoken: token revoked", httpauth.ErrTokenRevoked}
	// ErrRefreshReused: Refresh was given a refresh token that had already
	// been used. The whole family has been revoked. It matches
	// [httpauth.ErrRefreshReused].
	ErrRefreshReused error = &ruleError{"authtoken: refresh token reused; its family is revoked", httpauth.ErrRefreshReused}
	// ErrMissingToken: Logout, RevokeToken or Refresh was given no token
	// and the context carries none ([httpauth.RawTokenFrom]). It matches
	// [httpauth.ErrMissingToken] (code token_missing).
	ErrMissingToken error = &wrapError{"authtoken: no token given and none in the context", httpauth.ErrMissingToken}
)

type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// Errors of configuration and token creation.
var (
	// ErrInvalidConfig: [New] was given a [Config] it cannot use. The
	// error is a *[ConfigError] naming the field ("Refresh.Keys[1]"); it
	// also matches the cause, such as [keyring.ErrInvalidKey] or the
	// issuer's or verifier's error about a key.
	ErrInvalidConfig = errors.New("authtoken: invalid configuration")
	// ErrUnknownKind: CreateToken or Type was given a kind that is not a
	// configured custom kind.
	ErrUnknownKind = errors.New("authtoken: unknown token kind")
	// ErrEmptySubject: a token was requested for the empty subject.
	ErrEmptySubject = errors.New("authtoken: empty subject")
	// ErrInvalidOptions: [Manager.IssueWith] was given [IssueOptions] it
	// cannot use, such as a Lifetime longer than the store keeps
	// revocations for.
	ErrInvalidOptions = errors.New("authtoken: invalid issue options")
	// errNotNew: a method was called on a Manager not made by New.
	errNotNew = errors.New("authtoken: Manager not created with New")
)

// ConfigError describes what [New] rejected. It matches
// [ErrInvalidConfig] and its Err with errors.Is.
type ConfigError struct {
	// Field is the Go path of the field, such as "Access.Keys[1]" or
	// "Custom[reset].Lifetime".
	Field string
	// Err is the cause. It never holds a key.
	Err error
}

// Error returns "authtoken: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// configError is the one way this package builds a *ConfigError.
func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }
