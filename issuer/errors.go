package issuer

import "errors"

// Sentinel errors. Every error returned by this package matches at least one
// of them with errors.Is; where a lower layer (paseto, paserk, serializer,
// internal/keyload) reported the cause, that error is wrapped too. Error
// strings name keys by their position in the list and claims by their name,
// and never contain key material, claim values or footer values.
var (
	// ErrNoKeys: Config.Keys (or the list given to SetKeys) is empty.
	ErrNoKeys = errors.New("issuer: no keys")
	// ErrInvalidKey: a configured key cannot be loaded: bad PASERK or PEM,
	// both or neither given, or a Version that does not fit the key. The
	// loader's error is wrapped (paseto.ErrInvalidKey, paseto.ErrWrongKey,
	// paserk errors …).
	ErrInvalidKey = errors.New("issuer: invalid key")
	// ErrPublicKey: a configured key is a public key. Tokens are issued
	// with secret (public tokens) or local (local tokens) keys; the
	// issuer derives and publishes the public halves itself.
	ErrPublicKey = errors.New("issuer: a public key cannot issue tokens")
	// ErrDuplicateKey: two configured keys have the same PASERK id, or
	// the same key material under two versions (a v2 and a v4 key from
	// one Ed25519 PEM, for example), which the PASETO specification
	// forbids.
	ErrDuplicateKey = errors.New("issuer: duplicate key")
	// ErrInvalidConfig: a Config field other than Keys is invalid, or the
	// configured clock returned a time that cannot be written in a token.
	ErrInvalidConfig = errors.New("issuer: invalid configuration")
	// ErrInvalidOptions: an IssueOptions field is invalid: a negative or
	// sub-second Expiration, a Footer that cannot be encoded or that
	// breaks paseto.FooterLimits (paseto.ErrInvalidFooter or
	// paseto.ErrKeyInFooter is wrapped), or an Implicit assertion for a v2
	// key (paseto.ErrImplicitUnsupported is wrapped).
	ErrInvalidOptions = errors.New("issuer: invalid issue options")
	// ErrClaimConflict: the caller's claims (or per-call footer) already
	// hold a claim the issuer adds. The error is a *ClaimConflictError
	// naming the claim.
	ErrClaimConflict = errors.New("issuer: claim set by both caller and issuer")
	// ErrNotObject: the caller's claims do not encode as an object (a JSON
	// object or a CBOR map): nil, a string, a slice …. The serializer's
	// error (serializer.ErrNotObject) is wrapped too.
	ErrNotObject = errors.New("issuer: claims are not an object")
	// ErrInvalidClaims: the serializer could not encode the caller's
	// claims, or the claims with the issuer's additions break its limits
	// (the serializer's error, serializer.ErrEncode, ErrTooLarge …, is
	// wrapped), or the token would be longer than Config.MaxTokenLength
	// (paseto.ErrTokenTooLong is wrapped).
	ErrInvalidClaims = errors.New("issuer: invalid claims")
)

// ClaimConflictError reports a claim that both the caller and the issuer
// set. The issuer never overwrites a caller's claim silently and never
// drops its own. Claim is the issuer's name for the claim ("iss", "iat",
// "nbf", "exp", "jti", or "kid" in the footer): the caller's key may differ
// from it in letter case, since keys are compared case-insensitively. It
// unwraps to ErrClaimConflict.
type ClaimConflictError struct {
	// Claim is the name of the claim.
	Claim string
	// Footer is true when the conflict is in IssueOptions.Footer rather
	// than in the payload.
	Footer bool
}

// Error names the claim, never its value.
func (e *ClaimConflictError) Error() string {
	where := "claim"
	if e.Footer {
		where = "footer claim"
	}
	return "issuer: " + where + " \"" + e.Claim + "\" set by both caller and issuer" + conflictHints[e.Claim]
}

// conflictHints tell the caller what to do about a conflict.
var conflictHints = map[string]string{
	"iss": " (the issuer adds it: see Config.Issuer)",
	"iat": " (the issuer adds it: see Config.DisableIssuedAt)",
	"nbf": " (the issuer adds it: see Config.NotBefore)",
	"exp": " (the issuer adds it: set IssueOptions.Expiration for another lifetime)",
	"jti": " (the issuer adds it: see Config.DisableTokenID)",
	"kid": " (the issuer adds it: see Config.DisableKeyID)",
}

// Unwrap returns ErrClaimConflict.
func (e *ClaimConflictError) Unwrap() error { return ErrClaimConflict }
