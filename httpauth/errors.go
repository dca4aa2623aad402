package httpauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/pasetokit/pasetokit/internal/authfail"
	"github.com/pasetokit/pasetokit/paseto"
)

// Errors of this package. The middleware hands them to the ErrorHandler
// inside an *Error; match them with errors.Is.
var (
	// ErrMissingToken: no configured source found a token (code
	// token_missing). Require rejects such a request; Optional lets it
	// through without a token.
	ErrMissingToken = errors.New("httpauth: no token in request")
	// ErrAmbiguousToken: one source found more than one value, such as two
	// Authorization header lines or a query parameter given twice (code
	// token_ambiguous, 400 Bad Request). Tokens in two different sources
	// are not ambiguous: the first source in Config.Sources wins.
	ErrAmbiguousToken = errors.New("httpauth: more than one token in one source")
	// ErrInvalidConfig: [New] was given a [Config] it cannot use. The
	// error is a *[ConfigError] naming the field.
	ErrInvalidConfig = errors.New("httpauth: invalid configuration")

	// ErrTokenRevoked: the token was revoked (code token_revoked). A
	// TokenVerifier's error matching it, such as authtoken.ErrRevoked,
	// gets that code instead of token_rejected.
	ErrTokenRevoked = authfail.ErrTokenRevoked
	// ErrRefreshReused: a one-time refresh token was presented again
	// (code refresh_token_reused), such as authtoken.ErrRefreshReused.
	ErrRefreshReused = authfail.ErrRefreshReused
	// ErrWrongTokenType: the token is authentic but of another kind than
	// the route accepts, such as a refresh token sent as an access token
	// (code token_wrong_type), such as authtoken.ErrWrongType.
	ErrWrongTokenType = authfail.ErrWrongTokenType
	// ErrNotFresh: the route requires a fresh token, one made by a login
	// rather than a refresh (code token_not_fresh, 403 Forbidden with
	// error="insufficient_scope", RFC 6750 §3.1), such as
	// authtoken.ErrNotFresh.
	ErrNotFresh = authfail.ErrNotFresh

	// errNoCredentials: a header with a matching scheme (or a WebSocket
	// value with the prefix) and nothing after it. It matches
	// paseto.ErrMalformed.
	errNoCredentials = fmt.Errorf("httpauth: no credentials after the authentication scheme: %w", paseto.ErrMalformed)
	// errNilToken: the TokenVerifier returned neither a token nor an
	// error. The request is rejected (code token_rejected).
	errNilToken = errors.New("httpauth: verifier returned no token and no error")
)

// ConfigError describes what [New] rejected. It matches
// [ErrInvalidConfig] and its Err with errors.Is.
type ConfigError struct {
	// Field is the Go path of the field, such as "Realm" or "Sources[1]".
	Field string
	// Err is the cause.
	Err error
}

// Error returns "httpauth: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// configError is the one way this package builds a *ConfigError.
func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

func quote(s string) string { return strconv.Quote(s) }

// Error is an authentication failure, as passed to Config.ErrorHandler and
// returned by Middleware.Authenticate.
//
// Unwrap returns Err, so errors.Is(e, ErrMissingToken),
// errors.Is(e, verifier.ErrExpired), errors.Is(e, paseto.ErrTokenTooLong)
// and the like work on an *Error. Err may hold details, such as which claim
// failed; log it if you like, but do not send its text to the client (the
// default ErrorHandler never does).
type Error struct {
	// Code is the stable, machine-readable class of the failure, as
	// returned by Code: token_missing, token_ambiguous, token_malformed,
	// token_expired, token_not_yet_valid, token_invalid,
	// token_unknown_key, token_wrong_issuer, token_wrong_audience,
	// token_revoked, refresh_token_reused, token_wrong_type,
	// token_not_fresh, token_rejected, key_set_unavailable or
	// temporarily_unavailable: the Code… constants, such as [CodeRevoked].
	Code string
	// Status is the HTTP status for the response: 401 Unauthorized for
	// rejected or missing tokens, 400 Bad Request for token_ambiguous, 403
	// Forbidden for token_not_fresh, 503
	// Service Unavailable for key_set_unavailable and
	// temporarily_unavailable.
	Status int
	// Source names where the token was found, as "header:Authorization",
	// "bare-header:<name>", "cookie:<name>", "query:<name>",
	// "websocket-header:<name>", "websocket-query:<name>" or "json:<key>"
	// (header names in canonical form). It is empty
	// for token_missing.
	Source string
	// Err is the underlying error: ErrMissingToken, ErrAmbiguousToken, an
	// error from the TokenVerifier, or paseto.ErrTokenTooLong for a token
	// over Config.MaxTokenLength.
	Err error

	class *class
}

// Error returns "httpauth: <code> (<source>): <underlying error>". It is for
// logs, not for clients.
func (e *Error) Error() string { return authfail.ErrorText("httpauth", e.Code, e.Source, e.Err) }

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// The codes of [Error.Code], as [Code] returns them and the default
// ErrorHandler writes them in the "error" member of its JSON body. Compare
// codes with these constants, never with literal strings.
const (
	CodeMissing           = authfail.CodeMissing           // 401: no token
	CodeAmbiguous         = authfail.CodeAmbiguous         // 400: two tokens in one source
	CodeMalformed         = authfail.CodeMalformed         // 401
	CodeExpired           = authfail.CodeExpired           // 401
	CodeNotYetValid       = authfail.CodeNotYetValid       // 401
	CodeInvalid           = authfail.CodeInvalid           // 401: signature or tag
	CodeUnknownKey        = authfail.CodeUnknownKey        // 401
	CodeWrongIssuer       = authfail.CodeWrongIssuer       // 401
	CodeWrongAudience     = authfail.CodeWrongAudience     // 401
	CodeRevoked           = authfail.CodeRevoked           // 401: [ErrTokenRevoked]
	CodeRefreshReused     = authfail.CodeRefreshReused     // 401: [ErrRefreshReused]
	CodeWrongType         = authfail.CodeWrongType         // 401: [ErrWrongTokenType]
	CodeNotFresh          = authfail.CodeNotFresh          // 403: [ErrNotFresh]
	CodeRejected          = authfail.CodeRejected          // 401: any other rejection
	CodeKeySetUnavailable = authfail.CodeKeySetUnavailable // 503
	CodeUnavailable       = authfail.CodeUnavailable       // 503
)

// class is one failure class: its code, status, RFC 6750 error code and
// fixed texts. Everything sent to the client comes from here.
type class struct {
	code   string
	status int
	oauth  string // RFC 6750 error attribute ("" for none)
	detail string // fixed human text: JSON detail and error_description
	body   []byte // the default JSON body
}

var (
	classMissing     = newClass(CodeMissing, http.StatusUnauthorized, "")
	classAmbiguous   = newClass(CodeAmbiguous, http.StatusBadRequest, "invalid_request")
	classMalformed   = newClass(CodeMalformed, http.StatusUnauthorized, "invalid_token")
	classExpired     = newClass(CodeExpired, http.StatusUnauthorized, "invalid_token")
	classNotYetValid = newClass(CodeNotYetValid, http.StatusUnauthorized, "invalid_token")
	classInvalid     = newClass(CodeInvalid, http.StatusUnauthorized, "invalid_token")
	classUnknownKey  = newClass(CodeUnknownKey, http.StatusUnauthorized, "invalid_token")
	classIssuer      = newClass(CodeWrongIssuer, http.StatusUnauthorized, "invalid_token")
	classAudience    = newClass(CodeWrongAudience, http.StatusUnauthorized, "invalid_token")
	classRevoked     = newClass(CodeRevoked, http.StatusUnauthorized, "invalid_token")
	classReused      = newClass(CodeRefreshReused, http.StatusUnauthorized, "invalid_token")
	classWrongType   = newClass(CodeWrongType, http.StatusUnauthorized, "invalid_token")
	classNotFresh    = newClass(CodeNotFresh, http.StatusForbidden, "insufficient_scope")
	classRejected    = newClass(CodeRejected, http.StatusUnauthorized, "invalid_token")
	classKeySet      = newClass(CodeKeySetUnavailable, http.StatusServiceUnavailable, "")
	classUnavailable = newClass(CodeUnavailable, http.StatusServiceUnavailable, "")

	classes = []*class{
		classMissing, classAmbiguous, classMalformed, classExpired,
		classNotYetValid, classInvalid, classUnknownKey, classIssuer,
		classAudience, classRevoked, classReused, classWrongType,
		classNotFresh, classRejected, classKeySet, classUnavailable,
	}
)

// newClass builds the class of code, with its fixed text from
// internal/authfail.
func newClass(code string, status int, oauth string) *class {
	detail := authfail.Messages[code]
	return &class{code: code, status: status, oauth: oauth, detail: detail, body: jsonBody(code, detail)}
}

func jsonBody(code, detail string) []byte {
	b, err := json.Marshal(struct {
		Error  string `json:"error"`
		Detail string `json:"detail"`
	}{code, detail})
	if err != nil { // cannot happen for strings
		return []byte(`{"error":"token_rejected"}` + "\n")
	}
	return append(b, '\n')
}

// ownSentinels are this package's errors in the one classification
// (internal/authfail), tried after the server-side failures.
var ownSentinels = []authfail.Sentinel{
	{Err: ErrMissingToken, Code: CodeMissing},
	{Err: ErrAmbiguousToken, Code: CodeAmbiguous},
}

// classify maps err to its class. Anything unknown is token_rejected:
// the middleware fails closed, and never with a 500.
func classify(err error) *class {
	var e *Error
	if errors.As(err, &e) && e.class != nil {
		return e.class
	}
	if c := classByCode(authfail.Code(err, ownSentinels...)); c != nil {
		return c
	}
	return classRejected
}

// Code returns the machine-readable class of an error from the middleware
// or from a TokenVerifier, as sent in the "error" member of the default JSON
// body:
//
//	token_missing            ErrMissingToken
//	token_ambiguous          ErrAmbiguousToken
//	token_malformed          ErrMalformed, ErrTokenTooLong, ErrFooterTooLong,
//	                         ErrInvalidFooter, ErrKeyInFooter, ErrInvalidClaims,
//	                         ErrUnsupported, ErrImplicitUnsupported (paseto)
//	token_expired            ErrExpired, verifier.ErrTooOld
//	token_not_yet_valid      ErrNotYetValid, ErrIssuedInFuture
//	token_invalid            ErrInvalidSignature, ErrInvalidMAC, ErrWrongKey
//	token_unknown_key        verifier.ErrUnknownKey, verifier.ErrMissingKeyID
//	token_wrong_issuer       verifier.ErrWrongIssuer
//	token_wrong_audience     verifier.ErrWrongAudience
//	token_revoked            ErrTokenRevoked
//	refresh_token_reused     ErrRefreshReused
//	token_wrong_type         ErrWrongTokenType
//	token_not_fresh          ErrNotFresh (403)
//	token_rejected           verifier.ErrRule, verifier.ErrMissingExpiration,
//	                         and any other error
//	key_set_unavailable      verifier.ErrKeySetUnavailable (503)
//	temporarily_unavailable  store.ErrUnavailable, context.Canceled, context.DeadlineExceeded (503)
//
// The verifier sentinels that alias paseto ones (verifier.ErrExpired and so
// on) map as their paseto counterparts. An *Error maps to its own Code.
// Code(nil) is "".
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return classify(err).code
}

func newError(c *class, source string, err error) *Error {
	return &Error{Code: c.code, Status: c.status, Source: source, Err: err, class: c}
}

// RetryAfter is how long a client should wait before it tries again
// after a 503 (key_set_unavailable, temporarily_unavailable):
// [DefaultErrorHandler] sends it in whole seconds as the Retry-After
// header. grpcauth's RetryAfter, the RetryInfo of its Unavailable answers,
// is the same duration.
const RetryAfter = time.Second

// retryAfterHeader is [RetryAfter] as a Retry-After value.
var retryAfterHeader = strconv.Itoa(int(RetryAfter / time.Second))

// DefaultErrorHandler is the ErrorHandler used when [Config.ErrorHandler]
// is nil. It writes e.Status (401 if e.Status is not a 4xx or 5xx code)
// with the headers Content-Type: application/json, Cache-Control: no-store
// and X-Content-Type-Options: nosniff, Retry-After: [RetryAfter] on a 503,
// and the body
//
//	{"error":"<code>","detail":"<fixed text>"}
//
// The detail is a fixed text per code, never the text of e.Err. A custom
// ErrorHandler may call it after logging.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, e *Error) {
	var body []byte
	status := http.StatusUnauthorized
	if e != nil {
		if e.Status >= 400 && e.Status <= 599 {
			status = e.Status
		}
		body = bodyFor(e)
	} else {
		body = classRejected.body
	}
	h := w.Header()
	h["Content-Type"] = []string{"application/json"}
	h["Cache-Control"] = []string{"no-store"}
	h["X-Content-Type-Options"] = []string{"nosniff"}
	if status == http.StatusServiceUnavailable {
		// The failure is the server's and passing: a store or key set
		// that cannot answer. Tell the client when to try again.
		h["Retry-After"] = []string{retryAfterHeader}
	}
	h.Del("Content-Length")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// bodyFor returns the JSON body for e: the fixed body of its class, or for
// an *Error made outside this package, one built from its Code.
func bodyFor(e *Error) []byte {
	if e.class != nil && e.class.code == e.Code {
		return e.class.body
	}
	if c := classByCode(e.Code); c != nil {
		return c.body
	}
	if e.Code == "" {
		return classRejected.body
	}
	return jsonBody(e.Code, classRejected.detail)
}

// classByCode returns the class of code, or nil.
func classByCode(code string) *class {
	for _, c := range classes {
		if c.code == code {
			return c
		}
	}
	return nil
}

// challenge builds the WWW-Authenticate value for class c.
func challenge(scheme, realm string, c *class) string {
	s := scheme
	sep := " "
	if realm != "" {
		s += sep + `realm="` + realm + `"`
		sep = ", "
	}
	if c.oauth != "" {
		s += sep + `error="` + c.oauth + `", error_description="` + c.detail + `"`
	}
	return s
}
