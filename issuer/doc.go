// Package issuer issues PASETO tokens for an application: it holds the
// issuer's keys, adds the registered claims every token needs (iss, iat,
// exp, and by default a random jti), names the signing key in the footer,
// and publishes the public keys for verifiers. It is the Go counterpart of
// Flask-PASETO-Extended's PasetoIssuer, with safe defaults instead of
// optional ones: tokens expire unless told otherwise, the caller's claims
// are never overwritten, and every key is checked at start-up.
//
// # For most users
//
// Configure one v4 secret key (from `pasetokit keygen v4.public`, kept in a
// secret store), issue tokens from your own claims struct, and serve the
// key set so that verifiers (package verifier) find the public key:
//
//	iss, err := issuer.New(issuer.Config{
//		Keys:   []keyring.Key{{PASERK: os.Getenv("TOKEN_KEY")}}, // k4.secret.…
//		Issuer: "https://auth.example.com",
//	})
//	if err != nil {
//		log.Fatal(err) // a bad key fails here, not at the first request
//	}
//
//	type Claims struct {
//		paseto.Claims        // sub, aud …; the issuer adds iss, iat, exp, jti
//		Role          string `json:"role"`
//	}
//	token, err := iss.Issue(Claims{Claims: paseto.Claims{Subject: "alice"}, Role: "admin"})
//
//	mux.Handle("GET /.well-known/paseto-keys", iss.KeySetHandler())
//
// The token is a v4.public token that expires in one hour, with the footer
// {"kid":"k4.pid.…"} naming the public key that verifies it.
//
// To rotate keys while running, give the issuer a key ring
// ([keyring.Ring]) as its [Config.KeySource] instead of Keys: each token
// is signed with the ring's current key, the key set lists the next key a
// PublishAhead before it signs, and retired keys stay published until
// their tokens have expired. Nothing is rebuilt when keys rotate:
//
//	ring, err := keyring.New(ctx, keyring.Config{Lifetimes: []time.Duration{time.Hour}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	go ring.Run(ctx) // rotates weekly, publishing each key a day ahead
//	iss, err := issuer.New(issuer.Config{KeySource: ring, Issuer: "https://auth.example.com"})
//
// A ring whose backend has been unreachable too long has no key that may
// issue: Issue then fails closed with [ErrKeyUnavailable].
//
// # Keys
//
// [Config.Keys] lists [keyring.Key] values: plaintext PASERKs
// ("k4.secret.…", "k4.local.…", and k3 or k2) or PEM keys; an Ed25519 PEM key needs its version (V4 by
// default, or V2), a P-384 PEM key is V3. The first key issues every token:
// a secret key makes public tokens of its version, a local key local tokens
// of its version. Public keys cannot issue and are refused
// ([ErrPublicKey]), as are duplicates ([ErrDuplicateKey]).
//
// The other keys are listed so that their public halves stay published
// while keys rotate. [Issuer.SetKeys] replaces the whole list atomically while
// tokens are being issued; see it for the steps of a rotation without
// rejected tokens. A [Config.KeySource] takes those steps by itself: New
// checks that it keeps retired keys at least Lifetime
// ([keyring.Source.CheckLifetime]), and refuses NoExpiration and NoKeyID
// with it.
//
// # Claims
//
// Claims are a map[string]any or a struct of your own, which may embed
// [paseto.Claims]; they are encoded with [Config.Serializer] (JSON by default,
// CBOR as an opt-in extension) and must encode as an object. To them the
// issuer adds:
//
//   - iss: [Config.Issuer], when it is not empty;
//   - iat: the issue time, unless [Config.NoIssuedAt];
//   - nbf: the issue time, only with [Config.AddNotBefore];
//   - exp: the issue time plus [Config.Lifetime] ([DefaultLifetime], one
//     hour, by default), unless [Config.NoExpiration];
//     [IssueOptions.Lifetime] and [IssueOptions.NoExpiration] change it
//     for one token;
//   - jti: 128 random bits, unless [Config.NoTokenID].
//
// Times are read once per token from [Config.Now], truncated to whole
// seconds and written as RFC 3339 in UTC, like [paseto.Time]. The issuer never
// modifies the value it is given, and never overwrites one of its claims:
// claims that already hold a claim the issuer adds are refused with a
// *[ReservedClaimError] naming the claim. The registered claims it does not
// add, such as sub and aud, are yours.
//
// # Footers and implicit assertions
//
// The footer is the JSON object {"kid":"<PASERK id>"} by default: the pid
// of the public key for public tokens, the lid of the key for local ones
// ([Config.NoKeyID] leaves it out). [IssueOptions.Footer] adds claims to
// it for one token, within the default [paseto.FooterLimits], so that no
// verifier with default limits refuses it. [IssueOptions.Implicit] binds
// an implicit assertion (v3 and v4 only).
//
// # Publishing keys
//
// [Issuer.KeySetHandler] serves the key set document of package keyset,
// with caching headers and an ETag, and follows rotations made with
// [Issuer.SetKeys]. [Issuer.PublicKeys] returns the same keys for other
// means of distribution.
//
// # Errors
//
// Every error matches one of the Err* sentinels of this package with
// errors.Is, wrapping the underlying keyring, paseto, paserk or serializer
// error where there is one. [New] and [Issuer.SetKeys] return a
// *[ConfigError] naming the field ("Keys[1]", "Lifetime"). Error strings
// never contain key material or claim values.
package issuer
