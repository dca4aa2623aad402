package verifier

import (
	"container/list"
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// tokenCache is a least-recently-used map from cacheKey to verified
// tokens, bounded by its number of entries. Keys are fixed-size digests, so
// that an entry's key never holds the token itself.
type tokenCache struct {
	mu  sync.Mutex
	max int
	m   map[[32]byte]*list.Element
	ll  list.List // of *cacheItem, most recently used first
}

type cacheItem struct {
	key   [32]byte
	tok   *Token
	entry *keyEntry // the key that verified tok
}

func newTokenCache(max int) *tokenCache {
	c := &tokenCache{max: max, m: make(map[[32]byte]*list.Element, min(max, 1024))}
	c.ll.Init()
	return c
}

// cacheKey is SHA-256 of the length-prefixed token followed by the
// implicit assertion, so that no two (token, implicit) pairs share a key.
func cacheKey(token string, implicit []byte) [32]byte {
	var stack [2048]byte // typical tokens hash without an allocation
	b := stack[:0]
	if n := 8 + len(token) + len(implicit); n > len(stack) {
		b = make([]byte, 0, n)
	}
	b = binary.BigEndian.AppendUint64(b, uint64(len(token)))
	b = append(b, token...)
	b = append(b, implicit...)
	return sha256.Sum256(b)
}

func (c *tokenCache) get(k [32]byte) (*Token, *keyEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[k]
	if !ok {
		return nil, nil
	}
	c.ll.MoveToFront(el)
	it := el.Value.(*cacheItem)
	return it.tok, it.entry
}

func (c *tokenCache) put(k [32]byte, tok *Token, e *keyEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		it := el.Value.(*cacheItem)
		it.tok, it.entry = tok, e
		c.ll.MoveToFront(el)
		return
	}
	for c.ll.Len() >= c.max {
		last := c.ll.Back()
		delete(c.m, last.Value.(*cacheItem).key)
		c.ll.Remove(last)
	}
	c.m[k] = c.ll.PushFront(&cacheItem{key: k, tok: tok, entry: e})
}

func (c *tokenCache) remove(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.m[k]; ok {
		delete(c.m, k)
		c.ll.Remove(el)
	}
}

func (c *tokenCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
