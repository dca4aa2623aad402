package keyring

import (
	"errors"
	"fmt"
	"time"
)

// Defaults for the zero fields of [Policy] and [Config].
const (
	// DefaultRotateEvery is [Policy.RotateEvery] when zero: one week.
	DefaultRotateEvery = 7 * 24 * time.Hour
	// DefaultPublishAhead is [Policy.PublishAhead] when zero, or half of
	// RotateEvery when that is shorter: one day, well above the refresh
	// interval of verifiers that follow a key set (one hour by default).
	DefaultPublishAhead = 24 * time.Hour
	// DefaultSyncInterval is [Config.SyncInterval] when zero: how often
	// [Ring.Run] reloads the state, and so the bound on how long a process
	// takes to see a change another process made.
	DefaultSyncInterval = time.Second
	// MaxKeysLimit is the largest [Policy.MaxKeys] accepted, the most keys
	// a published key set may hold (keyset.MaxKeys).
	MaxKeysLimit = 1000
	// MaxKeySetMaxAge caps [Snapshot.MaxAge]: five minutes, the issuer's
	// default key set max-age.
	MaxKeySetMaxAge = 5 * time.Minute
)

// Policy is the schedule of a ring's keys. Every key is published (state
// [Next]) PublishAhead before it becomes [Current], signs or encrypts for
// RotateEvery, and is kept as [Retired] for RetainFor before it is dropped.
type Policy struct {
	// RotateEvery (D) is how long a key is current. Zero means
	// [DefaultRotateEvery] (one week). It must be at least one second.
	RotateEvery time.Duration
	// PublishAhead (P) is how long a key is known (published in key sets,
	// accepted by every process of the fleet) before it becomes current.
	// It must be at least the longest time a verifier may cache the key
	// set, and at least [Config.SyncInterval]; it may not exceed
	// RotateEvery. Zero means [DefaultPublishAhead], or RotateEvery/2 when
	// that is shorter.
	PublishAhead time.Duration
	// RetainFor (R) is how long a key stays, verifying or decrypting only,
	// after it stops being current. It must be at least the longest
	// lifetime of the tokens or cookies the key makes plus
	// [Config.Leeway]: New refuses a shorter RetainFor. Zero means exactly
	// that: the longest of [Config.Lifetimes] plus [Config.Leeway]; with no
	// Lifetimes, zero is an error.
	RetainFor time.Duration
	// MaxKeys caps the number of keys the ring holds (next, current and
	// retired together); the ring never holds more. It must be at least
	// what the schedule needs, floor(RetainFor/RotateEvery) + 3, and at
	// most [MaxKeysLimit]. Zero means one more than the schedule needs:
	// room for a manual rotation per RetainFor. A manual [Ring.Rotate]
	// that would exceed it is refused with [ErrTooManyKeys], and a
	// scheduled rotation that would is delayed until a retired key is
	// dropped.
	MaxKeys int
}

// minKeys is the number of keys the schedule can hold at once: the
// current key, one next key and the retired keys of the last RetainFor,
// one retirement per RotateEvery, both ends included.
func minKeys(d, r time.Duration) int {
	n := r / d
	if n > MaxKeysLimit {
		return MaxKeysLimit + 1
	}
	return int(n) + 3
}

// resolve checks p against the lifetimes it must cover, leeway and the sync
// interval, and returns it with its zero fields filled in.
func (p Policy) resolve(lifetimes []time.Duration, leeway, sync time.Duration) (Policy, error) {
	if p.RotateEvery < 0 {
		return p, configError("Policy.RotateEvery", errors.New("negative"))
	}
	if p.RotateEvery == 0 {
		p.RotateEvery = DefaultRotateEvery
	}
	if p.RotateEvery < time.Second {
		return p, configError("Policy.RotateEvery", errors.New("under one second"))
	}
	switch {
	case p.PublishAhead < 0:
		return p, configError("Policy.PublishAhead", errors.New("negative"))
	case p.PublishAhead == 0:
		p.PublishAhead = min(DefaultPublishAhead, p.RotateEvery/2)
	case p.PublishAhead > p.RotateEvery:
		return p, configError("Policy.PublishAhead", errors.New("longer than RotateEvery"))
	}
	if p.PublishAhead < sync {
		return p, configError("Policy.PublishAhead", errors.New("shorter than SyncInterval: other processes would not know a key before it signs"))
	}
	var longest time.Duration
	for i, l := range lifetimes {
		if l <= 0 {
			return p, configError(fmt.Sprintf("Lifetimes[%d]", i), errors.New("not positive"))
		}
		longest = max(longest, l)
	}
	need := longest + leeway
	switch {
	case p.RetainFor < 0:
		return p, configError("Policy.RetainFor", errors.New("negative"))
	case p.RetainFor == 0 && len(lifetimes) == 0:
		return p, configError("Policy.RetainFor", errors.New("zero, and no Lifetimes to derive it from"))
	case p.RetainFor == 0:
		p.RetainFor = need
	case p.RetainFor < need:
		return p, configError("Policy.RetainFor", errors.Join(ErrLifetimeNotCovered,
			errors.New("shorter than the longest of Lifetimes plus Leeway: keys would be dropped while their tokens are valid")))
	}
	want := minKeys(p.RotateEvery, p.RetainFor)
	switch {
	case p.MaxKeys < 0:
		return p, configError("Policy.MaxKeys", errors.New("negative"))
	case want > MaxKeysLimit:
		return p, configError("Policy.MaxKeys", fmt.Errorf("RetainFor/RotateEvery needs more than %d keys: rotate less often", MaxKeysLimit))
	case p.MaxKeys == 0:
		p.MaxKeys = min(want+1, MaxKeysLimit)
	case p.MaxKeys > MaxKeysLimit:
		return p, configError("Policy.MaxKeys", fmt.Errorf("over %d", MaxKeysLimit))
	case p.MaxKeys < want:
		return p, configError("Policy.MaxKeys", fmt.Errorf("%d, but RotateEvery, RetainFor need %d keys", p.MaxKeys, want))
	}
	return p, nil
}

// keySetMaxAge is the Cache-Control max-age for key sets: half of
// PublishAhead, in whole seconds, at most [MaxKeySetMaxAge]. A verifier that
// caches the set that long still learns every key before it signs.
func (p Policy) keySetMaxAge() time.Duration {
	return min(p.PublishAhead/2, MaxKeySetMaxAge).Truncate(time.Second)
}
