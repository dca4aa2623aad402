package grpcauth

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/internal/authfail"
	"github.com/pasetokit/pasetokit/paseto"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"
)

// Errors of this package; match them with errors.Is.
var (
	// ErrMissingToken: the call has no authorization metadata, or one
	// whose scheme is not Bearer (reason token_missing).
	ErrMissingToken = errors.New("grpcauth: no token in the call's metadata")
	// ErrAmbiguousToken: the call carries more than one authorization
	// value (reason token_ambiguous). A client that sends two credentials
	// is refused rather than having one of them picked.
	ErrAmbiguousToken = errors.New("grpcauth: more than one authorization value")
	// ErrInsecureTransport: [Credentials] refused to attach a token to a
	// call on a connection without transport security (TLS), and
	// [CredentialsConfig.AllowInsecure] is not set.
	ErrInsecureTransport = errors.New("grpcauth: refusing to send a token over a connection without transport security")
	// ErrInvalidConfig: [New] or [NewCredentials] was given a
	// configuration it cannot use. The error is a *[ConfigError] naming
	// the field.
	ErrInvalidConfig = errors.New("grpcauth: invalid configuration")

	// errNoCredentials: "Bearer" with nothing after it. It matches
	// paseto.ErrMalformed.
	errNoCredentials = fmt.Errorf("grpcauth: no credentials after the Bearer scheme: %w", paseto.ErrMalformed)
	// errNilToken: the TokenVerifier returned neither a token nor an
	// error; the call is refused (reason token_rejected).
	errNilToken = errors.New("grpcauth: verifier returned no token and no error")
)

// ConfigError describes what [New] or [NewCredentials] rejected. It
// matches [ErrInvalidConfig] and its Err with errors.Is.
type ConfigError struct {
	// Field is the Go path of the field, such as "Methods[/pkg.S/M]" or
	// "RenewBefore".
	Field string
	// Err is the cause. It never holds a key or a token.
	Err error
}

// Error returns "grpcauth: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// configError is the one way this package builds a *ConfigError.
func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

// Error is a refused call, as the interceptors return it and pass it to
// [Config.OnError]. On the wire the client gets only its gRPC status
// ([Error.GRPCStatus]): Code, a fixed message per Reason and the reason in
// an ErrorInfo detail; never the text of Err.
//
// Unwrap returns Err, so errors.Is(e, verifier.ErrExpired),
// errors.Is(e, store.ErrUnavailable) and the like work on an *Error in
// server-side code (a logging interceptor). Do not wrap it (fmt.Errorf
// with %w) before it leaves the server: grpc-go then sends the wrapping
// error's whole text as the status message.
type Error struct {
	// Code is the gRPC status code: codes.Unauthenticated,
	// codes.PermissionDenied or codes.Unavailable.
	Code codes.Code
	// Reason is the stable, machine-readable class of the failure: one of
	// the reasons listed in the package documentation (the codes of
	// httpauth, plus token_revoked, token_wrong_type and token_not_fresh).
	Reason string
	// Method is the full method name of the call, "/package.Service/Method".
	Method string
	// Err is the underlying error: ErrMissingToken, ErrAmbiguousToken, an
	// error from the TokenVerifier, or paseto.ErrTokenTooLong for a token
	// over Config.MaxTokenLength. It may name which check failed: log it
	// if you like, never send it to the client.
	Err error

	class *class
}

// Error returns "grpcauth: <reason> (<method>): <underlying error>". It is
// for logs, not for clients.
func (e *Error) Error() string { return authfail.ErrorText("grpcauth", e.Reason, e.Method, e.Err) }

// Unwrap returns e.Err.
func (e *Error) Unwrap() error { return e.Err }

// GRPCStatus returns the status the client gets: e.Code, the fixed message
// of e.Reason, and an ErrorInfo detail holding the reason (plus a
// RetryInfo of [RetryAfter] for codes.Unavailable). grpc-go calls it to
// send the error.
func (e *Error) GRPCStatus() *status.Status {
	if e.class != nil && e.class.code == e.Code && e.class.reason == e.Reason {
		return e.class.st
	}
	if c := byReason[e.Reason]; c != nil && c.code == e.Code {
		return c.st
	}
	// An *Error built by hand: its code, with the fixed message of a
	// rejected token and no detail.
	code := e.Code
	if code == codes.OK {
		code = codes.Unauthenticated
	}
	return status.New(code, classRejected.msg)
}

// ErrorDomain is the Domain of the ErrorInfo detail that carries the
// reason of a refused call, as [Reason] reads it.
const ErrorDomain = "pasetokit"

// RetryAfter is the retry delay of the RetryInfo detail sent with every
// codes.Unavailable answer (key_set_unavailable, temporarily_unavailable),
// as httpauth's Retry-After header.
const RetryAfter time.Duration = httpauth.RetryAfter

// class is one failure class. Everything the client gets comes from here.
type class struct {
	reason string
	code   codes.Code
	msg    string // fixed status message
	st     *status.Status
}

// grpcCodes is the status code of each reason that is not
// codes.Unauthenticated. Which error has which reason is httpauth's
// classification ([httpauth.Code]), and the fixed message of a reason is
// the one httpauth sends: one table for both (internal/authfail).
var grpcCodes = map[string]codes.Code{
	httpauth.CodeWrongType:         codes.PermissionDenied,
	httpauth.CodeNotFresh:          codes.PermissionDenied,
	httpauth.CodeKeySetUnavailable: codes.Unavailable,
	httpauth.CodeUnavailable:       codes.Unavailable,
}

// byReason holds the class of every reason, made once.
var byReason = func() map[string]*class {
	m := make(map[string]*class, len(authfail.Messages))
	for reason := range authfail.Messages {
		m[reason] = newClass(reason)
	}
	return m
}()

var (
	classMissing   = byReason[httpauth.CodeMissing]
	classAmbiguous = byReason[httpauth.CodeAmbiguous]
	classMalformed = byReason[httpauth.CodeMalformed]
	classRejected  = byReason[httpauth.CodeRejected]
)

func newClass(reason string) *class {
	code, ok := grpcCodes[reason]
	if !ok {
		code = codes.Unauthenticated
	}
	c := &class{reason: reason, code: code, msg: authfail.Messages[reason]}
	st := status.New(code, c.msg)
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: strings.ToUpper(reason), Domain: ErrorDomain}}
	if code == codes.Unavailable {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(RetryAfter)})
	}
	if withDetails, err := st.WithDetails(details...); err == nil {
		st = withDetails
	}
	c.st = st
	return c
}

// classify maps an error of the TokenVerifier to its class by
// [httpauth.Code] (server-side failures first, then httpauth's sentinels,
// which authtoken's errors match), so that HTTP and gRPC give every failure
// the same reason; of the rest, this package's own errors are told apart.
// Anything unknown is token_rejected: fail closed, never codes.Unknown or
// codes.Internal.
func classify(err error) *class {
	reason := httpauth.Code(err)
	if reason == httpauth.CodeRejected {
		switch {
		case errors.Is(err, ErrMissingToken):
			return classMissing
		case errors.Is(err, ErrAmbiguousToken):
			return classAmbiguous
		}
	}
	if c := byReason[reason]; c != nil {
		return c
	}
	return classRejected
}

func newError(c *class, method string, err error) *Error {
	return &Error{Code: c.code, Reason: c.reason, Method: method, Err: err, class: c}
}

// Reason returns the reason of a call refused by the interceptors, as a
// client sees it (the error of the call) or as server code sees it (the
// *[Error]): "token_expired", "token_not_fresh" and so on. It returns ""
// for nil and for any other error.
func Reason(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Reason != "" {
		return e.Reason
	}
	st, ok := status.FromError(err)
	if !ok {
		return ""
	}
	for _, d := range st.Details() {
		if ei, ok := d.(*errdetails.ErrorInfo); ok && ei.GetDomain() == ErrorDomain {
			return strings.ToLower(ei.GetReason())
		}
	}
	return ""
}
