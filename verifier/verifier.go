package verifier

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paseto"
)

// Verifier verifies tokens against configured and remote keys and the
// configured claim rules. Make one with [New]; it is safe for concurrent
// use, including [Verifier.SetKeys] and [Verifier.Refresh] while other
// goroutines call [Verifier.Verify].
type Verifier struct {
	s      *settings
	parser paseto.Parser
	sets   []*remoteSet
	cache  *tokenCache // nil when Config.CacheSize is zero

	// snap is the current immutable key snapshot; Verify reads only it.
	snap atomic.Pointer[snapshot]

	// mu serializes the writers of snap (SetKeys, key set fetches) and
	// guards static and every remoteSet's entries.
	mu     sync.Mutex
	static []*keyEntry

	// opens counts signature and tag checks, for tests.
	opens atomic.Uint64

	// src is [Config.KeySource], or nil; srcView holds the entries made
	// from its keys, for its last generation.
	src     keyring.Source
	srcView atomic.Pointer[sourceView]
}

// sourceView is the entries of the keys of one generation of the
// KeySource, by kid.
type sourceView struct {
	gen   uint64
	byKID map[string]*keyEntry
}

// keyEntry is one usable key. Entries are immutable and keep their
// identity across rotations for as long as the same key stays configured
// with the same issuer binding, so that the token cache can tell whether a
// cached token's key is still configured by comparing pointers.
type keyEntry struct {
	kid     string
	key     paseto.Key // *paseto.PublicKey or *paseto.SymmetricKey
	version paseto.Version
	purpose paseto.Purpose
	issuer  string     // "" when unbound
	set     *remoteSet // nil for a configured key
	alias   string     // Key.KeyID: an extra kid naming this key, or ""
	// fromSource marks a key of the KeySource: a cached token of it is
	// accepted while its kid still looks up in the source.
	fromSource bool
}

func newEntry(kid string, key paseto.Key, issuer string, set *remoteSet) *keyEntry {
	return &keyEntry{kid: kid, key: key, version: key.Version(), purpose: key.Purpose(), issuer: issuer, set: set}
}

// snapshot is an immutable view of every usable key.
type snapshot struct {
	byKID  map[string]*keyEntry
	byKind [6][]*keyEntry // by kindIndex: keys tried for tokens without a kid
}

// kindIndex maps a supported version and purpose to 0..5, or -1.
func kindIndex(v paseto.Version, p paseto.Purpose) int {
	if v < paseto.V2 || v > paseto.V4 || (p != paseto.Local && p != paseto.Public) {
		return -1
	}
	return int(v-paseto.V2)*2 + int(p-paseto.Local)
}

// New checks cfg and returns a Verifier. Every configured key is parsed
// and checked here, so that a bad key fails at start-up rather than at the
// first request. New does no network I/O and does not read the clock; call
// [Verifier.Refresh] to fetch the key sets eagerly. Errors are
// *[ConfigError] values matching [ErrInvalidConfig].
func New(cfg Config) (*Verifier, error) {
	s, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	static, err := loadKeys(cfg.Keys, nil)
	if err != nil {
		return nil, err
	}
	v := &Verifier{s: s, parser: paseto.Parser{MaxTokenLength: s.maxTokenLen}, static: static}
	if cfg.KeySource != nil {
		if len(cfg.Keys) != 0 {
			return nil, configError("KeySource", errors.New("set together with Keys: set one"))
		}
		snap := cfg.KeySource.Snapshot()
		if snap == nil {
			return nil, configError("KeySource", errors.New("has no snapshot"))
		}
		if kindIndex(snap.Version(), snap.Purpose()) < 0 {
			return nil, configError("KeySource", errors.New("keys of an unsupported version or purpose"))
		}
		v.src = cfg.KeySource
	}
	urls := make(map[string]int, len(cfg.KeySets))
	for i := range cfg.KeySets {
		rc, err := cfg.KeySets[i].normalize(i)
		if err != nil {
			return nil, err
		}
		if j, dup := urls[rc.url]; dup {
			return nil, configError(fmt.Sprintf("KeySets[%d].URL", i), fmt.Errorf("same URL as KeySets[%d]", j))
		}
		urls[rc.url] = i
		v.sets = append(v.sets, &remoteSet{v: v, cfg: rc})
	}
	if len(static) == 0 && len(v.sets) == 0 && v.src == nil {
		return nil, configError("Keys", errors.New("no keys, no key source and no key sets"))
	}
	if s.cacheEntries > 0 {
		v.cache = newTokenCache(s.cacheEntries)
	}
	v.mu.Lock()
	v.publishLocked()
	v.mu.Unlock()
	return v, nil
}

// SetKeys atomically replaces the configured keys ([Config.Keys]; remote
// key sets are unaffected). The keys are checked as [New] checks them; on
// error, a *[ConfigError], nothing changes. Verifications already running finish with the keys they
// started with; later ones use the new keys. Cached tokens of keys that are
// no longer configured, or whose issuer binding changed, are not accepted
// from the cache any more. An empty list is allowed: tokens then verify
// only with keys from key sets, or not at all.
func (v *Verifier) SetKeys(keys []keyring.Key) error {
	if v == nil || v.s == nil {
		return errNotNew
	}
	if v.src != nil && len(keys) != 0 {
		return configError("Keys", errors.New("the verifier follows Config.KeySource: rotate the source instead"))
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	entries, err := loadKeys(keys, v.static)
	if err != nil {
		return err
	}
	v.static = entries
	v.publishLocked()
	return nil
}

// publishLocked builds and stores a new snapshot. v.mu must be held.
// Configured keys come first, then the key sets in order; the first entry
// for a kid wins.
func (v *Verifier) publishLocked() {
	n := len(v.static)
	for _, rs := range v.sets {
		n += len(rs.entries)
	}
	snap := &snapshot{byKID: make(map[string]*keyEntry, n)}
	add := func(e *keyEntry) {
		if _, dup := snap.byKID[e.kid]; dup {
			return
		}
		snap.byKID[e.kid] = e
		if _, dup := snap.byKID[e.alias]; e.alias != "" && !dup {
			snap.byKID[e.alias] = e
		}
		if i := kindIndex(e.version, e.purpose); i >= 0 {
			snap.byKind[i] = append(snap.byKind[i], e)
		}
	}
	for _, e := range v.static {
		add(e)
	}
	for _, rs := range v.sets {
		for _, e := range rs.entries {
			add(e)
		}
	}
	v.snap.Store(snap)
}

var errNotNew = configError("Verifier", errors.New("not made by New"))

// Verify checks token and returns it verified, with its claims decoded.
// implicit is the implicit assertion the token was made with (nil for
// none; v2 tokens cannot have one).
//
// The checks, in order: the length limit; the footer's kid (the only part
// read before verification) selects the key; the signature or tag; the
// payload decodes as claims; the key's issuer binding; [Config.Issuers];
// exp present; exp, nbf and iat against the clock with [Config.Leeway];
// [Config.Audiences]; [Config.MaxAge]; then [Config.Rules]. The first
// failure is returned; see the Err* variables for how to match it. The
// returned [Token] is the caller's own, also on a cache hit.
//
// ctx is passed to the rules and bounds any wait for a key set fetch,
// which only a token with an unknown kid, or the first token that needs a
// key set, ever waits for; if it ends first, the error wraps ctx.Err().
// Verify does not otherwise check ctx.
func (v *Verifier) Verify(ctx context.Context, token string, implicit []byte) (*Token, error) {
	if v == nil || v.s == nil {
		return nil, errNotNew
	}
	tok, err := v.verify(ctx, token, implicit)
	observe.Emit(ctx, v.s.events, observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: reason(err)})
	return tok, err
}

func (v *Verifier) verify(ctx context.Context, token string, implicit []byte) (*Token, error) {
	s := v.s
	if len(token) > s.maxTokenLen {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, paseto.ErrTokenTooLong)
	}
	now := s.now()
	var ck [32]byte
	if v.cache != nil {
		ck = cacheKey(token, implicit)
		if tok, e := v.cache.get(ck); tok != nil {
			if v.stillValid(e, now) {
				if e.set != nil {
					e.set.maybeRefresh(now)
					if err := e.set.usable(now); err != nil {
						return nil, err
					}
				}
				if err := v.checkClaims(tok, now); err != nil {
					if errors.Is(err, ErrExpired) || errors.Is(err, ErrTooOld) {
						v.cache.remove(ck) // the clock will not come back
					}
					return nil, err
				}
				return v.runRules(ctx, tok.clone()) // the cache keeps its own
			}
			v.cache.remove(ck) // its key is gone: verify from scratch
		}
	}
	tok, e, err := v.open(ctx, token, implicit, now)
	if err != nil {
		return nil, err
	}
	if err := v.checkClaims(tok, now); err != nil {
		return nil, err
	}
	if v.cache != nil {
		v.cache.put(ck, tok.clone(), e) // the caller may change tok
	}
	return v.runRules(ctx, tok)
}

// stillValid reports whether the key that verified a cached token still
// verifies it: a configured or key-set key that is still configured (the
// same entry), or a KeySource key whose kid still looks up at now. A
// PASERK id names one key, so a kid that looks up names the same key.
func (v *Verifier) stillValid(e *keyEntry, now time.Time) bool {
	if e.fromSource {
		_, ok := v.src.Snapshot().Lookup(e.kid, now)
		return ok
	}
	return v.snap.Load().byKID[e.kid] == e
}

// sourceEntry returns the entry of the KeySource key kid names, if it
// verifies at now, or nil.
func (v *Verifier) sourceEntry(kid string, now time.Time) *keyEntry {
	snap := v.src.Snapshot()
	re, ok := snap.Lookup(kid, now)
	if !ok {
		return nil
	}
	sv := v.srcView.Load()
	if sv == nil || sv.gen != snap.Generation() {
		sv = newSourceView(snap, sv)
		v.srcView.Store(sv)
	}
	if e := sv.byKID[kid]; e != nil {
		return e
	}
	e := newEntry(kid, re.VerifyKey(), "", nil) // unreachable: the view has every key
	e.fromSource = true
	return e
}

// newSourceView makes the entries of snap's keys, reusing those of old.
func newSourceView(snap *keyring.Snapshot, old *sourceView) *sourceView {
	keys := snap.Keys()
	sv := &sourceView{gen: snap.Generation(), byKID: make(map[string]*keyEntry, len(keys))}
	for _, k := range keys {
		id := k.ID()
		if old != nil && old.byKID[id] != nil {
			sv.byKID[id] = old.byKID[id]
			continue
		}
		e := newEntry(id, k.VerifyKey(), "", nil)
		e.fromSource = true
		sv.byKID[id] = e
	}
	return sv
}

// open selects the key, checks the signature or tag and decodes the
// claims.
func (v *Verifier) open(ctx context.Context, token string, implicit []byte, now time.Time) (*Token, *keyEntry, error) {
	s := v.s
	uv, err := v.parser.Unverified(token)
	if err != nil {
		return nil, nil, malformed(err)
	}
	kid, err := s.footer.KeyID(uv.UnverifiedFooter)
	if err != nil {
		return nil, nil, malformed(err)
	}
	var (
		e               *keyEntry
		payload, footer []byte
	)
	if kid != "" {
		if e, err = v.lookup(ctx, kid, uv.Version, uv.Purpose, now); err != nil {
			return nil, nil, err
		}
		if e.version != uv.Version || e.purpose != uv.Purpose {
			return nil, nil, fmt.Errorf("%w: the kid names a %s.%s key for a %s.%s token",
				ErrWrongKey, e.version, e.purpose, uv.Version, uv.Purpose)
		}
		if payload, footer, err = v.openWith(e, uv, implicit); err != nil {
			return nil, nil, err
		}
	} else {
		if s.requireKID || v.src != nil {
			// A key source's keys are found by kid only.
			return nil, nil, fmt.Errorf("%w: %w", ErrMissingKeyID, ErrUnknownKey)
		}
		if e, payload, footer, err = v.tryAll(uv, implicit); err != nil {
			return nil, nil, err
		}
	}
	if s.numericDates {
		payload = normalizeNumericDates(payload)
	}
	tok := &Token{
		Version:   uv.Version,
		Purpose:   uv.Purpose,
		KeyID:     kid,
		KeyIssuer: e.issuer,
		Payload:   payload,
		Footer:    footer,
		ser:       s.ser,
	}
	if s.jsonSer {
		err = paseto.UnmarshalClaims(payload, &tok.Claims)
	} else if err = s.ser.Unmarshal(payload, &tok.Claims); err != nil {
		err = fmt.Errorf("%w: %w", ErrInvalidClaims, err)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return tok, e, nil
}

// malformed makes a pre-verification parse error match [ErrMalformed] too.
func malformed(err error) error {
	if errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrMalformed, err)
}

// lookup returns the key a kid names. An unknown kid that a key set could
// hold makes the key sets refresh (rate-limited) and waits for that.
func (v *Verifier) lookup(ctx context.Context, kid string, ver paseto.Version, p paseto.Purpose, now time.Time) (*keyEntry, error) {
	if v.src != nil {
		if e := v.sourceEntry(kid, now); e != nil {
			return e, nil
		}
	}
	if e := v.snap.Load().byKID[kid]; e != nil {
		if e.set != nil {
			e.set.maybeRefresh(now)
			if err := e.set.usable(now); err != nil {
				return nil, err
			}
		}
		return e, nil
	}
	if len(v.sets) == 0 || !remoteKID(kid, ver, p) {
		return nil, ErrUnknownKey
	}
	calls := make([]*fetchCall, 0, len(v.sets))
	for _, rs := range v.sets {
		if c := rs.start(now, fetchIfAllowed); c != nil {
			calls = append(calls, c)
		}
	}
	if err := wait(ctx, calls); err != nil {
		return nil, err
	}
	if e := v.snap.Load().byKID[kid]; e != nil {
		return e, nil
	}
	if err := v.unavailable(v.sets); err != nil {
		return nil, err
	}
	return nil, ErrUnknownKey
}

// remoteKID reports whether kid could name a key in a key set that opens
// a ver.p token: key sets only hold public keys, named by their PASERK
// ids. Other kids never trigger a fetch.
func remoteKID(kid string, ver paseto.Version, p paseto.Purpose) bool {
	return p == paseto.Public && len(kid) > 7 && kid[0] == 'k' && kid[1] == byte('0'+ver) && kid[2:7] == ".pid."
}

// tryAll opens a token without a kid with each key of its version and
// purpose, and only those.
func (v *Verifier) tryAll(uv *paseto.UnverifiedToken, implicit []byte) (*keyEntry, []byte, []byte, error) {
	var lastErr error = ErrUnknownKey
	for _, e := range v.snap.Load().byKind[kindIndex(uv.Version, uv.Purpose)] {
		if e.set != nil {
			// Key-set keys are selected by kid only: an issuer that
			// publishes a key set writes kids, and trying up to
			// keyset.MaxKeys signatures per kid-less token would let
			// anyone burn CPU.
			continue
		}
		payload, footer, err := v.openWith(e, uv, implicit)
		if err == nil {
			return e, payload, footer, nil
		}
		if !errors.Is(err, ErrInvalidSignature) && !errors.Is(err, ErrInvalidMAC) {
			return nil, nil, nil, err // the same for every key
		}
		lastErr = err
	}
	return nil, nil, nil, lastErr
}

// openWith checks the token uv was read from with one key, without
// decoding it again. A local token is decrypted in place: once one key
// has opened it, uv opens nothing more.
func (v *Verifier) openWith(e *keyEntry, uv *paseto.UnverifiedToken, implicit []byte) (payload, footer []byte, err error) {
	v.opens.Add(1)
	switch k := e.key.(type) {
	case *paseto.PublicKey:
		return uv.Verify(k, implicit)
	case *paseto.SymmetricKey:
		return uv.Decrypt(k, implicit)
	}
	return nil, nil, ErrUnknownKey // unreachable: entries hold only these
}

// checkClaims runs the built-in claim checks, in the documented order.
func (v *Verifier) checkClaims(tok *Token, now time.Time) error {
	s := v.s
	c := &tok.Claims
	if tok.KeyIssuer != "" && c.Issuer != tok.KeyIssuer {
		return fmt.Errorf("%w: iss is not the issuer of the key", ErrWrongIssuer)
	}
	if s.issuers != nil {
		if _, ok := s.issuers[c.Issuer]; !ok {
			return fmt.Errorf("%w: iss is not an accepted issuer", ErrWrongIssuer)
		}
	}
	if c.Expiration.IsZero() && !s.allowNoExp {
		return ErrMissingExpiration
	}
	if err := c.Validate(now, s.leeway); err != nil {
		return err
	}
	if s.audiences != nil {
		ok := false
		for _, a := range c.Audience {
			if _, ok = s.audiences[a]; ok {
				break
			}
		}
		if !ok {
			return fmt.Errorf("%w: no accepted audience in aud", ErrWrongAudience)
		}
	}
	if s.maxAge > 0 {
		if c.IssuedAt.IsZero() {
			return fmt.Errorf("%w: no iat", ErrTooOld)
		}
		if !now.Add(-s.leeway).Before(c.IssuedAt.Add(s.maxAge)) {
			return ErrTooOld
		}
	}
	return nil
}

// runRules runs [Config.Rules] in order.
func (v *Verifier) runRules(ctx context.Context, tok *Token) (*Token, error) {
	for _, r := range v.s.rules {
		if err := r(ctx, tok); err != nil {
			return nil, &RuleError{Err: err}
		}
	}
	return tok, nil
}
