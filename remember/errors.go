package remember

import "errors"

// Errors of this package. Match them with errors.Is. They never hold
// cookie values, validators or keys.
var (
	// ErrConfig: New was given an invalid Config.
	ErrConfig = errors.New("remember: invalid configuration")
	// ErrNoUser: Remember or SetUser was given an empty user id.
	ErrNoUser = errors.New("remember: empty user id")

	// The following describe a rejected remember-me cookie, reported to
	// Config.OnBadCookie; Login never returns them.

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
	// was forgotten (logout, ForgetUser, detected theft) or never existed.
	ErrRevoked = errors.New("remember: series revoked or unknown")
)
