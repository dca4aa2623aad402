package store

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
)

// DefaultMaxEntries is the bound of a [Memory] store whose
// [MemoryConfig.MaxEntries] is zero: about a million entries, which is a few
// hundred megabytes at most with typical key lengths.
const DefaultMaxEntries = 1 << 20

// ErrFull: a [Memory] store already holds MaxEntries entries that have not
// expired, so it cannot record a new one. Errors returned for this reason
// match both [ErrFull] and [ErrUnavailable], so that callers fail closed: a
// revocation is refused loudly rather than silently forgotten.
var ErrFull = errors.New("store: memory store full")

// MemoryConfig configures [NewMemory] and [NewMemoryRemember]. The zero
// value is ready to use; [NewMemory] and [NewMemoryRemember] return a
// [*ConfigError] for a negative bound.
type MemoryConfig struct {
	// MaxEntries bounds the number of entries (revocations, consumed keys
	// and cutoffs together) that have not yet expired, and, apart from
	// them, the number of live refresh families. Zero means
	// [DefaultMaxEntries]; a negative value is an error.
	//
	// When the bound is reached, recording a new key fails with an error
	// matching [ErrFull] and [ErrUnavailable]; entries are never evicted before
	// they expire. Large stores are split into shards that each hold an
	// equal part of the bound, so a store with more than a few thousand
	// entries may refuse slightly before MaxEntries.
	MaxEntries int

	// Now returns the current time. Nil means time.Now. Tests inject
	// their clock here. The constructors never call it.
	Now func() time.Time

	// MaxSeriesPerUser bounds the remember-me series of one user that
	// have not expired, in a [MemoryRemember] ([NewMemory] ignores it).
	// Zero means [DefaultMaxSeriesPerUser]; a negative value is an error. When a
	// user already has that many, [MemoryRemember.CreateSeries] evicts the user's series
	// that expires soonest (that device is logged out of its remembered
	// login), so one user can neither fill the store nor be refused a
	// login.
	MaxSeriesPerUser int

	// MaxFamiliesPerUser bounds the live refresh families of one owner in
	// a [Memory] ([NewMemoryRemember] ignores it). Zero means
	// [DefaultMaxFamiliesPerUser]; a negative value is an error. When an
	// owner already has that many, [Memory.CreateFamily] evicts the
	// owner's family that expires soonest (that device is logged out).
	// Families are bounded apart from the other entries, by MaxEntries
	// too, so that no amount of refreshing can fill the store.
	MaxFamiliesPerUser int
}

// Memory is a [Store] kept in the memory of one process. It is safe for
// concurrent use. Entries expire with the time given when they were
// recorded: an expired entry is ignored at once and its memory is reclaimed
// by later writes, so no background goroutine is needed and a Memory needs
// no Close.
//
// Revoke and Consume share one key space (a consumed key is reported by
// Revoked, and a revoked key cannot be consumed); cutoffs have their own.
// The context arguments of its methods are ignored: a Memory always
// answers at once.
type Memory struct {
	now    func() time.Time
	seed   maphash.Seed
	shards []memShard
	fam    *memFamilies
}

// Shards hold their own lock, map and expiry heap. Stores smaller than
// shardThreshold use one shard, so that their bound is exact.
const (
	memShards      = 16
	shardThreshold = 4096
)

type memShard struct {
	mu    sync.RWMutex
	max   int
	items map[memKey]*memItem
	byExp expiryHeap[*memItem] // min-heap of items by expiry, for sweeping
	_     [64]byte
}

// memKey separates the two key spaces: marks (Revoke, Consume) and cutoffs.
type memKey struct {
	cutoff bool
	key    string
}

type memItem struct {
	k     memKey
	exp   time.Time // the entry is alive while now is before exp
	cut   time.Time // cutoffs only
	index int       // position in the shard's heap
}

// NewMemory returns an empty Memory store configured by cfg. A negative
// cfg.MaxEntries is a [*ConfigError] matching [ErrInvalidConfig].
func NewMemory(cfg MemoryConfig) (*Memory, error) {
	n := memShards
	if cfg.MaxEntries > 0 && cfg.MaxEntries < shardThreshold {
		n = 1
	}
	return newMemory(cfg, n)
}

func newMemory(cfg MemoryConfig, shards int) (*Memory, error) {
	if err := cfg.validate(false); err != nil {
		return nil, err
	}
	maxEntries := cfg.MaxEntries
	if maxEntries == 0 {
		maxEntries = DefaultMaxEntries
	}
	per := cfg.MaxFamiliesPerUser
	if per == 0 {
		per = DefaultMaxFamiliesPerUser
	}
	m := &Memory{now: cfg.Now, seed: maphash.MakeSeed(), shards: make([]memShard, shards),
		fam: newMemFamilies(maxEntries, per)}
	if m.now == nil {
		m.now = time.Now
	}
	perShard := (maxEntries + shards - 1) / shards
	for i := range m.shards {
		m.shards[i].max = perShard
		m.shards[i].items = make(map[memKey]*memItem)
	}
	return m, nil
}

func (m *Memory) shard(key string) *memShard {
	if len(m.shards) == 1 {
		return &m.shards[0]
	}
	return &m.shards[maphash.String(m.seed, key)%uint64(len(m.shards))]
}

// Revoke implements [Store]. A until that is not after the current time
// records nothing: the token it names has expired already.
func (m *Memory) Revoke(_ context.Context, key string, until time.Time) error {
	now := m.now()
	if !now.Before(until) {
		return nil
	}
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey{key: key}
	if it := s.live(k, now); it != nil {
		if until.After(it.exp) {
			it.exp = until
			heap.Fix(&s.byExp, it.index)
		}
		return nil
	}
	return s.insert(&memItem{k: k, exp: until}, now)
}

// Revoked implements [Store]: it reports whether any of keys was revoked or
// consumed and has not expired. With no keys it reports false.
func (m *Memory) Revoked(_ context.Context, keys ...string) (bool, error) {
	now := m.now()
	for _, key := range keys {
		s := m.shard(key)
		s.mu.RLock()
		it := s.live(memKey{key: key}, now)
		s.mu.RUnlock()
		if it != nil {
			return true, nil
		}
	}
	return false, nil
}

// Consume implements [Store]. A until that is not after the current time
// records nothing and reports false: the one-time token it names has
// expired, so no call may use it.
func (m *Memory) Consume(_ context.Context, key string, until time.Time) (bool, error) {
	now := m.now()
	if !now.Before(until) {
		return false, nil
	}
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey{key: key}
	if s.live(k, now) != nil {
		return false, nil
	}
	if err := s.insert(&memItem{k: k, exp: until}, now); err != nil {
		return false, err
	}
	return true, nil
}

// SetCutoff implements [Store]. The stored cutoff and its expiry are each the
// later of the stored and the given one. A zero t, or a until that is not
// after the current time, records nothing.
func (m *Memory) SetCutoff(_ context.Context, key string, t, until time.Time) error {
	now := m.now()
	if t.IsZero() || !now.Before(until) {
		return nil
	}
	t = t.Round(0) // drop the monotonic reading: it is meaningless elsewhere
	s := m.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	k := memKey{cutoff: true, key: key}
	if it := s.live(k, now); it != nil {
		if t.After(it.cut) {
			it.cut = t
		}
		if until.After(it.exp) {
			it.exp = until
			heap.Fix(&s.byExp, it.index)
		}
		return nil
	}
	return s.insert(&memItem{k: k, exp: until, cut: t}, now)
}

// Cutoff implements [Store].
func (m *Memory) Cutoff(_ context.Context, key string) (time.Time, error) {
	now := m.now()
	s := m.shard(key)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if it := s.live(memKey{cutoff: true, key: key}, now); it != nil {
		return it.cut, nil
	}
	return time.Time{}, nil
}

// Len returns the number of entries held (refresh families included),
// including expired ones whose memory has not been reclaimed yet.
func (m *Memory) Len() int {
	n := m.fam.len()
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.RLock()
		n += len(s.items)
		s.mu.RUnlock()
	}
	return n
}

// live returns the entry for k if it has not expired at now. The caller
// holds s.mu (read or write).
func (s *memShard) live(k memKey, now time.Time) *memItem {
	it := s.items[k]
	if it == nil || !now.Before(it.exp) {
		return nil
	}
	return it
}

// insert records it, whose key is absent or expired, after reclaiming every
// expired entry. The caller holds s.mu for writing. Each entry is swept once,
// so the cost is amortised over the writes that created the entries.
func (s *memShard) insert(it *memItem, now time.Time) error {
	for len(s.byExp) > 0 && !now.Before(s.byExp[0].exp) {
		old := heap.Pop(&s.byExp).(*memItem)
		delete(s.items, old.k)
	}
	if len(s.items) >= s.max {
		return fmt.Errorf("%w: %w (%d entries)", ErrUnavailable, ErrFull, len(s.items))
	}
	s.items[it.k] = it
	heap.Push(&s.byExp, it)
	return nil
}

func (it *memItem) expiry() time.Time { return it.exp }
func (it *memItem) setIndex(i int)    { it.index = i }

var _ Store = (*Memory)(nil)
