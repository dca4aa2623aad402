// Package httpauth is net/http middleware that authenticates requests with
// PASETO tokens. It works with any router: [Middleware.Require] and
// [Middleware.Optional] have the func(http.Handler) http.Handler shape that
// chi, gorilla/mux, http.ServeMux wrappers and the like expect.
//
// # For most users
//
// Build a verifier (package verifier), wrap the handlers that need a
// logged-in client in Require, and read the token in the handler with
// [TokenFrom]:
//
//	auth, err := httpauth.New(httpauth.Config{Verifier: v, Realm: "api"})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("/me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		tok, _ := httpauth.TokenFrom(r.Context())
//		fmt.Fprintln(w, tok.Claims.Subject)
//	})))
//
// Clients send "Authorization: Bearer v4.public.…". Everything else has a
// safe default: the token length is bounded, failures get a 401 with a
// WWW-Authenticate challenge and a small JSON body, and no error text from
// the verifier ever reaches the client.
//
// # Required and optional authentication
//
// Require rejects a request without a valid token; the next handler is not
// called. Optional lets a request without any token through anonymously
// (TokenFrom reports false), but still rejects a request that presents a
// token that does not verify: a client that sends an expired token should
// learn so and renew it, not be served as anonymous.
//
// # Where tokens come from
//
// [Config.Sources] lists the places to look, in order; the first that finds a
// token wins. The default is the Authorization header with the Bearer scheme
// (HeaderSource{}). The others are a header with another name or scheme, or
// with no scheme at all (HeaderSource), a cookie (CookieSource), a query
// parameter (QuerySource, never read unless listed), a header holding the
// token alone even on Authorization (BareHeaderSource), a field of a JSON
// request body (JSONBodySource, which puts the body back for the handler)
// and the header or query parameter of a WebSocket opening handshake
// (WebSocketSource, ignored on any other request). [CustomSource] adds a
// place of the application's own, under the same rules as the others. A
// header with another scheme, or an empty cookie,
// counts as absent and the next source is tried; a scheme with nothing after
// it, or a header line or query parameter given twice, is an error. A token
// longer than [Config.MaxTokenLength] is rejected before verification.
//
// The next handler finds the verified token with [TokenFrom] and the token
// as the client sent it with [RawTokenFrom], for functions that act on it
// again (revoke it, rotate it) without parsing the request a second time.
//
// [Config.Implicit] supplies a per-request implicit assertion (v3 and v4), for
// tokens bound to, say, a tenant.
//
// # Errors and responses
//
// A failure is an *[Error]: a stable Code, the HTTP Status, the Source the
// token came from and the underlying Err, which unwraps so that errors.Is
// works against [ErrMissingToken], [ErrAmbiguousToken] and the verifier and
// paseto sentinels. [Code] maps errors to codes, exported as constants
// ([CodeExpired], [CodeRevoked], …) so that programs never compare strings
// of their own:
//
//	401 token_missing, token_malformed, token_expired, token_not_yet_valid,
//	    token_invalid, token_unknown_key, token_wrong_issuer,
//	    token_wrong_audience, token_revoked, refresh_token_reused,
//	    token_wrong_type, token_rejected
//	403 token_not_fresh (error="insufficient_scope", RFC 6750 §3.1)
//	400 token_ambiguous
//	503 key_set_unavailable (the verifier could not fetch a key set),
//	    temporarily_unavailable (a store could not answer, or the request
//	    context ended during verification)
//
// A TokenVerifier gives the reasons with its own errors: one matching
// [ErrTokenRevoked], [ErrRefreshReused], [ErrWrongTokenType] or
// [ErrNotFresh] gets that code (package authtoken's errors do).
//
// A 503 is a server-side problem, not the client's: it carries no
// challenge, and Retry-After ([RetryAfter]) tells the client to try again;
// the middleware sets it before calling the ErrorHandler, so a custom one
// keeps it. Nothing is ever a 500.
//
// Every 400, 401 and 403 response carries an RFC 6750 challenge in
// WWW-Authenticate, whatever the source of the token (RFC 7235 requires one
// on every 401): the scheme (Bearer, or the Type of the first typed
// HeaderSource), the realm if configured, and for a presented token
// error="invalid_token" (or "invalid_request" for token_ambiguous,
// "insufficient_scope" for token_not_fresh) with an
// error_description that is a fixed text per code. A missing token gets no
// error attribute (RFC 6750 §3.1):
//
//	WWW-Authenticate: Bearer realm="api"
//	WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="The access token has expired."
//
// The default ErrorHandler writes {"error":"<code>","detail":"<fixed text>"}
// as application/json with Cache-Control: no-store. Set [Config.ErrorHandler]
// to log failures or shape the response yourself; [DefaultErrorHandler] can
// be called from it.
//
// # Cost
//
// On success the middleware adds, over the Verify call itself, a few
// hundred nanoseconds and two allocations (the request copy and the context
// value that carry the token). It uses no reflection, regular expressions or
// formatting on that path.
package httpauth
