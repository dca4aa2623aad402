package issuer

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/pasetokit/pasetokit/internal/strictjson"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// IssueOptions adjusts a single [Issuer.IssueWith] call. The zero value
// changes nothing: IssueWith(claims, IssueOptions{}) is Issue(claims).
type IssueOptions struct {
	// Lifetime, when not zero, is the lifetime of this one token instead
	// of [Config.Lifetime]; it adds exp even when [Config.NoExpiration] is
	// set. It must be at least one second. Use it, not an exp of your own
	// in the claims, which is [ErrReservedClaim] whenever the issuer adds
	// exp.
	Lifetime time.Duration
	// NoExpiration, when true, leaves exp out of this one token, as
	// [Config.NoExpiration] does for all. Setting it together with
	// Lifetime is [ErrInvalidOptions].
	NoExpiration bool
	// Footer holds footer claims for this token, written into the JSON
	// footer next to the kid. The footer must stay within the defaults of
	// [paseto.FooterLimits] (a flat object: string, number, boolean or null
	// values; at most 32 keys and 2 KiB in all), so that verifiers with
	// default limits accept it. A "kid" key, in any letter case, is a
	// *[ReservedClaimError] unless [Config.NoKeyID] is set, and a kid
	// holding a PASERK key is always an error. The footer is sent in
	// clear, even on local tokens: put nothing secret in it. The map is
	// not modified.
	Footer map[string]any
	// Implicit is an implicit assertion: bytes bound to the token but not
	// sent in it, which the verifier must supply identically (for example
	// a session or client id). v3 and v4 only: with a v2 signing key it is
	// an error matching both [ErrInvalidOptions] and
	// [paseto.ErrImplicitUnsupported], rather than being dropped.
	Implicit []byte
	// IssuedAt, when not zero, dates this token instead of [Config.Now]: iat
	// and nbf (when the issuer adds them) are IssuedAt in whole seconds,
	// and exp is that plus the lifetime. It lets a caller date a token at
	// an instant it has already acted on, such as the moment it checked a
	// revocation. It must lie in the years 0000-9999.
	IssuedAt time.Time
}

// Issue encodes claims with the configured serializer, adds the issuer's
// claims and footer, and signs (secret key) or encrypts (local key) the
// result with the first configured key. See [Issuer.IssueWith].
func (i *Issuer) Issue(claims any) (string, error) {
	return i.IssueWith(claims, IssueOptions{})
}

// IssueWith is Issue with per-call options.
//
// claims is anything the serializer encodes as an object: a map[string]any,
// or a struct of the caller's own, which may embed [paseto.Claims] for the
// registered claims. It is only read, never modified. The issuer adds iss,
// iat, nbf, exp and jti as [Config] says; if claims already hold one of the
// claims the issuer adds on this call (compared case-insensitively), the
// result is a *[ReservedClaimError] naming it, and no token is made. The
// registered claims the issuer does not add (sub, aud, and any it is
// configured not to add) are the caller's to set.
func (i *Issuer) IssueWith(claims any, opts IssueOptions) (string, error) {
	if i == nil {
		return "", errNotNew
	}
	s := &i.s
	at, atOpts := opts.IssuedAt, !opts.IssuedAt.IsZero()
	var r *keyRing
	if i.src != nil {
		// The key that issues is the one current at the token's own time.
		if at.IsZero() {
			if at = s.now(); at.IsZero() {
				return "", configError("Now", errors.New("returned the zero time"))
			}
		}
		var err error
		if r, err = i.current(at); err != nil {
			return "", err
		}
	} else if r = i.ring.Load(); r == nil {
		return "", errNotNew
	}

	add := s.claimNames
	exp := s.exp
	switch {
	case opts.NoExpiration && opts.Lifetime != 0:
		return "", fmt.Errorf("%w: NoExpiration and Lifetime are both set", ErrInvalidOptions)
	case opts.NoExpiration:
		if i.src != nil {
			return "", fmt.Errorf("%w: NoExpiration with a KeySource: the token would outlive its key", ErrInvalidOptions)
		}
		exp = 0
	case opts.Lifetime != 0:
		if opts.Lifetime < time.Second {
			return "", fmt.Errorf("%w: Lifetime is negative or under one second", ErrInvalidOptions)
		}
		if i.src != nil && opts.Lifetime > s.exp {
			if err := i.src.CheckLifetime(opts.Lifetime); err != nil {
				return "", fmt.Errorf("%w: Lifetime: %w", ErrInvalidOptions, err)
			}
		}
		exp = opts.Lifetime
	}
	if exp != 0 {
		add |= claimEXP
	}
	if len(opts.Implicit) > 0 && r.signer.Version() == paseto.V2 {
		return "", fmt.Errorf("%w: %w", ErrInvalidOptions, paseto.ErrImplicitUnsupported)
	}
	footer, err := s.footer(r, opts.Footer)
	if err != nil {
		return "", err
	}

	body, err := s.ser.Marshal(claims)
	if err != nil {
		return "", claimsError(err)
	}

	var t timeClaims
	if add&(claimIAT|claimNBF|claimEXP) != 0 {
		if t, err = s.times(at, atOpts, exp, opts.Lifetime != 0); err != nil {
			return "", err
		}
	}
	var jti [22]byte
	if add&claimJTI != 0 {
		var b [16]byte
		rand.Read(b[:])
		base64.RawURLEncoding.Encode(jti[:], b[:])
	}

	var payload []byte
	if s.cbor {
		payload, err = s.addCBOR(body, add, &t, jti[:])
	} else {
		payload, err = s.addJSON(body, add, &t, jti[:])
	}
	if err != nil {
		return "", err
	}

	var token string
	switch k := r.signer.(type) {
	case *paseto.SecretKey:
		token, err = paseto.Sign(k, payload, footer, opts.Implicit)
	case *paseto.SymmetricKey:
		token, err = paseto.Encrypt(k, payload, footer, opts.Implicit)
	}
	if err != nil { // unreachable: the key and options were checked above
		return "", fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	if len(token) > s.maxToken {
		return "", fmt.Errorf("%w: %w (%d bytes, MaxTokenLength is %d)", ErrInvalidClaims, paseto.ErrTokenTooLong, len(token), s.maxToken)
	}
	return token, nil
}

// timeClaims holds the time claims of one token, already formatted.
type timeClaims struct {
	now, exp [len("2006-01-02T15:04:05Z")]byte
}

// times computes the token's times from at, or, when at is zero, from one
// reading of the clock. atOpts says at is [IssueOptions.IssuedAt], and
// perCall that exp comes from [IssueOptions], to blame the right input when
// a time cannot be written.
func (s *settings) times(at time.Time, atOpts bool, exp time.Duration, perCall bool) (timeClaims, error) {
	var t timeClaims
	now := at
	if at.IsZero() {
		if now = s.now(); now.IsZero() {
			return t, configError("Now", errors.New("returned the zero time"))
		}
	}
	now = now.UTC().Truncate(time.Second)
	if !writable(now) {
		if atOpts {
			return t, fmt.Errorf("%w: IssuedAt outside years 0000-9999", ErrInvalidOptions)
		}
		return t, configError("Now", errors.New("returned a time outside years 0000-9999"))
	}
	now.AppendFormat(t.now[:0], time.RFC3339)
	if exp != 0 {
		e := now.Add(exp).Truncate(time.Second)
		if !writable(e) {
			if perCall || atOpts {
				return t, fmt.Errorf("%w: exp would fall after year 9999", ErrInvalidOptions)
			}
			return t, configError("Lifetime", errors.New("exp would fall after year 9999"))
		}
		e.AppendFormat(t.exp[:0], time.RFC3339)
	}
	return t, nil
}

// writable reports whether t (in UTC) formats as a 20-byte RFC 3339 time.
func writable(t time.Time) bool {
	y := t.Year()
	return y >= 0 && y <= 9999
}

// claimsError converts an error of Serializer.Marshal.
func claimsError(err error) error {
	if errors.Is(err, serializer.ErrNotObject) {
		return fmt.Errorf("%w: %w", ErrNotObject, err)
	}
	return fmt.Errorf("%w: %w", ErrInvalidClaims, err)
}

// footer returns the footer of a token: the key ring's own when there are
// no per-call claims, else a new JSON object holding the kid and them.
func (s *settings) footer(r *keyRing, extra map[string]any) ([]byte, error) {
	if len(extra) == 0 {
		return r.footer, nil
	}
	if s.kid {
		for k := range extra {
			if strings.EqualFold(k, "kid") {
				return nil, &ReservedClaimError{Claim: "kid", Footer: true}
			}
		}
	}
	b, err := json.Marshal(extra)
	if err != nil || len(b) < 3 || b[0] != '{' || b[len(b)-1] != '}' {
		// json's errors may quote the value: do not wrap them.
		return nil, fmt.Errorf("%w: Footer cannot be encoded as JSON", ErrInvalidOptions)
	}
	if s.kid {
		f := make([]byte, 0, len(r.footer)+len(b))
		f = append(f, r.footer[:len(r.footer)-1]...)
		f = append(f, ',')
		b = append(f, b[1:]...)
	}
	if _, err := (paseto.FooterLimits{}).KeyID(b); err != nil {
		return nil, fmt.Errorf("%w: Footer: %w", ErrInvalidOptions, err)
	}
	return b, nil
}

// conflict returns the name of the claim of add that key names, compared
// case-insensitively (as encoding/json matches struct fields), or "".
func conflict(key []byte, add uint8) string {
	// A name of three ASCII letters folds to at most three runes of at
	// most three bytes each (the Kelvin sign folds to k).
	if len(key) < 3 || len(key) > 9 {
		return ""
	}
	for n, name := range claimNames {
		if add&(1<<n) != 0 && bytes.EqualFold(key, []byte(name)) {
			return name
		}
	}
	return ""
}

// addJSON writes the issuer's claims into body, a JSON object from the
// serializer, before its closing brace, after checking that body holds none
// of them. The result is then checked against the serializer's limits, so
// the issuer never makes a payload its own serializer would refuse.
func (s *settings) addJSON(body []byte, add uint8, t *timeClaims, jti []byte) ([]byte, error) {
	sc, err := scanObject(body, add)
	if err != nil {
		return nil, err
	}
	if sc.name != "" {
		return nil, &ReservedClaimError{Claim: sc.name}
	}
	out := make([]byte, 0, sc.end+len(s.issJSON)+len(`,"iat":"","nbf":"","exp":"","jti":""}`)+3*len(t.now)+len(jti))
	out = append(out, body[:sc.end]...)
	sep := sc.top > 0
	field := func(name string) {
		if sep {
			out = append(out, ',')
		}
		sep = true
		out = append(out, '"')
		out = append(out, name...)
		out = append(out, '"', ':')
	}
	if add&claimISS != 0 {
		if sep {
			out = append(out, ',')
		}
		sep = true
		out = append(out, s.issJSON...)
	}
	if add&claimIAT != 0 {
		field("iat")
		out = append(append(append(out, '"'), t.now[:]...), '"')
	}
	if add&claimNBF != 0 {
		field("nbf")
		out = append(append(append(out, '"'), t.now[:]...), '"')
	}
	if add&claimEXP != 0 {
		field("exp")
		out = append(append(append(out, '"'), t.exp[:]...), '"')
	}
	if add&claimJTI != 0 {
		field("jti")
		out = append(append(append(out, '"'), jti...), '"')
	}
	out = append(out, '}')

	// Adding up to five keys can push a payload near the serializer's
	// limits over them. The issuer's keys are new (no duplicates, checked
	// above) and flat (no deeper nesting), so only the length and the key
	// count can break a limit. They are known for JSON with the default
	// limits; another JSON serializer has to check the whole payload.
	if s.defaultJSON {
		if len(out) > serializer.DefaultJSONMaxLength || sc.total+bits.OnesCount8(add) > serializer.DefaultJSONMaxKeys {
			return nil, fmt.Errorf("%w: with the issuer's claims: %w", ErrInvalidClaims, serializer.ErrTooLarge)
		}
		return out, nil
	}
	checked, err := s.ser.Marshal(json.RawMessage(out))
	if err != nil {
		return nil, fmt.Errorf("%w: with the issuer's claims: %w", ErrInvalidClaims, err)
	}
	return checked, nil
}

// defaultJSON is the serializer of a nil [Config.Serializer]: JSON with the
// default limits. It is this package's own value, never serializer.JSON,
// which a caller can reassign.
var defaultJSON, _ = serializer.NewJSON(serializer.JSONConfig{})

// addCBOR decodes body, a CBOR map from the serializer, checks that it
// holds none of the issuer's claims, adds them (times and jti as text, like
// paseto.Time) and re-encodes the map with the serializer, which sorts the
// keys deterministically and checks its limits.
func (s *settings) addCBOR(body []byte, add uint8, t *timeClaims, jti []byte) ([]byte, error) {
	var m map[string]cbor.RawMessage
	if err := s.ser.Unmarshal(body, &m); err != nil {
		return nil, claimsError(err)
	}
	for k := range m {
		if name := conflict([]byte(k), add); name != "" {
			return nil, &ReservedClaimError{Claim: name}
		}
	}
	if m == nil {
		m = make(map[string]cbor.RawMessage, 5)
	}
	text := func(b []byte) cbor.RawMessage {
		out, _ := cbor.Marshal(string(b)) // cannot fail for a string
		return out
	}
	if add&claimISS != 0 {
		m["iss"] = text([]byte(s.issuer))
	}
	if add&claimIAT != 0 {
		m["iat"] = text(t.now[:])
	}
	if add&claimNBF != 0 {
		m["nbf"] = text(t.now[:])
	}
	if add&claimEXP != 0 {
		m["exp"] = text(t.exp[:])
	}
	if add&claimJTI != 0 {
		m["jti"] = text(jti)
	}
	out, err := s.ser.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("%w: with the issuer's claims: %w", ErrInvalidClaims, err)
	}
	return out, nil
}

// errMalformedJSON is returned when a serializer named "json" hands back
// something that is not a JSON object. This package's JSON never does.
var errMalformedJSON = fmt.Errorf("%w: the serializer's output is not a JSON object", ErrInvalidClaims)

// objectScan is what scanObject finds in a JSON object.
type objectScan struct {
	end   int    // offset of the closing brace
	top   int    // number of top-level keys
	total int    // number of keys at every depth
	name  string // the first claim of add that a top-level key names, or ""
}

// scanObject reads data, a JSON object from the serializer, and reports
// its closing brace, its key counts and the first claim of add that one of
// its top-level keys names.
func scanObject(data []byte, add uint8) (objectScan, error) {
	var sc objectScan
	info, err := strictjson.ScanObject(data, strictjson.Limits{}, func(key []byte) error {
		if sc.name == "" {
			sc.name = conflict(key, add)
		}
		return nil
	})
	if errors.Is(err, strictjson.ErrNotObject) {
		return sc, fmt.Errorf("%w: %w", ErrNotObject, serializer.ErrNotObject)
	}
	if err != nil {
		return sc, errMalformedJSON
	}
	sc.end, sc.top, sc.total = info.End, info.TopKeys, info.TotalKeys
	return sc, nil
}
