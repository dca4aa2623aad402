package cookie

import (
	"encoding/base64"
	"strconv"
	"strings"

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
// it made (no two keys of a ring have the same footer). A Ring is never changed after it is made, so it is safe for
// concurrent use.
type Ring struct {
	keys     []*Key
	byFooter map[string]*Key
	byID     map[string]*Key
	footer   func(id string) []byte
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

// Encrypting returns the key that encrypts new tokens: the first.
func (r *Ring) Encrypting() *Key { return r.keys[0] }

// ByID returns the key whose PASERK id is id, or nil.
func (r *Ring) ByID(id string) *Key { return r.byID[id] }

// ForToken returns the key whose footer token ends with, or nil: the fast
// path for tokens this ring made (the base64url form of a footer is
// canonical). A nil result says nothing about the token; look its key id
// up with ByID after parsing the footer.
func (r *Ring) ForToken(token string) *Key {
	const header = "v4.local."
	if !strings.HasPrefix(token, header) {
		return nil
	}
	if i := strings.LastIndexByte(token, '.'); i > len(header) {
		return r.byFooter[token[i+1:]]
	}
	return nil
}
