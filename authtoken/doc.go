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
//		Access:  authtoken.KindConfig{Keys: []keyring.Key{{PASERK: os.Getenv("ACCESS_KEY")}}},   // k4.secret.…
//		Refresh: authtoken.KindConfig{Keys: []keyring.Key{{PASERK: os.Getenv("REFRESH_KEY")}}}, // k4.local.…
//		Issuer:  "https://api.example.com",
//	})
//
// On login, hand out a pair; on refresh, rotate it; protect routes with
// httpauth and one of the requirements:
//
//	pair, err := m.Login(ctx, "alice", nil)        // fresh access + refresh
//	pair, err = m.Refresh(ctx, pair.Refresh)       // non-fresh access + new refresh
//	auth, _ := httpauth.New(httpauth.Config{Verifier: m.Access()})
//	mux.Handle("GET /me", auth.Require(handler))   // authtoken.Subject(r.Context())
//
// Use [store.NewMemory] (the default) for one process, a shared store for
// several.
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
//	mux.Handle("GET /.well-known/paseto-keys", m.KeySetHandler())
//
// # Token kinds
//
// Every token carries sub, jti, iat, nbf, exp (unless its kind has
// [KindConfig.NoExpiration]), a "type" claim naming its kind, and iss and aud when
// configured:
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
// version or purpose, and checks the type claim, so an access-token route
// never accepts a refresh token, even when two kinds share a key.
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
// far. Tokens of a family issued before this layout (without "gen", or
// without a family record) are refused: their users log in again.
// Cutoffs have a granularity of one second, the resolution of iat: a token
// issued in the same second as LogoutEverywhere is revoked too.
//
// A store error fails closed: the token is refused, with an error matching
// [store.ErrUnavailable] when the store could not be reached, which httpauth
// answers with 503 and Retry-After.
//
// # Errors
//
// [ErrWrongType], [ErrNotFresh], [ErrRevoked] and [ErrRefreshReused] also
// match [verifier.ErrRule], so httpauth answers them with 401
// token_rejected. [New] returns a *[ConfigError] naming the field
// ("Refresh.Keys[1]"). Error texts never hold claim values or keys.
package authtoken
