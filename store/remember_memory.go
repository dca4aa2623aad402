package store

import (
	"bytes"
	"container/heap"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrSelectorInUse: [RememberStore.CreateSeries] was given the selector of
// a series that still exists. [MemoryRemember] returns errors matching it;
// other [RememberStore] implementations may return any non-nil error for this case.
var ErrSelectorInUse = errors.New("store: remember-me selector already in use")

// MemoryRemember is a [RememberStore] kept in the memory of one process, for
// applications that run as one process (use the Redis implementation when
// several processes share remember-me logins). It is a separate type from
// [Memory], with its own bound, because a series is a much larger record than
// a revocation mark. It is safe for concurrent use; every method holds one
// lock, so each is atomic with respect to the others.
//
// A series disappears when the clock reaches its Expires time: it is
// ignored at once and its memory is reclaimed by later CreateSeries calls,
// so no background goroutine is needed and a [MemoryRemember] needs no Close.
// The context arguments of its methods are ignored.
type MemoryRemember struct {
	now     func() time.Time
	max     int
	perUser int

	mu     sync.Mutex
	series map[string]*remItem            // by selector
	users  map[string]map[string]*remItem // userID -> selector -> item
	byExp  expiryHeap[*remItem]           // min-heap by Expires, for sweeping
}

type remItem struct {
	s     Series
	index int // position in byExp
}

// NewMemoryRemember returns an empty [MemoryRemember] configured by cfg.
// cfg.MaxEntries bounds the number of series that have not expired (zero
// means [DefaultMaxEntries]): when it is reached, CreateSeries fails with
// an error matching [ErrFull] and [ErrUnavailable], and no series of
// another user is evicted before it expires. cfg.MaxSeriesPerUser bounds
// the series of one user (zero means [DefaultMaxSeriesPerUser]): a user at that bound who
// logs in on one more device loses the remembered login that expires
// soonest, so one user cannot fill the store. cfg.Now is the clock (nil
// means time.Now). A negative bound is a [*ConfigError] matching
// [ErrInvalidConfig].
func NewMemoryRemember(cfg MemoryConfig) (*MemoryRemember, error) {
	if err := cfg.validate(true); err != nil {
		return nil, err
	}
	m := &MemoryRemember{
		now:     cfg.Now,
		max:     cfg.MaxEntries,
		perUser: cfg.MaxSeriesPerUser,
		series:  make(map[string]*remItem),
		users:   make(map[string]map[string]*remItem),
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.max == 0 {
		m.max = DefaultMaxEntries
	}
	if m.perUser == 0 {
		m.perUser = DefaultMaxSeriesPerUser
	}
	return m, nil
}

// MaxSeriesPerUser returns the bound on the series of one user.
func (m *MemoryRemember) MaxSeriesPerUser() int { return m.perUser }

// CreateSeries implements [RememberStore]. It returns an error for an empty
// selector, and one matching [ErrSelectorInUse] when a series with that
// selector exists. A series whose Expires is not after the current time is
// not recorded (nil error): it would be gone at once. When the user already
// has MaxSeriesPerUser series, the one that expires soonest is deleted
// first. The hashes are copied, so the caller may reuse its slices.
func (m *MemoryRemember) CreateSeries(_ context.Context, s Series) error {
	if s.Selector == "" {
		return errors.New("store: empty remember-me selector")
	}
	now := m.now()
	if !now.Before(s.Expires) {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live(s.Selector, now) != nil {
		return ErrSelectorInUse
	}
	m.sweep(now)
	u := m.users[s.UserID]
	for len(u) >= m.perUser {
		m.remove(oldest(u))
	}
	if len(m.series) >= m.max {
		return fmt.Errorf("%w: %w (%d remember-me series)", ErrUnavailable, ErrFull, len(m.series))
	}
	it := &remItem{s: cloneSeries(s)}
	m.series[s.Selector] = it
	u = m.users[s.UserID]
	if u == nil {
		u = make(map[string]*remItem)
		m.users[s.UserID] = u
	}
	u[s.Selector] = it
	heap.Push(&m.byExp, it)
	return nil
}

// GetSeries implements [RememberStore]. The returned hashes are copies.
func (m *MemoryRemember) GetSeries(_ context.Context, selector string) (Series, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	it := m.live(selector, now)
	if it == nil {
		return Series{}, ErrNotFound
	}
	return cloneSeries(it.s), nil
}

// RotateSeries implements [RememberStore]. The hashes are compared in
// constant time; an empty oldHash never matches.
func (m *MemoryRemember) RotateSeries(_ context.Context, selector string, oldHash, newHash []byte, graceUntil time.Time) (bool, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	it := m.live(selector, now)
	if it == nil {
		return false, ErrNotFound
	}
	if len(oldHash) == 0 || subtle.ConstantTimeCompare(it.s.ValidatorHash, oldHash) != 1 {
		return false, nil
	}
	it.s.PrevHash = it.s.ValidatorHash
	it.s.ValidatorHash = bytes.Clone(newHash)
	it.s.PrevUntil = graceUntil.Round(0)
	return true, nil
}

// DeleteSeries implements [RememberStore]. Deleting a series that does not
// exist is not an error.
func (m *MemoryRemember) DeleteSeries(_ context.Context, selector string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if it := m.series[selector]; it != nil {
		m.remove(it)
	}
	return nil
}

// DeleteUser implements [RememberStore]. A user without series is not an
// error.
func (m *MemoryRemember) DeleteUser(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, it := range m.users[userID] {
		m.remove(it)
	}
	return nil
}

// Len returns the number of series held, including expired ones whose
// memory has not been reclaimed yet.
func (m *MemoryRemember) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.series)
}

// live returns the series named selector if it has not expired at now.
// m.mu is held.
func (m *MemoryRemember) live(selector string, now time.Time) *remItem {
	it := m.series[selector]
	if it == nil || !now.Before(it.s.Expires) {
		return nil
	}
	return it
}

// sweep reclaims every expired series. m.mu is held. Each series is swept
// once, so the cost is amortised over the calls that created them.
func (m *MemoryRemember) sweep(now time.Time) {
	for len(m.byExp) > 0 && !now.Before(m.byExp[0].s.Expires) {
		m.remove(m.byExp[0])
	}
}

// oldest returns the series of u that expires soonest, the least selector
// among those expiring at the same time. u is not empty. The scan is
// bounded by MaxSeriesPerUser, as sweep keeps only live series in u.
func oldest(u map[string]*remItem) *remItem {
	var o *remItem
	for _, it := range u {
		if o == nil || it.s.Expires.Before(o.s.Expires) ||
			it.s.Expires.Equal(o.s.Expires) && it.s.Selector < o.s.Selector {
			o = it
		}
	}
	return o
}

// remove deletes it from every index. m.mu is held.
func (m *MemoryRemember) remove(it *remItem) {
	heap.Remove(&m.byExp, it.index)
	delete(m.series, it.s.Selector)
	if u := m.users[it.s.UserID]; u != nil {
		delete(u, it.s.Selector)
		if len(u) == 0 {
			delete(m.users, it.s.UserID)
		}
	}
}

// cloneSeries copies the hashes of s and drops the monotonic clock
// readings of its times, which are meaningless outside this process.
func cloneSeries(s Series) Series {
	s.ValidatorHash = bytes.Clone(s.ValidatorHash)
	s.PrevHash = bytes.Clone(s.PrevHash)
	s.PrevUntil = s.PrevUntil.Round(0)
	s.Expires = s.Expires.Round(0)
	s.Created = s.Created.Round(0)
	return s
}

func (it *remItem) expiry() time.Time { return it.s.Expires }
func (it *remItem) setIndex(i int)    { it.index = i }

var _ RememberStore = (*MemoryRemember)(nil)
