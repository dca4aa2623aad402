package keyring

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Key is one configured key: a plaintext PASERK, or a PEM key with its
// version. Set exactly one of PASERK and PEM. Which kinds of key fit
// (local, secret, public) is up to the component that takes it: the first
// key of a list issues or encrypts, all of them verify or decrypt.
//
// Key never prints its contents: [Key.String], [Key.GoString],
// [Key.Format] and [Key.LogValue] describe it instead, so a Config holding
// keys can be printed or logged.
type Key struct {
	// PASERK is a plaintext local, secret or public PASERK of version
	// k2, k3 or k4 ("k4.local.…", "k4.secret.…", "k4.public.…").
	// Surrounding white space is ignored. Local and secret PASERKs are
	// secrets: load them from a secret store, not from source code.
	PASERK string
	// PEM is one PEM block: a PKCS#8 "PRIVATE KEY" holding an Ed25519 or
	// ECDSA P-384 key, a SEC1 "EC PRIVATE KEY" on P-384, or a PKIX
	// "PUBLIC KEY" of either kind.
	PEM []byte
	// Version is the PASETO version of the key. PEM does not record it
	// for Ed25519 keys: zero means V4, V2 is allowed, anything else is an
	// error. A P-384 key is always V3 (zero or V3). With a PASERK, zero
	// accepts the PASERK's own version and any other value must equal it.
	Version paseto.Version
	// Issuer, when not empty, binds the key to an issuer: a token the key
	// verifies must carry exactly this iss claim, and an issuer will only
	// issue with the key under this name. Empty binds the key to no issuer.
	Issuer string
	// KeyID, when not empty, is an extra id its tokens may name in the
	// footer's kid, besides the key's own PASERK id. Only verifiers read
	// it (see verifier.Config.Keys): for issuers that write another id,
	// such as Flask-PASETO-Extended, whose kid is the sid of the secret key
	// ("k4.sid.…", printed by `pasetokit paserk id` for the secret key).
	// Tokens naming it are verified with this key only, never by trying
	// keys in turn. The other components do not read it: an issuer always
	// writes the key's own PASERK id.
	KeyID string
}

// Errors of this package. Every error [Key.Parse] and its siblings return
// is a *[KeyError] matching [ErrInvalidKey] with errors.Is.
var (
	// ErrInvalidKey: a Key does not hold a key the caller can use. The
	// [*KeyError] returned also wraps the cause: [ErrNoKey],
	// [ErrBothForms], [paseto.ErrWrongKey] for a key of another version or
	// kind than asked, or the paserk or paseto error for bad PASERK or PEM
	// text.
	ErrInvalidKey = errors.New("keyring: invalid key")
	// ErrNoKey: neither PASERK nor PEM is set.
	ErrNoKey = errors.New("keyring: no key: set PASERK or PEM")
	// ErrBothForms: both PASERK and PEM are set.
	ErrBothForms = errors.New("keyring: both PASERK and PEM set: set one")
)

// KeyError reports a [Key] that cannot be used. It matches [ErrInvalidKey]
// and its Err with errors.Is. Its text names the form of the key and the
// cause, never the key's contents.
type KeyError struct {
	// Form is "PASERK" or "PEM", the form the key was given in, or empty
	// when it was given in neither or both.
	Form string
	// Err is the cause.
	Err error
}

// Error describes the failure without the key's contents.
func (e *KeyError) Error() string {
	if e.Form == "" {
		return e.Err.Error()
	}
	return "keyring: invalid key: " + e.Form + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidKey] and Err.
func (e *KeyError) Unwrap() []error { return []error{ErrInvalidKey, e.Err} }

// form names the form k is given in, or returns an error when it is given
// in neither or both.
func (k Key) form() (string, error) {
	hasPASERK, hasPEM := strings.TrimSpace(k.PASERK) != "", len(k.PEM) != 0
	switch {
	case !hasPASERK && !hasPEM:
		return "", &KeyError{Err: ErrNoKey}
	case hasPASERK && hasPEM:
		return "", &KeyError{Err: ErrBothForms}
	case hasPASERK:
		return "PASERK", nil
	}
	return "PEM", nil
}

// Parse returns the key k holds: a *[paseto.SymmetricKey],
// *[paseto.SecretKey] or *[paseto.PublicKey]. It never keeps or changes
// k's PEM slice. Every error is a *[KeyError].
func (k Key) Parse() (paseto.Key, error) {
	form, err := k.form()
	if err != nil {
		return nil, err
	}
	var key paseto.Key
	if form == "PASERK" {
		key, err = paserk.Parse(strings.TrimSpace(k.PASERK))
	} else {
		ed := k.Version
		if ed == 0 {
			ed = paseto.V4
		}
		key, err = paseto.ParseKeyPEM(ed, k.PEM)
	}
	if err != nil {
		return nil, &KeyError{Form: form, Err: err}
	}
	if k.Version != 0 && key.Version() != k.Version {
		return nil, &KeyError{Form: form, Err: fmt.Errorf("%w: the key is %s, Version says %s", paseto.ErrWrongKey, key.Version(), k.Version)}
	}
	return key, nil
}

// ParseSymmetric returns the local key k holds. A secret or public key is
// a *[KeyError] wrapping [paseto.ErrWrongKey].
func (k Key) ParseSymmetric() (*paseto.SymmetricKey, error) {
	return parseAs[*paseto.SymmetricKey](k, "a local key")
}

// ParseSecret returns the secret key k holds. A local or public key is a
// *[KeyError] wrapping [paseto.ErrWrongKey].
func (k Key) ParseSecret() (*paseto.SecretKey, error) {
	return parseAs[*paseto.SecretKey](k, "a secret key")
}

// ParsePublic returns the public key k holds, or the public half of the
// secret key it holds. A local key is a *[KeyError] wrapping
// [paseto.ErrWrongKey].
func (k Key) ParsePublic() (*paseto.PublicKey, error) {
	key, err := k.Parse()
	if err != nil {
		return nil, err
	}
	switch key := key.(type) {
	case *paseto.PublicKey:
		return key, nil
	case *paseto.SecretKey:
		return key.Public(), nil
	}
	form, _ := k.form()
	return nil, &KeyError{Form: form, Err: fmt.Errorf("%w: a local key, not a public or secret key", paseto.ErrWrongKey)}
}

func parseAs[T paseto.Key](k Key, want string) (T, error) {
	var zero T
	key, err := k.Parse()
	if err != nil {
		return zero, err
	}
	t, ok := key.(T)
	if !ok {
		form, _ := k.form()
		return zero, &KeyError{Form: form, Err: fmt.Errorf("%w: not %s", paseto.ErrWrongKey, want)}
	}
	return t, nil
}

// String describes the key without its contents.
func (k Key) String() string {
	var s string
	switch {
	case k.PASERK != "" && len(k.PEM) != 0:
		s = "keyring.Key(PASERK and PEM, redacted"
	case k.PASERK != "":
		s = "keyring.Key(PASERK, redacted"
	case len(k.PEM) != 0:
		s = "keyring.Key(PEM, redacted"
	default:
		s = "keyring.Key(empty"
	}
	if k.Issuer != "" {
		s += ", issuer bound"
	}
	return s + ")"
}

// GoString describes the key like [Key.String].
func (k Key) GoString() string { return k.String() }

// Format prints the key's description for every verb, never its contents,
// including when a Config holding it is printed with %+v.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue keeps the key's contents out of slog output.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }
