package session

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/internal/cookie"
)

// Handler returns middleware that loads the session of each request into
// its context (see [FromContext]) and saves it when the response is
// committed: at the first WriteHeader, Write or Flush, or when next returns,
// whichever comes first. A cookie is written only when needed: the session
// changed, was renewed or destroyed, is due for sliding re-issue, or a
// rejected cookie must be deleted. Whenever it writes a cookie it adds
// "Vary: Cookie" and `Cache-Control: no-cache="Set-Cookie"`.
//
// The wrapper passed to next keeps http.Flusher and http.Hijacker, and
// Unwrap, so http.ResponseController works through it. Hijacking commits
// the session without a cookie; unsaved changes are then reported to
// [Config.OnError] as [ErrCommitted]. A Hijack that fails leaves the session
// alone.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := m.load(w, r)
		sw := &responseWriter{ResponseWriter: w, s: s}
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
		s.r = r
		defer s.commit()
		next.ServeHTTP(sw, r)
	})
}

type responseWriter struct {
	http.ResponseWriter
	s *Session
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.s.commit()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(b []byte) (int, error) {
	w.s.commit()
	return w.ResponseWriter.Write(b)
}

// FlushError commits the session and flushes the underlying writer.
func (w *responseWriter) FlushError() error {
	w.s.commit()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *responseWriter) Flush() { _ = w.FlushError() }

// Hijack implements http.Hijacker. The session is abandoned (committed
// without a cookie) only once the connection was taken over: when the
// underlying writer cannot hijack, the session stays in use and is saved
// with the response as usual.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return conn, brw, err
	}
	w.s.abandon()
	return conn, brw, nil
}

// Unwrap returns the underlying writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// load reads the session cookie(s) of r. It never fails: a rejected
// cookie gives a new session, marked for the cookie's deletion.
func (m *Manager) load(w http.ResponseWriter, r *http.Request) *Session {
	s := &Session{m: m, r: r, w: w, isNew: true}
	value, parts, oversized := m.readCookies(r)
	s.parts = parts
	if parts == 0 {
		return s
	}
	now := m.now()
	var cerr *CookieError
	switch {
	case oversized:
		cerr = badCookie(m.name, ErrMalformed, nil)
	case !strings.HasPrefix(value, tokenHeader) && len(m.fallback) > 0:
		vals, err := m.fromGorilla(value)
		if err == nil {
			s.p.Values, s.isNew = vals, false
			s.dirty = true // re-issue as a session token
			return s
		}
		cerr = badCookie(m.name, ErrMalformed, nil)
	case m.flask != nil && isFlaskToken(value):
		if !now.Before(m.flaskEnd) {
			cerr = badCookie(m.name, ErrExpired, nil)
			break
		}
		if parts != 1 || !m.flaskCookieIs(r, value) {
			cerr = badCookie(m.name, ErrMalformed, nil)
			break
		}
		vals, err := m.fromFlask(value)
		if err == nil {
			s.p.Values, s.isNew = vals, false
			s.dirty = true // re-issue as a session token
			return s
		}
		cerr = badCookie(m.name, ErrMalformed, nil)
	default:
		p, err := m.decode(value, now)
		if err == nil {
			s.p, s.isNew = *p, false
			s.touch = m.idle > 0 && now.Sub(time.Unix(p.Seen, 0)) >= m.touch
			return s
		}
		cerr = err
	}
	s.bad = true
	if m.onBad != nil {
		m.onBad(r, cerr)
	}
	return s
}

// readCookies joins the parts of the session cookie. parts counts the
// parts present; oversized reports a part longer than a cookie can be.
func (m *Manager) readCookies(r *http.Request) (value string, parts int, oversized bool) {
	var found [64]string
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, m.name) {
			continue
		}
		for i, n := range m.partNames {
			if c.Name == n && found[i] == "" {
				found[i] = c.Value
				break
			}
		}
	}
	if found[0] == "" {
		return "", 0, false
	}
	total := 0
	for parts = 0; parts < m.maxParts && found[parts] != ""; parts++ {
		if len(found[parts]) > MaxCookieSize {
			oversized = true
		}
		total += len(found[parts])
	}
	if parts == 1 {
		return found[0], 1, oversized
	}
	var b strings.Builder
	b.Grow(total)
	for _, v := range found[:parts] {
		b.WriteString(v)
	}
	return b.String(), parts, oversized
}

// cookies returns the Set-Cookie header value(s) carrying token for
// payload p. The token is base64url text with dots, which a cookie value
// carries as it is, and the name and attributes were checked by New: the
// lines are written by m.line, without net/http's sanitizing of every
// part of every cookie.
func (m *Manager) cookies(token string, p *payload, now time.Time) ([]string, error) {
	var exp time.Time
	maxAge := 0
	if m.persist {
		exp = time.Unix(p.Created, 0).Add(m.lifetime)
		if m.idle > 0 {
			if e := time.Unix(p.Seen, 0).Add(m.idle); e.Before(exp) {
				exp = e
			}
		}
		maxAge = max(int(exp.Sub(now)/time.Second), 1)
	}
	if m.maxParts == 1 {
		over := m.line.Overhead(m.name, maxAge)
		if n := over + len(token); n > MaxCookieSize {
			return nil, &SizeError{Size: n, Limit: MaxCookieSize}
		}
		return []string{m.line.String(over+len(token), m.name, token, maxAge, exp)}, nil
	}
	// Every part gets the room left by the longest name's attributes.
	chunk := MaxCookieSize - m.line.Overhead(m.partNames[m.maxParts-1], maxAge)
	if chunk <= 0 {
		// New refuses such attributes; never divide by a non-positive
		// chunk.
		return nil, &SizeError{Size: len(token), Limit: 0}
	}
	n := (len(token) + chunk - 1) / chunk
	if n > m.maxParts {
		return nil, &SizeError{Size: len(token), Limit: chunk * m.maxParts}
	}
	out := make([]string, n)
	for i := range n {
		v := token[i*chunk : min(len(token), (i+1)*chunk)]
		out[i] = m.line.String(m.line.Overhead(m.partNames[i], maxAge)+len(v), m.partNames[i], v, maxAge, exp)
	}
	return out, nil
}

// expired returns the header values that delete parts [from, to).
func (m *Manager) expired(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, m.line.Delete(m.partNames[i]))
	}
	return out
}

// writeCookies replaces the Set-Cookie headers for the session's cookies
// with lines and adds the caching headers.
func (m *Manager) writeCookies(h http.Header, lines []string) {
	cookie.WriteLines(h, m.isPart, lines...)
	for _, v := range h["Vary"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); strings.EqualFold(f, "Cookie") || f == "*" {
				return
			}
		}
	}
	h.Add("Vary", "Cookie")
}

func (m *Manager) isPart(name string) bool {
	for _, n := range m.partNames {
		if n == name {
			return true
		}
	}
	return false
}
