package issuer

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/pasetokit/pasetokit/internal/keysethttp"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// Defaults for zero Config fields.
const (
	// DefaultLifetime is the token lifetime when [Config.Lifetime] is
	// zero and [Config.NoExpiration] is false.
	DefaultLifetime = time.Hour
	// DefaultKeySetMaxAge is the Cache-Control max-age of the key set
	// document when [Config.KeySetMaxAge] is zero.
	DefaultKeySetMaxAge = 5 * time.Minute
)

// Config configures an Issuer. Every zero value is documented and safe: a
// Config with only Keys set issues tokens that expire after one hour, with
// iat, a random jti and the signing key's id in the footer, as JSON.
type Config struct {
	// Keys are the issuer's keys, at least one. The first key issues every
	// token: a secret key makes public tokens of its version, a local key
	// local tokens of its version. The others are not used to issue; the
	// public halves of the secret ones are published by
	// [Issuer.KeySetHandler] and [Issuer.PublicKeys], so that verifiers
	// still accept tokens signed by a previous key, or already know the
	// next one, during a rotation. Public keys cannot issue and are
	// refused ([ErrPublicKey]). No two keys may have the same PASERK id
	// ([ErrDuplicateKey]). Keys may be of different versions. A key whose
	// [keyring.Key.Issuer] is set must name [Config.Issuer].
	// [Issuer.SetKeys] replaces the list. Set exactly one of Keys and
	// KeySource.
	Keys []keyring.Key

	// KeySource, used instead of Keys, is a live source of keys, such as a
	// [keyring.Ring]: each token is issued with the key that is current at
	// its issue time ([keyring.Snapshot.Current], read on every call, so
	// the issuer follows rotations without being rebuilt), and
	// [Issuer.KeySetHandler] publishes the source's public keys, next keys
	// before they sign. The source's keys are secret keys (public tokens)
	// or local keys (local tokens) of any version. New checks that the
	// source keeps retired keys for Lifetime ([keyring.Source.CheckLifetime])
	// and refuses NoExpiration and NoKeyID with it: tokens without exp
	// would outlive every key, and verifiers find ring keys by kid. When
	// the source has no key that may issue ([keyring.ErrStale]), issuing
	// fails closed with [ErrKeyUnavailable].
	KeySource keyring.Source

	// Issuer, when not empty, is written as the iss claim of every token
	// and as the issuer of the published key set. It must be valid UTF-8.
	// Empty means no iss claim.
	Issuer string

	// Lifetime is the lifetime of a token: exp is set to the issue time
	// plus Lifetime, truncated to whole seconds. Zero means
	// [DefaultLifetime] (one hour). It must be at least one second when
	// set; negative is an error. [IssueOptions.Lifetime] overrides it for
	// one call.
	Lifetime time.Duration
	// NoExpiration, when true, issues tokens without exp, which stay valid
	// until every key that verifies them is retired. It is the only way
	// to drop exp, and setting it together with a non-zero Lifetime is
	// an error. A call can still add exp with [IssueOptions.Lifetime].
	NoExpiration bool
	// AddNotBefore, when true, adds nbf equal to the issue time (the same
	// second as iat). The default (false) adds no nbf.
	AddNotBefore bool
	// NoIssuedAt, when true, leaves out iat. By default iat is the issue
	// time.
	NoIssuedAt bool
	// NoTokenID, when true, leaves out jti. By default jti is 128 random
	// bits from crypto/rand, as 22 characters of unpadded base64url,
	// unique per token.
	NoTokenID bool
	// NoKeyID, when true, leaves the signing key's id out of the footer.
	// By default every token carries the JSON footer {"kid":"<id>"},
	// where id is the PASERK id of the key that verifies the token:
	// "k4.pid.…" of the public key for public tokens, "k4.lid.…" for local
	// ones. Verifiers use it to pick the key.
	NoKeyID bool

	// Serializer encodes payloads. Nil means JSON with the default limits
	// of [serializer.JSONConfig], the standard. [serializer.CBOR] (or
	// another serializer from [serializer.NewJSON] or
	// [serializer.NewCBOR]) is accepted; a serializer whose Name is
	// neither "json" nor "cbor" is an error, because the issuer adds its
	// claims to the encoded payload.
	Serializer serializer.Serializer

	// Now returns the current time; nil means time.Now. It is called once
	// per issued token, never by New, and must be safe for concurrent
	// use. All time claims of a token come from the one call, truncated to
	// whole seconds and written as RFC 3339 in UTC ("2030-01-01T12:00:00Z").
	Now func() time.Time

	// MaxTokenLength bounds the length of an issued token in bytes: a
	// longer one is refused with [ErrInvalidClaims] (wrapping
	// [paseto.ErrTokenTooLong]) instead of being handed to verifiers that
	// would refuse it. Zero means [paseto.DefaultMaxTokenLength] (64 KiB),
	// the limit of a [paseto.Parser] with default settings; raise it only
	// together with the verifiers' limit. Negative is an error.
	MaxTokenLength int

	// KeySetMaxAge is the max-age of the Cache-Control header of
	// [Issuer.KeySetHandler]'s responses, in whole seconds. Zero means
	// [DefaultKeySetMaxAge] (five minutes); it must otherwise be at least
	// one second. After a rotation, verifiers may use the cached key set
	// for this long, so publish the next key at least this long before it
	// starts signing. With a KeySource, zero means the source's
	// [keyring.Snapshot.MaxAge] (half its PublishAhead, at most five
	// minutes; under a second is sent as "no-cache"), and a longer
	// KeySetMaxAge is an error.
	KeySetMaxAge time.Duration
}

// Issuer issues tokens with the first of its keys and publishes the public
// halves of its secret keys. Create it with [New]; it is safe for concurrent
// use, including [Issuer.SetKeys] while tokens are being issued.
type Issuer struct {
	s    settings
	mu   sync.Mutex // serializes SetKeys, so that the last call wins
	ring atomic.Pointer[keyRing]

	// With a KeySource: the source, the key data of its last issuing
	// entry, and the key set document of its last generation.
	src keyring.Source
	cur atomic.Pointer[keyRing]
	doc atomic.Pointer[genDoc]
}

// genDoc is the key set document of one generation of a KeySource.
type genDoc struct {
	gen uint64
	doc *keysethttp.Doc
}

// settings is the validated, immutable part of a Config.
type settings struct {
	issuer  string
	issJSON []byte // `"iss":"…"`, or nil for no iss
	exp     time.Duration
	nbf     bool
	iat     bool
	jti     bool
	kid     bool
	ser     serializer.Serializer
	cbor    bool // ser is a CBOR serializer
	// defaultJSON: ser is JSON with the default limits, whose limits the
	// issuer checks itself instead of re-encoding the payload.
	defaultJSON bool
	now         func() time.Time
	cacheCtrl   string
	maxToken    int
	claimNames  uint8 // the claims every call adds (bits below), exp excepted
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
	footer  []byte // {"kid":"…"}, or nil with NoKeyID
	publics []*paseto.PublicKey
	doc     *keysethttp.Doc
	entry   *keyring.Entry // the KeySource entry it was made from, or nil
}

// New validates cfg and returns an Issuer. Every key is loaded and every
// option checked here, so that a bad configuration fails at start-up, not
// at the first request. New does not call cfg.Now. Its errors are
// *[ConfigError] values matching [ErrInvalidConfig].
func New(cfg Config) (*Issuer, error) {
	s := settings{
		issuer: cfg.Issuer,
		iat:    !cfg.NoIssuedAt,
		nbf:    cfg.AddNotBefore,
		jti:    !cfg.NoTokenID,
		kid:    !cfg.NoKeyID,
		ser:    cfg.Serializer,
		now:    cfg.Now,
	}
	if !utf8.ValidString(cfg.Issuer) {
		return nil, configError("Issuer", errors.New("not valid UTF-8"))
	}
	if cfg.Issuer != "" {
		q, err := json.Marshal(cfg.Issuer)
		if err != nil { // unreachable for a valid UTF-8 string
			return nil, configError("Issuer", errors.New("cannot be encoded"))
		}
		s.issJSON = append([]byte(`"iss":`), q...)
	}
	switch {
	case cfg.Lifetime < 0:
		return nil, configError("Lifetime", errors.New("negative"))
	case cfg.NoExpiration && cfg.Lifetime != 0:
		return nil, configError("NoExpiration", errors.New("set together with Lifetime"))
	case cfg.NoExpiration:
		s.exp = 0
	case cfg.Lifetime == 0:
		s.exp = DefaultLifetime
	case cfg.Lifetime < time.Second:
		return nil, configError("Lifetime", errors.New("under one second"))
	default:
		s.exp = cfg.Lifetime
	}
	if s.ser == nil {
		s.ser = defaultJSON
	}
	switch s.ser.Name() {
	case "json":
		s.defaultJSON = serializer.IsDefaultJSON(s.ser)
	case "cbor":
		s.cbor = true
	default:
		return nil, configError("Serializer", fmt.Errorf("%q is neither json nor cbor", s.ser.Name()))
	}
	if s.now == nil {
		s.now = time.Now
	}
	switch {
	case cfg.MaxTokenLength < 0:
		return nil, configError("MaxTokenLength", errors.New("negative"))
	case cfg.MaxTokenLength == 0:
		s.maxToken = paseto.DefaultMaxTokenLength
	default:
		s.maxToken = cfg.MaxTokenLength
	}
	maxAge := cfg.KeySetMaxAge
	switch {
	case maxAge == 0 && cfg.KeySource != nil:
		maxAge = cfg.KeySource.Snapshot().MaxAge()
	case maxAge == 0:
		maxAge = DefaultKeySetMaxAge
	case maxAge < time.Second:
		return nil, configError("KeySetMaxAge", errors.New("under one second"))
	case cfg.KeySource != nil && maxAge > cfg.KeySource.Snapshot().MaxAge():
		return nil, configError("KeySetMaxAge", fmt.Errorf("longer than the KeySource's max-age %v: verifiers could miss a next key before it signs",
			cfg.KeySource.Snapshot().MaxAge()))
	}
	s.cacheCtrl = keysethttp.CacheControl(maxAge)
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
	if cfg.KeySource != nil {
		if len(cfg.Keys) != 0 {
			return nil, configError("KeySource", errors.New("set together with Keys: set one"))
		}
		if err := i.s.checkSource(cfg.KeySource); err != nil {
			return nil, err
		}
		i.src = cfg.KeySource
		return i, nil
	}
	r, err := i.s.loadKeys(cfg.Keys)
	if err != nil {
		return nil, err
	}
	i.ring.Store(r)
	return i, nil
}

// SetKeys replaces the key list, for key rotation while serving. keys
// follow the rules of [Config.Keys] and are validated completely before
// anything changes: on error, a *[ConfigError] naming the key ("Keys[1]"),
// the issuer keeps its current keys. Tokens
// being issued concurrently use either the old or the new list, never a
// mix, and the key set served by KeySetHandler changes at the same moment.
//
// A rotation without rejected tokens takes three steps: add the new key
// second (published, not yet signing) and wait at least [Config.KeySetMaxAge] and
// the verifiers' refresh interval; move it first (now signing), keeping
// the old key listed until every token it signed has expired; then drop the
// old key.
func (i *Issuer) SetKeys(keys []keyring.Key) error {
	if i != nil && i.src != nil {
		return configError("Keys", errors.New("the issuer follows Config.KeySource: rotate the source instead"))
	}
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
var errNotNew = configError("Issuer", errors.New("not made by New"))

// loadKeys loads and checks keys and builds their snapshot, including the
// key set document.
func (s *settings) loadKeys(keys []keyring.Key) (*keyRing, error) {
	if len(keys) == 0 {
		return nil, configError("Keys", ErrNoKeys)
	}
	r := &keyRing{}
	seen := make(map[string]int, len(keys))       // by PASERK id
	material := make(map[[32]byte]int, len(keys)) // by hash of the key bytes, across versions
	for n, k := range keys {
		field := "Keys[" + strconv.Itoa(n) + "]"
		key, err := k.Parse()
		if err != nil {
			return nil, configError(field, err)
		}
		if k.Issuer != "" && k.Issuer != s.issuer {
			return nil, configError(field+".Issuer", errors.New("binds the key to another issuer than Config.Issuer"))
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
			return nil, configError(field, ErrPublicKey)
		}
		if id == "" { // unreachable for a key keyring parsed
			return nil, configError(field, errors.New("the key has no PASERK id"))
		}
		if first, dup := seen[id]; dup {
			return nil, configError(field, fmt.Errorf("%w: Keys[%d] again", ErrDuplicateKey, first))
		}
		var sum [32]byte
		h.Sum(sum[:0])
		if first, dup := material[sum]; dup {
			return nil, configError(field, fmt.Errorf("%w: Keys[%d] for another version", ErrDuplicateKey, first))
		}
		seen[id], material[sum] = n, n
		if n == 0 {
			r.signer, r.kid = key, id
		}
	}
	if s.kid {
		r.footer = []byte(`{"kid":"` + r.kid + `"}`) // PASERK ids are base64url: no escaping
		if kid, err := (paseto.FooterLimits{}).KeyID(r.footer); err != nil || kid != r.kid {
			return nil, configError("Keys[0]", errors.New("its id does not make a valid footer"))
		}
	}
	doc, err := keysethttp.NewDoc(s.issuer, r.publics)
	if err != nil {
		return nil, configError("Keys", fmt.Errorf("key set: %w", err))
	}
	r.doc = doc
	return r, nil
}

// checkSource checks a KeySource against the settings when New is called.
func (s *settings) checkSource(src keyring.Source) error {
	snap := src.Snapshot()
	if snap == nil {
		return configError("KeySource", errors.New("has no snapshot"))
	}
	switch v := snap.Version(); {
	case v < paseto.V2 || v > paseto.V4:
		return configError("KeySource", errors.New("keys of an unsupported version"))
	case snap.Purpose() != paseto.Public && snap.Purpose() != paseto.Local:
		return configError("KeySource", errors.New("keys of an unsupported purpose"))
	case !s.kid:
		return configError("NoKeyID", errors.New("set with KeySource: verifiers find the keys of a key source by kid"))
	case s.exp == 0:
		return configError("NoExpiration", errors.New("set with KeySource: tokens without exp would outlive every key of the source"))
	}
	if err := src.CheckLifetime(s.exp); err != nil {
		return configError("Lifetime", err)
	}
	return nil
}

// current returns the key data of the source's key that issues at now,
// cached per entry: after a rotation, the first token builds it.
func (i *Issuer) current(now time.Time) (*keyRing, error) {
	e, err := i.src.Snapshot().Current(now)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeyUnavailable, err)
	}
	if r := i.cur.Load(); r != nil && r.entry == e {
		return r, nil
	}
	r := &keyRing{signer: e.Key(), kid: e.ID(), entry: e}
	if r.signer == nil || r.kid == "" {
		return nil, fmt.Errorf("%w: the source's current key cannot issue", ErrKeyUnavailable)
	}
	if i.s.kid {
		r.footer = []byte(`{"kid":"` + r.kid + `"}`)
	}
	i.cur.Store(r)
	return r, nil
}

// sourceDoc returns the key set document of the source's snapshot, made
// once per generation.
func (i *Issuer) sourceDoc() *keysethttp.Doc {
	snap := i.src.Snapshot()
	g := snap.Generation()
	if d := i.doc.Load(); d != nil && d.gen == g {
		return d.doc
	}
	doc, err := keysethttp.NewDoc(i.s.issuer, snap.PublicKeys())
	if err != nil {
		return nil // answered with a 500
	}
	i.doc.Store(&genDoc{gen: g, doc: doc})
	return doc
}

// PublicKeys returns the public halves of the listed secret keys, in list
// order, so the signing key's comes first when it is a secret key. Local
// keys have no public half and are left out. The slice is the caller's.
//
// With a [Config.KeySource] they are the source's public keys: the current
// key's, the next key's (published before it signs), then the retired
// keys'.
func (i *Issuer) PublicKeys() []*paseto.PublicKey {
	if i == nil {
		return nil
	}
	if i.src != nil {
		return i.src.Snapshot().PublicKeys()
	}
	r := i.ring.Load()
	if r == nil {
		return nil
	}
	return append([]*paseto.PublicKey(nil), r.publics...)
}

// KeyID returns the PASERK id of the key that verifies the tokens being
// issued: the pid of the first key's public half for a secret key, the lid
// of a local key. It is the footer's kid unless [Config.NoKeyID] is set,
// and "" for an Issuer not made by New.
//
// With a [Config.KeySource] it is the id of the key that issues now (by
// [Config.Now]), or "" when the source has none.
func (i *Issuer) KeyID() string {
	if i == nil {
		return ""
	}
	if i.src != nil {
		e, err := i.src.Snapshot().Current(i.s.now())
		if err != nil {
			return ""
		}
		return e.ID()
	}
	r := i.ring.Load()
	if r == nil {
		return ""
	}
	return r.kid
}
