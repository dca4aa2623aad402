package cookie

import (
	"encoding/base64"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/keyring"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Key is one key of a [Ring], with the footer of the tokens it encrypts.
type Key struct {
	Key       *paseto.SymmetricKey
	ID        string // PASERK lid
	Footer    []byte // as made by the Ring's footer function
	FooterB64 string // Footer in base64url, as it ends a token
}

// Ring is the set of v4.local keys of one cookie: the first encrypts, all
// decrypt, each found by its PASERK id or by the exact footer of the tokens
// it made (no two keys of a ring have the same footer). Or it follows a
// keyring.Source: the source's current key encrypts, and its keys decrypt
// while they look up. A Ring is never changed after it is made, so it is
// safe for concurrent use.
type Ring struct {
	keys     []*Key
	byFooter map[string]*Key
	byID     map[string]*Key
	footer   func(id string) []byte

	src  keyring.Source
	view atomic.Pointer[view] // the Keys of the source's last generation
}

// view is the Keys of one generation of a source, by id and footer.
type view struct {
	gen      uint64
	byID     map[string]*Key
	byFooter map[string]*Key
}

// newSourceRing makes the ring of a source of v4.local keys.
func newSourceRing(src keyring.Source, footer func(id string) []byte) (*Ring, error) {
	snap := src.Snapshot()
	if snap == nil || snap.Version() != paseto.V4 || snap.Purpose() != paseto.Local {
		return nil, fieldError("KeySource", "not a source of v4 local keys")
	}
	return &Ring{src: src, footer: footer}, nil
}

// current returns the view of snap, made once per generation.
func (r *Ring) current(snap *keyring.Snapshot) *view {
	v := r.view.Load()
	if v != nil && v.gen == snap.Generation() {
		return v
	}
	keys := snap.Keys()
	nv := &view{gen: snap.Generation(), byID: make(map[string]*Key, len(keys)), byFooter: make(map[string]*Key, len(keys))}
	for _, e := range keys {
		k := (*Key)(nil)
		if v != nil {
			k = v.byID[e.ID()]
		}
		if k == nil {
			k = &Key{Key: e.LocalKey(), ID: e.ID(), Footer: r.footer(e.ID())}
			k.FooterB64 = base64.RawURLEncoding.EncodeToString(k.Footer)
		}
		if nv.byFooter[k.FooterB64] != nil {
			continue // a footer that shortens the id collides: the first key keeps it
		}
		nv.byID[k.ID] = k
		nv.byFooter[k.FooterB64] = k
	}
	r.view.Store(nv)
	return nv
}

// newRing makes the ring of keys, whose tokens carry footer(id). Two keys
// with the same PASERK id are an error naming the second ("Keys[i]").
func newRing(keys []*paseto.SymmetricKey, footer func(id string) []byte) (*Ring, error) {
	r := &Ring{
		keys:     make([]*Key, 0, len(keys)),
		byFooter: make(map[string]*Key, len(keys)),
		byID:     make(map[string]*Key, len(keys)),
		footer:   footer,
	}
	for i, k := range keys {
		field := "Keys[" + strconv.Itoa(i) + "]"
		if k == nil || k.Version() != paseto.V4 {
			return nil, fieldError(field, "not a v4 local key")
		}
		id := paserk.LocalID(k)
		if id == "" {
			return nil, fieldError(field, "not a usable key")
		}
		if r.byID[id] != nil {
			return nil, fieldError(field, "a duplicate of an earlier key (same PASERK id)")
		}
		if !r.add(&Key{Key: k, ID: id}) {
			return nil, fieldError(field, "its tokens' footer (key reference) is that of an earlier key")
		}
	}
	return r, nil
}

// add adds k unless the footer of its tokens is that of a key already
// in r (footers that shorten the id can collide), and reports whether it
// did.
func (r *Ring) add(k *Key) bool {
	k.Footer = r.footer(k.ID)
	k.FooterB64 = base64.RawURLEncoding.EncodeToString(k.Footer)
	if r.byFooter[k.FooterB64] != nil {
		return false
	}
	r.keys = append(r.keys, k)
	r.byID[k.ID] = k
	r.byFooter[k.FooterB64] = k
	return true
}

// WithFooter returns a ring of the same keys whose tokens carry footer(id),
// which must tell the keys apart as the ring's own footer does (keys whose
// new footers collide are left out).
func (r *Ring) WithFooter(footer func(id string) []byte) *Ring {
	if r.src != nil {
		return &Ring{src: r.src, footer: footer}
	}
	c := &Ring{
		keys:     make([]*Key, 0, len(r.keys)),
		byFooter: make(map[string]*Key, len(r.keys)),
		byID:     make(map[string]*Key, len(r.keys)),
		footer:   footer,
	}
	for _, k := range r.keys {
		c.add(&Key{Key: k.Key, ID: k.ID})
	}
	return c
}

// Encrypting returns the key that encrypts new tokens at now: the first,
// or the source's current key. With a source that has none, the error
// matches keyring.ErrStale: saving must fail closed.
func (r *Ring) Encrypting(now time.Time) (*Key, error) {
	if r.src == nil {
		return r.keys[0], nil
	}
	snap := r.src.Snapshot()
	e, err := snap.Current(now)
	if err != nil {
		return nil, err
	}
	if k := r.current(snap).byID[e.ID()]; k != nil {
		return k, nil
	}
	return nil, keyring.ErrStale // unreachable: the view holds every key
}

// FooterB64Len returns the length of the base64url footer of the tokens
// this ring encrypts (the same for every key: PASERK ids have one length).
func (r *Ring) FooterB64Len() int {
	if r.src == nil {
		return len(r.keys[0].FooterB64)
	}
	keys := r.src.Snapshot().Keys()
	if len(keys) == 0 {
		return 0
	}
	return base64.RawURLEncoding.EncodedLen(len(r.footer(keys[0].ID())))
}

// ByID returns the key whose PASERK id is id, if it decrypts at now, or
// nil.
func (r *Ring) ByID(id string, now time.Time) *Key {
	if r.src == nil {
		return r.byID[id]
	}
	snap := r.src.Snapshot()
	if _, ok := snap.Lookup(id, now); !ok {
		return nil
	}
	return r.current(snap).byID[id]
}

// ForToken returns the key whose footer token ends with, if it decrypts at
// now, or nil: the fast path for tokens this ring made (the base64url form
// of a footer is canonical). A nil result says nothing about the token;
// look its key id up with ByID after parsing the footer.
func (r *Ring) ForToken(token string, now time.Time) *Key {
	const header = "v4.local."
	if !strings.HasPrefix(token, header) {
		return nil
	}
	i := strings.LastIndexByte(token, '.')
	if i <= len(header) {
		return nil
	}
	if r.src == nil {
		return r.byFooter[token[i+1:]]
	}
	snap := r.src.Snapshot()
	k := r.current(snap).byFooter[token[i+1:]]
	if k == nil {
		return nil
	}
	if _, ok := snap.Lookup(k.ID, now); !ok {
		return nil
	}
	return k
}
