// Package authtoken is a complete access/refresh token scheme on top of
// packages issuer, verifier, httpauth and store: the feature set of
// fastapi-paseto's AuthPASETO (access, refresh, fresh and custom-type
// tokens, route requirements, revocation), done safely, plus one-time
// refresh tokens with reuse detection.
//
// # For most users
//
// Generate one key per kind at deployment time, keep them in a secret
// store, and build a [Manager]. Access tokens are public, so that other
// services can verify them with the public key; refresh tokens are local,
// read only by the service that issues them:
//
//	m, err := authtoken.New(authtoken.Config{
//		Access:  authtoken.KindConfig{Keys: []keyring.Key{{PASERK: os.Getenv("ACCESS_KEY")}}},  // k4.secret.…
//		Refresh: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: os.Getenv("REFRESH_KEY")}}}, // k4.local.…
//		Issuer:  "https://api.example.com",
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//
// On login, hand out a pair; on refresh, rotate it; protect routes with
// httpauth and one of the requirements:
//
//	pair, err := m.Login(ctx, "alice", nil) // fresh access + refresh
//	if err != nil {
//		log.Fatal(err) // the store is unavailable
//	}
//	pair, err = m.Refresh(ctx, pair.Refresh) // non-fresh access + new refresh
//	if err != nil {
//		log.Fatal(err)
//	}
//	auth, err := httpauth.New(httpauth.Config{Verifier: m.Access()})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("GET /me", auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
//		user, _ := authtoken.SubjectFrom(r.Context())
//		w.Write([]byte(user))
//	})))
//
// Use [store.NewMemory] (the default) for one process, a shared store for
// several.
//
// # Resource servers
//
// A process that only verifies access tokens (an API behind the auth
// service) uses a [Verifier]: the access kind's public keys, from a key
// set URL or configured, and the auth service's shared store, so that it
// sees logouts, revocations and cutoffs. It makes the same checks as the
// Manager's requirements and is an httpauth.TokenVerifier itself:
//
//	rv, err := authtoken.NewVerifier(authtoken.VerifierConfig{
//		KeySets: []verifier.KeySet{{URL: "https://auth.example.com/keys", Issuer: "https://auth.example.com"}},
//		Issuers: []string{"https://auth.example.com"},
//		Store:   shared, // the auth service's store, such as a redisstore
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	auth, err := httpauth.New(httpauth.Config{Verifier: rv})
//	if err != nil {
//		log.Fatal(err)
//	}
//	freshAuth, err := httpauth.New(httpauth.Config{Verifier: rv.FreshAccess()})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("GET /me", auth.Require(handler))
//	mux.Handle("POST /transfer", freshAuth.Require(handler))
//
// To rotate a kind's key, put the new key first in its Keys and keep the
// old one after it until the tokens it made have expired: the first key
// issues, all of them verify. [Manager.SetKeys] does that while serving.
//
// To have keys rotate by themselves, give each kind a key ring
// ([keyring.Ring]) as its [KindConfig.KeySource] instead of Keys, and
// publish the access ring's keys for resource servers with
// [Manager.KeySetHandler], which lists each next key before it signs:
//
//	access, err := keyring.New(ctx, keyring.Config{Lifetimes: []time.Duration{authtoken.DefaultAccessLifetime}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	refresh, err := keyring.New(ctx, keyring.Config{Purpose: paseto.Local, Lifetimes: []time.Duration{authtoken.DefaultRefreshLifetime}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	go access.Run(ctx)
//	go refresh.Run(ctx)
//	m, err := authtoken.New(authtoken.Config{
//		Access:  authtoken.KindConfig{KeySource: access},
//		Refresh: authtoken.KindConfig{KeySource: refresh},
//		Issuer:  "https://api.example.com",
//	})
//	if err != nil {
//		log.Fatal(err)
//	}
//	mux.Handle("GET /.well-known/paseto-keys", m.KeySetHandler())
//
// # Token kinds
//
// Every token carries sub, jti, iat (to the millisecond), nbf, exp
// (unless its kind has [KindConfig.NoExpiration]), a "type" claim naming
// its kind, and iss and aud when configured; tokens of every kind but
// access also name their kind in the footer:
//
//   - access tokens: type "access", and "fresh": true or false. Default
//     lifetime 15 minutes.
//   - refresh tokens: type "refresh". Default lifetime 30 days.
//   - custom kinds: type "<name>". Default lifetime 30 days.
//
// Access and refresh tokens made together (Login, Refresh) also carry
// "fam", the id of their refresh family (refresh tokens also "gen", their
// generation in it); CreateRefreshToken starts a new
// family. The caller's claims are added to the payload but may not hold a
// reserved claim (sub, jti, iat, nbf, exp, type, fresh, fam, gen, iss, aud, in
// any letter case): that is an *[issuer.ReservedClaimError], matching
// [issuer.ErrReservedClaim].
//
// Each kind has its own issuer and verifier, built from its keys: a secret
// key makes public tokens verified by its public half, a local key local
// tokens verified by the same key. A kind's verifier accepts no other
// version or purpose, and requires a kid naming one of its keys: a token
// without one is refused rather than tried against every key.
//
// # Kinds cannot be confused
//
// A kind other than access may share the access kind's keys (empty Keys
// fall back to them), and the access kind's public keys are what resource
// servers follow, often with a plain verifier that knows nothing of the
// "type" claim. So that such a verifier never accepts a 30-day refresh
// token or a password-reset token as an access token, every token of a
// kind other than access is bound to its kind cryptographically: it is
// made with an implicit assertion naming the kind (and the caller's own
// assertion after it, if any), which a verifier must supply to check its
// signature or tag. A plain verifier supplies none, or the caller's, and
// the check fails; only this package, which knows the kind a route
// requires, supplies it. Access tokens carry no such assertion, so plain
// verifiers keep accepting them.
//
// This binding was chosen over requiring separate keys per kind because
// it holds however keys are configured or rotated (the same key listed
// for two kinds, or a key published by mistake), and needs no change of
// configuration. It binds tokens made with a [KindConfig.KeySource]
// alike: a refresh kind on the access kind's ring (by an empty
// configuration or by naming the ring again) signs with the access keys,
// and its tokens still fail every verifier of access tokens. v2 has no
// implicit assertion, so a v2 kind other than access must have keys (or
// a ring) of its own, sharing none with the access kind ([New] and
// [Manager.SetKeys] refuse it otherwise, unless [Config.AllowSharedV2Keys]).
//
// [Manager.KeySetHandler] and [Manager.PublicKeys] publish the access
// kind's keys only: a key set is what resource servers trust for access
// tokens, and the other kinds' keys have no business there (a v2 kind's
// own keys, if published, would make its tokens pass as access tokens).
//
// The kind is also written in the footer ("type"), which is authenticated
// but readable before verification. This package reads it first, so a
// token of another kind is [ErrWrongType] before anything else is looked
// at: a refresh token without exp sent to an access route is a wrong
// type, not a missing expiration, and costs no signature check. The
// "type" claim in the payload is checked too.
//
// Tokens of kinds other than access made before this binding existed are
// refused, with their now-missing assertion: their users sign in again.
// Tokens of another library being ported (fastapi-paseto's have no footer
// at all: no kid, no kind) are accepted only with the explicit opt-outs
// [Config.AllowMissingKeyID] (one key per kind) and
// [Config.AllowUnboundKinds], which compat/fastapipaseto sets.
//
// # Refresh rotation and reuse detection
//
// Login records a family in the store: one record holding the generation
// of its current refresh token (the "gen" claim). Refresh verifies a
// refresh token, then moves the family on with one compare-and-swap
// ([store.Store.RotateFamily]: exactly one of concurrent calls wins), and
// returns a new non-fresh access token and a new refresh token of the same
// family, of the next generation. A refresh token of an earlier generation
// presented again means that two parties hold it: the family is revoked,
// so the tokens made by the first use stop working as well,
// [Config.OnReuse] is called, and the error is [ErrRefreshReused].
//
// A retry is not a reuse: a client that sent a refresh and did not see the
// answer (a timeout, a lost connection, a store that ran the rotation just
// after the call gave up) may present the same token again within
// [Config.RetryWindow] (default [DefaultRetryWindow]) of that rotation, as
// long as the family has not moved on since, and gets the same generation
// again (see [Manager.Refresh] for why this design, and its trade-off).
//
// The store keeps one record per live family, whatever the number of
// refreshes, and each subject at most the store's bound of families
// (store.DefaultMaxFamiliesPerUser; a Login beyond it revokes the
// subject's family that expires soonest).
//
// # Revocation
//
// Every verification, through the requirements or the methods, checks the
// store in one round trip ([store.Store.Check]): the token's jti must not
// be revoked, its family (when it has one) must be live, and its iat must
// be after its subject's cutoff. Every store key of a subject carries the
// same group ("{<hash of the subject>}jti:<id>", "…fam:<id>", "…sub:<subject>"),
// so that a Redis Cluster keeps them on one shard. RevokeToken revokes one
// token of any kind, Logout an access token's family (or the token itself
// when it has none), LogoutEverywhere every token of a subject issued so
// far. In an HTTP handler behind httpauth, give them (and Refresh) an
// empty token: they take the one the middleware verified from the request
// context ([httpauth.RawTokenFrom]), found by the configured sources.
// Refresh tokens of a family issued before this layout (without "gen", or
// without a family record) are refused: their users log in again. With
// [Config.AllowUnboundKinds], a refresh token made elsewhere without a
// family (fastapi-paseto's) enters a family "jti-<jti>" at its first use
// (see [Manager.Refresh]).
//
// Tokens carry iat to the millisecond (nbf and exp stay in whole seconds),
// and a cutoff revokes the tokens issued at or before its instant: a login
// right after LogoutEverywhere, even in the same second, gets tokens that
// work; only one in the same millisecond is refused.
//
// A store error fails closed: the token is refused, with an error matching
// [store.ErrUnavailable] when the store could not be reached, which httpauth
// answers with 503 and Retry-After.
//
// # Per-call options and rules
//
// [Manager.IssueWith] makes one token of any kind with [IssueOptions]: a
// lifetime of its own or none (never longer than the store keeps
// revocations for), audiences, extra footer fields and an implicit
// assertion. [Config.Rules] add checks of the caller's own to every
// kind's verification. [Config.Issuer] is the iss the Manager writes;
// [Config.Issuers] the ones it accepts, while a service is renamed.
//
// # Errors
//
// [ErrWrongType], [ErrNotFresh], [ErrRevoked] and [ErrRefreshReused] also
// match [verifier.ErrRule], and each an httpauth reason, so httpauth
// answers them with their own codes: [httpauth.CodeWrongType],
// [httpauth.CodeNotFresh] (403, error="insufficient_scope"),
// [httpauth.CodeRevoked] and [httpauth.CodeRefreshReused], all 401 but the
// second. [New] returns a *[ConfigError] naming the field
// ("Refresh.Keys[1]"). Error texts never hold claim values or keys.
package authtoken
