package verifier

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// Defaults for zero [KeySet] fields.
const (
	// DefaultRefreshInterval is the longest a fetched key set is used
	// before it is fetched again, and the refresh interval when the
	// response has no Cache-Control max-age.
	DefaultRefreshInterval = time.Hour
	// DefaultMinRefreshInterval is the shortest time between two fetches
	// of one key set, whatever Cache-Control says and however many tokens
	// with unknown kids arrive.
	DefaultMinRefreshInterval = time.Minute
	// DefaultFetchTimeout bounds one fetch of a key set.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMaxStale is how long a key set's last good copy is used while
	// it cannot be fetched.
	DefaultMaxStale = 24 * time.Hour
)

// Config configures a [Verifier]. Only Keys or KeySets must be set: every
// other zero field has the safe behaviour its documentation gives. [New]
// copies what it needs, so changing a Config after New has no effect.
type Config struct {
	// Keys are the local (symmetric) and public keys the verifier accepts.
	// Each key's kid is its PASERK id (k4.pid.… for public keys, k4.lid.…
	// for local keys). A key whose [keyring.Key.Issuer] is set verifies
	// only tokens whose iss is exactly that issuer ([ErrWrongIssuer]).
	// A key whose [keyring.Key.KeyID] is set is also found under that
	// id (a PASERK id of its version, such as the k4.sid an issuer wrote
	// instead of the pid); an id shared by two keys is [ErrDuplicateKey].
	// Secret keys are rejected with [ErrSecretKey], and a key given twice
	// with [ErrDuplicateKey]. Replace them later with [Verifier.SetKeys].
	// Set at most one of Keys and KeySource.
	Keys []keyring.Key

	// KeySource, used instead of Keys, is a live source of keys, such as a
	// [keyring.Ring] shared with the issuer of the same process: a token is
	// verified with the source's key its kid names, if that key is next,
	// current or retired and not yet due to be dropped
	// ([keyring.Snapshot.Lookup], read on every call, so the verifier
	// follows rotations without being rebuilt). A public ring verifies
	// public tokens with the public halves of its keys, a local ring local
	// tokens. Tokens of a source's keys must carry a kid: a token without
	// one is [ErrMissingKeyID]. A cached token whose key no longer looks
	// up is never accepted from the cache. A verifier in another process
	// follows the issuer's published key set instead ([Config.KeySets]).
	KeySource keyring.Source

	// KeySets are remote key set documents (see package keyset) whose
	// public keys the verifier accepts too. They are fetched when first
	// needed, or by [Verifier.Refresh]; New does no network I/O. When a kid names
	// both a configured key and a remote one, the configured key wins; when
	// it names keys in two sets, the set listed first wins.
	KeySets []KeySet

	// Issuers, if not empty, are the accepted values of the iss claim: a
	// token whose iss is missing or not one of them is [ErrWrongIssuer].
	// This applies in addition to each key's own Issuer binding.
	Issuers []string

	// Audiences, if not empty, are the accepted audiences: at least one of
	// the token's aud values (a string or a list) must be among them, and
	// a token without aud is [ErrWrongAudience]. Empty means aud is not
	// checked.
	Audiences []string

	// AllowMissingExpiration accepts tokens without an exp claim. By
	// default such tokens are [ErrMissingExpiration]: a token that never
	// expires should be a deliberate choice.
	AllowMissingExpiration bool

	// AllowNumericDates accepts iat, nbf and exp written as integer Unix
	// seconds (1735689600) where the specification requires an RFC 3339
	// string, as some Python issuers write them: older fastapi-paseto
	// releases write nbf that way (see package compat/fastapipaseto, whose
	// loader sets this flag). Only top-level members of a JSON payload
	// count, and only plain integers from 0 to 253402300799 (the end of
	// year 9999): a fraction, an exponent, a sign or a larger number is
	// still [ErrInvalidClaims]. Such a value is rewritten as its RFC 3339
	// string before the claims are decoded, so [Token.Payload] and
	// [Token.Decode] see the string too. By default a numeric time claim
	// is [ErrInvalidClaims].
	AllowNumericDates bool

	// Leeway is the clock skew tolerated when checking exp, nbf, iat and
	// MaxAge, as a time.Duration (for example 30 * time.Second; a bare 30
	// would be 30 nanoseconds). Zero means none; negative is an error.
	Leeway time.Duration

	// MaxAge, if not zero, rejects tokens issued longer ago than this with
	// [ErrTooOld]: the token is treated as if it also had exp = iat + MaxAge.
	// A token without iat is then [ErrTooOld] too. Negative is an error.
	MaxAge time.Duration

	// RequireKeyID rejects tokens whose footer has no kid, with
	// [ErrMissingKeyID]. By default a token without a kid is tried against
	// every configured key (Keys, never key-set keys) of its version and
	// purpose, which costs one signature or tag check per such key: set
	// RequireKeyID when there are many keys and every issuer sets kids.
	RequireKeyID bool

	// Rules run, in order, after every built-in check has passed, on every
	// call to Verify, including cache hits. The first error stops
	// verification and is returned wrapped in a *[RuleError].
	Rules []Rule

	// Serializer decodes payloads. Nil means JSON with the default limits
	// of [serializer.JSONConfig], the standard PASETO payload format.
	// [Token.Decode] uses it too.
	Serializer serializer.Serializer

	// MaxTokenLength bounds a token in bytes; it is checked before anything
	// else, and before the token is hashed for the cache. Zero means
	// [paseto.DefaultMaxTokenLength] (64 KiB). Negative is an error.
	MaxTokenLength int

	// FooterLimits bound the JSON footer read before verification to find
	// the kid. The zero value applies the paseto defaults.
	FooterLimits paseto.FooterLimits

	// CacheSize, if positive, keeps up to this many verified tokens so that
	// verifying one again skips the signature or tag check and payload
	// decoding. The time claims, issuer and audience checks and Rules still
	// run on every call with the current clock, and an entry is dropped as
	// soon as its key is no longer configured (or, for a KeySource, no
	// longer looks up). Zero disables the cache.
	// Each entry holds the token's payload and footer, so the cache holds
	// at most about CacheSize times twice MaxTokenLength bytes.
	CacheSize int

	// Now returns the current time. Nil means time.Now. It is called on
	// every Verify and by key set fetches, from several goroutines at once,
	// so it must be safe for concurrent use; New never calls it.
	Now func() time.Time

	// Events receives an [observe.KindVerify] event for every Verify
	// (reason "ok" or the error's httpauth code) and an
	// [observe.KindKeySetFetch] event for every key set fetch, with the
	// staleness of the copy in use. Nil means [observe.Default]: slog,
	// rate-limited.
	Events observe.Handler
}

// KeySet is a remote key set document, as package keyset defines it,
// fetched over HTTPS.
//
// The set is fetched the first time a token needs it, or when Refresh is
// called, and then again when its Cache-Control max-age (clamped between
// MinRefreshInterval and RefreshInterval, and RefreshInterval without one)
// has run out. The refresh interval is thus the published max-age, within
// those bounds; "no-cache" counts as zero, so MinRefreshInterval.
//
// The one relation to keep with an issuer that rotates keys on a
// [keyring.Ring]: its PublishAhead must be at least this verifier's
// longest refresh interval, so that every key is in the verifier's copy
// before it signs. The issuer's key set handler publishes a max-age of at
// most half of PublishAhead, so the relation holds when
// MinRefreshInterval is at most PublishAhead (with the defaults, one
// minute: a PublishAhead of at least a minute). [CheckKeySet] checks it
// where the ring and the verifier are configured in one process. A refresh due because of age runs in the background: tokens
// keep being verified with the copy in hand. A token whose kid is unknown
// makes the verifier fetch the sets again, at most once per
// MinRefreshInterval per set, and waits for that fetch (bounded by its
// context). When a fetch fails, the last good copy stays in use for at
// most MaxStale after it was fetched; past that the set's keys are refused
// with [ErrKeySetUnavailable] until a fetch succeeds.
type KeySet struct {
	// URL is where the document is served. It must be https, except for
	// a loopback host (localhost, 127.0.0.0/8, ::1), which may use http.
	URL string
	// Issuer binds the set's keys: tokens they verify must have this iss
	// claim. A document naming another non-empty issuer is rejected with
	// [ErrKeySetIssuer]. It is required, so that a key set cannot decide
	// which issuer its keys speak for (key set B signing for issuer A),
	// unless AllowDocumentIssuer is set.
	Issuer string
	// AllowDocumentIssuer lets Issuer be empty: the keys are then bound to
	// the issuer the document names, and to none when it names none (set
	// [Config.Issuers] then). Whoever serves the document decides which
	// issuer its keys sign for: set it only for a document you control
	// as much as the issuers' keys. It is an error together with Issuer.
	AllowDocumentIssuer bool
	// Client makes the requests. Nil means a client with a
	// [DefaultFetchTimeout] timeout that follows at most 5 redirects, and
	// only to https or loopback URLs.
	Client *http.Client
	// RefreshInterval is the longest a fetched copy is used before it is
	// fetched again. Zero means [DefaultRefreshInterval].
	RefreshInterval time.Duration
	// MinRefreshInterval is the shortest time between two fetches of the
	// set, whatever their cause (Refresh excepted). Zero means
	// [DefaultMinRefreshInterval], or RefreshInterval if that is shorter. It
	// must not exceed RefreshInterval.
	MinRefreshInterval time.Duration
	// MaxResponseSize bounds the document in bytes; a larger response is
	// an error and the last good copy stays in use. Zero means
	// [keyset.MaxSize], which is also the largest value allowed.
	MaxResponseSize int64
	// Timeout bounds each fetch, whichever client makes it. Zero means
	// [DefaultFetchTimeout].
	Timeout time.Duration
	// MaxStale is how long the last good copy stays usable while fetches
	// fail. Past it the set's keys are refused ([ErrKeySetUnavailable])
	// until a fetch succeeds, so a key removed from the set cannot stay
	// trusted because the verifier is kept from fetching. Zero means
	// [DefaultMaxStale], or RefreshInterval when that is longer; a
	// non-zero MaxStale must be at least RefreshInterval.
	MaxStale time.Duration
}

// Rule is a check of the caller's own, run after the built-in checks on
// every verification. It gets the caller's context (with its values and
// cancellation) and the token this call returns, which no other call shares. Returning an error
// rejects the token; keep claim values out of the error text.
type Rule func(ctx context.Context, t *Token) error

// settings is the normalized, immutable part of a Config.
type settings struct {
	issuers      map[string]struct{}
	audiences    map[string]struct{}
	allowNoExp   bool
	numericDates bool
	leeway       time.Duration
	maxAge       time.Duration
	requireKID   bool
	rules        []Rule
	ser          serializer.Serializer
	jsonSer      bool // ser is JSON with the default limits: decode with paseto.UnmarshalClaims
	footer       paseto.FooterLimits
	maxTokenLen  int
	now          func() time.Time
	cacheEntries int
	events       observe.Handler
}

func (c *Config) settings() (*settings, error) {
	s := &settings{
		allowNoExp:   c.AllowMissingExpiration,
		numericDates: c.AllowNumericDates,
		leeway:       c.Leeway,
		maxAge:       c.MaxAge,
		requireKID:   c.RequireKeyID,
		ser:          c.Serializer,
		footer:       c.FooterLimits,
		maxTokenLen:  c.MaxTokenLength,
		now:          c.Now,
		cacheEntries: c.CacheSize,
		events:       c.Events,
	}
	if s.leeway < 0 {
		return nil, configError("Leeway", errors.New("negative"))
	}
	if s.maxAge < 0 {
		return nil, configError("MaxAge", errors.New("negative"))
	}
	if s.maxTokenLen < 0 {
		return nil, configError("MaxTokenLength", errors.New("negative"))
	}
	if s.maxTokenLen == 0 {
		s.maxTokenLen = paseto.DefaultMaxTokenLength
	}
	if s.cacheEntries < 0 {
		return nil, configError("CacheSize", errors.New("negative"))
	}
	if f := s.footer; f.MaxLength < 0 || f.MaxDepth < 0 || f.MaxKeys < 0 {
		return nil, configError("FooterLimits", errors.New("negative limit"))
	}
	if s.ser == nil {
		s.ser = defaultJSON
	}
	s.jsonSer = serializer.IsDefaultJSON(s.ser)
	if s.now == nil {
		s.now = time.Now
	}
	var err error
	if s.issuers, err = stringSet("Issuers", c.Issuers); err != nil {
		return nil, err
	}
	if s.audiences, err = stringSet("Audiences", c.Audiences); err != nil {
		return nil, err
	}
	for i, r := range c.Rules {
		if r == nil {
			return nil, configError(fmt.Sprintf("Rules[%d]", i), errors.New("nil rule"))
		}
	}
	s.rules = append([]Rule(nil), c.Rules...)
	return s, nil
}

func stringSet(field string, l []string) (map[string]struct{}, error) {
	if len(l) == 0 {
		return nil, nil
	}
	m := make(map[string]struct{}, len(l))
	for i, s := range l {
		if s == "" {
			return nil, configError(fmt.Sprintf("%s[%d]", field, i), errors.New("empty string"))
		}
		m[s] = struct{}{}
	}
	return m, nil
}

// loadKeys turns configured keys into entries, reusing the entries of old
// whose kid and issuer are unchanged, so that cached tokens of keys that
// stay configured survive a rotation.
func loadKeys(keys []keyring.Key, old []*keyEntry) ([]*keyEntry, error) {
	prev := make(map[string]*keyEntry, len(old))
	for _, e := range old {
		prev[e.kid] = e
	}
	out := make([]*keyEntry, 0, len(keys))
	seen := make(map[string]int, len(keys))
	for i, k := range keys {
		field := fmt.Sprintf("Keys[%d]", i)
		key, err := k.Parse()
		if err != nil {
			return nil, configError(field, err)
		}
		var kid string
		switch key := key.(type) {
		case *paseto.SecretKey:
			return nil, configError(field, ErrSecretKey)
		case *paseto.PublicKey:
			kid = paserk.PublicID(key)
		case *paseto.SymmetricKey:
			kid = paserk.LocalID(key)
		}
		if kid == "" {
			return nil, configError(field, fmt.Errorf("%w: unusable key", paseto.ErrInvalidKey))
		}
		if j, dup := seen[kid]; dup {
			return nil, configError(field, fmt.Errorf("%w: same key as Keys[%d]", ErrDuplicateKey, j))
		}
		seen[kid] = i
		if err := checkKeyID(k.KeyID, kid, key); err != nil {
			return nil, configError(field, err)
		}
		if k.KeyID != "" {
			if j, dup := seen[k.KeyID]; dup {
				return nil, configError(field+".KeyID", fmt.Errorf("%w: an id of Keys[%d] too", ErrDuplicateKey, j))
			}
			seen[k.KeyID] = i
		}
		if e := prev[kid]; e != nil && e.issuer == k.Issuer && e.alias == k.KeyID {
			out = append(out, e)
			continue
		}
		e := newEntry(kid, key, k.Issuer, nil)
		e.alias = k.KeyID
		out = append(out, e)
	}
	return out, nil
}

// defaultJSON is the serializer of a nil [Config.Serializer]: JSON with the
// default limits. It is this package's own value, never serializer.JSON,
// which a caller can reassign.
var defaultJSON, _ = serializer.NewJSON(serializer.JSONConfig{})

// remoteConfig is a normalized [KeySet].
type remoteConfig struct {
	url        string
	redacted   string
	issuer     string
	client     *http.Client
	maxRefresh time.Duration
	minRefresh time.Duration
	maxSize    int64
	timeout    time.Duration
	maxStale   time.Duration
	httpOK     bool // the configured URL is plain http (loopback): redirects may be too
}

func (ks *KeySet) normalize(i int) (*remoteConfig, error) {
	field := fmt.Sprintf("KeySets[%d]", i)
	u, err := checkURL(ks.URL)
	if err != nil {
		return nil, configError(field+".URL", err)
	}
	rc := &remoteConfig{
		url:        u.String(),
		redacted:   redactURL(u),
		issuer:     ks.Issuer,
		client:     ks.Client,
		maxRefresh: ks.RefreshInterval,
		minRefresh: ks.MinRefreshInterval,
		maxSize:    ks.MaxResponseSize,
		timeout:    ks.Timeout,
		maxStale:   ks.MaxStale,
		httpOK:     u.Scheme == "http",
	}
	switch {
	case ks.Issuer == "" && !ks.AllowDocumentIssuer:
		return nil, configError(field+".Issuer", errors.New("empty: bind the set to its issuer, or set AllowDocumentIssuer"))
	case ks.Issuer != "" && ks.AllowDocumentIssuer:
		return nil, configError(field+".AllowDocumentIssuer", errors.New("set together with Issuer"))
	case rc.maxRefresh < 0:
		return nil, configError(field+".RefreshInterval", errors.New("negative"))
	case rc.minRefresh < 0:
		return nil, configError(field+".MinRefreshInterval", errors.New("negative"))
	case rc.maxSize < 0:
		return nil, configError(field+".MaxResponseSize", errors.New("negative"))
	case rc.maxSize > keyset.MaxSize:
		return nil, configError(field+".MaxResponseSize", fmt.Errorf("over keyset.MaxSize (%d), which keyset.Parse enforces", keyset.MaxSize))
	case rc.timeout < 0:
		return nil, configError(field+".Timeout", errors.New("negative"))
	case rc.maxStale < 0:
		return nil, configError(field+".MaxStale", errors.New("negative"))
	}
	if rc.maxRefresh == 0 {
		rc.maxRefresh = DefaultRefreshInterval
	}
	if rc.minRefresh == 0 {
		rc.minRefresh = min(DefaultMinRefreshInterval, rc.maxRefresh)
	}
	if rc.minRefresh > rc.maxRefresh {
		return nil, configError(field+".MinRefreshInterval", errors.New("greater than RefreshInterval"))
	}
	if rc.maxStale == 0 {
		rc.maxStale = max(DefaultMaxStale, rc.maxRefresh)
	}
	if rc.maxStale < rc.maxRefresh {
		return nil, configError(field+".MaxStale", errors.New("less than RefreshInterval"))
	}
	if rc.maxSize == 0 {
		rc.maxSize = keyset.MaxSize
	}
	if rc.timeout == 0 {
		rc.timeout = DefaultFetchTimeout
	}
	if rc.client == nil {
		rc.client = &http.Client{Timeout: rc.timeout, CheckRedirect: rc.checkRedirect}
	}
	return rc, nil
}

// checkURL accepts absolute https URLs, and http URLs of loopback hosts.
func checkURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil {
		return nil, errors.New("not a valid URL")
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, errors.New("not an absolute URL")
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, errors.New("http is only allowed for loopback hosts; use https")
		}
	default:
		return nil, errors.New("scheme must be https")
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// isLoopback reports whether host is localhost, in 127.0.0.0/8 or ::1.
func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkRedirect is the default client's redirect policy: at most 5
// redirects, each to a URL checkTarget accepts.
func (rc *remoteConfig) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	if err := rc.checkTarget(req.URL); err != nil {
		return fmt.Errorf("redirect refused: %w", err)
	}
	return nil
}

// checkTarget accepts a URL the set may be fetched from after redirects:
// https, or plain http to a loopback host only when the configured URL was
// itself plain http. An https key set can thus never be bounced to a plain
// http service on the verifier's own machine.
func (rc *remoteConfig) checkTarget(u *url.URL) error {
	if _, err := checkURL(u.String()); err != nil {
		return err
	}
	if u.Scheme != "https" && !rc.httpOK {
		return errors.New("an https key set may not redirect to http")
	}
	return nil
}

// redactURL is u for error messages, events and logs: no user information
// and no query string, either of which may carry an access token.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "redacted"
	}
	c.Fragment, c.RawFragment = "", ""
	return c.Redacted()
}
