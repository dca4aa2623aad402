package remember

import (
	"errors"

	"github.com/pasetokit/pasetokit/internal/cookie"
)

// Errors of this package. Match them with errors.Is. They never hold
// cookie values, validators or keys.
var (
	// ErrInvalidConfig: [New] was given an invalid [Config]. The error
	// is a [*ConfigError].
	ErrInvalidConfig = errors.New("remember: invalid configuration")
	// ErrNoUser: [Manager.Remember] or [SetUser] was given an empty user
	// id.
	ErrNoUser = errors.New("remember: empty user id")

	// The following describe a rejected remember-me cookie, reported to
	// [Config.OnBadCookie]; [Manager.Login] never returns them.

	// ErrMalformed: the cookie is not a well-formed remember-me token.
	ErrMalformed = errors.New("remember: malformed cookie")
	// ErrTampered: the token failed authentication: it was modified, or
	// made for another cookie name or another purpose under the same key.
	ErrTampered = errors.New("remember: cookie failed authentication")
	// ErrUnknownKey: the token names a key that is not configured (such as
	// a session cookie, whose key is derived for another purpose).
	ErrUnknownKey = errors.New("remember: cookie key id is not configured")
	// ErrExpired: the remember-me login has expired.
	ErrExpired = errors.New("remember: cookie expired")
	// ErrRevoked: the store has no series for the cookie's selector: it
	// was forgotten (logout, [Manager.ForgetUser], detected theft) or
	// never existed.
	ErrRevoked = errors.New("remember: series revoked or unknown")
)

// ConfigError is the error of [New] for a rejected [Config]: Field is the
// Go path of the field ("Cookie.SameSite", "Keys[0]"), Err what is wrong
// with it, never its value. It matches [ErrInvalidConfig] and Err.
type ConfigError struct {
	// Field is the Go path of the field, such as "Cookie.SameSite" or "Keys[0]".
	Field string
	// Err is the cause. It never holds a key or a claim value.
	Err error
}

// Error returns "remember: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

// CookieError is the error given to [Config.OnBadCookie] for a cookie that
// was rejected. It matches its Kind (one of [ErrMalformed], [ErrTampered],
// [ErrUnknownKey], [ErrExpired], [ErrRevoked]) and, when there is one, Err.
type CookieError struct {
	// Name is the cookie's name: [Cookie.Name], or
	// [Config.FlaskCookieName] for a Flask remember-me cookie.
	Name string
	// Kind is the classification, one of the sentinels above.
	Kind error
	// Err is the underlying error, or nil.
	Err error
}

// Error gives the kind, the cookie name and the underlying error; never the
// cookie value.
func (e *CookieError) Error() string { return cookie.ErrorText(e.Kind, e.Name, e.Err) }

// Unwrap returns Kind and Err.
func (e *CookieError) Unwrap() []error { return cookie.Unwrap(e.Kind, e.Err) }
