// Package authfail is the one classification of authentication failures:
// which error gets which stable code, and the fixed text sent with each
// code. httpauth answers with it, grpcauth maps its codes to gRPC status
// codes, and verifier names its events with it, so that a failure has the
// same name everywhere.
//
// The sentinels that the table matches and that verifier and httpauth
// export are declared here, and re-exported by those packages (the same
// values, so errors.Is works on either name): verifier cannot import
// httpauth, which imports verifier.
package authfail

import (
	"context"
	"errors"

	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
)

// Sentinels of package verifier, re-exported there with their documentation.
var (
	ErrUnknownKey        = errors.New("verifier: unknown key")
	ErrMissingKeyID      = errors.New("verifier: token has no key id")
	ErrWrongIssuer       = errors.New("verifier: wrong issuer")
	ErrWrongAudience     = errors.New("verifier: wrong audience")
	ErrMissingExpiration = errors.New("verifier: token has no expiration")
	ErrTooOld            = errors.New("verifier: token too old")
	ErrRule              = errors.New("verifier: rejected by rule")
	ErrKeySetUnavailable = errors.New("verifier: key set unavailable")
)

// Sentinels of package httpauth, re-exported there with their documentation.
var (
	ErrTokenRevoked   = errors.New("httpauth: token revoked")
	ErrRefreshReused  = errors.New("httpauth: refresh token reused")
	ErrWrongTokenType = errors.New("httpauth: wrong token type")
	ErrNotFresh       = errors.New("httpauth: token not fresh")
)

// The codes, exported by httpauth as its Code… constants.
const (
	CodeMissing           = "token_missing"
	CodeAmbiguous         = "token_ambiguous"
	CodeMalformed         = "token_malformed"
	CodeExpired           = "token_expired"
	CodeNotYetValid       = "token_not_yet_valid"
	CodeInvalid           = "token_invalid"
	CodeUnknownKey        = "token_unknown_key"
	CodeWrongIssuer       = "token_wrong_issuer"
	CodeWrongAudience     = "token_wrong_audience"
	CodeRevoked           = "token_revoked"
	CodeRefreshReused     = "refresh_token_reused"
	CodeWrongType         = "token_wrong_type"
	CodeNotFresh          = "token_not_fresh"
	CodeRejected          = "token_rejected"
	CodeKeySetUnavailable = "key_set_unavailable"
	CodeUnavailable       = "temporarily_unavailable"
)

// Messages holds the fixed text sent to the client with each code, never
// the text of an error.
var Messages = map[string]string{
	CodeMissing:           "No access token was provided.",
	CodeAmbiguous:         "The request carries more than one access token in the same place.",
	CodeMalformed:         "The access token is malformed or of an unsupported kind.",
	CodeExpired:           "The access token has expired.",
	CodeNotYetValid:       "The access token is not valid yet.",
	CodeInvalid:           "The access token could not be verified.",
	CodeUnknownKey:        "The access token does not name a key this server knows.",
	CodeWrongIssuer:       "The access token comes from an issuer this server does not accept.",
	CodeWrongAudience:     "The access token is not meant for this server.",
	CodeRevoked:           "The token has been revoked.",
	CodeRefreshReused:     "The refresh token has already been used.",
	CodeWrongType:         "The token is not of the type this resource accepts.",
	CodeNotFresh:          "This resource requires a fresh login.",
	CodeRejected:          "The access token was rejected.",
	CodeKeySetUnavailable: "The keys needed to verify the access token are temporarily unavailable.",
	CodeUnavailable:       "Token verification is temporarily unavailable.",
}

// A Sentinel is one row of a classification: an error matched with
// errors.Is and its code.
type Sentinel struct {
	Err  error
	Code string
}

// serverSide is tried first: a server-side problem is not the client's
// fault even when the error also wraps another one.
var serverSide = []Sentinel{
	{ErrKeySetUnavailable, CodeKeySetUnavailable},
	// Shared state (revocation, one-time tokens) could not be consulted.
	{store.ErrUnavailable, CodeUnavailable},
}

// tokens is tried after serverSide and the caller's own sentinels, in
// order: the first match wins.
var tokens = []Sentinel{
	{paseto.ErrMalformed, CodeMalformed},
	{paseto.ErrTokenTooLong, CodeMalformed},
	{paseto.ErrFooterTooLong, CodeMalformed},
	{paseto.ErrInvalidFooter, CodeMalformed},
	{paseto.ErrKeyInFooter, CodeMalformed},
	{paseto.ErrInvalidClaims, CodeMalformed},
	{paseto.ErrUnsupported, CodeMalformed},
	{paseto.ErrImplicitUnsupported, CodeMalformed},
	{paseto.ErrExpired, CodeExpired},
	{ErrTooOld, CodeExpired},
	{paseto.ErrNotYetValid, CodeNotYetValid},
	{paseto.ErrIssuedInFuture, CodeNotYetValid},
	{paseto.ErrInvalidSignature, CodeInvalid},
	{paseto.ErrInvalidMAC, CodeInvalid},
	{paseto.ErrWrongKey, CodeInvalid},
	{ErrUnknownKey, CodeUnknownKey},
	{ErrMissingKeyID, CodeUnknownKey},
	{ErrWrongIssuer, CodeWrongIssuer},
	{ErrWrongAudience, CodeWrongAudience},
	// The reasons a TokenVerifier's rule gives, before the rule class
	// they also match.
	{ErrTokenRevoked, CodeRevoked},
	{ErrRefreshReused, CodeRefreshReused},
	{ErrWrongTokenType, CodeWrongType},
	{ErrNotFresh, CodeNotFresh},
	{ErrMissingExpiration, CodeRejected},
	{ErrRule, CodeRejected},
	// The caller's context ended (client gone, deadline passed) while
	// the verifier waited, typically on a key set.
	{context.Canceled, CodeUnavailable},
	{context.DeadlineExceeded, CodeUnavailable},
}

// Code returns the code of err: the server-side sentinels first, then
// own (a package's sentinels, such as its missing-token error), then the
// token failures; anything else, and nil, is [CodeRejected]: fail closed.
func Code(err error, own ...Sentinel) string {
	for _, table := range [][]Sentinel{serverSide, own, tokens} {
		for _, s := range table {
			if errors.Is(err, s.Err) {
				return s.Code
			}
		}
	}
	return CodeRejected
}

// ErrorText is the log text of a refused request, the one form httpauth and
// grpcauth share: "<pkg>: <code> (<where>): <err>", where and err left out
// when empty or nil. It is for logs, never for clients.
func ErrorText(pkg, code, where string, err error) string {
	s := pkg + ": " + code
	if where != "" {
		s += " (" + where + ")"
	}
	if err != nil {
		s += ": " + err.Error()
	}
	return s
}
