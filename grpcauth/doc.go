// Package grpcauth authenticates gRPC calls with PASETO tokens: server
// interceptors that verify the "authorization: Bearer …" metadata of each
// call, and client per-RPC credentials that attach a token from an issuer.
// It is a module of its own (github.com/pasetokit/pasetokit/grpcauth), so
// that google.golang.org/grpc stays out of the core module.
//
// # For most users
//
// On the server, build the same verifier as for HTTP (a *[verifier.Verifier],
// or a requirement of package authtoken such as [authtoken.Manager.Access]),
// install both interceptors ([Interceptor.Unary], [Interceptor.Stream]), and
// read the token in a handler with [httpauth.TokenFrom], as in an HTTP
// handler:
//
//	auth, err := grpcauth.New(grpcauth.Config{
//		Verifier:    v,
//		SkipMethods: []string{"/grpc.health.v1.Health/"},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	srv := grpc.NewServer(
//		grpc.Creds(credentials.NewTLS(tlsConfig)),
//		grpc.ChainUnaryInterceptor(auth.Unary()),
//		grpc.ChainStreamInterceptor(auth.Stream()),
//	)
//
//	// in a handler:
//	tok, _ := httpauth.TokenFrom(ctx)
//	caller := tok.Claims.Subject
//
// On the client (another service), issue short-lived tokens with this
// service's own key (an *[issuer.Issuer]) and attach them to every call with
// [Credentials]:
//
//	creds, err := grpcauth.NewCredentials(grpcauth.CredentialsConfig{
//		TokenIssuer: iss, // an *issuer.Issuer
//		Claims: paseto.Claims{
//			Subject:  "billing",
//			Audience: paseto.Audience{"https://accounts.example.com"},
//		},
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	conn, err := grpc.NewClient("accounts.example.com:443",
//		grpc.WithTransportCredentials(credentials.NewTLS(nil)),
//		grpc.WithPerRPCCredentials(creds),
//	)
//
// Each token lives five minutes ([DefaultLifetime]) and is reused for
// every call until a minute before it expires. Tokens are never sent over
// a connection without TLS unless [CredentialsConfig.AllowInsecure] is set,
// which is for tests on a loopback address only.
//
// One Credentials, one target service. The token does not depend on the
// call's target, so the Audience in Claims is what keeps a service that
// receives it from replaying it at another: always set it to the called
// service, have that service require it (the verifier's Audiences), and
// never pass the same Credentials to channels to different services.
//
// # Where the token comes from
//
// The interceptors read the "authorization" metadata key with the rules of
// httpauth's default source, the Authorization header with the Bearer
// scheme: exactly one value (two values are refused, token_ambiguous,
// rather than one picked), the scheme matched ASCII case-insensitively and
// followed by one or more spaces, spaces and tabs around the value
// ignored. A value with another scheme counts as no token; "Bearer" alone
// is malformed. The value is bounded ([Config.MaxTokenLength]) before it
// is scanned, and the token before it is verified. Methods listed in
// [Config.SkipMethods] are not looked at; [Config.Methods] gives some
// methods or services a verifier of their own, such as a fresh-token
// requirement.
//
// A stream is authenticated once, when it opens.
//
// # Answers
//
// A refused call gets an *[Error], which gRPC sends as a status with a
// fixed message per reason and an ErrorInfo detail (domain
// [ErrorDomain]) holding the reason in upper case; [Reason] reads it back
// on the client. No text from the verifier ever reaches the client.
//
//	codes.Unauthenticated   token_missing, token_ambiguous, token_malformed,
//	                        token_expired, token_not_yet_valid, token_invalid,
//	                        token_unknown_key, token_wrong_issuer,
//	                        token_wrong_audience, token_revoked,
//	                        refresh_token_reused, token_rejected
//	codes.PermissionDenied  token_wrong_type, token_not_fresh
//	                        (httpauth.ErrWrongTokenType, httpauth.ErrNotFresh)
//	codes.Unavailable       key_set_unavailable (verifier.ErrKeySetUnavailable),
//	                        temporarily_unavailable (store.ErrUnavailable, or
//	                        the call's context ended during verification)
//
// The reasons are httpauth's codes, the same strings as its constants
// ([httpauth.CodeRevoked], [httpauth.CodeRefreshReused],
// [httpauth.CodeWrongType], [httpauth.CodeNotFresh], …), found the same
// way ([httpauth.Code]): authtoken's errors ([authtoken.ErrRevoked],
// [authtoken.ErrRefreshReused], [authtoken.ErrWrongType],
// [authtoken.ErrNotFresh]) match httpauth's sentinels, so an HTTP route
// and a gRPC method refuse a token with the same reason. Only the status
// differs where gRPC has a better one: a wrong type is PermissionDenied
// here (401 over HTTP), as a token that is not fresh (403 over HTTP).
// Server-side failures ([store.ErrUnavailable],
// [verifier.ErrKeySetUnavailable]) win over whatever else an error wraps. An Unavailable answer is the server's problem, not the
// client's: it also carries a RetryInfo detail of [RetryAfter], as
// httpauth's 503 carries Retry-After. Errors are matched with errors.Is,
// never by their text, so any TokenVerifier that wraps these sentinels
// (a verify-only side of authtoken, a wrapper of your own that consults a
// store) is answered the same way.
//
// # Other frameworks
//
// This module serves grpc-go. Adapters for connect-go, echo or gin are not
// provided: package httpauth's func(http.Handler) http.Handler middleware
// already serves net/http, chi and any router that takes standard handlers.
package grpcauth
