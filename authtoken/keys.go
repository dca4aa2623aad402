package authtoken

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/pasetokit/pasetokit/internal/keysethttp"
	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// SetKeys replaces the keys of one kind ("access", "refresh" or a custom
// kind), for key rotation while serving, as [KindConfig.Keys] would set
// them: the first issues, all of them verify, and the access kind's public
// keys are published by [Manager.KeySetHandler]. The keys must have the kind's
// version and purpose ([Manager.Version]). They are checked completely
// before anything changes; on error (a *[ConfigError] naming the key,
// "Keys[1]") the kind keeps its keys; a v2 kind other than access may not
// come to share a key with the access kind (as in [New]). The kind's verifier takes the new
// keys before its issuer, so that no token is issued that the Manager
// would refuse. Kinds that took the access kind's keys (empty Keys) keep
// theirs: call SetKeys for each kind. A kind with a KeySource follows its
// source instead: SetKeys returns an error. An unknown kind is
// [ErrUnknownKind].
//
// A rotation without rejected tokens elsewhere takes three steps, as for
// [issuer.Issuer.SetKeys]: add the new key second (published, not yet
// issuing) and wait for the verifiers that follow the key set to fetch it;
// move it first; drop the old key once its tokens have expired. A
// [keyring.Ring] as KeySource does all of this by itself.
func (m *Manager) SetKeys(kind string, keys []keyring.Key) error {
	if m == nil || m.access == nil {
		return errNotNew
	}
	k := m.kind(kind)
	if k == nil {
		return ErrUnknownKind
	}
	if k.src != nil {
		return configError("Keys", errors.New("the kind follows its KeySource: rotate the source instead"))
	}
	if m.allowNoKeyID && len(keys) > 1 {
		return configError("Keys", errors.New("more than one key with AllowMissingKeyID"))
	}
	vkeys, publics, v, p, err := verifyKeys(keys, "Keys", m.keyIssuer)
	if err != nil {
		return err
	}
	if v != k.version || p != k.purpose {
		return configError("Keys[0]", fmt.Errorf("%w: a %s.%s key for %s.%s tokens", paseto.ErrWrongKey, v, p, k.version, k.purpose))
	}
	if err := m.checkSharedV2(k, vkeys); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if err := k.ver.SetKeys(vkeys); err != nil {
		return nested("", "Keys", err)
	}
	if err := k.iss.SetKeys(keys[:1]); err != nil {
		return nested("", "Keys", err) // unreachable: checked above
	}
	k.publics.Store(&publics)
	k.vkeys.Store(&vkeys)
	m.keysGen.Add(1)
	return nil
}

// checkSharedV2 refuses, unless [Config.AllowSharedV2Keys], new verifying
// keys vkeys of kind k when a v2 kind other than access would then share a
// key with the access kind (v2 tokens have no implicit assertion to bind
// them to their kind).
func (m *Manager) checkSharedV2(k *kind, vkeys []keyring.Key) error {
	if m.allowSharedV2 || k.version != paseto.V2 {
		return nil
	}
	after := &kind{src: k.src}
	after.vkeys.Store(&vkeys)
	for _, o := range m.kinds() {
		if o == k || (k != m.access && o != m.access) {
			continue
		}
		if sharesKey(after, o) {
			return configError("Keys", errSharedV2)
		}
	}
	return nil
}

// PublicKeys returns the public keys that verify the Manager's public
// access tokens, each once: with Access.Keys, the public halves of its
// secret keys (and its public keys); with Access.KeySource, the source's
// public keys, next keys included before they sign. Local tokens have no
// public keys.
//
// Only the access kind's keys are published. The key set is what resource
// servers trust for access tokens, often with a plain verifier that reads
// no "type": the keys of other kinds have no place there. Kinds sharing
// the access keys (or ring) stay unusable as access tokens all the same,
// through their implicit assertion (see "Kinds cannot be confused" in the
// package documentation); v2 kinds, which have none, are safe only because
// their own keys are not published. The slice is the caller's.
func (m *Manager) PublicKeys() []*paseto.PublicKey {
	if m == nil || m.access == nil {
		return nil
	}
	k := m.access
	var keys []*paseto.PublicKey
	if k.src != nil {
		keys = k.src.Snapshot().PublicKeys()
	} else if p := k.publics.Load(); p != nil {
		keys = *p
	}
	var out []*paseto.PublicKey
	seen := make(map[string]bool)
	for _, pk := range keys {
		if id := paserk.PublicID(pk); !seen[id] {
			seen[id] = true
			out = append(out, pk)
		}
	}
	return out
}

// KeySetHandler returns an http.Handler that publishes [Manager.PublicKeys]
// as a key set document (package keyset), with [Config.Issuer] as its
// issuer, for resource servers that verify access tokens with a
// [verifier.KeySet]. Next keys of a KeySource are listed from the moment
// they are created, before they sign. It answers like
// [issuer.Issuer.KeySetHandler]: GET and HEAD, Cache-Control max-age
// [Config.KeySetMaxAge] (with a KeySource at most its
// [keyring.Snapshot.MaxAge]), a strong ETag and 304 for If-None-Match. The
// document is encoded again only when keys change.
//
//	mux.Handle("GET /.well-known/paseto-keys", m.KeySetHandler())
func (m *Manager) KeySetHandler() http.Handler { return keySetHandler{m} }

type keySetHandler struct{ m *Manager }

func (h keySetHandler) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	m := h.m
	if m == nil || m.access == nil {
		keysethttp.Serve(w, req, nil, "")
		return
	}
	keysethttp.Serve(w, req, m.keySet(), m.keySetCC)
}

// setDoc is a key set document and the key generations it was made from.
type setDoc struct {
	gens []uint64
	doc  *keysethttp.Doc
}

// keySet returns the key set document, made again when SetKeys was called
// or a source has a new generation since the last one.
func (m *Manager) keySet() *keysethttp.Doc {
	gens := []uint64{m.keysGen.Load()}
	if k := m.access; k.src != nil {
		gens = append(gens, k.src.Snapshot().Generation())
	}
	if d := m.keySetDoc.Load(); d != nil && slices.Equal(d.gens, gens) {
		return d.doc
	}
	doc, err := keysethttp.NewDoc(m.issuerName, m.PublicKeys())
	if err != nil {
		return nil // answered with a 500
	}
	m.keySetDoc.Store(&setDoc{gens: gens, doc: doc})
	return doc
}

// keySetMaxAge sets the Cache-Control of the key set from max, the
// configured KeySetMaxAge, and the access source's max-age (only access
// keys are published).
func (m *Manager) keySetMaxAge(max time.Duration) error {
	limit, hasSource := time.Duration(-1), false
	if k := m.access; k.src != nil {
		limit, hasSource = k.src.Snapshot().MaxAge(), true
	}
	switch {
	case max == 0 && hasSource:
		max = limit
	case max == 0:
		max = issuer.DefaultKeySetMaxAge
	case max < time.Second:
		return configError("KeySetMaxAge", errors.New("under one second"))
	case hasSource && max > limit:
		return configError("KeySetMaxAge", fmt.Errorf("longer than the KeySource's max-age %v: verifiers could miss a next key before it signs", limit))
	}
	m.keySetCC = keysethttp.CacheControl(max)
	return nil
}
