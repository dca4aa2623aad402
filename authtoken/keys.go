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
// them: the first issues, all of them verify, and their public keys are
// published by [Manager.KeySetHandler]. The keys must have the kind's
// version and purpose ([Manager.Version]). They are checked completely
// before anything changes; on error (a *[ConfigError] naming the key,
// "Keys[1]") the kind keeps its keys. The kind's verifier takes the new
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
func (m *Manager) SetKeys(kindName string, keys []keyring.Key) error {
	if m == nil || m.access == nil {
		return errNotNew
	}
	k := m.kind(kindName)
	if k == nil {
		return ErrUnknownKind
	}
	if k.src != nil {
		return configError("Keys", errors.New("the kind follows its KeySource: rotate the source instead"))
	}
	vkeys, publics, v, p, err := verifyKeys(keys, "Keys", m.issuerName)
	if err != nil {
		return err
	}
	if v != k.version || p != k.purpose {
		return configError("Keys[0]", fmt.Errorf("%w: a %s.%s key for %s.%s tokens", paseto.ErrWrongKey, v, p, k.version, k.purpose))
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
	m.keysGen.Add(1)
	return nil
}

// PublicKeys returns the public keys that verify the Manager's public
// tokens, of every kind (access first, then refresh, then custom kinds by
// name), each once: for a kind with Keys, the public halves of its secret
// keys (and its public keys); for a kind with a KeySource, the source's
// public keys, next keys included before they sign. Local tokens have no
// public keys. The slice is the caller's.
func (m *Manager) PublicKeys() []*paseto.PublicKey {
	if m == nil || m.access == nil {
		return nil
	}
	var out []*paseto.PublicKey
	seen := make(map[string]bool)
	for _, k := range m.kinds() {
		var keys []*paseto.PublicKey
		if k.src != nil {
			keys = k.src.Snapshot().PublicKeys()
		} else if p := k.publics.Load(); p != nil {
			keys = *p
		}
		for _, pk := range keys {
			if id := paserk.PublicID(pk); !seen[id] {
				seen[id] = true
				out = append(out, pk)
			}
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
	for _, k := range m.kinds() {
		if k.src != nil {
			gens = append(gens, k.src.Snapshot().Generation())
		}
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
// configured KeySetMaxAge, and the sources' max-ages.
func (m *Manager) keySetMaxAge(max time.Duration) error {
	limit, hasSource := time.Duration(-1), false
	for _, k := range m.kinds() {
		if k.src != nil {
			a := k.src.Snapshot().MaxAge()
			if !hasSource || a < limit {
				limit = a
			}
			hasSource = true
		}
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
