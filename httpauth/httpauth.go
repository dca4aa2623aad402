package httpauth

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// TokenVerifier is what the middleware needs; *verifier.Verifier implements
// it. Verify must be safe for concurrent use. It is called with the
// request's context, the token as found in the request and the implicit
// assertion from Config.Implicit.
type TokenVerifier interface {
	Verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error)
}

// Config configures a Middleware. Only Verifier is required; the zero value
// of every other field is a safe default.
type Config struct {
	// Verifier verifies the tokens. It is required.
	Verifier TokenVerifier

	// Sources lists where tokens are looked for, in order; the first
	// source that finds one wins (see Source). Empty means the
	// Authorization header with the Bearer scheme only:
	// []Source{HeaderSource{}}. Query parameters are only read when a
	// QuerySource or WebSocketSource is listed.
	Sources []Source

	// MaxTokenLength bounds a token in bytes. A longer token is rejected
	// (paseto.ErrTokenTooLong, code token_malformed) before the verifier
	// sees it. Zero means paseto.DefaultMaxTokenLength (64 KiB); negative
	// values are invalid.
	MaxTokenLength int

	// Implicit, if set, returns the implicit assertion to verify each
	// request's token against (v3 and v4 only), such as a tenant id from
	// the host name. It must not retain the request. Nil means none.
	Implicit func(r *http.Request) []byte

	// Realm is the realm attribute of the WWW-Authenticate challenge. It
	// must be printable ASCII without '"' or '\'. Empty means no realm
	// attribute.
	Realm string

	// ErrorHandler writes the response for a failed request; the next
	// handler is not called. It is called with the WWW-Authenticate header
	// already set on 400, 401 and 403 responses, and Retry-After on 503
	// ones. It must write a response (an empty one would be a 200). Nil
	// means DefaultErrorHandler.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err *Error)

	// Events receives an [observe.KindRequest] event for every request
	// authenticated (by Require, Optional or Authenticate), with reason
	// "ok" or the error's [Error.Code]. Nil means [observe.Default]: slog
	// at level Debug (Warn for 503 answers), rate-limited.
	Events observe.Handler
}

// Middleware authenticates requests with PASETO tokens. Make one with New;
// it is safe for concurrent use.
type Middleware struct {
	v          TokenVerifier
	exs        []extractor
	max        int
	implicit   func(*http.Request) []byte
	onError    func(http.ResponseWriter, *http.Request, *Error)
	challenges map[*class]string // WWW-Authenticate per 400/401/403 class
	events     observe.Handler
}

// New validates cfg and returns a Middleware. Every error it returns is a
// *[ConfigError] matching [ErrInvalidConfig].
func New(cfg Config) (*Middleware, error) {
	if cfg.Verifier == nil {
		return nil, configError("Verifier", errors.New("nil"))
	}
	if cfg.MaxTokenLength < 0 {
		return nil, configError("MaxTokenLength", errors.New("negative"))
	}
	for i := 0; i < len(cfg.Realm); i++ {
		if c := cfg.Realm[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return nil, configError("Realm", errors.New("holds a '\"', a '\\' or a character other than printable ASCII"))
		}
	}
	m := &Middleware{
		v:        cfg.Verifier,
		max:      cfg.MaxTokenLength,
		implicit: cfg.Implicit,
		onError:  cfg.ErrorHandler,
		events:   cfg.Events,
	}
	if m.max == 0 {
		m.max = paseto.DefaultMaxTokenLength
	}
	if m.onError == nil {
		m.onError = DefaultErrorHandler
	}
	sources := cfg.Sources
	if len(sources) == 0 {
		sources = []Source{HeaderSource{}}
	}
	var err error
	for i, s := range sources {
		if m.exs, err = compile(m.exs, s); err != nil {
			return nil, configError("Sources["+strconv.Itoa(i)+"]", err)
		}
	}
	for i := range m.exs {
		for j := range i {
			if m.exs[i].same(&m.exs[j]) {
				return nil, configError("Sources", errors.New("lists "+m.exs[i].label+" twice"))
			}
		}
	}
	// The challenge names the scheme of the first typed header source, so
	// a client is told what to send; Bearer if there is none.
	scheme := "Bearer"
	for _, e := range m.exs {
		if e.kind == kindHeader && e.scheme != "" {
			scheme = e.scheme
			break
		}
	}
	m.challenges = make(map[*class]string, len(classes))
	for _, c := range classes {
		if c.status == http.StatusUnauthorized || c.status == http.StatusBadRequest || c.status == http.StatusForbidden {
			m.challenges[c] = challenge(scheme, cfg.Realm, c)
		}
	}
	return m, nil
}

// Require returns a handler that lets a request through to next only with a
// valid token, available to next through TokenFrom. A request without a
// token, or with an invalid one, gets the ErrorHandler's response and next
// is not called. It panics, when called, if m or next is nil.
func (m *Middleware) Require(next http.Handler) http.Handler {
	if m == nil || next == nil {
		panic("httpauth: Require on a nil Middleware or with a nil handler")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, false)
	})
}

// Optional returns a handler that lets a request without a token through
// to next without one (TokenFrom reports false), and a request with a valid
// token through with it. A request that presents a token which fails
// verification is rejected like in Require, not downgraded to anonymous: a
// client that sends a credential means to be authenticated, and an expired
// token should be renewed rather than silently ignored. The same holds for
// ambiguous or empty credentials. As next answers the same URL differently
// with and without a token, its responses should not be stored by shared
// caches (Cache-Control: private, or Vary). It panics, when called, if m or
// next is nil.
func (m *Middleware) Optional(next http.Handler) http.Handler {
	if m == nil || next == nil {
		panic("httpauth: Optional on a nil Middleware or with a nil handler")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.serve(w, r, next, true)
	})
}

func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, optional bool) {
	tok, raw, e := m.authenticate(r)
	if e != nil {
		if optional && e.class == classMissing {
			next.ServeHTTP(w, r)
			return
		}
		m.writeError(w, r, e)
		return
	}
	next.ServeHTTP(w, r.WithContext(NewContextWithRaw(r.Context(), tok, raw)))
}

func (m *Middleware) writeError(w http.ResponseWriter, r *http.Request, e *Error) {
	c := e.class
	if c == nil || c.code != e.Code {
		c = classByCode(e.Code)
	}
	if ch, ok := m.challenges[c]; ok {
		w.Header()["Www-Authenticate"] = []string{ch}
	}
	if c != nil && c.status == http.StatusServiceUnavailable {
		// Set before the ErrorHandler, so that a custom one answers a
		// store or key set outage with Retry-After too.
		w.Header()["Retry-After"] = []string{retryAfterHeader}
	}
	m.onError(w, r, e)
}

// WriteError writes the response Require writes for err: the
// WWW-Authenticate challenge for a 400, 401 or 403 code of this package
// (Retry-After for a 503), then the ErrorHandler's response. err is typically from Authenticate; an
// error that is not an *Error is classified as Code does, with an empty
// Source, and a nil err is written as token_rejected.
func (m *Middleware) WriteError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) || e == nil {
		if err == nil {
			err = errNilToken
		}
		e = newError(classify(err), "", err)
	}
	m.writeError(w, r, e)
}

// Authenticate finds and verifies the token of r as Require does, without
// writing a response: for handlers that authenticate by hand, such as a
// WebSocket upgrade done by a library. It returns the token, or an *Error
// (matching ErrMissingToken when there is no token at all) that WriteError
// turns into the response Require would write.
func (m *Middleware) Authenticate(r *http.Request) (*verifier.Token, error) {
	tok, _, e := m.authenticate(r)
	if e != nil {
		return nil, e
	}
	return tok, nil
}

// authenticate returns the verified token and the raw token it was
// verified from, and reports the outcome.
func (m *Middleware) authenticate(r *http.Request) (*verifier.Token, string, *Error) {
	tok, raw, e := m.check(r)
	reason := observe.ReasonOK
	if e != nil {
		reason = e.Code
	}
	observe.Emit(r.Context(), m.events, observe.Event{Kind: observe.KindRequest, Component: "httpauth", Reason: reason})
	return tok, raw, e
}

func (m *Middleware) check(r *http.Request) (*verifier.Token, string, *Error) {
	s, f, at := extract(m.exs, r)
	var source string
	if at >= 0 {
		source = m.exs[at].label
	}
	switch f {
	case absent:
		return nil, "", newError(classMissing, "", ErrMissingToken)
	case ambiguous:
		return nil, "", newError(classAmbiguous, source, ErrAmbiguousToken)
	case malformed:
		return nil, "", newError(classMalformed, source, errNoCredentials)
	}
	if len(s) > m.max {
		return nil, "", newError(classMalformed, source, paseto.ErrTokenTooLong)
	}
	var implicit []byte
	if m.implicit != nil {
		implicit = m.implicit(r)
	}
	tok, err := m.v.Verify(r.Context(), s, implicit)
	if err != nil {
		return nil, "", newError(classify(err), source, err)
	}
	if tok == nil {
		return nil, "", newError(classRejected, source, errNilToken)
	}
	return tok, s, nil
}

// tokenKey and rawKey are the context keys of the verified token and of
// the raw token.
type (
	tokenKey struct{}
	rawKey   struct{}
)

// tokenContext carries both in one allocation, where two
// context.WithValue calls would take two.
type tokenContext struct {
	context.Context
	tok *verifier.Token
	raw string
}

func (c *tokenContext) Value(key any) any {
	switch key.(type) {
	case tokenKey:
		return c.tok
	case rawKey:
		return c.raw
	}
	return c.Context.Value(key)
}

// NewContextWithRaw is [NewContext] that also carries raw, the token as
// the client sent it (without a scheme), for [RawTokenFrom]: what Require
// and Optional give the next handler. Code that authenticates outside this
// middleware should use it, so that functions acting on the request's
// token again (authtoken's Logout, RevokeToken, Refresh) find it. A nil tok
// is stored as no token and no raw token, hiding those of ctx.
func NewContextWithRaw(ctx context.Context, tok *verifier.Token, raw string) context.Context {
	if tok == nil {
		raw = ""
	}
	return &tokenContext{Context: ctx, tok: tok, raw: raw}
}

// RawTokenFrom returns the token, as the client sent it (without a scheme
// or prefix), that Require or Optional verified and stored in the request
// context, and whether there is one. Functions that act on the request's
// token again, such as authtoken's Logout and Refresh, take it from here
// instead of parsing headers a second time, so they always see the token
// the configured sources found.
func RawTokenFrom(ctx context.Context) (string, bool) {
	if ctx == nil {
		return "", false
	}
	s, ok := ctx.Value(rawKey{}).(string)
	return s, ok && s != ""
}

// NewContext returns a copy of ctx that carries tok, as Require and
// Optional pass it to the next handler, so that [TokenFrom] (and the
// accessors of package authtoken) find it. It is for code that
// authenticates outside this middleware, such as the gRPC interceptors of
// module github.com/pasetokit/pasetokit/grpcauth. A nil tok is stored as no
// token: TokenFrom then reports false.
func NewContext(ctx context.Context, tok *verifier.Token) context.Context {
	return NewContextWithRaw(ctx, tok, "")
}

// TokenFrom returns the verified token that Require or Optional stored in
// the request context, or [NewContext] in another, and whether there is one.
func TokenFrom(ctx context.Context) (*verifier.Token, bool) {
	if ctx == nil {
		return nil, false
	}
	t, ok := ctx.Value(tokenKey{}).(*verifier.Token)
	return t, ok && t != nil
}
