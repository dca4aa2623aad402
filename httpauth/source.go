package httpauth

import (
	"errors"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"

	"github.com/pasetokit/pasetokit/internal/authscheme"
)

// A Source is a place in a request where a token may travel. The
// implementations are HeaderSource, BareHeaderSource, CookieSource,
// QuerySource, WebSocketSource, JSONBodySource and CustomSource (values or
// non-nil pointers). The set is closed so that New can validate every
// source and apply the same rules to all of them; [CustomSource] is the
// open way to add a place of the application's own under those rules.
//
// Config.Sources lists sources in the order they are tried. The first source
// that finds a token wins and the others are not looked at, so a request that
// carries tokens in two places is not an error. A source that finds nothing,
// or only something it counts as absent (a header with another scheme, an
// empty cookie), lets the next source try. A source that finds something broken (a scheme with no
// credentials after it, a header line or query parameter given twice) ends
// the search with an error, so a broken credential is never silently
// replaced by another one.
type Source interface {
	source()
}

// HeaderSource takes the token from a request header.
//
// With a Type, the header value must be "<Type> <token>": the scheme is
// matched ASCII case-insensitively ("bearer" and "BEARER" match "Bearer"),
// followed by one or more spaces (RFC 7235: 1*SP; tabs do not count). A value
// with another scheme counts as absent for this source. A matching scheme with
// nothing after it is a malformed token (ErrMalformed, code token_malformed).
//
// Without a Type, the whole header value is the token; an empty value counts
// as absent.
//
// Leading and trailing spaces and tabs are ignored in either case (they are
// not part of an HTTP field value). A header given on more than one line is
// rejected with ErrAmbiguousToken.
//
// The zero value, HeaderSource{}, is "Authorization: Bearer <token>", the
// default source.
type HeaderSource struct {
	// Name is the header name, matched case-insensitively. Empty means
	// "Authorization".
	Name string
	// Scheme is the authentication scheme before the token, such as "Bearer"
	// or "PASETO". Empty means none, except on the Authorization header,
	// which always carries a scheme (RFC 7235), where empty means "Bearer".
	Scheme string
}

// CookieSource takes the token from a cookie.
//
// A cookie with an empty value counts as absent (a logout often leaves one
// behind). When the request carries several cookies of that name, the first
// is used, as browsers send the one with the most specific path first; name
// the cookie with the "__Host-" prefix to keep subdomains from planting one.
type CookieSource struct {
	// Name is the cookie name; it is required.
	Name string
}

// QuerySource takes the token from a URL query parameter. It is only used
// when listed in Config.Sources. Tokens in URLs end up in access logs,
// browser history and Referer headers; prefer a header or a cookie.
//
// An empty value counts as absent; a parameter given twice is rejected with
// ErrAmbiguousToken. Pairs with a semicolon or bad percent-encoding are
// ignored, as url.ParseQuery drops them.
type QuerySource struct {
	// Name is the parameter name; it is required.
	Name string
}

// WebSocketSource takes the token from a WebSocket opening handshake, where
// browsers cannot set an Authorization header: from the Header header if
// set, otherwise (or when the header is absent) from the Query parameter. It
// applies only to handshake requests: GET requests whose Upgrade header lists
// "websocket" and whose Connection header lists "upgrade" (RFC 6455 §4.1,
// case-insensitively). On any other request it finds nothing. WebSockets
// over HTTP/2 (RFC 8441, CONNECT) are not recognised.
//
// The zero value, WebSocketSource{}, reads the query parameter "token".
// Values follow the HeaderSource (no Type) and QuerySource rules, plus
// Prefix.
type WebSocketSource struct {
	// Header is a header to read the token from. Empty means none.
	Header string
	// Query is a query parameter to read the token from. When both Header
	// and Query are empty, Query is "token".
	Query string
	// Prefix, when set, must begin the value (matched ASCII
	// case-insensitively) and is removed from it, as in "Bearer ". A value
	// without it counts as absent; a value that is only the prefix is a
	// malformed token. Nothing else is trimmed after the prefix. Unlike
	// [HeaderSource.Scheme] it includes the separator: it is the exact
	// text before the token.
	Prefix string
}

func (HeaderSource) source()    {}
func (CookieSource) source()    {}
func (QuerySource) source()     {}
func (WebSocketSource) source() {}

// kind is what an extractor reads.
type kind uint8

const (
	kindHeader kind = iota
	kindCookie
	kindQuery
)

// extractor is one compiled source. A WebSocketSource becomes up to two.
type extractor struct {
	kind      kind
	name      string                                // canonical header key, cookie name or query key
	scheme    string                                // HeaderSource.Type ("" none)
	prefix    string                                // WebSocketSource.Prefix ("" none)
	websocket bool                                  // only on WebSocket handshakes
	label     string                                // Error.Source
	bare      bool                                  // BareHeaderSource: no scheme, no space inside
	max       int64                                 // JSONBodySource: the most of the body read
	custom    func(*http.Request) ([]string, error) // CustomSource.Values
}

// found is what an extractor found: the outcomes of package authscheme,
// which reads header values for httpauth and grpcauth alike.
type found = authscheme.Found

const (
	absent    = authscheme.Absent
	present   = authscheme.Present
	malformed = authscheme.Malformed // something was there, but no token (empty credentials)
	ambiguous = authscheme.Ambiguous // the same header line or query parameter twice
)

// compile validates src and appends its extractors to dst.
func compile(dst []extractor, src Source) ([]extractor, error) {
	switch s := src.(type) {
	case HeaderSource:
		return compileHeader(dst, s)
	case *HeaderSource:
		if s == nil {
			return dst, errors.New("nil *HeaderSource")
		}
		return compileHeader(dst, *s)
	case CookieSource:
		return compileCookie(dst, s)
	case *CookieSource:
		if s == nil {
			return dst, errors.New("nil *CookieSource")
		}
		return compileCookie(dst, *s)
	case QuerySource:
		return compileQuery(dst, s)
	case *QuerySource:
		if s == nil {
			return dst, errors.New("nil *QuerySource")
		}
		return compileQuery(dst, *s)
	case WebSocketSource:
		return compileWebSocket(dst, s)
	case *WebSocketSource:
		if s == nil {
			return dst, errors.New("nil *WebSocketSource")
		}
		return compileWebSocket(dst, *s)
	case BareHeaderSource:
		return compileBareHeader(dst, s)
	case *BareHeaderSource:
		if s == nil {
			return dst, errors.New("nil *BareHeaderSource")
		}
		return compileBareHeader(dst, *s)
	case CustomSource:
		return compileCustom(dst, s)
	case *CustomSource:
		if s == nil {
			return dst, errors.New("nil *CustomSource")
		}
		return compileCustom(dst, *s)
	case JSONBodySource:
		return compileJSON(dst, s)
	case *JSONBodySource:
		if s == nil {
			return dst, errors.New("nil *JSONBodySource")
		}
		return compileJSON(dst, *s)
	default:
		// Source is sealed, so this is only a nil Source.
		return dst, errors.New("nil Source")
	}
}

func compileHeader(dst []extractor, s HeaderSource) ([]extractor, error) {
	name := s.Name
	if name == "" {
		name = "Authorization"
	}
	if !isToken(name) {
		return dst, errors.New("HeaderSource.Name " + quote(name) + " is not a valid header name")
	}
	key := textproto.CanonicalMIMEHeaderKey(name)
	typ := s.Scheme
	if typ == "" && key == "Authorization" {
		typ = "Bearer"
	}
	if typ != "" && !isToken(typ) {
		return dst, errors.New("HeaderSource.Scheme " + quote(typ) + " is not a valid authentication scheme")
	}
	return append(dst, extractor{kind: kindHeader, name: key, scheme: typ, label: "header:" + key}), nil
}

func compileCookie(dst []extractor, s CookieSource) ([]extractor, error) {
	if !isToken(s.Name) {
		return dst, errors.New("CookieSource.Name " + quote(s.Name) + " is not a valid cookie name")
	}
	return append(dst, extractor{kind: kindCookie, name: s.Name, label: "cookie:" + s.Name}), nil
}

func compileQuery(dst []extractor, s QuerySource) ([]extractor, error) {
	if s.Name == "" {
		return dst, errors.New("QuerySource.Name is empty")
	}
	return append(dst, extractor{kind: kindQuery, name: s.Name, label: "query:" + s.Name}), nil
}

func compileWebSocket(dst []extractor, s WebSocketSource) ([]extractor, error) {
	for i := 0; i < len(s.Prefix); i++ {
		if c := s.Prefix[i]; c < ' ' || c > '~' {
			return dst, errors.New("WebSocketSource.Prefix holds a character other than printable ASCII")
		}
	}
	query := s.Query
	if s.Header == "" && query == "" {
		query = "token"
	}
	if s.Header != "" {
		if !isToken(s.Header) {
			return dst, errors.New("WebSocketSource.Header " + quote(s.Header) + " is not a valid header name")
		}
		key := textproto.CanonicalMIMEHeaderKey(s.Header)
		dst = append(dst, extractor{kind: kindHeader, name: key, prefix: s.Prefix, websocket: true, label: "websocket-header:" + key})
	}
	if query != "" {
		dst = append(dst, extractor{kind: kindQuery, name: query, prefix: s.Prefix, websocket: true, label: "websocket-query:" + query})
	}
	return dst, nil
}

// extract runs the extractors in order and returns the first token found,
// or the first error, with the index of the extractor that found it. It
// returns absent and -1 when no extractor found anything.
func extract(exs []extractor, r *http.Request) (tok string, f found, at int) {
	ws := -1 // WebSocket handshake: -1 unknown, 0 no, 1 yes
	for i := range exs {
		e := &exs[i]
		if e.websocket {
			if ws < 0 {
				ws = 0
				if isWebSocketHandshake(r) {
					ws = 1
				}
			}
			if ws == 0 {
				continue
			}
		}
		t, g := "", absent
		switch e.kind {
		case kindHeader:
			if e.bare {
				t, g = bareValue(r.Header[e.name])
			} else {
				t, g = headerValue(r.Header[e.name], e.scheme)
			}
		case kindCookie:
			t, g = cookieValue(r, e.name)
		case kindQuery:
			if r.URL != nil {
				t, g = queryValue(r.URL.RawQuery, e.name)
			}
		case kindJSON:
			t, g = jsonValue(r, e)
		case kindCustom:
			t, g = customValue(r, e.custom)
		}
		if g == present && e.prefix != "" {
			t, g = cutPrefix(t, e.prefix)
		}
		if g != absent {
			return t, g, i
		}
	}
	return "", absent, -1
}

// headerValue reads a token from the lines of one header. With a scheme
// the value must be "<scheme> 1*SP <token>" ([authscheme.Value]); the
// token is bounded later, by MaxTokenLength.
func headerValue(lines []string, scheme string) (string, found) {
	return authscheme.Value(lines, scheme, 0)
}

func cookieValue(r *http.Request, name string) (string, found) {
	if len(r.Header["Cookie"]) == 0 {
		return "", absent
	}
	c, err := r.Cookie(name)
	if err != nil || c.Value == "" {
		return "", absent
	}
	return c.Value, present
}

// queryValue finds name in a raw query the way url.ParseQuery would,
// without building the whole map.
func queryValue(raw, name string) (string, found) {
	var val string
	n := 0
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" || strings.IndexByte(pair, ';') >= 0 {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok := unescape(k)
		if !ok || k != name {
			continue
		}
		v, ok = unescape(v)
		if !ok {
			continue
		}
		n++
		if n == 1 {
			val = v
		}
	}
	switch {
	case n > 1:
		return "", ambiguous
	case val == "":
		return "", absent
	}
	return val, present
}

// unescape is url.QueryUnescape without its allocation for plain strings.
func unescape(s string) (string, bool) {
	if strings.IndexByte(s, '%') < 0 && strings.IndexByte(s, '+') < 0 {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
}

func cutPrefix(v, prefix string) (string, found) {
	if len(v) < len(prefix) || !authscheme.EqualFoldASCII(v[:len(prefix)], prefix) {
		return "", absent
	}
	v = v[len(prefix):]
	if v == "" {
		return "", malformed
	}
	return v, present
}

// isWebSocketHandshake reports whether r opens a WebSocket (RFC 6455 §4.1).
func isWebSocketHandshake(r *http.Request) bool {
	return r.Method == http.MethodGet &&
		hasToken(r.Header["Upgrade"], "websocket") &&
		hasToken(r.Header["Connection"], "upgrade")
}

// hasToken reports whether the comma-separated header lines list token,
// ASCII case-insensitively.
func hasToken(lines []string, token string) bool {
	for _, line := range lines {
		for line != "" {
			var item string
			item, line, _ = strings.Cut(line, ",")
			if authscheme.EqualFoldASCII(authscheme.TrimOWS(item), token) {
				return true
			}
		}
	}
	return false
}

// isToken reports whether s is a non-empty RFC 9110 token (tchar+), the
// syntax of header names, authentication schemes and cookie names.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
