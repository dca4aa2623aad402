package issuer

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/internal/keyload"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// Defaults for zero Config fields.
const (
	// DefaultExpiration is the token lifetime when Config.Expiration is
	// zero and Config.NoExpiration is false.
	DefaultExpiration = time.Hour
	// DefaultKeySetMaxAge is the Cache-Control max-age of the key set
	// document when Config.KeySetMaxAge is zero.
	DefaultKeySetMaxAge = 5 * time.Minute
)

// Key is one configured key: a plaintext PASERK, or a PEM block with its
// version. Set exactly one of PASERK and PEM. The key must be able to issue
// tokens: a secret key (public tokens) or a local key (local tokens); a
// public key is ErrPublicKey. Key never prints its contents: String,
// GoString, Format and LogValue describe it instead.
type Key struct {
	// PASERK is a plaintext secret or local PASERK of version k2, k3 or k4
	// ("k4.secret.…", "k4.local.…"). Surrounding white space is ignored.
	// It is a secret: load it from a secret store, not from source code.
	PASERK string
	// PEM is one PEM block: a PKCS#8 "PRIVATE KEY" holding an Ed25519 or
	// ECDSA P-384 key, or a SEC1 "EC PRIVATE KEY" on P-384.
	PEM []byte
	// Version is the PASETO version of the key. PEM does not record it
	// for Ed25519 keys: zero means V4, V2 is allowed, anything else is an
	// error. A P-384 key is always V3 (zero or V3). With a PASERK, zero
	// accepts the PASERK's own version and any other value must equal it.
	Version paseto.Version
}

// String describes the key without its contents.
func (k Key) String() string {
	switch {
	case k.PASERK != "" && len(k.PEM) != 0:
		return "issuer.Key(PASERK and PEM, redacted)"
	case k.PASERK != "":
		return "issuer.Key(PASERK, redacted)"
	case len(k.PEM) != 0:
		return "issuer.Key(PEM, redacted)"
	}
	return "issuer.Key(empty)"
}

// GoString describes the key like String.
func (k Key) GoString() string { return k.String() }

// Format prints the key's description for every verb, never its contents,
// including when a Config is printed with %+v.
func (k Key) Format(f fmt.State, _ rune) { fmt.Fprint(f, k.String()) }

// LogValue keeps the key's contents out of slog output.
func (k Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Config configures an Issuer. Every zero value is documented and safe: a
// Config with only Keys set issues tokens that expire after one hour, with
// iat, a random jti and the signing key's id in the footer, as JSON.
type Config struct {
	// Keys are the issuer's keys, at least one. The first key issues every
	// token: a secret key makes public tokens of its version, a local key
	// local tokens of its version. The others are not used to issue; the
	// public halves of the secret ones are published by KeySetHandler
	// and PublicKeys, so that verifiers still accept tokens signed by a
	// previous key, or already know the next one, during a rotation. No
	// two keys may have the same PASERK id. Keys may be of different
	// versions. SetKeys replaces the list.
	Keys []Key

	// Issuer, when not empty, is written as the iss claim of every token
	// and as the issuer of the published key set. It must be valid UTF-8.
	// Empty means no iss claim.
	Issuer string

	// Expiration is the lifetime of a token: exp is set to the issue time
	// plus Expiration, truncated to whole seconds. Zero means
	// DefaultExpiration (one hour). It must be at least one second when
	// set; negative is an error. IssueOptions.Expiration overrides it
	// for one call.
	Expiration time.Duration
	// NoExpiration, when true, issues tokens without exp, which stay valid
	// until every key that verifies them is retired. It is the only way
	// to drop exp, and setting it together with a non-zero Expiration is
	// an error. A call can still add exp with IssueOptions.Expiration.
	NoExpiration bool
	// NotBefore, when true, adds nbf equal to the issue time (the same
	// second as iat). The default (false) adds no nbf.
	NotBefore bool
	// DisableIssuedAt, when true, leaves out iat. By default iat is the
	// issue time.
	DisableIssuedAt bool
	// DisableTokenID, when true, leaves out jti. By default jti is 128
	// random bits from crypto/rand, as 22 characters of unpadded
	// base64url, unique per token.
	DisableTokenID bool
	// DisableKeyID, when true, leaves the signing key's id out of the
	// footer. By default every token carries the JSON footer
	// {"kid":"<id>"}, where id is the PASERK id of the key that verifies
	// the token: "k4.pid.…" of the public key for public tokens, "k4.lid.…"
	// for local ones. Verifiers use it to pick the key.
	DisableKeyID bool

	// Serializer encodes payloads. Nil means serializer.JSON, the
	// standard. serializer.CBOR (or another serializer from
	// serializer.NewJSON or serializer.NewCBOR) is accepted; a serializer
	// whose Name is neither "json" nor "cbor" is an error, because the
	// issuer adds its claims to the encoded payload.
	Serializer serializer.Serializer

	// Now returns the current time; nil means time.Now. It is called once
	// per issued token, never by New, and must be safe for concurrent
	// use. All time claims of a token come from the one call, truncated to
	// whole seconds and written as RFC 3339 in UTC ("2030-01-01T12:00:00Z").
	Now func() time.Time

	// MaxTokenLength bounds the length of an issued token in bytes: a
	// longer one is refused with ErrInvalidClaims (wrapping
	// paseto.ErrTokenTooLong) instead of being handed to verifiers that
	// would refuse it. Zero means paseto.DefaultMaxTokenLength (64 KiB),
	// the limit of a paseto.Parser with default settings; raise it only
	// together with the verifiers' limit. Negative is an error.
	MaxTokenLength int

	// KeySetMaxAge is the max-age of the Cache-Control header of
	// KeySetHandler's responses, in whole seconds. Zero means
	// DefaultKeySetMaxAge (five minutes); it must otherwise be at least
	// one second. After a rotation, verifiers may use the cached key set
	// for this long, so publish the next key at least this long before it
	// starts signing.
	KeySetMaxAge time.Duration
}

// Issuer issues tokens with the first of its keys and publishes the public
// halves of its secret keys. Create it with New; it is safe for concurrent
// use, including SetKeys while tokens are being issued.
type Issuer struct {
	s    settings
	mu   sync.Mutex // serializes SetKeys, so that the last call wins
	ring atomic.Pointer[keyRing]
}

// settings is the validated, immutable part of a Config.
type settings struct {
	issuer     string
	issJSON    []byte // `"iss":"…"`, or nil for no iss
	exp        time.Duration
	nbf        bool
	iat        bool
	jti        bool
	kid        bool
	ser        serializer.Serializer
	cbor       bool
	now        func() time.Time
	cacheCtrl  string
	maxToken   int
	claimNames uint8 // the claims every call adds (bits below), exp excepted
}

// Bits naming the claims the issuer adds, in the order it writes them.
const (
	claimISS uint8 = 1 << iota
	claimIAT
	claimNBF
	claimEXP
	claimJTI
)

var claimNames = [...]string{"iss", "iat", "nbf", "exp", "jti"}

// keyRing is an immutable snapshot of the key list, swapped whole by
// SetKeys.
type keyRing struct {
	signer  paseto.Key // *paseto.SecretKey or *paseto.SymmetricKey
	kid     string
	footer  []byte // {"kid":"…"}, or nil with DisableKeyID
	publics []*paseto.PublicKey
	doc     []byte // the key set document
	etag    string
}

// New validates cfg and returns an Issuer. Every key is loaded and every
// option checked here, so that a bad configuration fails at start-up, not
// at the first request. New does not call cfg.Now.
func New(cfg Config) (*Issuer, error) {
	s := settings{
		issuer: cfg.Issuer,
		iat:    !cfg.DisableIssuedAt,
		nbf:    cfg.NotBefore,
		jti:    !cfg.DisableTokenID,
		kid:    !cfg.DisableKeyID,
		ser:    cfg.Serializer,
		now:    cfg.Now,
	}
	if !utf8.ValidString(cfg.Issuer) {
		return nil, fmt.Errorf("%w: Issuer is not valid UTF-8", ErrInvalidConfig)
	}
	if cfg.Issuer != "" {
		q, err := json.Marshal(cfg.Issuer)
		if err != nil { // unreachable for a valid UTF-8 string
			return nil, fmt.Errorf("%w: Issuer cannot be encoded", ErrInvalidConfig)
		}
		s.issJSON = append([]byte(`"iss":`), q...)
	}
	switch {
	case cfg.Expiration < 0:
		return nil, fmt.Errorf("%w: Expiration is negative", ErrInvalidConfig)
	case cfg.NoExpiration && cfg.Expiration != 0:
		return nil, fmt.Errorf("%w: NoExpiration and Expiration are both set", ErrInvalidConfig)
	case cfg.NoExpiration:
		s.exp = 0
	case cfg.Expiration == 0:
		s.exp = DefaultExpiration
	case cfg.Expiration < time.Second:
		return nil, fmt.Errorf("%w: Expiration is under one second", ErrInvalidConfig)
	default:
		s.exp = cfg.Expiration
	}
	if s.ser == nil {
		s.ser = serializer.JSON
	}
	switch s.ser.Name() {
	case "json":
	case "cbor":
		s.cbor = true
	default:
		return nil, fmt.Errorf("%w: Serializer %q is neither json nor cbor", ErrInvalidConfig, s.ser.Name())
	}
	if s.now == nil {
		s.now = time.Now
	}
	switch {
	case cfg.MaxTokenLength < 0:
		return nil, fmt.Errorf("%w: MaxTokenLength is negative", ErrInvalidConfig)
	case cfg.MaxTokenLength == 0:
		s.maxToken = paseto.DefaultMaxTokenLength
	default:
		s.maxToken = cfg.MaxTokenLength
	}
	maxAge := cfg.KeySetMaxAge
	switch {
	case maxAge == 0:
		maxAge = DefaultKeySetMaxAge
	case maxAge < time.Second:
		return nil, fmt.Errorf("%w: KeySetMaxAge is under one second", ErrInvalidConfig)
	}
	s.cacheCtrl = "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10)
	if s.issuer != "" {
		s.claimNames |= claimISS
	}
	if s.iat {
		s.claimNames |= claimIAT
	}
	if s.nbf {
		s.claimNames |= claimNBF
	}
	if s.jti {
		s.claimNames |= claimJTI
	}

	i := &Issuer{s: s}
	r, err := i.s.loadKeys(cfg.Keys)
	if err != nil {
		return nil, err
	}
	i.ring.Store(r)
	return i, nil
}

// SetKeys replaces the key list, for key rotation while serving. keys
// follow the rules of Config.Keys and are validated completely before
// anything changes: on error the issuer keeps its current keys. Tokens
// being issued concurrently use either the old or the new list, never a
// mix, and the key set served by KeySetHandler changes at the same moment.
//
// A rotation without rejected tokens takes three steps: add the new key
// second (published, not yet signing) and wait at least KeySetMaxAge and
// the verifiers' refresh interval; move it first (now signing), keeping
// the old key listed until every token it signed has expired; then drop the
// old key.
func (i *Issuer) SetKeys(keys []Key) error {
	if i == nil || i.ring.Load() == nil {
		return errNotNew
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	r, err := i.s.loadKeys(keys)
	if err != nil {
		return err
	}
	i.ring.Store(r)
	return nil
}

// errNotNew is returned by the methods of an Issuer not made by New.
var errNotNew = fmt.Errorf("%w: Issuer not created with New", ErrInvalidConfig)

// loadKeys loads and checks keys and builds their snapshot, including the
// key set document.
func (s *settings) loadKeys(keys []Key) (*keyRing, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	r := &keyRing{}
	seen := make(map[string]int, len(keys))       // by PASERK id
	material := make(map[[32]byte]int, len(keys)) // by hash of the key bytes, across versions
	for n, k := range keys {
		key, err := keyload.Load(k.PASERK, k.PEM, k.Version)
		if err != nil {
			return nil, fmt.Errorf("%w: Keys[%d]: %w", ErrInvalidKey, n, err)
		}
		var id string
		h := sha256.New()
		switch key := key.(type) {
		case *paseto.SecretKey:
			id = paserk.PublicID(key.Public())
			r.publics = append(r.publics, key.Public())
			h.Write([]byte("public\x00"))
			h.Write(key.Public().Bytes())
		case *paseto.SymmetricKey:
			id = paserk.LocalID(key)
			h.Write([]byte("local\x00"))
			h.Write(key.Bytes())
		default:
			return nil, fmt.Errorf("%w: Keys[%d]", ErrPublicKey, n)
		}
		if id == "" { // unreachable for a key keyload returned
			return nil, fmt.Errorf("%w: Keys[%d] has no PASERK id", ErrInvalidKey, n)
		}
		if first, dup := seen[id]; dup {
			return nil, fmt.Errorf("%w: Keys[%d] is Keys[%d] again", ErrDuplicateKey, n, first)
		}
		var sum [32]byte
		h.Sum(sum[:0])
		if first, dup := material[sum]; dup {
			return nil, fmt.Errorf("%w: Keys[%d] is Keys[%d] for another version", ErrDuplicateKey, n, first)
		}
		seen[id], material[sum] = n, n
		if n == 0 {
			r.signer, r.kid = key, id
		}
	}
	if s.kid {
		r.footer = []byte(`{"kid":"` + r.kid + `"}`) // PASERK ids are base64url: no escaping
		if kid, err := (paseto.FooterLimits{}).KeyID(r.footer); err != nil || kid != r.kid {
			return nil, fmt.Errorf("%w: Keys[0]: its id does not make a valid footer", ErrInvalidKey)
		}
	}
	doc, err := keyset.Marshal(s.issuer, r.publics)
	if err != nil {
		return nil, fmt.Errorf("%w: key set: %w", ErrInvalidConfig, err)
	}
	sum := sha256.Sum256(doc)
	r.doc = doc
	r.etag = `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
	return r, nil
}

// PublicKeys returns the public halves of the listed secret keys, in list
// order, so the signing key's comes first when it is a secret key. Local
// keys have no public half and are left out. The slice is the caller's.
func (i *Issuer) PublicKeys() []*paseto.PublicKey {
	if i == nil {
		return nil
	}
	r := i.ring.Load()
	if r == nil {
		return nil
	}
	return append([]*paseto.PublicKey(nil), r.publics...)
}

// KeyID returns the PASERK id of the key that verifies the tokens being
// issued: the pid of the first key's public half for a secret key, the lid
// of a local key. It is the footer's kid unless Config.DisableKeyID is set,
// and "" for an Issuer not made by New.
func (i *Issuer) KeyID() string {
	if i == nil {
		return ""
	}
	r := i.ring.Load()
	if r == nil {
		return ""
	}
	return r.kid
}
