package grpcauth

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/internal/authscheme"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paseto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
)

// TokenVerifier is what the interceptors need to verify a token:
// [httpauth.TokenVerifier], so that the same value serves HTTP and gRPC.
// *[verifier.Verifier] implements it, and so do the requirements of
// package authtoken ([authtoken.Manager.Access],
// [authtoken.Manager.FreshAccess], …). Verify is
// called with the call's context, the token and the implicit assertion
// from [Config.Implicit], from many goroutines at once.
type TokenVerifier = httpauth.TokenVerifier

// Config configures an [Interceptor]. Only Verifier is required; the zero
// value of every other field is a safe default.
type Config struct {
	// Verifier verifies the token of every call, except those of methods
	// listed in Methods (which use their own) or SkipMethods. It is
	// required.
	Verifier TokenVerifier

	// Methods gives some methods a verifier of their own instead of
	// Verifier, such as authtoken's FreshAccess for a method that changes
	// a password. A key is a full method name, "/package.Service/Method",
	// or a whole service, "/package.Service/"; the full method name wins
	// over its service. Nil means every method uses Verifier. The map is
	// copied.
	Methods map[string]TokenVerifier

	// SkipMethods lists the methods served without a token, with the
	// syntax of Methods' keys, such as "/grpc.health.v1.Health/" for the
	// health service. The interceptors do not look at the metadata of
	// such calls at all: the handler sees no token. A name listed both
	// here and in Methods is an error; a full method name in one wins over
	// its service in the other. Empty means every method requires a
	// token.
	SkipMethods []string

	// MaxTokenLength bounds a token in bytes. A longer token is refused
	// (paseto.ErrTokenTooLong, reason token_malformed) before the verifier
	// sees it. Zero means paseto.DefaultMaxTokenLength (64 KiB); negative
	// is an error.
	MaxTokenLength int

	// Implicit, if set, returns the implicit assertion to verify each
	// call's token against (v3 and v4 only), such as a tenant id. It is
	// given the call's context (with its metadata and peer) and full
	// method name. Nil means none.
	Implicit func(ctx context.Context, fullMethod string) []byte

	// OnError, if set, is called with every refused call, before the
	// error is returned: log it here (err.Err says what failed). It
	// cannot change the answer. It runs on the call's goroutine and must
	// be safe for concurrent use.
	OnError func(ctx context.Context, err *Error)

	// Events receives an [observe.KindRequest] event for every call
	// authenticated (not those of SkipMethods), with reason "ok" or the
	// [Error.Reason] it is refused with. Nil means [observe.Default]:
	// slog at level Debug (Warn for Unavailable), rate-limited.
	Events observe.Handler
}

// Interceptor authenticates gRPC calls with PASETO tokens. Make one with
// [New]; it is safe for concurrent use. Install both [Interceptor.Unary]
// and [Interceptor.Stream], so that no kind of method is left open.
type Interceptor struct {
	v        TokenVerifier
	methods  map[string]TokenVerifier
	skip     map[string]struct{}
	max      int
	implicit func(context.Context, string) []byte
	onError  func(context.Context, *Error)
	events   observe.Handler
}

// New validates cfg and returns an Interceptor. Every error it returns is
// a *[ConfigError] matching [ErrInvalidConfig].
func New(cfg Config) (*Interceptor, error) {
	if cfg.Verifier == nil {
		return nil, configError("Verifier", errors.New("nil"))
	}
	if cfg.MaxTokenLength < 0 {
		return nil, configError("MaxTokenLength", errors.New("negative"))
	}
	a := &Interceptor{
		v:        cfg.Verifier,
		max:      cfg.MaxTokenLength,
		implicit: cfg.Implicit,
		onError:  cfg.OnError,
		events:   cfg.Events,
	}
	if a.max == 0 {
		a.max = paseto.DefaultMaxTokenLength
	}
	if len(cfg.Methods) > 0 {
		a.methods = make(map[string]TokenVerifier, len(cfg.Methods))
		for name, v := range cfg.Methods {
			field := "Methods[" + name + "]"
			if !validMethod(name) {
				return nil, configError(field, errors.New(`not "/package.Service/Method" or "/package.Service/"`))
			}
			if v == nil {
				return nil, configError(field, errors.New("nil verifier"))
			}
			a.methods[name] = v
		}
	}
	if len(cfg.SkipMethods) > 0 {
		a.skip = make(map[string]struct{}, len(cfg.SkipMethods))
		for i, name := range cfg.SkipMethods {
			field := "SkipMethods[" + strconv.Itoa(i) + "]"
			if !validMethod(name) {
				return nil, configError(field, errors.New(`not "/package.Service/Method" or "/package.Service/"`))
			}
			if _, dup := a.methods[name]; dup {
				return nil, configError(field, errors.New("also listed in Methods"))
			}
			a.skip[name] = struct{}{}
		}
	}
	return a, nil
}

// validMethod reports whether name is "/service/method" or "/service/",
// with no other slash and no space or control character.
func validMethod(name string) bool {
	rest, ok := strings.CutPrefix(name, "/")
	if !ok {
		return false
	}
	service, method, ok := strings.Cut(rest, "/")
	if !ok || service == "" || strings.IndexByte(method, '/') >= 0 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// route returns the verifier for fullMethod, or nil when the method is
// skipped.
func (a *Interceptor) route(fullMethod string) TokenVerifier {
	service := fullMethod
	if i := strings.LastIndexByte(fullMethod, '/'); i >= 0 {
		service = fullMethod[:i+1]
	}
	if a.methods != nil {
		if v, ok := a.methods[fullMethod]; ok {
			return v
		}
	}
	if a.skip != nil {
		if _, ok := a.skip[fullMethod]; ok {
			return nil
		}
	}
	if a.methods != nil {
		if v, ok := a.methods[service]; ok {
			return v
		}
	}
	if a.skip != nil {
		if _, ok := a.skip[service]; ok {
			return nil
		}
	}
	return a.v
}

// Unary returns the unary server interceptor: install it with
// grpc.ChainUnaryInterceptor. A call that fails authentication gets an
// *[Error] and the handler is not called. It panics, when called, on a nil
// Interceptor.
func (a *Interceptor) Unary() grpc.UnaryServerInterceptor {
	if a == nil {
		panic("grpcauth: Unary on a nil Interceptor")
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		ctx, err := a.Authenticate(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		return handler(ctx, req)
	}
}

// Stream returns the stream server interceptor: install it with
// grpc.ChainStreamInterceptor. The token is checked once, when the stream
// opens; the handler's stream.Context() carries it. It panics, when
// called, on a nil Interceptor.
func (a *Interceptor) Stream() grpc.StreamServerInterceptor {
	if a == nil {
		panic("grpcauth: Stream on a nil Interceptor")
	}
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		ctx, err := a.Authenticate(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		return handler(srv, &authStream{ServerStream: ss, ctx: ctx})
	}
}

// authStream is a server stream whose context carries the token.
type authStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *authStream) Context() context.Context { return s.ctx }

// Authenticate does what the interceptors do, for code that authenticates
// by hand (another interceptor library's hook): it finds and verifies the
// token of the incoming call in ctx for fullMethod and returns a context
// carrying it ([httpauth.TokenFrom] and [httpauth.RawTokenFrom] find it
// there, put by [httpauth.NewContextWithRaw]), or an *[Error]. For a
// method in SkipMethods it returns ctx unchanged.
func (a *Interceptor) Authenticate(ctx context.Context, fullMethod string) (context.Context, error) {
	v := a.route(fullMethod)
	if v == nil {
		return ctx, nil
	}
	s, f := bearer(metadata.ValueFromIncomingContext(ctx, "authorization"), a.max)
	var e *Error
	switch f {
	case absent:
		e = newError(classMissing, fullMethod, ErrMissingToken)
	case ambiguous:
		e = newError(classAmbiguous, fullMethod, ErrAmbiguousToken)
	case malformed:
		e = newError(classMalformed, fullMethod, errNoCredentials)
	case tooLong:
		e = newError(classMalformed, fullMethod, paseto.ErrTokenTooLong)
	default:
		var implicit []byte
		if a.implicit != nil {
			implicit = a.implicit(ctx, fullMethod)
		}
		tok, err := v.Verify(ctx, s, implicit)
		switch {
		case err != nil:
			e = newError(classify(err), fullMethod, err)
		case tok == nil:
			e = newError(classRejected, fullMethod, errNilToken)
		default:
			a.event(ctx, observe.ReasonOK)
			return httpauth.NewContextWithRaw(ctx, tok, s), nil
		}
	}
	a.event(ctx, e.Reason)
	if a.onError != nil {
		a.onError(ctx, e)
	}
	return nil, e
}

// event reports the outcome of one call.
func (a *Interceptor) event(ctx context.Context, reason string) {
	observe.Emit(ctx, a.events, observe.Event{Kind: observe.KindRequest, Component: "grpcauth", Reason: reason})
}

// found is what bearer found.
type found = authscheme.Found

const (
	absent    = authscheme.Absent    // no value, or another scheme
	present   = authscheme.Present   // a token
	malformed = authscheme.Malformed // "Bearer" and nothing after it
	ambiguous = authscheme.Ambiguous // more than one value
	tooLong   = authscheme.TooLong   // a value or token over the limit
)

// bearer reads a token from the values of the authorization metadata key,
// with the rules of httpauth's HeaderSource for "Authorization: Bearer"
// (package authscheme holds them for both). A value longer than max plus
// room for the scheme and spaces is refused before it is scanned, and a
// token longer than max after it.
func bearer(vals []string, max int) (string, found) {
	return authscheme.Value(vals, "Bearer", max)
}
