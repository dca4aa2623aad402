// Package paseto implements PASETO (Platform-Agnostic SEcurity TOkens)
// versions 2, 3 and 4, local and public, as the PASETO specification defines
// them, on the standard library and golang.org/x/crypto, with
// github.com/oasisprotocol/curve25519-voi for faster Ed25519 verification
// (with crypto/ed25519's exact rules; see [PublicKey]).
//
// # For most users
//
// Use version 4. For tokens only your own services read, encrypt them with a
// [SymmetricKey] (v4.local); for tokens others must verify without being able
// to mint them, sign them with a [SecretKey] and publish the [PublicKey]
// (v4.public):
//
//	sk, _ := paseto.GenerateSecretKey(paseto.V4)
//	claims := paseto.Claims{Subject: "alice", Expiration: paseto.NewTime(time.Now().Add(time.Hour))}
//	payload, _ := json.Marshal(claims)
//	token, _ := paseto.Sign(sk, payload, nil, nil)
//
//	payload, _, err := paseto.Verify(sk.Public(), token, nil)
//	var got paseto.Claims
//	if err == nil {
//		err = paseto.UnmarshalClaims(payload, &got)
//	}
//	if err == nil {
//		err = got.Validate(time.Now(), 30*time.Second)
//	}
//	if err != nil {
//		log.Fatal(err)
//	}
//
// The issuer and verifier packages of this module build on this one with key
// rings, key ids, claim rules and HTTP middleware; most applications should
// start there.
//
// # Keys
//
// A key is bound to one version and one purpose: [*SymmetricKey] for local
// tokens, [*SecretKey] and [*PublicKey] for public ones. The types keep purposes
// apart at compile time; versions are checked against the token header before
// any cryptography runs, and a mismatch is [ErrWrongKey]. Keys are made by
// Generate*, from raw bytes (New*) or from PEM ([ParseSecretKeyPEM],
// [ParsePublicKeyPEM]); PASERK serialization lives in package paserk. Keys
// copy their inputs, compare in constant time (Equal) and never print their
// bytes: String, GoString, Format and LogValue describe them instead.
//
// # Tokens
//
// [Encrypt] and [Sign] make tokens; [Decrypt] and [Verify] open them and return the
// payload and footer. The footer is sent in clear but authenticated; the
// implicit assertion is authenticated but not sent, so both sides must supply
// the same bytes (v3 and v4 only: v2 has none, and passing one to a v2 key is
// [ErrImplicitUnsupported] rather than being silently dropped).
//
// Opening is bounded and strict: a [Parser] (the zero value gives the default
// limits) rejects a token longer than MaxTokenLength before splitting it, a
// footer longer than MaxFooterLength before decoding it, any base64url that is
// not canonical (padding, CR or LF, non-zero trailing bits), a trailing "."
// with an empty footer, and extra parts. Authentication tags are compared in
// constant time, and nothing is decrypted before the tag verifies.
//
// The footer can be read before verification only through [Unverified], whose
// fields are named Unverified* to make that plain: use it to pick a key by its
// kid ([FooterKeyID]), never to trust anything else. Then verify or decrypt
// the same bytes with [UnverifiedToken.Verify] or [UnverifiedToken.Decrypt]
// rather than from the string again: the token is split and decoded once.
//
// # Claims and footers
//
// [Claims] holds the registered claims (iss, sub, aud, exp, nbf, iat, jti); embed
// it in your own struct for more. Times are written as RFC 3339 in UTC with
// "Z" and read with or without fractional seconds. [UnmarshalClaims] rejects
// duplicate keys (case-insensitively, since encoding/json matches fields that
// way), bounds depth and key count, and keeps large numbers exact as
// json.Number. [FooterLimits] bounds JSON footers by length, depth (a flat
// object by default, as the specification recommends) and key count before
// parsing, and rejects a kid that holds a PASERK key instead of a key id.
//
// # Errors
//
// Every error matches one of the Err* sentinels with errors.Is. Error strings
// never include key bytes, payloads or claim values.
//
// # Versions
//
// v1 is deprecated by the specification and is not implemented; v1 tokens are
// rejected with [ErrUnsupported]. v3.public signs deterministically (RFC 6979).
package paseto
