package keyring

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// Config configures a [Ring]. Only Lifetimes (or [Policy.RetainFor]) must be
// set; every other zero value is a safe default: a v4.public ring of
// signing keys, in memory, rotated weekly.
type Config struct {
	// Version is the PASETO version of the ring's keys: V4 when zero, or
	// V3 or V2.
	Version paseto.Version
	// Purpose is what the keys are for: paseto.Public (signing keys for
	// public tokens) when zero, or paseto.Local (keys that encrypt local
	// tokens, session cookies, remember-me tokens).
	Purpose paseto.Purpose

	// Backend stores the ring's state. Nil means a new [Memory]: keys live
	// as long as the process. Rings that share a Backend share their
	// keys and rotate once for all of them; they must all have the same
	// Version, Purpose and Policy, and clocks that agree to well within
	// [Policy.PublishAhead].
	Backend Backend
	// WrappingKey encrypts the secret keys before they reach the backend
	// (PASERK local-wrap.pie and secret-wrap.pie). It must have the ring's
	// Version. Exactly one of WrappingKey and Password is required unless
	// the Backend is a [Memory]; neither is allowed with Memory.
	WrappingKey *paseto.SymmetricKey
	// Password, used instead of WrappingKey, encrypts a random data key
	// with a PASERK password wrap (local-pw: Argon2id for v2 and v4,
	// PBKDF2 for v3), and the data key encrypts the secret keys. The
	// password is the operator's; it is used as given.
	Password []byte
	// PasswordParams are the cost of the password wrap when the ring's
	// state is created; zero fields take paserk.DefaultPasswordParams.
	// Reading state accepts up to paserk.MaxPasswordParams.
	PasswordParams paserk.PasswordParams

	// FirstKey, if not nil, is the first current key of a ring whose
	// backend is empty, instead of a generated key: a *paseto.SecretKey
	// for a public ring, a *paseto.SymmetricKey for a local one, of the
	// ring's Version. It lets an application keep accepting what it made
	// with a configured key before it used a ring, and across restarts of
	// an in-memory ring. It is unused once the backend holds state.
	FirstKey paseto.Key

	// Policy is the rotation schedule. See [Policy] for its defaults.
	Policy Policy
	// Lifetimes are the lifetimes of the tokens and cookies the ring's keys
	// make (the issuer's token lifetime, the session lifetime, ...).
	// [Policy.RetainFor] must cover the longest plus Leeway; zero RetainFor
	// means exactly that. Components also check theirs with
	// [Ring.CheckLifetime]. Each must be positive.
	Lifetimes []time.Duration
	// Leeway is the clock skew the verifiers tolerate past exp; retired
	// keys are kept that much longer. Negative is an error.
	Leeway time.Duration

	// SyncInterval is how often [Ring.Run] reloads the state from the
	// backend: the bound on how long a process takes to see a rotation
	// another process made. Zero means [DefaultSyncInterval] (one second).
	// [Policy.PublishAhead] must not be shorter.
	SyncInterval time.Duration
	// Now returns the current time; nil means time.Now. It must be safe
	// for concurrent use. New calls it once, to create the first key of an
	// empty backend or bring stored state up to date.
	Now func() time.Time
	// OnError, if not nil, is called by [Ring.Run] with the errors of its
	// ticks (an unreachable backend, unreadable state); the ring keeps its
	// last good copy meanwhile. It must be safe for concurrent use.
	OnError func(err error)
	// Events receives an [observe.KindKeyRotation] event when a next key
	// is published or becomes current (in this process, or seen in the
	// backend), and an [observe.KindKeySync] event when [Ring.Tick] fails
	// and when it succeeds again. Nil means [observe.Default]: slog,
	// rate-limited.
	Events observe.Handler
}

// Ring owns the keys of one family (one version and purpose): it creates
// them, moves them through [Next], [Current] and [Retired] on its
// [Policy], drops them, and stores its state in a [Backend]. It is a
// [Source] for the components that use the keys. Create it with [New]; it
// is safe for concurrent use.
type Ring struct {
	fam     family
	first   paseto.Key // Config.FirstKey, or nil
	pol     Policy
	leeway  time.Duration
	sync    time.Duration
	backend Backend
	bname   string
	now     func() time.Time
	onError func(error)
	events  observe.Handler
	failing bool // the last Tick failed; guarded by mu

	mu    sync.Mutex // serializes Tick and Rotate; guards codec, state, gen
	codec *codec
	state *ringState // the last good copy
	data  []byte     // state as the backend stores it (its version alone is not enough: see tick)
	gen   uint64

	snap atomic.Pointer[Snapshot]
}

var _ Source = (*Ring)(nil)

// New validates cfg, loads the ring's state from the backend (creating the
// first key when the backend is empty) and returns the Ring. State that
// cannot be read (garbage, a wrong wrapping key or password, an unknown
// format version, another key family) stops New with a *[StateError]; it
// is never overwritten. Configuration errors are *[ConfigError] values.
//
// New does not start the schedule: call [Ring.Run] in a goroutine, or
// [Ring.Tick] from your own scheduler.
func New(ctx context.Context, cfg Config) (*Ring, error) {
	r := &Ring{leeway: cfg.Leeway, sync: cfg.SyncInterval, backend: cfg.Backend, now: cfg.Now, onError: cfg.OnError, events: cfg.Events}
	switch cfg.Version {
	case 0:
		r.fam.v = paseto.V4
	case paseto.V2, paseto.V3, paseto.V4:
		r.fam.v = cfg.Version
	default:
		return nil, configError("Version", errors.New("not V2, V3 or V4"))
	}
	switch cfg.Purpose {
	case 0:
		r.fam.p = paseto.Public
	case paseto.Public, paseto.Local:
		r.fam.p = cfg.Purpose
	default:
		return nil, configError("Purpose", errors.New("not Public or Local"))
	}
	if r.leeway < 0 {
		return nil, configError("Leeway", errors.New("negative"))
	}
	if cfg.FirstKey != nil {
		_, sk := cfg.FirstKey.(*paseto.SecretKey)
		_, lk := cfg.FirstKey.(*paseto.SymmetricKey)
		if cfg.FirstKey.Version() != r.fam.v || (r.fam.p == paseto.Public && !sk) || (r.fam.p == paseto.Local && !lk) || keyID(cfg.FirstKey) == "" {
			return nil, configError("FirstKey", fmt.Errorf("not a usable %s key", r.fam))
		}
		r.first = cfg.FirstKey
	}
	switch {
	case r.sync < 0:
		return nil, configError("SyncInterval", errors.New("negative"))
	case r.sync == 0:
		r.sync = DefaultSyncInterval
	}
	pol, err := cfg.Policy.resolve(cfg.Lifetimes, r.leeway, r.sync)
	if err != nil {
		return nil, err
	}
	r.pol = pol
	if r.now == nil {
		r.now = time.Now
	}
	if r.backend == nil {
		r.backend = NewMemory()
	}
	r.bname = fmt.Sprint(r.backend)
	if s, ok := r.backend.(fmt.Stringer); ok {
		r.bname = s.String()
	}
	_, memory := r.backend.(inMemory)
	c := &codec{fam: r.fam, params: cfg.PasswordParams}
	switch {
	case cfg.WrappingKey != nil && cfg.Password != nil:
		return nil, configError("WrappingKey", errors.New("set together with Password: set one"))
	case cfg.WrappingKey != nil:
		if memory {
			return nil, configError("WrappingKey", errors.New("set with a Memory backend, which keeps keys in memory"))
		}
		if cfg.WrappingKey.Version() != r.fam.v || paserk.LocalID(cfg.WrappingKey) == "" {
			return nil, configError("WrappingKey", fmt.Errorf("not a usable %s local key", r.fam.v))
		}
		c.wrapKey, c.wrapID = cfg.WrappingKey, paserk.LocalID(cfg.WrappingKey)
	case cfg.Password != nil:
		if memory {
			return nil, configError("Password", errors.New("set with a Memory backend, which keeps keys in memory"))
		}
		if len(cfg.Password) == 0 {
			return nil, configError("Password", errors.New("empty"))
		}
		c.password = append([]byte(nil), cfg.Password...)
	case !memory:
		return nil, configError("WrappingKey", errors.New("neither WrappingKey nor Password is set: secret keys are never stored unwrapped"))
	}
	r.codec = c

	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.tick(ctx, nil); err != nil {
		return nil, err
	}
	return r, nil
}

// Snapshot returns the ring's keys as this process sees them: one atomic
// load. It never returns nil for a Ring made by [New].
func (r *Ring) Snapshot() *Snapshot { return r.snap.Load() }

// Policy returns the ring's policy with its defaults filled in.
func (r *Ring) Policy() Policy { return r.pol }

// CheckLifetime reports whether the ring keeps keys long enough for tokens
// or cookies that live for lifetime: [Policy.RetainFor] must be at least
// lifetime plus [Config.Leeway]. Otherwise the error is a *[ConfigError]
// matching [ErrLifetimeNotCovered]. Components call it from their New.
func (r *Ring) CheckLifetime(lifetime time.Duration) error {
	if lifetime <= 0 {
		return configError("Lifetimes", errors.New("a lifetime to cover must be positive"))
	}
	if r.pol.RetainFor < lifetime+r.leeway {
		return configError("Policy.RetainFor", fmt.Errorf("%w: %v is shorter than the lifetime %v plus Leeway %v",
			ErrLifetimeNotCovered, r.pol.RetainFor, lifetime, r.leeway))
	}
	return nil
}

// Tick brings the ring up to date at [Config.Now]: it reloads the state from
// the backend, and when the schedule is due (a next key to publish, a next
// key to make current, retired keys to drop) it stores the change with a
// compare-and-swap, so that of all the processes sharing the backend
// exactly one makes it. A backend that cannot be reached, or state that
// cannot be read, leaves the ring with its last good copy and returns the
// error; the ring then never creates keys of its own (see [Snapshot] for
// how long the copy keeps issuing). A backend found empty again (a store
// that lost its data) is seeded with the last good copy.
func (r *Ring) Tick(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	err := r.tick(ctx, nil)
	r.syncEvent(ctx, err)
	return err
}

// Rotate starts a staged rotation now, by hand (an operator's request, a
// suspicion about the current key): a new next key is published and
// becomes current [Policy.PublishAhead] later, so that verifiers learn it
// first. If a next key is already published, it becomes current as soon
// as it has been published for PublishAhead, and no other key is made:
// concurrent calls, in one process or across a fleet, make one rotation.
// It returns the key that will become current. A rotation that would hold
// more than [Policy.MaxKeys] keys is refused with [ErrTooManyKeys].
// MaxKeys is never exceeded: when manual rotations have filled it, the
// scheduled rotation waits (the current key stays current) until the
// oldest retired key is dropped.
func (r *Ring) Rotate(ctx context.Context) (KeyInfo, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var next KeyInfo
	err := r.tick(ctx, func(st *ringState, now time.Time) (bool, error) {
		cur, n := st.current(), st.next()
		if n == nil {
			if len(st.keys)+1 > r.pol.MaxKeys {
				return false, ErrTooManyKeys
			}
			k, err := r.newKey(now)
			if err != nil {
				return false, err
			}
			k.state, k.activateAt = Next, now.Add(r.pol.PublishAhead)
			cur.retireAt = k.activateAt
			st.keys = append(st.keys, k)
			st.sortKeys()
			next = k.info()
			return true, nil
		}
		at := later(n.published.Add(r.pol.PublishAhead), now)
		next = n.info()
		if !at.Before(n.activateAt) {
			return false, nil
		}
		n.activateAt, cur.retireAt = at, at
		next = n.info()
		return true, nil
	})
	return next, err
}

// Run calls [Ring.Tick] every [Config.SyncInterval], and at the times the
// schedule is due, until ctx is done; it returns ctx's error. Errors of a
// tick go to [Config.OnError] and the loop goes on. Run waits on real timers
// (time.Timer); tests drive it with testing/synctest, or call Tick with a
// test clock instead.
func (r *Ring) Run(ctx context.Context) error {
	for {
		if err := r.Tick(ctx); err != nil && ctx.Err() == nil && r.onError != nil {
			r.onError(err)
		}
		wait := r.sync
		if d := r.Snapshot().validUntil.Sub(r.now()); d >= 0 && d < wait {
			wait = d
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// maxConflicts bounds the compare-and-swap retries of one tick.
const maxConflicts = 8

// tick reloads, applies the schedule and then change (if not nil), stores
// the result, and publishes a snapshot. r.mu is held.
func (r *Ring) tick(ctx context.Context, change func(*ringState, time.Time) (bool, error)) error {
	for range maxConflicts {
		now := r.now().UTC().Round(0)
		rec, err := r.backend.Load(ctx)
		if err != nil {
			return r.fail(err)
		}
		var st *ringState
		switch {
		case rec.Version == 0 && r.state == nil:
			st = &ringState{} // empty backend: the first key is made below
		case rec.Version == 0:
			st = r.state.clone() // the backend lost its data: seed it with the last copy
			st.version = 0
		case r.state != nil && rec.Version == r.state.version && bytes.Equal(rec.Data, r.data):
			st = r.state
		default:
			// A version equal to the copy's with other data: the backend
			// lost its data (a Redis restart), was stored again by another
			// process, and counted back up to this version. Read it: the
			// last copy must not be taken for it, nor swapped over it.
			if st, err = r.codec.open(rec.Data, rec.Version); err != nil {
				return r.fail(err)
			}
			r.data = rec.Data
		}
		if rec.Version != 0 {
			r.setState(st, now, true)
		}
		next := st.clone()
		changed := r.advance(next, now)
		if rec.Version == 0 {
			changed = true
		}
		if change != nil {
			c, err := change(next, now)
			if err != nil {
				return err
			}
			changed = changed || c
		}
		if !changed {
			return nil
		}
		next.version = rec.Version + 1
		data, err := r.codec.seal(next)
		if err != nil {
			return err
		}
		err = r.backend.CompareAndSwap(ctx, rec.Version, Record{Version: next.version, Data: data})
		if errors.Is(err, ErrConflict) {
			continue // another process changed it: reload and decide again
		}
		if err != nil {
			return r.fail(err)
		}
		r.setState(next, now, true)
		r.data = data
		return nil
	}
	return fmt.Errorf("keyring: %s: %w %d times in a row", r.bname, ErrConflict, maxConflicts)
}

// fail names the backend in err. The last good copy stays.
func (r *Ring) fail(err error) error {
	var se *StateError
	if errors.As(err, &se) {
		if se.Backend == "" {
			se.Backend = r.bname
		}
		return err
	}
	return fmt.Errorf("keyring: %s: %w", r.bname, err)
}

// setState makes st the last good copy and publishes its snapshot when it
// changed. synced says st was just read from or written to the backend.
func (r *Ring) setState(st *ringState, now time.Time, synced bool) {
	if len(st.keys) == 0 {
		return // the empty state of a new ring: nothing to publish yet
	}
	old := r.snap.Load()
	if st == r.state && old != nil {
		if synced && old.synced.Before(now) {
			s := *old
			s.synced = now
			r.snap.Store(&s)
		}
		return
	}
	r.state = st
	r.gen++
	s := r.build(st)
	if synced {
		s.synced = now
	} else if old != nil {
		s.synced = old.synced
	}
	r.snap.Store(s)
	r.rotationEvents(old, s)
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// newKey generates a key of the ring's family, published at now.
func (r *Ring) newKey(now time.Time) (*stored, error) {
	var k paseto.Key
	var err error
	if r.fam.p == paseto.Public {
		k, err = paseto.GenerateSecretKey(r.fam.v)
	} else {
		k, err = paseto.GenerateSymmetricKey(r.fam.v)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: generate key: %w", err)
	}
	return &stored{id: keyID(k), key: k, entryTimes: entryTimes{published: now.UTC().Round(0)}}, nil
}

// advance applies the schedule to st at now and reports whether it
// changed anything: retired keys due are dropped; an empty state gets its
// first, current key; a next key due becomes current (the current one
// retires); and a next key is published PublishAhead before the current
// key is due to retire, if MaxKeys leaves room for it.
func (r *Ring) advance(st *ringState, now time.Time) bool {
	now = now.UTC().Round(0)
	d, p, ret := r.pol.RotateEvery, r.pol.PublishAhead, r.pol.RetainFor
	changed := r.drop(st, now)
	cur, next := st.current(), st.next()
	if cur == nil {
		var k *stored
		var err error
		if r.first != nil && len(st.keys) == 0 {
			k = &stored{id: keyID(r.first), key: r.first, entryTimes: entryTimes{published: now}}
		} else {
			k, err = r.newKey(now)
		}
		if err != nil {
			return changed // retried at the next tick
		}
		k.state, k.activated, k.retireAt = Current, now, now.Add(d)
		st.keys = append(st.keys, k)
		cur, changed = k, true
	}
	if next != nil && !now.Before(next.activateAt) {
		// Every process switched at activateAt (see [Snapshot.Current]); no
		// copy signs with cur after the latest retirement it was promised.
		at := next.activateAt
		cur.state, cur.retired = Retired, at
		cur.dropAt = later(cur.retireAt, cur.activated.Add(d)).Add(ret)
		next.state, next.activated, next.activateAt = Current, at, time.Time{}
		next.retireAt = at.Add(d)
		cur, next, changed = next, nil, true
	}
	changed = r.drop(st, now) || changed
	if next == nil && !now.Before(cur.retireAt.Add(-p)) {
		if len(st.keys) >= r.pol.MaxKeys {
			// No room (manual rotations filled it): the current key stays
			// current until the oldest retired key is dropped and its
			// successor has been published for PublishAhead.
			if at := earliestDrop(st).Add(p); at.After(cur.retireAt) {
				cur.retireAt, changed = at, true
			}
		} else if k, err := r.newKey(now); err == nil {
			k.state, k.activateAt = Next, later(cur.retireAt, now.Add(p))
			cur.retireAt = k.activateAt
			st.keys = append(st.keys, k)
			changed = true
		}
	}
	if changed {
		st.sortKeys()
	}
	return changed
}

// drop removes the retired keys due to be dropped at now, and reports
// whether there were any.
func (r *Ring) drop(st *ringState, now time.Time) bool {
	keep := st.keys[:0]
	for _, k := range st.keys {
		if k.state != Retired || now.Before(k.dropAt) {
			keep = append(keep, k)
		}
	}
	dropped := len(keep) != len(st.keys)
	clear(st.keys[len(keep):])
	st.keys = keep
	return dropped
}

// earliestDrop returns the earliest drop time of st's retired keys.
func earliestDrop(st *ringState) time.Time {
	var t time.Time
	for _, k := range st.keys {
		if k.state == Retired && (t.IsZero() || k.dropAt.Before(t)) {
			t = k.dropAt
		}
	}
	return t
}

// build makes the snapshot of st.
func (r *Ring) build(st *ringState) *Snapshot {
	s := &Snapshot{gen: r.gen, stateVer: st.version, version: r.fam.v, purpose: r.fam.p,
		byID: make(map[string]*Entry, len(st.keys)), maxAge: r.pol.keySetMaxAge(), ahead: r.pol.PublishAhead}
	d, ret := r.pol.RotateEvery, r.pol.RetainFor
	var retired []*paseto.PublicKey
	for _, k := range st.keys {
		e := &Entry{info: k.info()}
		switch key := k.key.(type) {
		case *paseto.SecretKey:
			e.secret, e.public = key, key.Public()
		case *paseto.SymmetricKey:
			e.local = key
		}
		switch k.state {
		case Next:
			s.next = e
			e.until = k.activateAt.Add(d).Add(ret)
		case Current:
			s.current = e
			e.until = later(k.retireAt, k.activated.Add(d)).Add(ret)
		case Retired:
			e.until = k.dropAt
			if e.public != nil {
				retired = append(retired, e.public)
			}
		}
		s.keys = append(s.keys, e)
		s.byID[e.info.ID] = e
	}
	cur := st.current()
	s.switchAt = cur.retireAt
	s.validUntil = cur.retireAt.Add(-r.pol.PublishAhead)
	if n := st.next(); n != nil {
		s.switchAt = n.activateAt
		if n.activateAt.After(cur.retireAt) {
			s.switchAt = cur.retireAt
		}
		s.staleAt = n.activateAt.Add(d)
		s.validUntil = s.switchAt
	}
	for _, k := range st.keys {
		if k.state == Retired && k.dropAt.Before(s.validUntil) {
			s.validUntil = k.dropAt
		}
	}
	if s.current.public != nil {
		s.publics = append(s.publics, s.current.public)
	}
	if s.next != nil && s.next.public != nil {
		s.publics = append(s.publics, s.next.public)
	}
	s.publics = append(s.publics, retired...)
	return s
}
