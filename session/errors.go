package session

import (
	"errors"
	"strconv"

	"github.com/pasetokit/pasetokit/internal/cookie"
)

// Errors of the package. Every error it returns or reports matches one of
// them with errors.Is. Error strings never contain session values, cookie
// values or key bytes.
var (
	// ErrInvalidConfig: [New] was given an invalid [Config]. The error is
	// a [*ConfigError].
	ErrInvalidConfig = errors.New("session: invalid configuration")

	// ErrMalformed: the cookie is not a well-formed session token (bad
	// encoding, wrong version or purpose, oversized, missing metadata).
	ErrMalformed = errors.New("session: malformed cookie")
	// ErrTampered: the token failed authentication, because it was
	// altered, truncated in its body, moved from a cookie of another name
	// (the name is bound as the implicit assertion), or encrypted under
	// another key or implicit assertion with a key reference of ours.
	ErrTampered = errors.New("session: cookie failed authentication")
	// ErrUnknownKey: the token's footer is a key reference that is not
	// that of a key in [Config.Keys] (for example a key that was rotated
	// out).
	ErrUnknownKey = errors.New("session: cookie key id is not configured")
	// ErrExpired: the session is older than [Config.Lifetime].
	ErrExpired = errors.New("session: session lifetime exceeded")
	// ErrIdleExpired: the session was not used for [Config.IdleTimeout].
	ErrIdleExpired = errors.New("session: session idle timeout exceeded")

	// ErrTooLarge: the encoded session does not fit the cookie size
	// budget. The error is a [*SizeError].
	ErrTooLarge = errors.New("session: encoded session exceeds the cookie size limit")
	// ErrCommitted: the session was changed, or saved, after the response
	// headers (and so the cookie) were written.
	ErrCommitted = errors.New("session: response headers already written")
	// ErrEncode: a value cannot be encoded by the configured serializer.
	ErrEncode = errors.New("session: value cannot be encoded")
	// ErrNoSession: there is no session in the request context (the
	// handler does not run under [Manager.Handler]).
	ErrNoSession = errors.New("session: no session in request context")
)

// SizeError reports a session that does not fit its cookie budget. The old
// cookie is left as it was: no Set-Cookie header is written for it.
type SizeError struct {
	// Size is the number of bytes needed: the length of the Set-Cookie
	// header value, or with [Config.AllowSplitCookies] the token length.
	Size int
	// Limit is the budget Size exceeded: [MaxCookieSize], or with
	// [Config.AllowSplitCookies] the token capacity of [Config.MaxCookieParts]
	// cookies.
	Limit int
}

// Error gives the size and the limit.
func (e *SizeError) Error() string {
	return "session: encoded session is " + strconv.Itoa(e.Size) + " bytes, over the limit of " + strconv.Itoa(e.Limit)
}

// Unwrap returns [ErrTooLarge].
func (e *SizeError) Unwrap() error { return ErrTooLarge }

// ConfigError is the error of [New] for a rejected [Config]: Field is the
// Go path of the field ("Cookie.Name", "Keys[1]"), Err what is wrong with
// it, never its value. It matches [ErrInvalidConfig] and Err.
type ConfigError struct {
	// Field is the Go path of the field, such as "Cookie.SameSite" or "Keys[0]".
	Field string
	// Err is the cause. It never holds a key or a claim value.
	Err error
}

// Error returns "session: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

// CookieError is the error given to [Config.OnBadCookie] (and returned by
// the Codec) for a cookie that was rejected. It matches its Kind (one of
// [ErrMalformed], [ErrTampered], [ErrUnknownKey],
// [ErrExpired], [ErrIdleExpired]) and, when there is one, the underlying
// error of package paseto or serializer.
type CookieError struct {
	Name string // the cookie name
	Kind error  // the classification
	Err  error  // underlying error, or nil
}

// Error gives the kind, the cookie name and the underlying error; never the
// cookie value.
func (e *CookieError) Error() string { return cookie.ErrorText(e.Kind, e.Name, e.Err) }

// Unwrap returns Kind and Err.
func (e *CookieError) Unwrap() []error { return cookie.Unwrap(e.Kind, e.Err) }

func badCookie(name string, kind, err error) *CookieError {
	return &CookieError{Name: name, Kind: kind, Err: err}
}
