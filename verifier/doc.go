// Package verifier checks PASETO tokens for a service: it picks the key by
// the token's kid, verifies the signature or tag, decodes the claims and
// applies the service's claim rules, with keys that can be rotated at run
// time or fetched from the issuer's published key set.
//
// # For most users
//
// Configure the issuer's v4 public key, bound to the issuer's name, and
// the audience your service answers to:
//
//	v, err := verifier.New(verifier.Config{
//		Keys:      []keyring.Key{{PASERK: "k4.public.…", Issuer: "https://auth.example.com"}},
//		Audiences: []string{"https://api.example.com"},
//		Leeway:    30 * time.Second,
//	})
//	if err != nil {
//		log.Fatal(err) // a bad key fails here, not at the first request
//	}
//
//	// in a handler:
//	token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
//	tok, err := v.Verify(r.Context(), token, nil)
//	if err != nil {
//		// errors.Is(err, verifier.ErrExpired) and friends say why.
//		http.Error(w, "unauthorized", http.StatusUnauthorized)
//		return
//	}
//	user := tok.Claims.Subject
//
// Package httpauth does the handler part: it reads the bearer token,
// verifies it and answers 401 or 503 for you.
//
// Tokens must carry an exp claim (set [Config.AllowMissingExpiration]
// otherwise), and should name their key with a kid in a JSON footer:
// {"kid":"k4.pid.…"}.
//
// When the keys rotate, follow them instead of configuring them: in
// another process, the issuer's published key set ([Config.KeySets]); in
// the issuer's own process, its key ring ([keyring.Ring]) as
// [Config.KeySource]. Either way the verifier knows each key before it
// signs and keeps it until its tokens have expired:
//
//	v, err := verifier.New(verifier.Config{
//		KeySets:   []verifier.KeySet{{URL: "https://auth.example.com/.well-known/paseto-keys", Issuer: "https://auth.example.com"}},
//		Audiences: []string{"https://api.example.com"},
//	})
//
// The one relation to keep between a rotating issuer and its verifiers:
// the ring's [keyring.Policy.PublishAhead] must be at least the
// verifiers' refresh interval of the key set. The issuer publishes a
// max-age of at most half of PublishAhead, and a verifier refreshes at
// the published max-age but no more often than [KeySet.MinRefreshInterval]
// (one minute by default): keep MinRefreshInterval at most PublishAhead.
// [CheckKeySet] checks it where both are configured in one process.
//
// # Keys and key ids
//
// [Config.Keys] are [keyring.Key] values, plaintext PASERK strings or PEM,
// and are public keys (for public tokens) or local keys (for local tokens).
// Secret keys are refused with [ErrSecretKey]: a verifier has no use for
// them, and a process that verifies tokens should not be able to mint them;
// configure the public key instead (paserk, or "pasetokit paserk public", derives it). Each key's
// kid is its PASERK id: k4.pid.… for a public key, k4.lid.… for a local key.
// A key may be bound to an issuer, and several issuers' keys can be
// configured at once: a token verified with a bound key must name that
// issuer in iss.
//
// # Choosing the key
//
// The footer's kid, read with [paseto.Parser.Unverified] and
// [paseto.FooterLimits.KeyID], is the only thing read before verification;
// the same decoded bytes are then verified ([paseto.UnverifiedToken.Verify]),
// so a token is decoded once.
// A kid selects exactly one key, by a map lookup whose cost does not depend
// on how many keys there are. An unknown kid is [ErrUnknownKey]: the verifier
// never falls back to trying other keys. A kid naming a key of another
// version or purpose than the token's header is [ErrWrongKey], before any
// cryptography runs.
//
// A token without a kid is tried against the configured keys (Config.Keys)
// of its own version and purpose only, in order; key-set keys are selected
// by kid alone, so a kid-less token cannot cost one signature check per
// published key. If none opens it, the error is the last ErrInvalidSignature or
// ErrInvalidMAC, or ErrUnknownKey when there is no key of that kind. Set
// [Config.RequireKeyID] to refuse tokens without a kid ([ErrMissingKeyID]).
//
// # Claim checks
//
// After the signature or tag, the payload is decoded into [paseto.Claims]
// with the configured serializer (strict JSON by default), then checked in
// this order, the first failure being returned:
//
//  1. the key's issuer binding: iss must equal it (ErrWrongIssuer);
//  2. [Config.Issuers]: if set, iss must be one of them (ErrWrongIssuer);
//  3. exp must be present unless AllowMissingExpiration (ErrMissingExpiration);
//  4. exp, nbf and iat against [Config.Now] with [Config.Leeway]
//     (ErrExpired, ErrNotYetValid, ErrIssuedInFuture), as [paseto.Claims.Validate]
//     does: a token is expired at exp, and valid from nbf;
//  5. [Config.Audiences]: if set, one of the token's aud values must be in it
//     (ErrWrongAudience);
//  6. [Config.MaxAge]: if set, iat must be present and now-Leeway before
//     iat+MaxAge (ErrTooOld);
//  7. [Config.Rules], in order, each given the request's context (*RuleError,
//     matching ErrRule and the rule's own error).
//
// Decode the payload into your own claims type with [Token.Decode].
//
// # Remote key sets
//
// [Config.KeySets] lists key set documents (package keyset) that an issuer
// publishes over HTTPS (plain http only for loopback hosts, for tests and
// sidecars). Their keys join the configured ones; on a kid conflict the
// configured key wins, then the set listed first. Each set's keys are bound
// to KeySet.Issuer, which is required: otherwise the document would decide
// which issuer its keys speak for, and key set B could sign tokens for
// issuer A. KeySet.AllowDocumentIssuer is the explicit opt-out, binding
// the keys to the issuer the document names.
//
// New does no network I/O. A set is fetched the first time a token needs it
// (a token with a kid that is not known yet, or a public token without a
// kid), or when Refresh is called: call Refresh after New to load the sets
// eagerly and fail at start-up if they are unreachable. After that:
//
//   - a fetched copy is used for its Cache-Control max-age, clamped to
//     [MinRefreshInterval, RefreshInterval] (defaults 1m and 1h; no max-age
//     means RefreshInterval). When it is older, the next token that uses one
//     of its keys starts a refresh in the background and is verified with
//     the copy in hand: requests with known kids never wait on a fetch;
//   - a token whose kid is unknown, and could be a key set key (a
//     "k<version>.pid." id matching its public token), starts a refresh at
//     most once per MinRefreshInterval per set, and waits for it, bounded
//     by its context. Within MinRefreshInterval of the last fetch it fails
//     at once with ErrUnknownKey;
//   - only one fetch per set runs at a time: concurrent callers wait for the
//     same fetch;
//   - a failed fetch (network error, status other than 200, a response over
//     MaxResponseSize, a document keyset.Parse rejects or that names another
//     issuer) keeps the last good copy in use, for at most [KeySet.MaxStale]
//     (default [DefaultMaxStale], 24h) after that copy was fetched; it is
//     retried after MinRefreshInterval. Past MaxStale, and for a set of
//     which no copy was ever fetched, a token that needs the set is
//     [ErrKeySetUnavailable], so that a key removed from the set cannot
//     stay trusted by keeping the verifier from fetching.
//
// # Cache
//
// With [Config.CacheSize] set, verified tokens are kept in a bounded LRU
// cache keyed by a SHA-256 digest of the token and implicit assertion. A
// hit skips the signature or tag check and payload decoding, typically a
// hundred times faster for v4.public; the time claims, issuer and audience
// checks and Rules still run on every call with the current clock, and a
// cached token whose key has been removed (by SetKeys or a key set refresh)
// or rebound to another issuer is verified from scratch, which fails if the
// key is gone. Every call returns a *[Token] of its own, copied from the
// cached one, so a caller or a rule that changes it changes nothing for
// anyone else; the copy costs two small allocations per hit.
//
// # Rotation
//
// [Verifier.SetKeys] replaces the configured keys atomically; Verify calls running
// concurrently use either the old or the new keys, never a mix. Remote
// key sets rotate on their own as described above.
//
// A [Config.KeySource] (a [keyring.Ring]) rotates on its own too: a token
// is verified with the key its kid names while that key is next, current
// or retired and not due to be dropped ([keyring.Snapshot.Lookup], one
// atomic load and a map lookup per call). Tokens of a key source must
// carry a kid ([ErrMissingKeyID] otherwise). A cached token is accepted
// from the cache only while its kid still looks up, so a dropped key never
// passes through the cache.
//
// # Errors
//
// Verify's errors match the Err* sentinels with errors.Is; where a paseto
// sentinel names the failure it is the same value (ErrExpired is
// [paseto.ErrExpired]). Configuration errors are *[ConfigError] values
// matching [ErrInvalidConfig]. Error strings never contain claim values or key
// material.
package verifier
