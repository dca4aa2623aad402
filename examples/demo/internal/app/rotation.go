package app

// This file is the demo's hand-written rotation of the access-token signing
// key, and the only place that knows how it is done. The key ring
// (package keyring) replaces it: the Manager then follows the ring without
// being rebuilt, the issuer publishes the ring's key set, and the console
// reads the ring's Snapshot. The rest of the app sees only the methods of
// tokenKeys below and App.Rotate, App.KeyIDs and App.Run.

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/verifier"
)

// tokenKeys holds the access-token signing keys, signer first, and the
// authtoken.Manager built on them. A rotation makes a new key the signer at
// once (no staging: a verifier elsewhere that caches the key set refuses
// the new tokens until it refetches it) and keeps the previous keys for
// verification, and published, until their tokens have expired.
type tokenKeys struct {
	now        func() time.Time
	maxKeys    int
	newManager func(accessKeys []keyring.Key) (*authtoken.Manager, error)
	publisher  *issuer.Issuer // holds the same keys, only to publish them

	mu   sync.Mutex // serializes rotations; guards keys and next
	keys []signingKey
	next time.Time // the next scheduled rotation; zero when none
	cur  atomic.Pointer[authtoken.Manager]
}

func newTokenKeys(first signingKey, maxKeys int, now func() time.Time, newManager func([]keyring.Key) (*authtoken.Manager, error)) (*tokenKeys, error) {
	publisher, err := issuer.New(issuer.Config{
		Keys:         []keyring.Key{{PASERK: first.secret}},
		Issuer:       tokenIssuer,
		KeySetMaxAge: time.Minute,
	})
	if err != nil {
		return nil, err
	}
	k := &tokenKeys{now: now, maxKeys: maxKeys, newManager: newManager, publisher: publisher}
	if err := k.use([]signingKey{first}); err != nil {
		return nil, err
	}
	return k, nil
}

// use builds a Manager for keys (the signer first; the others only verify,
// so their public halves are enough), publishes keys and makes them current.
// The caller holds mu, or has not shared k yet.
func (k *tokenKeys) use(keys []signingKey) error {
	access := []keyring.Key{{PASERK: keys[0].secret}}
	published := []keyring.Key{{PASERK: keys[0].secret}}
	for _, old := range keys[1:] {
		access = append(access, keyring.Key{PASERK: old.public})
		published = append(published, keyring.Key{PASERK: old.secret})
	}
	m, err := k.newManager(access)
	if err != nil {
		return err
	}
	if err := k.publisher.SetKeys(published); err != nil {
		return err
	}
	k.cur.Store(m)
	k.keys = keys
	return nil
}

// manager is the Manager of the current keys.
func (k *tokenKeys) manager() *authtoken.Manager { return k.cur.Load() }

// access and freshAccess verify access tokens with the current Manager.
func (k *tokenKeys) access() httpauth.TokenVerifier {
	return liveVerifier(func(m *authtoken.Manager) httpauth.TokenVerifier { return m.Access() }, k)
}

func (k *tokenKeys) freshAccess() httpauth.TokenVerifier {
	return liveVerifier(func(m *authtoken.Manager) httpauth.TokenVerifier { return m.FreshAccess() }, k)
}

// keySetHandler publishes the public halves of the keys.
func (k *tokenKeys) keySetHandler() http.Handler { return k.publisher.KeySetHandler() }

// rotate makes a new key the signer and drops the keys whose tokens have
// all expired (and the oldest beyond maxKeys).
func (k *tokenKeys) rotate() (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	fresh, err := newSigningKey("", now)
	if err != nil {
		return "", err
	}
	keys := []signingKey{fresh}
	for i, old := range k.keys {
		if i == 0 {
			old.retired = now
		}
		if now.Sub(old.retired) < accessLifetime+keyGrace && len(keys) < k.maxKeys {
			keys = append(keys, old)
		}
	}
	if err := k.use(keys); err != nil {
		return "", err
	}
	return fresh.kid, nil
}

// status describes the keys for the console, in the words of the key ring.
// A retired key's Drops is when its last token expires; the key goes at the
// first rotation from then on.
func (k *tokenKeys) status() keyStatus {
	k.mu.Lock()
	defer k.mu.Unlock()
	st := keyStatus{NextRotation: k.next}
	for i, key := range k.keys {
		info := keyring.KeyInfo{ID: key.kid, Published: key.created, Activates: key.created}
		if i == 0 {
			info.State, info.Retires = keyring.Current, k.next
		} else {
			info.State, info.Retires = keyring.Retired, key.retired
			info.Drops = key.retired.Add(accessLifetime + keyGrace)
		}
		st.Keys = append(st.Keys, info)
	}
	return st
}

// run rotates every d until ctx ends.
func (k *tokenKeys) run(ctx context.Context, d time.Duration, logf func(string, ...any)) {
	t := time.NewTicker(d)
	defer t.Stop()
	k.setNext(k.now().Add(d))
	for {
		select {
		case <-ctx.Done():
			k.setNext(time.Time{})
			return
		case <-t.C:
			k.setNext(k.now().Add(d))
			if kid, err := k.rotate(); err != nil {
				logf("rotate: %v", err)
			} else {
				logf("rotated the access-token signing key: %s", kid)
			}
		}
	}
}

func (k *tokenKeys) setNext(t time.Time) {
	k.mu.Lock()
	k.next = t
	k.mu.Unlock()
}

// liveVerifier verifies with the verifier pick takes from the Manager that
// is current when the request comes in.
func liveVerifier(pick func(*authtoken.Manager) httpauth.TokenVerifier, k *tokenKeys) httpauth.TokenVerifier {
	return verifierFunc(func(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
		return pick(k.manager()).Verify(ctx, token, implicit)
	})
}

type verifierFunc func(ctx context.Context, token string, implicit []byte) (*verifier.Token, error)

func (f verifierFunc) Verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
	return f(ctx, token, implicit)
}

// Rotate makes a new signing key the signer, keeps the previous keys for
// verification until their tokens have expired, and returns the new kid.
func (a *App) Rotate() (string, error) { return a.keys.rotate() }

// KeyIDs returns the ids of the access-token keys, signer first.
func (a *App) KeyIDs() []string {
	var ids []string
	for _, k := range a.keys.status().Keys {
		ids = append(ids, k.ID)
	}
	return ids
}

// Run runs the app's background work until ctx ends: the rotation every
// Config.RotateEvery (none when it is zero).
func (a *App) Run(ctx context.Context) {
	if a.cfg.RotateEvery > 0 {
		a.keys.run(ctx, a.cfg.RotateEvery, a.cfg.Logf)
	}
}
