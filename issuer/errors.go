package issuer

import "errors"

// Sentinel errors. Every error returned by this package matches at least one
// of them with errors.Is; where a lower layer (keyring, paseto, paserk,
// serializer) reported the cause, that error is wrapped too. Error strings
// name keys by their position in the list and claims by their name, and
// never contain key material, claim values or footer values.
var (
	// ErrInvalidConfig: [New] or [Issuer.SetKeys] was given a
	// configuration it cannot use, or the configured clock returned a time
	// that cannot be written in a token. The error is a *[ConfigError]
	// naming the field, and also matches the cause: [ErrNoKeys],
	// [ErrPublicKey], [ErrDuplicateKey], or [keyring.ErrInvalidKey] for a
	// key that cannot be parsed.
	ErrInvalidConfig = errors.New("issuer: invalid configuration")
	// ErrNoKeys: [Config.Keys] (or the list given to [Issuer.SetKeys]) is
	// empty.
	ErrNoKeys = errors.New("issuer: no keys")
	// ErrPublicKey: a configured key is a public key. Tokens are issued
	// with secret (public tokens) or local (local tokens) keys; the
	// issuer derives and publishes the public halves itself.
	ErrPublicKey = errors.New("issuer: a public key cannot issue tokens")
	// ErrDuplicateKey: two configured keys have the same PASERK id, or
	// the same key material under two versions (a v2 and a v4 key from
	// one Ed25519 PEM, for example), which the PASETO specification
	// forbids.
	ErrDuplicateKey = errors.New("issuer: duplicate key")
	// ErrInvalidOptions: an [IssueOptions] field is invalid: a negative or
	// sub-second Lifetime, a Footer that cannot be encoded or that breaks
	// [paseto.FooterLimits] ([paseto.ErrInvalidFooter] or
	// [paseto.ErrKeyInFooter] is wrapped), or an Implicit assertion for a
	// v2 key ([paseto.ErrImplicitUnsupported] is wrapped).
	ErrInvalidOptions = errors.New("issuer: invalid issue options")
	// ErrReservedClaim: the caller's claims (or per-call footer) hold a
	// claim the issuer sets itself. The error is a *[ReservedClaimError]
	// naming the claim.
	ErrReservedClaim = errors.New("issuer: reserved claim")
	// ErrNotObject: the caller's claims do not encode as an object (a JSON
	// object or a CBOR map): nil, a string, a slice …. The serializer's
	// error ([serializer.ErrNotObject]) is wrapped too.
	ErrNotObject = errors.New("issuer: claims are not an object")
	// ErrInvalidClaims: the serializer could not encode the caller's
	// claims, or the claims with the issuer's additions break its limits
	// (the serializer's error, [serializer.ErrEncode],
	// [serializer.ErrTooLarge] …, is wrapped), or the token would be
	// longer than [Config.MaxTokenLength] ([paseto.ErrTokenTooLong] is
	// wrapped).
	ErrInvalidClaims = errors.New("issuer: invalid claims")
	// ErrKeyUnavailable: the [Config.KeySource] has no key that may issue
	// now ([keyring.ErrStale] is wrapped): its copy of the keys could not
	// be refreshed and its last current key is due to retire. No token is
	// made; answer 503 and fix the key ring's backend.
	ErrKeyUnavailable = errors.New("issuer: no key may issue now")
)

// ConfigError describes what [New] or [Issuer.SetKeys] rejected. It
// matches [ErrInvalidConfig] and its Err with errors.Is.
type ConfigError struct {
	// Field is the Go path of the field, such as "Keys[1]" or "Lifetime".
	Field string
	// Err is the cause. It never holds a key or a claim value.
	Err error
}

// Error returns "issuer: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

// configError is the one way this package builds a [*ConfigError].
func configError(field string, err error) error { return &ConfigError{Field: field, Err: err} }

// ReservedClaimError reports a claim the caller may not set because the
// issuer sets it: the issuer never overwrites a caller's claim silently
// and never drops its own. Package authtoken returns it too, for the
// claims it reserves. It matches [ErrReservedClaim].
type ReservedClaimError struct {
	// Claim is the reserved name of the claim: "iss", "iat", "nbf",
	// "exp", "jti", or "kid" in the footer; from package authtoken also
	// "sub", "aud", "type", "fresh" or "fam". The caller's key may differ
	// from it in letter case, since keys are compared case-insensitively.
	Claim string
	// Footer is true when the claim is in the footer
	// ([IssueOptions.Footer]) rather than in the payload.
	Footer bool
}

// Error names the claim, never its value.
func (e *ReservedClaimError) Error() string {
	where := "claim"
	if e.Footer {
		where = "footer claim"
	}
	return "issuer: reserved " + where + " \"" + e.Claim + "\": set by the issuer, not the caller" + reservedHints[e.Claim]
}

// reservedHints tell the caller what to do instead.
var reservedHints = map[string]string{
	"iss": " (see Config.Issuer)",
	"iat": " (see Config.NoIssuedAt)",
	"nbf": " (see Config.AddNotBefore)",
	"exp": " (set IssueOptions.Lifetime for another lifetime)",
	"jti": " (see Config.NoTokenID)",
	"kid": " (see Config.NoKeyID)",
}

// Unwrap returns [ErrReservedClaim].
func (e *ReservedClaimError) Unwrap() error { return ErrReservedClaim }
