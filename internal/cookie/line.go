package cookie

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Line writes the Set-Cookie header values of one checked cookie template
// without net/http's per-call sanitizing: the attributes, checked by
// [Cookie.Template], are rendered once by http.Cookie.String when the Line
// is made, and only the name, the value and the expiry are added per
// cookie. The result is byte for byte what http.Cookie.String gives for
// the same cookie.
//
// Values must be made of the bytes A-Z a-z 0-9 - _ . only (PASETO tokens
// and their parts are), which a cookie carries as they are; names must be
// the template's name or one of its part names ("name.1"), checked when
// the template was.
type Line struct {
	pre  string // "; Path=…; Domain=…"
	post string // "; HttpOnly; Secure; SameSite=…; Partitioned"
}

// NewLine returns the Line of tmpl, a cookie made by [Cookie.Template]
// (its Name, Value and expiry are ignored).
func NewLine(tmpl http.Cookie) Line {
	const n = len("x=")
	pre := (&http.Cookie{Name: "x", Path: tmpl.Path, Domain: tmpl.Domain}).String()
	post := (&http.Cookie{Name: "x", HttpOnly: tmpl.HttpOnly, Secure: tmpl.Secure,
		SameSite: tmpl.SameSite, Partitioned: tmpl.Partitioned}).String()
	return Line{pre: pre[n:], post: post[n:]}
}

const (
	expiresAttr = "; Expires="
	maxAgeAttr  = "; Max-Age="
)

// Overhead returns the length of the header value of a cookie named name
// with maxAge (see [Line.Append]) minus the length of its value.
func (l Line) Overhead(name string, maxAge int) int {
	n := len(name) + 1 + len(l.pre) + len(l.post)
	switch {
	case maxAge > 0:
		n += len(expiresAttr) + len(http.TimeFormat) + len(maxAgeAttr) + digits(maxAge)
	case maxAge < 0:
		n += len(expiresAttr) + len(http.TimeFormat) + len(maxAgeAttr) + 1
	}
	return n
}

// digits is the number of decimal digits of n > 0.
func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// Append appends the header value of the cookie name=value to b. maxAge
// > 0 adds Expires (expires, in UTC) and Max-Age; zero adds neither (a
// browser-session cookie); < 0 deletes the cookie (Expires in 1970,
// Max-Age=0, the empty value expected).
func (l Line) Append(b []byte, name, value string, maxAge int, expires time.Time) []byte {
	b = append(b, name...)
	b = append(b, '=')
	b = append(b, value...)
	b = append(b, l.pre...)
	b = appendExpiry(b, maxAge, expires)
	return append(b, l.post...)
}

// String returns what [Line.Append] appends, in one allocation of size
// bytes (the value's length plus [Line.Overhead]).
func (l Line) String(size int, name, value string, maxAge int, expires time.Time) string {
	var sb strings.Builder
	sb.Grow(size)
	sb.WriteString(name)
	sb.WriteByte('=')
	sb.WriteString(value)
	sb.WriteString(l.pre)
	var buf [64]byte
	sb.Write(appendExpiry(buf[:0], maxAge, expires))
	sb.WriteString(l.post)
	return sb.String()
}

func appendExpiry(b []byte, maxAge int, expires time.Time) []byte {
	switch {
	case maxAge > 0:
		b = append(b, expiresAttr...)
		b = expires.UTC().AppendFormat(b, http.TimeFormat)
		b = append(b, maxAgeAttr...)
		b = strconv.AppendInt(b, int64(maxAge), 10)
	case maxAge < 0:
		b = append(b, expiresAttr...)
		b = time.Unix(1, 0).UTC().AppendFormat(b, http.TimeFormat)
		b = append(b, maxAgeAttr+"0"...)
	}
	return b
}

// Delete returns the header value that deletes the cookie name, as
// [Expire] and http.Cookie.String make it.
func (l Line) Delete(name string) string {
	return l.String(l.Overhead(name, -1), name, "", -1, time.Time{})
}
