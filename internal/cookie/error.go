package cookie

import "strconv"

// ErrorText is the text of session's and remember's CookieError: the
// kind, the cookie name and the underlying error (err may be nil); never
// the cookie value.
func ErrorText(kind error, name string, err error) string {
	s := kind.Error() + " (cookie " + strconv.Quote(name) + ")"
	if err != nil {
		s += ": " + err.Error()
	}
	return s
}

// Unwrap is the Unwrap of session's and remember's CookieError: kind, and
// err when there is one.
func Unwrap(kind, err error) []error {
	if err == nil {
		return []error{kind}
	}
	return []error{kind, err}
}
