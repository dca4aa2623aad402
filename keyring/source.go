package keyring

import (
	"fmt"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
)

// Source is a live source of keys for the components that issue, verify,
// encrypt or decrypt: a [Ring], or anything that keeps an immutable
// [Snapshot] up to date. Components take it as their KeySource and call
// Snapshot on every operation; it must be cheap (one atomic load) and safe
// for concurrent use.
type Source interface {
	// Snapshot returns the keys as they are now. It never returns nil and
	// never blocks; the *Snapshot and everything it returns are immutable.
	Snapshot() *Snapshot
	// CheckLifetime returns an error matching [ErrInvalidConfig] and
	// [ErrLifetimeNotCovered] when tokens or cookies that live for
	// lifetime (plus the source's leeway) could outlive the keys that
	// verify them. Components call it from their New with their longest
	// lifetime plus their own leeway.
	CheckLifetime(lifetime time.Duration) error
}

// Snapshot is an immutable view of a ring: the key that issues, the keys
// that verify or decrypt by id, and the public keys to publish. Get one
// from [Source.Snapshot] for each operation; a component that derives data
// from it (a key set document, a footer) can cache that data per
// Generation.
//
// The snapshot knows the ring's schedule: its next key takes over from the
// current key at the planned time, in every process at once, without
// waiting for the backend. A copy that is not refreshed goes no further
// than that one step: once the key it moved to is due to retire as well
// (or, with no next key known, once the current key is), Current fails
// with [ErrStale], and keys are no longer found once they are due to be
// dropped.
type Snapshot struct {
	gen      uint64
	stateVer uint64
	version  paseto.Version
	purpose  paseto.Purpose

	current  *Entry
	next     *Entry // or nil
	switchAt time.Time
	staleAt  time.Time

	keys       []*Entry // next, current, retired (most recently retired first)
	byID       map[string]*Entry
	publics    []*paseto.PublicKey // current, next, retired
	validUntil time.Time
	maxAge     time.Duration
	ahead      time.Duration
	synced     time.Time
}

// Entry is one key of a [Snapshot]. It is immutable.
type Entry struct {
	info   KeyInfo
	until  time.Time // no longer found by Lookup from then on
	secret *paseto.SecretKey
	public *paseto.PublicKey
	local  *paseto.SymmetricKey
}

// ID returns the key's PASERK id: the kid of the tokens it makes.
func (e *Entry) ID() string { return e.info.ID }

// Info returns the key's state and times, as the ring stored them.
func (e *Entry) Info() KeyInfo { return e.info }

// Key returns the key that issues or encrypts: a *paseto.SecretKey for a
// public family, a *paseto.SymmetricKey for a local one.
func (e *Entry) Key() paseto.Key {
	if e.secret != nil {
		return e.secret
	}
	return e.local
}

// VerifyKey returns the key that verifies or decrypts: a *paseto.PublicKey
// for a public family, a *paseto.SymmetricKey for a local one.
func (e *Entry) VerifyKey() paseto.Key {
	if e.public != nil {
		return e.public
	}
	return e.local
}

// SecretKey returns the signing key of a public family, or nil.
func (e *Entry) SecretKey() *paseto.SecretKey { return e.secret }

// PublicKey returns the public key of a public family, or nil.
func (e *Entry) PublicKey() *paseto.PublicKey { return e.public }

// LocalKey returns the key of a local family, or nil.
func (e *Entry) LocalKey() *paseto.SymmetricKey { return e.local }

// Current returns the key that issues or encrypts at now (from the
// component's [Config.Now]): the current key until it is due to retire, then
// the next key, whose [Entry.Info] still says [Next] until the ring
// records the change. Data a component derives from the issuing key (a
// footer with its kid) is therefore cached per *Entry, not per snapshot.
// With no key to issue it returns [ErrStale]; issuing must then fail
// closed.
func (s *Snapshot) Current(now time.Time) (*Entry, error) {
	if now.Before(s.switchAt) {
		return s.current, nil
	}
	if s.next != nil && now.Before(s.staleAt) {
		return s.next, nil
	}
	return nil, ErrStale
}

// Lookup returns the key with PASERK id id (a token footer's kid) if it
// verifies or decrypts at now: a next, current or retired key not yet due
// to be dropped. Its cost is one map lookup.
func (s *Snapshot) Lookup(id string, now time.Time) (*Entry, bool) {
	e := s.byID[id]
	if e == nil || !now.Before(e.until) {
		return nil, false
	}
	return e, true
}

// Keys returns every key of the snapshot in the order next, current,
// retired (most recently retired first). The slice is the caller's.
func (s *Snapshot) Keys() []*Entry { return append([]*Entry(nil), s.keys...) }

// PublicKeys returns the public keys to publish in a key set: the current
// key's first, then the next key's (published before it signs), then the
// retired keys'. Local families have none. The slice is the caller's.
func (s *Snapshot) PublicKeys() []*paseto.PublicKey {
	return append([]*paseto.PublicKey(nil), s.publics...)
}

// Version returns the PASETO version of the ring's keys.
func (s *Snapshot) Version() paseto.Version { return s.version }

// Purpose returns the purpose of the ring's keys: paseto.Public for
// signing keys, paseto.Local for local keys.
func (s *Snapshot) Purpose() paseto.Purpose { return s.purpose }

// Generation numbers the snapshots of one [Source]: it grows whenever the
// keys or their states change. Data derived from a snapshot (a key set
// document and its ETag) can be cached per Generation.
func (s *Snapshot) Generation() uint64 { return s.gen }

// NextRotation returns when the current key is due to hand over to its
// successor: the planned activation of the next key, or, before one is
// published, the current key's planned retirement.
func (s *Snapshot) NextRotation() time.Time { return s.switchAt }

// ValidUntil returns when the ring's schedule next changes something in
// this snapshot (a key becoming current, a next key due, a key dropped).
// A [Ring] running [Ring.Run] has a new snapshot by then.
func (s *Snapshot) ValidUntil() time.Time { return s.validUntil }

// MaxAge returns the Cache-Control max-age for a key set made from this
// snapshot: half of [Policy.PublishAhead] in whole seconds, at most
// [MaxKeySetMaxAge], so that a verifier that caches the set learns every
// key before it signs. Zero means "no-cache".
func (s *Snapshot) MaxAge() time.Duration { return s.maxAge }

// PublishAhead returns the ring's [Policy.PublishAhead]: how long each key
// is published before it signs. A verifier that follows a key set made
// from this ring must refresh its copy at least that often.
func (s *Snapshot) PublishAhead() time.Duration { return s.ahead }

// CheckRefreshInterval returns an error matching [ErrInvalidConfig] and
// [ErrRefreshTooSlow] when a verifier that refreshes its copy of the key
// set of src every refresh (at worst) could miss a key of src before it
// signs: refresh must not exceed the source's PublishAhead. It is the one
// relation between a ring and the verifiers following its key set that
// the ring cannot enforce on its own; call it where both are configured in
// one process (package verifier's CheckKeySet does).
func CheckRefreshInterval(src Source, refresh time.Duration) error {
	ahead := src.Snapshot().PublishAhead()
	if refresh > ahead {
		return configError("Policy.PublishAhead", fmt.Errorf("%w: %v is shorter than the refresh interval %v", ErrRefreshTooSlow, ahead, refresh))
	}
	return nil
}

// Synced returns when this process last read the ring's state from its
// backend successfully.
func (s *Snapshot) Synced() time.Time { return s.synced }
