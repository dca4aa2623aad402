package authtoken

import (
	"errors"

	"github.com/pasetokit/pasetokit/verifier"
)

// ruleError is a sentinel that also matches verifier.ErrRule, so that
// package httpauth (and anything else that classifies verifier errors)
// treats it as a rejected token: a 401, never a 500.
type ruleError struct{ msg string }

func (e *ruleError) Error() string { return e.msg }
func (e *ruleError) Unwrap() error { return verifier.ErrRule }

// Errors of token verification. Each also matches verifier.ErrRule with
// errors.Is, so httpauth answers them with 401 token_rejected.
var (
	// ErrWrongType: the token has no "type" claim, or not the type the
	// route or method requires (a refresh token presented as an access
	// token, a custom-type token presented as a refresh token, …).
	ErrWrongType error = &ruleError{"authtoken: wrong token type"}
	// ErrNotFresh: the route requires a fresh access token (one made by
	// Login or CreateAccessToken with fresh set) and the token is not.
	ErrNotFresh error = &ruleError{"authtoken: access token is not fresh"}
	// ErrRevoked: the token was revoked (RevokeToken, Logout, reuse of its
	// refresh family) or issued at or before the subject's
	// LogoutEverywhere cutoff.
	ErrRevoked error = &ruleError{"authtoken: token revoked"}
	// ErrRefreshReused: Refresh was given a refresh token that had already
	// been used. The whole family has been revoked.
	ErrRefreshReused error = &ruleError{"authtoken: refresh token reused; its family is revoked"}
)

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
