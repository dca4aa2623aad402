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
	// ErrInvalidConfig: New was given a Config it cannot use. The error
	// text names the field; it also wraps the issuer's or verifier's
	// error when one of them refused a key.
	ErrInvalidConfig = errors.New("authtoken: invalid configuration")
	// ErrReservedClaim: the caller's claims hold a claim this package
	// sets itself. The error is a *ReservedClaimError.
	ErrReservedClaim = errors.New("authtoken: reserved claim")
	// ErrUnknownKind: CreateToken or Type was given a kind that is not a
	// configured custom kind.
	ErrUnknownKind = errors.New("authtoken: unknown token kind")
	// ErrEmptySubject: a token was requested for the empty subject.
	ErrEmptySubject = errors.New("authtoken: empty subject")
	// errNotNew: a method was called on a Manager not made by New.
	errNotNew = errors.New("authtoken: Manager not created with New")
)

// ReservedClaimError is returned when the caller's claims hold one of the
// reserved claims (sub, jti, iat, nbf, exp, type, fresh, fam, iss, aud),
// in any letter case. It matches ErrReservedClaim.
type ReservedClaimError struct {
	// Claim is the reserved claim's name, in lower case.
	Claim string
}

// Error names the claim, never a value.
func (e *ReservedClaimError) Error() string {
	return ErrReservedClaim.Error() + ": " + e.Claim + " is set by authtoken"
}

// Unwrap returns ErrReservedClaim.
func (e *ReservedClaimError) Unwrap() error { return ErrReservedClaim }
