// Package cookie is what the session and remember packages share about
// their cookies: the attributes a Config sets ([Cookie]), their checks, the
// writing of Set-Cookie headers ([Write]), and the ring of v4.local keys
// that encrypt the cookie values ([Ring]).
package cookie

import (
	"errors"
	"net/http"
	"strings"
	"time"
)

// Cookie holds the attributes of a cookie, as nested in session.Config and
// remember.Config. The zero value is a Secure, host-only cookie with
// SameSite=Lax on Path "/" and the package's default name. Cookies are
// always HttpOnly.
type Cookie struct {
	// Name is the cookie name; empty means the package's DefaultName. A
	// name starting with "__Host-" (in any letter case) requires Secure
	// (Insecure false), Path "/" and no Domain; "__Secure-" requires
	// Secure. New refuses other combinations, which browsers would
	// silently drop. The name is bound to every token the cookie
	// carries, so a token moved to a cookie of another name is rejected.
	Name string
	// Path of the cookie; empty means "/". It must start with '/' and
	// hold only printable ASCII other than ';' (percent-encode the rest):
	// net/http would silently drop other bytes, widening the scope.
	Path string
	// Domain of the cookie; empty means a host-only cookie (recommended).
	// It must be a valid domain name or IP address, without a leading dot.
	Domain string
	// Insecure drops the Secure attribute, for development over plain
	// HTTP only. By default cookies are Secure.
	Insecure bool
	// SameSite of the cookie; zero (and http.SameSiteDefaultMode) mean
	// http.SameSiteLaxMode. http.SameSiteNoneMode requires Secure.
	SameSite http.SameSite
	// Partitioned sets the Partitioned attribute (CHIPS); requires Secure.
	Partitioned bool
}

// FieldError names the field of a [Cookie], or of the key configuration
// ("Keys[1]", "Secret"), that was rejected. The session and remember
// packages turn it into their own ConfigError. Err never holds the value.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns Err.
func (e *FieldError) Unwrap() error { return e.Err }

// Field splits err, an error of this package, into the Go path of the
// Config field at fault (prefix + its field, or prefix without its final
// dot for another error) and the cause, as the arguments of a package's
// configError.
func Field(prefix string, err error) (string, error) {
	if fe, ok := errors.AsType[*FieldError](err); ok {
		return prefix + fe.Field, fe.Err
	}
	return strings.TrimSuffix(prefix, "."), err
}

// validPath reports whether p starts with '/' and has only bytes net/http
// writes unchanged in a cookie's Path (its validCookiePathByte).
func validPath(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b < 0x20 || b > 0x7e || b == ';' {
			return false
		}
	}
	return true
}

func fieldError(field, msg string) error { return &FieldError{Field: field, Err: errors.New(msg)} }

// Template checks c and returns the cookie every Set-Cookie header of it
// starts from: Name (defaultName when c.Name is empty), Path, Domain,
// Secure, HttpOnly, SameSite and Partitioned. Errors are [*FieldError].
func (c Cookie) Template(defaultName string) (http.Cookie, error) {
	name := c.Name
	if name == "" {
		name = defaultName
	}
	if (&http.Cookie{Name: name, Value: "x"}).Valid() != nil || strings.ContainsAny(name, "=;, \t") {
		return http.Cookie{}, fieldError("Name", "invalid cookie name")
	}
	path := c.Path
	if path == "" {
		path = "/"
	}
	// net/http writes a Path only of bytes 0x20 to 0x7e other than ';'
	// and silently drops the others ("/\u00e9lan" would be sent as "/lan",
	// "/\u00e9" as "/": the whole site). A Path must also start with '/', or
	// browsers use the request's directory instead.
	if !validPath(path) {
		return http.Cookie{}, fieldError("Path", "invalid Path: must start with '/' and hold only printable ASCII other than ';'")
	}
	// net/http drops an invalid Domain and strips a leading dot: refuse
	// both rather than send another scope than the one configured.
	if c.Domain != "" && ((&http.Cookie{Name: "a", Value: "b", Domain: c.Domain}).Valid() != nil || c.Domain[0] == '.') {
		return http.Cookie{}, fieldError("Domain", "invalid Domain (a leading dot is not allowed)")
	}
	secure := !c.Insecure
	ss := c.SameSite
	switch ss {
	case 0, http.SameSiteDefaultMode:
		ss = http.SameSiteLaxMode
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !secure {
			return http.Cookie{}, fieldError("SameSite", "SameSite=None requires Secure")
		}
	default:
		return http.Cookie{}, fieldError("SameSite", "invalid SameSite")
	}
	if c.Partitioned && !secure {
		return http.Cookie{}, fieldError("Partitioned", "Partitioned requires Secure")
	}
	if err := checkPrefix(name, secure, path, c.Domain); err != nil {
		return http.Cookie{}, &FieldError{Field: "Name", Err: err}
	}
	return http.Cookie{
		Name: name, Path: path, Domain: c.Domain,
		Secure: secure, HttpOnly: true, SameSite: ss, Partitioned: c.Partitioned,
	}, nil
}

// Expire turns c into the cookie that deletes it on the client.
func Expire(c *http.Cookie) {
	c.Value = ""
	c.MaxAge = -1
	c.Expires = time.Unix(1, 0).UTC()
}

// Write replaces the Set-Cookie headers of h for the cookies ours names
// with cs, and keeps shared caches from storing the Set-Cookie headers
// (Cache-Control: no-cache="Set-Cookie", unless no-store is there).
func Write(h http.Header, ours func(name string) bool, cs ...*http.Cookie) {
	lines := make([]string, len(cs))
	for i, c := range cs {
		lines[i] = c.String()
	}
	WriteLines(h, ours, lines...)
}

// WriteLines is [Write] for header values already made, by a [Line]. It
// keeps lines as the new Set-Cookie values when h has none: the caller
// gives it up.
func WriteLines(h http.Header, ours func(name string) bool, lines ...string) {
	old := h["Set-Cookie"]
	if len(old) == 0 {
		// The common case: no Set-Cookie yet; keep lines as they are.
		h["Set-Cookie"] = lines
	} else {
		kept := make([]string, 0, len(old)+len(lines))
		for _, l := range old {
			if name, _, _ := strings.Cut(l, "="); !ours(name) {
				kept = append(kept, l)
			}
		}
		h["Set-Cookie"] = append(kept, lines...)
	}
	const nc = `no-cache="Set-Cookie"`
	switch cc := h.Get("Cache-Control"); {
	case cc == "":
		h.Set("Cache-Control", nc)
	case !strings.Contains(cc, "no-store") && !strings.Contains(cc, nc):
		h.Set("Cache-Control", cc+", "+nc)
	}
}
