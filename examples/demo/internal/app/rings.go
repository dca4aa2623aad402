package app

// This file holds the demo's key rings (package keyring): one ring per key
// family, each followed by the components that use it without being
// rebuilt. Rotation, staging (a key is published before it signs) and the
// fleet (processes sharing a backend rotate once for all) are the ring's.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
)

// The names of the demo's key families: the rings' backend names (with
// -redis, the Redis keyring names) and the purposes their wrapping keys are
// derived under.
const (
	RingAccess   = "access"   // v4.public: access-token signing keys, published
	RingRefresh  = "refresh"  // v4.local: refresh tokens, read by the demo only
	RingSession  = "session"  // v4.local: session cookies
	RingRemember = "remember" // v4.local: remember-me cookies
)

// RingNames are the key families, in the order the console lists them.
var RingNames = []string{RingAccess, RingRefresh, RingSession, RingRemember}

const (
	// DefaultPublishAhead is how long a new key is published before it
	// signs when Config.PublishAhead is zero (or half of RotateEvery when
	// that is shorter): longer than a verifier following the key set
	// waits between fetches (the published max-age is half of it, and
	// verifiers fetch at most once a minute by default).
	DefaultPublishAhead = 2 * time.Minute
	// DefaultKeyGrace is Config.KeyGrace when zero.
	DefaultKeyGrace = time.Minute
	// spareKeys is the room left in each ring for manual rotations on top
	// of what its schedule needs.
	spareKeys = 16
	// maxScheduledKeys bounds the keys the schedule of the refresh,
	// session and remember-me rings holds: they rotate no faster than
	// their retention divided by it, however short RotateEvery is.
	maxScheduledKeys = 48
	// ringWrapPurpose derives, from the cookie secret, the key that wraps
	// a ring's secret keys in a shared backend (one per family).
	ringWrapPurpose = "demo-ring-wrap:"
)

// rings are the demo's four key rings.
type rings struct {
	access, refresh, session, remember *keyring.Ring
}

// all returns the rings with their family names, in RingNames' order.
func (rs *rings) all() []namedRing {
	return []namedRing{{RingAccess, rs.access}, {RingRefresh, rs.refresh}, {RingSession, rs.session}, {RingRemember, rs.remember}}
}

type namedRing struct {
	name string
	ring *keyring.Ring
}

// family is what one ring is made from.
type family struct {
	name     string
	purpose  paseto.Purpose
	first    paseto.Key
	lifetime time.Duration
	every    time.Duration
	maxKeys  int
}

// newRings makes the rings from cfg: the first keys from TokenKey and the
// cookie secret (derived as the components derive them from a Secret, so
// that cookies and tokens made before the demo used a ring are still read),
// the schedule from RotateEvery, PublishAhead and the lifetimes.
func newRings(ctx context.Context, cfg Config) (*rings, error) {
	var first paseto.Key
	if cfg.TokenKey != "" {
		sk, err := paserk.ParseSecret(paseto.V4, cfg.TokenKey)
		if err != nil {
			return nil, errors.New("app: TokenKey is not a k4.secret PASERK")
		}
		first = sk
	}
	derive := func(purpose string) (paseto.Key, error) {
		return keyderive.SymmetricKey(cfg.CookieSecret, paseto.V4, purpose)
	}
	refreshFirst, err := derive(refreshKeyPurpose)
	if err != nil {
		return nil, err
	}
	sessionFirst, err := derive(session.KeyPurpose)
	if err != nil {
		return nil, err
	}
	rememberFirst, err := derive(remember.KeyPurpose)
	if err != nil {
		return nil, err
	}
	every := cfg.RotateEvery
	if every == 0 {
		every = keyring.DefaultRotateEvery
	}
	slow := func(lifetime time.Duration) time.Duration {
		// The cookie and refresh rings follow the schedule no faster
		// than maxScheduledKeys per retention.
		return max(every, ((lifetime+cfg.KeyGrace)/maxScheduledKeys).Round(time.Second)+time.Second)
	}
	fams := []family{
		{RingAccess, paseto.Public, first, cfg.AccessLifetime, every, cfg.MaxKeys},
		{RingRefresh, paseto.Local, refreshFirst, cfg.RefreshLifetime, slow(cfg.RefreshLifetime), 0},
		{RingSession, paseto.Local, sessionFirst, session.DefaultLifetime, slow(session.DefaultLifetime), 0},
		{RingRemember, paseto.Local, rememberFirst, remember.DefaultLifetime, slow(remember.DefaultLifetime), 0},
	}
	rs := &rings{}
	made := make([]*keyring.Ring, len(fams))
	for i, f := range fams {
		if made[i], err = newRing(ctx, cfg, f); err != nil {
			return nil, err
		}
	}
	rs.access, rs.refresh, rs.session, rs.remember = made[0], made[1], made[2], made[3]
	return rs, nil
}

// newRing makes the ring of one family.
func newRing(ctx context.Context, cfg Config, f family) (*keyring.Ring, error) {
	ahead := cfg.PublishAhead
	if ahead == 0 {
		ahead = min(DefaultPublishAhead, f.every/2)
	}
	ahead = min(ahead, f.every) // the slower rings: never longer than their period
	retain := f.lifetime + cfg.KeyGrace
	maxKeys := f.maxKeys
	if maxKeys == 0 {
		maxKeys = min(int(retain/f.every)+3+spareKeys, keyring.MaxKeysLimit)
	}
	rc := keyring.Config{
		Purpose:   f.purpose,
		FirstKey:  f.first,
		Lifetimes: []time.Duration{f.lifetime},
		Leeway:    cfg.KeyGrace,
		Policy:    keyring.Policy{RotateEvery: f.every, PublishAhead: ahead, MaxKeys: maxKeys},
		Now:       cfg.Now,
		OnError:   func(err error) { cfg.onRingError(f.name, err) },
		Events:    cfg.Events,
	}
	if cfg.RingBackend != nil {
		b, err := cfg.RingBackend(f.name)
		if err != nil {
			return nil, fmt.Errorf("app: %s ring backend: %w", f.name, err)
		}
		if _, mem := b.(*keyring.Memory); !mem { // a Memory backend keeps keys unwrapped
			if rc.WrappingKey, err = keyderive.SymmetricKey(cfg.CookieSecret, paseto.V4, ringWrapPurpose+f.name); err != nil {
				return nil, err
			}
		}
		rc.Backend = b
	}
	r, err := keyring.New(ctx, rc)
	if err != nil {
		return nil, fmt.Errorf("app: %s ring: %w", f.name, err)
	}
	return r, nil
}

// rotate starts a staged rotation of every ring (each publishes a next key
// that takes over PublishAhead later; a rotation already under way is not
// doubled) and returns the access ring's next key.
func (rs *rings) rotate(ctx context.Context) (keyring.KeyInfo, error) {
	var next keyring.KeyInfo
	for _, r := range rs.all() {
		k, err := r.ring.Rotate(ctx)
		if err != nil {
			return next, fmt.Errorf("%s ring: %w", r.name, err)
		}
		if r.name == RingAccess {
			next = k
		}
	}
	return next, nil
}

// run runs the schedule of every ring until ctx ends.
func (rs *rings) run(ctx context.Context) {
	var wg sync.WaitGroup
	for _, r := range rs.all() {
		wg.Go(func() { _ = r.ring.Run(ctx) })
	}
	wg.Wait()
}

// ringBehindAfter is how long without a sync with its backend the access
// ring counts as behind (three sync intervals).
const ringBehindAfter = 3 * keyring.DefaultSyncInterval

// ringBehind reports whether the access ring has a shared backend and has
// not synced with it for ringBehindAfter: it may lack a key the fleet has
// published since.
func (a *App) ringBehind() bool {
	if a.cfg.RingBackend == nil {
		return false
	}
	return a.cfg.Now().Sub(a.rings.access.Snapshot().Synced()) > ringBehindAfter
}

// Rotate starts a staged rotation of every key ring (POST /admin/rotate):
// the access ring's new key, returned, is published now and signs from
// its Activates time on, in every process sharing the rings.
func (a *App) Rotate() (keyring.KeyInfo, error) { return a.rings.rotate(context.Background()) }

// KeyIDs returns the ids of the access-token keys as this process sees
// them now: next, current, retired (most recently retired first).
func (a *App) KeyIDs() []string {
	var ids []string
	for _, k := range a.ringStatus()[0].Keys {
		ids = append(ids, k.ID)
	}
	return ids
}

// SigningKeyID returns the id of the key that signs access tokens now.
func (a *App) SigningKeyID() string {
	e, err := a.rings.access.Snapshot().Current(a.cfg.Now())
	if err != nil {
		return ""
	}
	return e.ID()
}

// Run runs the app's background work until ctx ends: the rings' schedules
// and their syncing with a shared backend, and the store outage log.
func (a *App) Run(ctx context.Context) {
	go a.outage.run(ctx)
	a.rings.run(ctx)
}
