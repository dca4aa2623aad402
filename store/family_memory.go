package store

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrFamilyInUse: [Store.CreateFamily] was given a family that is live
// already. The memory store returns errors matching it; other
// implementations may return any non-nil error for this case.
var ErrFamilyInUse = errors.New("store: refresh family already exists")

// memFamilies are the refresh families of a [Memory]: one record per live
// family, indexed by owner. One lock guards them all, so that a family and
// its owner's index change together.
type memFamilies struct {
	mu     sync.RWMutex
	max    int // families in all
	per    int // families per owner
	items  map[string]*famItem
	owners map[string]map[string]*famItem
	byExp  expiryHeap[*famItem]
	seq    uint64 // counts created families: the order of creation
}

type famItem struct {
	owner, key string
	cur, prev  string
	retryUntil time.Time
	exp        time.Time
	seq        uint64 // when it was created, among the store's families
	index      int
}

func (it *famItem) expiry() time.Time { return it.exp }
func (it *famItem) setIndex(i int)    { it.index = i }

func newMemFamilies(maxEntries, per int) *memFamilies {
	return &memFamilies{max: maxEntries, per: per,
		items: make(map[string]*famItem), owners: make(map[string]map[string]*famItem)}
}

// live returns the live family key at now, or nil. The caller holds f.mu.
func (f *memFamilies) live(key string, now time.Time) *famItem {
	it := f.items[key]
	if it == nil || !now.Before(it.exp) {
		return nil
	}
	return it
}

// remove deletes it from every index. The caller holds f.mu.
func (f *memFamilies) remove(it *famItem) {
	delete(f.items, it.key)
	if o := f.owners[it.owner]; o != nil {
		delete(o, it.key)
		if len(o) == 0 {
			delete(f.owners, it.owner)
		}
	}
	heap.Remove(&f.byExp, it.index)
}

// sweep drops every family expired at now. The caller holds f.mu.
func (f *memFamilies) sweep(now time.Time) {
	for len(f.byExp) > 0 && !now.Before(f.byExp[0].exp) {
		f.remove(f.byExp[0])
	}
}

func (f *memFamilies) len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.items)
}

// CreateFamily implements [Store]. A family that is live already is an error
// matching [ErrFamilyInUse]. When the store holds MaxEntries live families,
// it fails with an error matching [ErrFull] and [ErrUnavailable]; an
// owner's own families never count against another owner's, beyond that.
func (m *Memory) CreateFamily(_ context.Context, owner, family, token string, until time.Time) error {
	now := m.now()
	if !now.Before(until) {
		return nil
	}
	f := m.fam
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sweep(now)
	if f.live(family, now) != nil {
		return fmt.Errorf("%w", ErrFamilyInUse)
	}
	own := f.owners[owner]
	for len(own) >= f.per {
		var oldest *famItem
		for _, it := range own {
			// The family that expires first; of families expiring at
			// the same instant, the one created first.
			if oldest == nil || it.exp.Before(oldest.exp) || it.exp.Equal(oldest.exp) && it.seq < oldest.seq {
				oldest = it
			}
		}
		f.remove(oldest)
		own = f.owners[owner]
	}
	if len(f.items) >= f.max {
		return fmt.Errorf("%w: %w (%d families)", ErrUnavailable, ErrFull, len(f.items))
	}
	f.seq++
	it := &famItem{owner: owner, key: family, cur: token, exp: until, seq: f.seq}
	f.items[family] = it
	if own == nil {
		own = make(map[string]*famItem)
		f.owners[owner] = own
	}
	own[family] = it
	heap.Push(&f.byExp, it)
	return nil
}

// RotateFamily implements [Store].
func (m *Memory) RotateFamily(_ context.Context, owner, family, from, to string, retryUntil, until time.Time) (Rotation, error) {
	now := m.now()
	f := m.fam
	f.mu.Lock()
	defer f.mu.Unlock()
	it := f.live(family, now)
	if it == nil || it.owner != owner {
		return FamilyGone, nil
	}
	switch {
	case it.cur == from:
		it.prev, it.cur, it.retryUntil = from, to, retryUntil
		if until.After(it.exp) {
			it.exp = until
			heap.Fix(&f.byExp, it.index)
		}
		return FamilyRotated, nil
	case it.prev == from && it.cur == to && now.Before(it.retryUntil):
		return FamilyRetried, nil
	default:
		f.remove(it)
		return FamilyReused, nil
	}
}

// RevokeFamily implements [Store].
func (m *Memory) RevokeFamily(_ context.Context, owner, family string) error {
	f := m.fam
	f.mu.Lock()
	defer f.mu.Unlock()
	if it := f.items[family]; it != nil && it.owner == owner {
		f.remove(it)
	}
	return nil
}

// Check implements [Store].
func (m *Memory) Check(ctx context.Context, c Check) (Status, error) {
	var st Status
	revoked, err := m.Revoked(ctx, c.Keys...)
	if err != nil {
		return Status{}, err
	}
	st.Revoked = revoked
	if !st.Revoked && c.Family != "" {
		now := m.now()
		m.fam.mu.RLock()
		st.Revoked = m.fam.live(c.Family, now) == nil
		m.fam.mu.RUnlock()
	}
	if c.Cutoff != "" {
		if st.Cutoff, err = m.Cutoff(ctx, c.Cutoff); err != nil {
			return Status{}, err
		}
	}
	return st, nil
}

// MaxFamiliesPerUser returns the bound on the live refresh families of one
// owner ([MemoryConfig.MaxFamiliesPerUser], or [DefaultMaxFamiliesPerUser]).
func (m *Memory) MaxFamiliesPerUser() int { return m.fam.per }
