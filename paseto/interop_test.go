package paseto_test

// Differential test against aidanwoods.dev/go-paseto, an independent
// implementation: random claims, footers and implicit assertions go through
// both libraries in both directions, for all six modes.
//
// go-paseto quirks the comparisons account for:
//
//   - It only carries JSON objects: a decrypted or verified payload is parsed
//     into map[string]json.RawMessage, so every payload generated here is an
//     object (and has no duplicate keys, on which the two libraries
//     deliberately differ: go-paseto keeps the last one, pasetokit rejects
//     the token's claims).
//   - It re-serialises the claims when it makes a token (json.Marshal of that
//     map: sorted keys, compacted, HTML characters escaped), so the payload
//     inside its tokens is not the bytes it was given. Claims are therefore
//     compared as decoded maps (numbers kept as json.Number, so no precision
//     is lost), and the payload pasetokit opens from a go-paseto token is
//     compared byte for byte with that token's ClaimsJSON().
//   - Token.SetTime writes time.RFC3339 in the value's own zone, dropping
//     fractional seconds; tokens built through its setters are compared with
//     the times truncated to the second.
//   - GetAudience only reads a single string; a list audience is read with Get.
//   - Its parsers take no implicit assertion for v2 (v2 has none); pasetokit
//     rejects a non-empty one for v2 with ErrImplicitUnsupported.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	gopaseto "aidanwoods.dev/go-paseto"

	"github.com/pasetokit/pasetokit/paseto"
)

// interopSeed fixes every random input (keys, claims, footers, implicit
// assertions, tampering). Nonces and go-paseto's v3 signatures still use
// crypto/rand, as they must.
const interopSeed = 0x70a5e7_0c0ffee

// interopPair is one mode of both libraries with equivalent keys.
type interopPair struct {
	ourSeal   func(payload, footer, implicit []byte) (string, error)
	ourOpen   func(token string, implicit []byte) (payload, footer []byte, err error)
	theirSeal func(tok *gopaseto.Token, implicit []byte) string
	theirOpen func(token string, implicit []byte) (*gopaseto.Token, error)
}

type interopMode struct {
	name    string
	version paseto.Version
	local   bool
	cases   int
	newPair func(t *testing.T, r *rand.Rand) interopPair
}

// theirParser skips go-paseto's default expiry rule: the random exp claims
// may well be in the past, and claim rules are not what is compared here.
func theirParser() gopaseto.Parser { return gopaseto.NewParserWithoutExpiryCheck() }

var interopModes = []interopMode{
	{name: "v2.local", version: paseto.V2, local: true, cases: 200, newPair: func(t *testing.T, r *rand.Rand) interopPair {
		ours := must(paseto.NewSymmetricKey(paseto.V2, randBytes(r, 32)))(t)
		theirs := must(gopaseto.V2SymmetricKeyFromBytes(ours.Bytes()))(t)
		return interopPair{
			ourSeal: func(p, f, i []byte) (string, error) { return paseto.Encrypt(ours, p, f, i) },
			ourOpen: func(tok string, i []byte) ([]byte, []byte, error) { return paseto.Decrypt(ours, tok, i) },
			theirSeal: func(tok *gopaseto.Token, _ []byte) string {
				return tok.V2Encrypt(theirs)
			},
			theirOpen: func(tok string, _ []byte) (*gopaseto.Token, error) {
				return theirParser().ParseV2Local(theirs, tok)
			},
		}
	}},
	{name: "v2.public", version: paseto.V2, cases: 200, newPair: func(t *testing.T, r *rand.Rand) interopPair {
		sk := must(paseto.NewSecretKeyFromSeed(paseto.V2, randBytes(r, 32)))(t)
		tsk := must(gopaseto.NewV2AsymmetricSecretKeyFromBytes(sk.Bytes()))(t)
		tpk := must(gopaseto.NewV2AsymmetricPublicKeyFromBytes(sk.Public().Bytes()))(t)
		pk := must(paseto.NewPublicKey(paseto.V2, tsk.Public().ExportBytes()))(t)
		samePublic(t, pk, sk)
		return interopPair{
			ourSeal: func(p, f, i []byte) (string, error) { return paseto.Sign(sk, p, f, i) },
			ourOpen: func(tok string, i []byte) ([]byte, []byte, error) { return paseto.Verify(pk, tok, i) },
			theirSeal: func(tok *gopaseto.Token, _ []byte) string {
				return tok.V2Sign(tsk)
			},
			theirOpen: func(tok string, _ []byte) (*gopaseto.Token, error) {
				return theirParser().ParseV2Public(tpk, tok)
			},
		}
	}},
	{name: "v3.local", version: paseto.V3, local: true, cases: 200, newPair: func(t *testing.T, r *rand.Rand) interopPair {
		ours := must(paseto.NewSymmetricKey(paseto.V3, randBytes(r, 32)))(t)
		theirs := must(gopaseto.V3SymmetricKeyFromBytes(ours.Bytes()))(t)
		return interopPair{
			ourSeal:   func(p, f, i []byte) (string, error) { return paseto.Encrypt(ours, p, f, i) },
			ourOpen:   func(tok string, i []byte) ([]byte, []byte, error) { return paseto.Decrypt(ours, tok, i) },
			theirSeal: func(tok *gopaseto.Token, i []byte) string { return tok.V3Encrypt(theirs, i) },
			theirOpen: func(tok string, i []byte) (*gopaseto.Token, error) {
				return theirParser().ParseV3Local(theirs, tok, i)
			},
		}
	}},
	// P-384 is some fifty times slower than Ed25519; fewer cases keep the
	// test fast, and the encoding paths are the same as for v3.local.
	{name: "v3.public", version: paseto.V3, cases: 60, newPair: func(t *testing.T, r *rand.Rand) interopPair {
		// A random 48-byte string is below the P-384 order with
		// overwhelming probability (the order is 2^384 - ~2^190).
		sk := must(paseto.NewSecretKey(paseto.V3, randBytes(r, 48)))(t)
		tsk := must(gopaseto.NewV3AsymmetricSecretKeyFromBytes(sk.Bytes()))(t)
		tpk := must(gopaseto.NewV3AsymmetricPublicKeyFromBytes(sk.Public().Bytes()))(t)
		pk := must(paseto.NewPublicKey(paseto.V3, tsk.Public().ExportBytes()))(t)
		samePublic(t, pk, sk)
		return interopPair{
			ourSeal:   func(p, f, i []byte) (string, error) { return paseto.Sign(sk, p, f, i) },
			ourOpen:   func(tok string, i []byte) ([]byte, []byte, error) { return paseto.Verify(pk, tok, i) },
			theirSeal: func(tok *gopaseto.Token, i []byte) string { return tok.V3Sign(tsk, i) },
			theirOpen: func(tok string, i []byte) (*gopaseto.Token, error) {
				return theirParser().ParseV3Public(tpk, tok, i)
			},
		}
	}},
	{name: "v4.local", version: paseto.V4, local: true, cases: 200, newPair: func(t *testing.T, r *rand.Rand) interopPair {
		ours := must(paseto.NewSymmetricKey(paseto.V4, randBytes(r, 32)))(t)
		theirs := must(gopaseto.V4SymmetricKeyFromBytes(ours.Bytes()))(t)
		return interopPair{
			ourSeal:   func(p, f, i []byte) (string, error) { return paseto.Encrypt(ours, p, f, i) },
			ourOpen:   func(tok string, i []byte) ([]byte, []byte, error) { return paseto.Decrypt(ours, tok, i) },
			theirSeal: func(tok *gopaseto.Token, i []byte) string { return tok.V4Encrypt(theirs, i) },
			theirOpen: func(tok string, i []byte) (*gopaseto.Token, error) {
				return theirParser().ParseV4Local(theirs, tok, i)
			},
		}
	}},
	{name: "v4.public", version: paseto.V4, cases: 200, newPair: func(t *testing.T, r *rand.Rand) interopPair {
		sk := must(paseto.NewSecretKeyFromSeed(paseto.V4, randBytes(r, 32)))(t)
		tsk := must(gopaseto.NewV4AsymmetricSecretKeyFromBytes(sk.Bytes()))(t)
		tpk := must(gopaseto.NewV4AsymmetricPublicKeyFromBytes(sk.Public().Bytes()))(t)
		pk := must(paseto.NewPublicKey(paseto.V4, tsk.Public().ExportBytes()))(t)
		samePublic(t, pk, sk)
		return interopPair{
			ourSeal:   func(p, f, i []byte) (string, error) { return paseto.Sign(sk, p, f, i) },
			ourOpen:   func(tok string, i []byte) ([]byte, []byte, error) { return paseto.Verify(pk, tok, i) },
			theirSeal: func(tok *gopaseto.Token, i []byte) string { return tok.V4Sign(tsk, i) },
			theirOpen: func(tok string, i []byte) (*gopaseto.Token, error) {
				return theirParser().ParseV4Public(tpk, tok, i)
			},
		}
	}},
}

func TestInteropGoPaseto(t *testing.T) {
	for mi, m := range interopModes {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(interopSeed, uint64(mi)))
			cases := m.cases
			if testing.Short() {
				cases = max(cases/10, 5)
			}
			for i := range cases {
				// A fresh key pair every case: key import is part of what is compared.
				p := m.newPair(t, r)
				in := randInteropInput(r, m.version)
				if err := interopCase(m, p, in, r); err != nil {
					t.Fatalf("case %d (seed %#x, stream %d): %v\npayload: %s\nfooter:   %q\nimplicit: %q",
						i, interopSeed, mi, err, in.payload, in.footer, in.implicit)
				}
			}
		})
	}
}

// interopInput is one random test case.
type interopInput struct {
	claims   paseto.Claims  // the registered claims in payload
	custom   map[string]any // the other claims in payload, as Go values
	payload  []byte         // JSON object of claims and custom
	want     map[string]any // payload decoded with UseNumber
	footer   []byte
	kid      string // the footer's kid, when it is JSON
	implicit []byte // always empty for v2
	setters  bool   // build the go-paseto token with its setters, not from payload
}

// interopCase runs both directions and the negative checks for one input.
func interopCase(m interopMode, p interopPair, in interopInput, r *rand.Rand) error {
	// ours → theirs
	ourTok, err := p.ourSeal(in.payload, in.footer, in.implicit)
	if err != nil {
		return fmt.Errorf("pasetokit seal: %w", err)
	}
	if !strings.HasPrefix(ourTok, m.name+".") {
		return fmt.Errorf("pasetokit token %q lacks header %s.", ourTok, m.name)
	}
	got, err := p.theirOpen(ourTok, in.implicit)
	if err != nil {
		return fmt.Errorf("go-paseto cannot open pasetokit's token %s: %w", ourTok, err)
	}
	gotClaims, err := decodeJSONMap(got.ClaimsJSON())
	if err != nil {
		return fmt.Errorf("go-paseto claims: %w", err)
	}
	if !reflect.DeepEqual(gotClaims, in.want) {
		return fmt.Errorf("go-paseto reads other claims from pasetokit's token:\n got %v\nwant %v", gotClaims, in.want)
	}
	if !bytes.Equal(got.Footer(), in.footer) {
		return fmt.Errorf("go-paseto reads footer %q from pasetokit's token, want %q", got.Footer(), in.footer)
	}
	if err := checkTheirRegistered(got, in.claims); err != nil {
		return fmt.Errorf("go-paseto on pasetokit's token: %w", err)
	}

	// theirs → ours
	theirTok, wantRegistered, err := in.theirToken()
	if err != nil {
		return fmt.Errorf("building go-paseto token: %w", err)
	}
	theirStr := p.theirSeal(theirTok, in.implicit)
	payload, footer, err := p.ourOpen(theirStr, in.implicit)
	if err != nil {
		return fmt.Errorf("pasetokit cannot open go-paseto's token %s: %w", theirStr, err)
	}
	if want := theirTok.ClaimsJSON(); !bytes.Equal(payload, want) {
		return fmt.Errorf("pasetokit reads payload %s from go-paseto's token, want %s", payload, want)
	}
	if !bytes.Equal(footer, in.footer) {
		return fmt.Errorf("pasetokit reads footer %q from go-paseto's token, want %q", footer, in.footer)
	}
	if err := checkOurClaims(payload, in, wantRegistered); err != nil {
		return fmt.Errorf("pasetokit on go-paseto's token: %w", err)
	}
	if in.kid != "" {
		if kid, err := paseto.FooterKeyID(footer); err != nil || kid != in.kid {
			return fmt.Errorf("FooterKeyID = %q, %v; want %q", kid, err, in.kid)
		}
	}

	// Negative checks, on both tokens, in both libraries.
	wantFail := paseto.ErrInvalidSignature
	if m.local {
		wantFail = paseto.ErrInvalidMAC
	}
	for _, tok := range []string{ourTok, theirStr} {
		if m.version == paseto.V2 {
			// v2 binds no implicit assertion: pasetokit refuses one rather
			// than ignoring it, and go-paseto's v2 parsers take none.
			if _, _, err := p.ourOpen(tok, []byte("implicit")); !errors.Is(err, paseto.ErrImplicitUnsupported) {
				return fmt.Errorf("pasetokit v2 open with an implicit assertion: %v, want ErrImplicitUnsupported", err)
			}
		} else {
			wrong := wrongImplicit(r, in.implicit)
			if _, _, err := p.ourOpen(tok, wrong); !errors.Is(err, wantFail) {
				return fmt.Errorf("pasetokit with wrong implicit %q: %v, want %v", wrong, err, wantFail)
			}
			if _, err := p.theirOpen(tok, wrong); err == nil {
				return fmt.Errorf("go-paseto opened %s with wrong implicit %q", tok, wrong)
			}
		}
		for range 2 {
			bad := tamper(r, tok)
			if _, _, err := p.ourOpen(bad, in.implicit); !isRejection(err) {
				return fmt.Errorf("pasetokit on tampered token %s: %v, want a rejection", bad, err)
			}
			if _, err := p.theirOpen(bad, in.implicit); err == nil {
				return fmt.Errorf("go-paseto opened tampered token %s", bad)
			}
		}
	}
	if m.version == paseto.V2 {
		if _, err := p.ourSeal(in.payload, in.footer, []byte("implicit")); !errors.Is(err, paseto.ErrImplicitUnsupported) {
			return fmt.Errorf("pasetokit v2 seal with an implicit assertion: %v, want ErrImplicitUnsupported", err)
		}
	}
	return nil
}

// isRejection reports whether err is one of the errors a tampered token may
// legitimately produce: which one depends on which byte was changed.
func isRejection(err error) bool {
	for _, e := range []error{paseto.ErrMalformed, paseto.ErrInvalidMAC, paseto.ErrInvalidSignature, paseto.ErrWrongKey, paseto.ErrUnsupported} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// theirToken builds the go-paseto token for the theirs → ours direction,
// either from the payload (as a user holding JSON would) or through
// go-paseto's setters (as its documentation shows). It returns the
// registered claims pasetokit must read back.
func (in interopInput) theirToken() (*gopaseto.Token, paseto.Claims, error) {
	if !in.setters {
		tok, err := gopaseto.NewTokenFromClaimsJSON(in.payload, in.footer)
		return tok, in.claims, err
	}
	c := in.claims
	tok := gopaseto.NewToken()
	if c.Issuer != "" {
		tok.SetIssuer(c.Issuer)
	}
	if c.Subject != "" {
		tok.SetSubject(c.Subject)
	}
	switch len(c.Audience) {
	case 0:
	case 1:
		tok.SetAudience(c.Audience[0])
	default:
		if err := tok.Set("aud", []string(c.Audience)); err != nil {
			return nil, c, err
		}
	}
	if c.TokenID != "" {
		tok.SetJti(c.TokenID)
	}
	// SetTime writes time.RFC3339: the value's own offset, whole seconds.
	want := c
	if !c.Expiration.IsZero() {
		tok.SetExpiration(c.Expiration.Time)
		want.Expiration = paseto.NewTime(c.Expiration.Truncate(time.Second))
	}
	if !c.NotBefore.IsZero() {
		tok.SetNotBefore(c.NotBefore.Time)
		want.NotBefore = paseto.NewTime(c.NotBefore.Truncate(time.Second))
	}
	if !c.IssuedAt.IsZero() {
		tok.SetIssuedAt(c.IssuedAt.Time)
		want.IssuedAt = paseto.NewTime(c.IssuedAt.Truncate(time.Second))
	}
	for k, v := range in.custom {
		if err := tok.Set(k, v); err != nil {
			return nil, c, err
		}
	}
	tok.SetFooter(in.footer)
	return &tok, want, nil
}

// checkOurClaims decodes a payload opened by pasetokit with UnmarshalClaims,
// both into Claims and into a map, and compares with what was put in.
func checkOurClaims(payload []byte, in interopInput, want paseto.Claims) error {
	var c paseto.Claims
	if err := paseto.UnmarshalClaims(payload, &c); err != nil {
		return fmt.Errorf("UnmarshalClaims into Claims: %w", err)
	}
	if err := sameClaims(c, want); err != nil {
		return err
	}
	var all map[string]any
	if err := paseto.UnmarshalClaims(payload, &all); err != nil {
		return fmt.Errorf("UnmarshalClaims into a map: %w", err)
	}
	if !in.setters {
		if !reflect.DeepEqual(all, in.want) {
			return fmt.Errorf("claims:\n got %v\nwant %v", all, in.want)
		}
		return nil
	}
	for k := range in.custom {
		if !reflect.DeepEqual(all[k], in.want[k]) {
			return fmt.Errorf("claim %q = %#v, want %#v", k, all[k], in.want[k])
		}
	}
	return nil
}

func sameClaims(got, want paseto.Claims) error {
	switch {
	case got.Issuer != want.Issuer:
		return fmt.Errorf("iss %q, want %q", got.Issuer, want.Issuer)
	case got.Subject != want.Subject:
		return fmt.Errorf("sub %q, want %q", got.Subject, want.Subject)
	case !slices.Equal(got.Audience, want.Audience):
		return fmt.Errorf("aud %q, want %q", got.Audience, want.Audience)
	case got.TokenID != want.TokenID:
		return fmt.Errorf("jti %q, want %q", got.TokenID, want.TokenID)
	case !got.Expiration.Equal(want.Expiration.Time):
		return fmt.Errorf("exp %v, want %v", got.Expiration, want.Expiration)
	case !got.NotBefore.Equal(want.NotBefore.Time):
		return fmt.Errorf("nbf %v, want %v", got.NotBefore, want.NotBefore)
	case !got.IssuedAt.Equal(want.IssuedAt.Time):
		return fmt.Errorf("iat %v, want %v", got.IssuedAt, want.IssuedAt)
	}
	return nil
}

// checkTheirRegistered reads the registered claims of a pasetokit token with
// go-paseto's own getters: in particular, its time.RFC3339 parser must read
// the times pasetokit writes.
func checkTheirRegistered(tok *gopaseto.Token, want paseto.Claims) error {
	str := func(name string, get func() (string, error), want string) error {
		got, err := get()
		if want == "" {
			if err == nil {
				return fmt.Errorf("%s present (%q), want absent", name, got)
			}
			return nil
		}
		if err != nil || got != want {
			return fmt.Errorf("%s = %q, %v; want %q", name, got, err, want)
		}
		return nil
	}
	tm := func(name string, get func() (time.Time, error), want paseto.Time) error {
		got, err := get()
		if want.IsZero() {
			if err == nil {
				return fmt.Errorf("%s present (%v), want absent", name, got)
			}
			return nil
		}
		if err != nil || !got.Equal(want.Time) {
			return fmt.Errorf("%s = %v, %v; want %v", name, got, err, want)
		}
		return nil
	}
	var aud []string
	if len(want.Audience) > 1 {
		if err := tok.Get("aud", &aud); err != nil {
			return fmt.Errorf("aud: %w", err)
		}
	} else if s, err := tok.GetAudience(); err == nil {
		aud = []string{s}
	}
	if !slices.Equal(aud, want.Audience) {
		return fmt.Errorf("aud %q, want %q", aud, want.Audience)
	}
	return errors.Join(
		str("iss", tok.GetIssuer, want.Issuer),
		str("sub", tok.GetSubject, want.Subject),
		str("jti", tok.GetJti, want.TokenID),
		tm("exp", tok.GetExpiration, want.Expiration),
		tm("nbf", tok.GetNotBefore, want.NotBefore),
		tm("iat", tok.GetIssuedAt, want.IssuedAt),
	)
}

// randInteropInput makes random claims, footer and implicit assertion.
func randInteropInput(r *rand.Rand, v paseto.Version) interopInput {
	var in interopInput
	c := &in.claims
	if r.IntN(4) != 0 {
		c.Issuer = randString(r, 1)
	}
	if r.IntN(4) != 0 {
		c.Subject = randString(r, 1)
	}
	switch r.IntN(3) {
	case 1:
		c.Audience = paseto.Audience{randString(r, 1)}
	case 2:
		for range 2 + r.IntN(3) {
			c.Audience = append(c.Audience, randString(r, 0))
		}
	}
	if r.IntN(4) != 0 {
		c.Expiration = paseto.NewTime(randTime(r))
	}
	if r.IntN(2) != 0 {
		c.NotBefore = paseto.NewTime(randTime(r))
	}
	if r.IntN(4) != 0 {
		c.IssuedAt = paseto.NewTime(randTime(r))
	}
	if r.IntN(2) != 0 {
		c.TokenID = fmt.Sprintf("%x", randBytes(r, 16))
	}

	// Registered claims as paseto.Claims writes them, then custom ones.
	reg, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	all := map[string]any{}
	var regMap map[string]json.RawMessage
	if err := json.Unmarshal(reg, &regMap); err != nil {
		panic(err)
	}
	for k, v := range regMap {
		all[k] = v
	}
	in.custom = map[string]any{}
	for range r.IntN(9) {
		// Custom names are lower case and start with "x_", so that no two
		// are equal under case folding and none shadows a registered claim.
		k := "x_" + randKey(r)
		in.custom[k] = randValue(r, 0)
		all[k] = in.custom[k]
	}
	switch r.IntN(3) {
	case 0:
		in.payload, err = json.Marshal(all)
	case 1:
		in.payload, err = json.MarshalIndent(all, "", "\t")
	default: // no HTML escaping, and a trailing newline
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		err = enc.Encode(all)
		in.payload = buf.Bytes()
	}
	if err != nil {
		panic(err)
	}
	if in.want, err = decodeJSONMap(in.payload); err != nil {
		panic(err)
	}

	switch r.IntN(4) {
	case 0: // no footer
	case 1: // plain text, possibly empty (which is no footer)
		in.footer = []byte(randString(r, 0))
	case 2: // JSON with a key id
		in.kid = "k4.pid." + base64.RawURLEncoding.EncodeToString(randBytes(r, 33))
		f := map[string]string{"kid": in.kid}
		if r.IntN(2) == 0 {
			f["note"] = randString(r, 0)
		}
		in.footer, _ = json.Marshal(f)
	default: // arbitrary bytes
		in.footer = randBytes(r, 1+r.IntN(40))
	}

	if v != paseto.V2 {
		switch r.IntN(3) {
		case 0: // nil
		case 1:
			in.implicit = []byte{}
		default:
			in.implicit = randBytes(r, 1+r.IntN(48))
		}
	}
	in.setters = r.IntN(2) == 0
	return in
}

// wrongImplicit returns an implicit assertion that differs from implicit.
func wrongImplicit(r *rand.Rand, implicit []byte) []byte {
	if len(implicit) == 0 {
		return []byte("x")
	}
	w := bytes.Clone(implicit)
	if r.IntN(4) == 0 {
		return w[:len(w)-1]
	}
	w[r.IntN(len(w))] ^= 1 << r.IntN(8)
	return w
}

// tamper changes one byte of tok, anywhere, to another base64url character
// or a '.'.
func tamper(r *rand.Rand, tok string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
	b := []byte(tok)
	i := r.IntN(len(b))
	if r.IntN(4) == 0 { // the last characters: tag, signature, trailing bits
		i = len(b) - 1 - r.IntN(min(4, len(b)))
	}
	for {
		if c := alphabet[r.IntN(len(alphabet))]; c != b[i] {
			b[i] = c
			return string(b)
		}
	}
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// stringPieces are the building blocks of random strings: plain characters
// and the ones JSON encoders treat specially.
var stringPieces = []string{
	"a", "b", "c", "x", "y", "z", "A", "Q", "Z", "0", "7", "9", " ", ".", "-", "_",
	`"`, `\`, "/", "<", ">", "&", "'", "\n", "\r", "\t", "\x00", "\x1f", "\x7f",
	"é", "ß", "日本", "ж", "😀", "\u2028", "\u2029", "\ufeff", "\U0010ffff", "k4.local.",
}

// randString returns a random valid UTF-8 string of at least minLen pieces.
func randString(r *rand.Rand, minLen int) string {
	var sb strings.Builder
	for range minLen + r.IntN(24) {
		sb.WriteString(stringPieces[r.IntN(len(stringPieces))])
	}
	return sb.String()
}

// keyPieces are lower-case letters with no exotic case foldings (no ſ, k,
// σ/ς, µ), so distinct keys stay distinct under case folding.
var keyPieces = []string{"a", "b", "d", "e", "m", "n", "r", "t", "z", "0", "_", "é", "ж", "λ", "日"}

func randKey(r *rand.Rand) string {
	var sb strings.Builder
	for range 1 + r.IntN(10) {
		sb.WriteString(keyPieces[r.IntN(len(keyPieces))])
	}
	return sb.String()
}

// randValue returns a random JSON value: scalars of every kind (including
// numbers a float64 cannot hold exactly), and nested objects and arrays.
func randValue(r *rand.Rand, depth int) any {
	kinds := 8
	if depth >= 3 {
		kinds = 6
	}
	switch r.IntN(kinds) {
	case 0:
		return randString(r, 0)
	case 1:
		return r.Int64() >> r.IntN(64)
	case 2:
		return r.NormFloat64() * float64(int64(1)<<r.IntN(62))
	case 3:
		// Exact only as text: go-paseto keeps json.RawMessage, pasetokit
		// decodes with UseNumber.
		n := []json.Number{"12345678901234567890123456789", "-9007199254740993", "1e400", "0.1000000000000000000000001", "-0", "1E-7"}
		return n[r.IntN(len(n))]
	case 4:
		return r.IntN(2) == 0
	case 5:
		return nil
	case 6:
		m := map[string]any{}
		for range r.IntN(5) {
			m[randKey(r)] = randValue(r, depth+1)
		}
		return m
	default:
		a := make([]any, r.IntN(5))
		for i := range a {
			a[i] = randValue(r, depth+1)
		}
		return a
	}
}

// randTime returns a time between 2000 and 2100, in one of several zones,
// sometimes with nanoseconds.
func randTime(r *rand.Rand) time.Time {
	const from, to = 946684800, 4102444800 // 2000-01-01, 2100-01-01
	var nsec int64
	if r.IntN(3) == 0 {
		nsec = r.Int64N(1e9)
	}
	zones := []*time.Location{time.UTC, time.FixedZone("", 5*3600+1800), time.FixedZone("", -8*3600)}
	return time.Unix(from+r.Int64N(to-from), nsec).In(zones[r.IntN(len(zones))])
}

// decodeJSONMap decodes a JSON object, keeping numbers as json.Number.
func decodeJSONMap(b []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}

// must unwraps a (value, error) pair: must(f())(t) fails t on an error.
func must[T any](v T, err error) func(t *testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// samePublic checks that the public key imported back from go-paseto is the
// public half of sk.
func samePublic(t *testing.T, pk *paseto.PublicKey, sk *paseto.SecretKey) {
	t.Helper()
	if !pk.Equal(sk.Public()) {
		t.Fatalf("go-paseto derives public key %x from the secret key, pasetokit %x", pk.Bytes(), sk.Public().Bytes())
	}
}
