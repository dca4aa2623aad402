package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/redis/go-redis/v9"
)

// DefaultMaxStale is the staleness bound of a [Replica] whose
// [ReplicaConfig.MaxStale] is zero.
const DefaultMaxStale = 100 * time.Millisecond

// DefaultReplicaEntries bounds the answers a [Replica] keeps when
// [ReplicaConfig.MaxEntries] is zero.
const DefaultReplicaEntries = 1 << 16

// ReplicaConfig configures [Store.NewReplica]. The zero value is ready to
// use.
type ReplicaConfig struct {
	// MaxStale bounds how old an answer of [Replica.Check] may be: an
	// answer kept locally is used only while the replica knows that every
	// write Redis committed until MaxStale ago has reached it. Zero means
	// [DefaultMaxStale]; it must be at least 10 ms.
	MaxStale time.Duration
	// MaxEntries bounds the answers kept. Zero means
	// [DefaultReplicaEntries]; a negative value is an error.
	MaxEntries int

	hooks *replicaHooks // the package's tests only
}

// Replica is an opt-in local copy of the answers of [Store.Check], kept
// fresh by Redis's keyspace notifications, so that a verified token
// usually costs no round trip. It implements store.Store: every method
// but Check goes to the Store.
//
// How fresh: the Replica subscribes, on one connection, to the keyspace
// notifications of the Store's keys and to a heartbeat channel, on which
// it publishes its own heartbeat every MaxStale/4 (and, see below, when a
// Check needs one). Redis delivers the messages of one connection in
// order, so receiving a heartbeat sent at t (the replica's clock read
// before the PUBLISH) proves that every write Redis committed before t
// has been seen (and has dropped the answers it changes). A Check begun at
// b uses a kept answer only when a heartbeat sent after b-MaxStale has
// been received since the latest (re)subscription: the answer then holds
// every write committed before b-MaxStale, and is never older than
// MaxStale.
//
// When the latest heartbeat received is too old (a loaded machine
// delays it), a Check that has a kept answer waits for the next one
// rather than asking Redis: one heartbeat, sent when none has been sent
// since b-MaxStale (one at a time), serves every waiting Check. It waits
// at most MaxStale (half the Store's Timeout if that is less); a
// heartbeat sent after b-MaxStale that arrives meanwhile makes the kept
// answer usable (it still holds every write committed before b-MaxStale),
// and otherwise the Check asks Redis, as the Store does, within what is
// left of the Store's Timeout since the Check began. It does not wait when
// the subscription is broken (every answer is dropped then) or no
// heartbeat has come back for the Store's Timeout. A Check without a kept
// answer asks Redis at once; its answer is kept when the subscription was
// up and no notification arrived while it ran. Redis's failures surface as
// store.ErrUnavailable, as the Store's.
//
// It needs a single server or Sentinel (Redis Cluster does not deliver
// the notifications of all shards on one connection in order) whose
// notify-keyspace-events holds K, g, $, h, x and e ("Kg$hxe" or "KA"):
// NewReplica refuses a server without them. Close stops it.
type Replica struct {
	s        *Store
	c        *redis.Client
	maxStale time.Duration
	wait     time.Duration // the longest wait for a heartbeat
	max      int
	channel  string // the heartbeat channel
	tag      string // this replica's heartbeats are "<tag><n>"
	pattern  string // the keyspace notifications of the Store's keys
	ksPrefix string // "__keyspace@<db>__:"
	now      func() time.Time
	hooks    *replicaHooks

	mu       sync.Mutex
	answers  map[string]replicaEntry
	byKey    map[string][]string // Redis key -> answers that read it
	epoch    uint64              // bumped by every invalidation and resubscription
	up       bool                // subscribed, and no break since
	synced   time.Time           // send time of the latest heartbeat received since resetAt
	resetAt  time.Time           // the latest (re)subscription or break
	lastSent time.Time           // send time of the latest heartbeat published
	sent     map[uint64]time.Time
	beatN    uint64
	kicking  bool          // a Check is publishing a heartbeat
	advanced chan struct{} // closed (and replaced) when synced advances or up changes

	ps     *redis.PubSub
	cancel context.CancelFunc
	done   chan struct{}
}

// replicaHooks lets the package's tests drive a Replica.
type replicaHooks struct {
	now       func() time.Time // the clock freshness is measured by
	onMessage func(any) bool   // called by the receiver with each message; false drops it
	onWait    func()           // called by a Check about to wait for a heartbeat
}

type replicaEntry struct {
	st   store.Status
	keys []string
}

// NewReplica starts a [Replica] of s. It checks the server's
// notify-keyspace-events and subscribes within the Store's timeout. The
// Store must use a redis.Client (a single server, or Sentinel's failover
// client).
func (s *Store) NewReplica(ctx context.Context, cfg ReplicaConfig) (*Replica, error) {
	c, ok := s.c.(*redis.Client)
	if !ok {
		return nil, configError("client", errors.New("a Replica needs a single server or Sentinel (a redis.Client), not Redis Cluster or a Ring"))
	}
	if cfg.MaxStale == 0 {
		cfg.MaxStale = DefaultMaxStale
	}
	if cfg.MaxStale < 10*time.Millisecond {
		return nil, configError("MaxStale", fmt.Errorf("%v: under 10ms", cfg.MaxStale))
	}
	if cfg.MaxEntries < 0 {
		return nil, configError("MaxEntries", fmt.Errorf("negative: %d", cfg.MaxEntries))
	}
	if cfg.MaxEntries == 0 {
		cfg.MaxEntries = DefaultReplicaEntries
	}
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	m, err := c.ConfigGet(cctx, "notify-keyspace-events").Result()
	if err != nil {
		return nil, unavailable("replica: CONFIG GET notify-keyspace-events", err)
	}
	if !notifyFlagsOK(m["notify-keyspace-events"]) {
		return nil, configError("client", fmt.Errorf("the server's notify-keyspace-events is %q: a Replica needs K, g, $, h, x and e (for example \"Kg$hxe\")", m["notify-keyspace-events"]))
	}
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	db := strconv.Itoa(c.Options().DB)
	r := &Replica{tag: base64.RawURLEncoding.EncodeToString(nonce[:]) + ":", s: s, c: c, maxStale: cfg.MaxStale, max: cfg.MaxEntries,
		wait:     min(cfg.MaxStale, s.timeout/2),
		channel:  s.prefix + "replica-heartbeat",
		ksPrefix: "__keyspace@" + db + "__:",
		now:      time.Now, hooks: cfg.hooks,
		answers: make(map[string]replicaEntry), byKey: make(map[string][]string),
		sent: make(map[uint64]time.Time), advanced: make(chan struct{}), done: make(chan struct{})}
	if cfg.hooks != nil && cfg.hooks.now != nil {
		r.now = cfg.hooks.now
	}
	r.resetAt = r.now()
	r.pattern = r.ksPrefix + escapeGlob(s.prefix) + "*"
	ps := c.PSubscribe(context.Background(), r.pattern)
	if err := ps.Subscribe(cctx, r.channel); err != nil {
		_ = ps.Close()
		return nil, unavailable("replica: subscribe", err)
	}
	rctx, rcancel := context.WithCancel(context.Background())
	r.cancel, r.ps = rcancel, ps
	go r.receive(rctx, ps)
	go r.beat(rctx)
	return r, nil
}

// notifyFlagsOK reports whether flags enable the keyspace events a
// Replica needs.
func notifyFlagsOK(flags string) bool {
	if !strings.Contains(flags, "K") {
		return false
	}
	if strings.Contains(flags, "A") {
		return true
	}
	for _, f := range []string{"g", "$", "h", "x", "e"} {
		if !strings.Contains(flags, f) {
			return false
		}
	}
	return true
}

// escapeGlob escapes the glob characters of Redis's pattern syntax.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Close stops the replica. Its Store stays usable.
func (r *Replica) Close() error {
	r.cancel()
	err := r.ps.Close() // unblocks Receive
	<-r.done
	return err
}

// receive applies the notifications and heartbeats in the order Redis
// sends them. Any break of the subscription drops every answer.
func (r *Replica) receive(ctx context.Context, ps *redis.PubSub) {
	defer close(r.done)
	for {
		msg, err := ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.reset(false)
			select { // go-redis reconnects and resubscribes on the next Receive
			case <-ctx.Done():
				return
			case <-time.After(r.maxStale / 4):
			}
			continue
		}
		if r.hooks != nil && r.hooks.onMessage != nil && !r.hooks.onMessage(msg) {
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			r.reset(true) // a (re)subscription: what happened meanwhile is unknown
		case *redis.Message:
			if m.Channel == r.channel {
				r.heard(m.Payload)
			} else if key, ok := strings.CutPrefix(m.Channel, r.ksPrefix); ok {
				r.invalidate(key)
			}
		}
	}
}

// beat publishes a heartbeat every maxStale/4.
func (r *Replica) beat(ctx context.Context) {
	t := time.NewTicker(r.maxStale / 4)
	defer t.Stop()
	for {
		r.publish(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publish sends one heartbeat, its send time recorded first.
func (r *Replica) publish(ctx context.Context) {
	r.mu.Lock()
	r.beatN++
	n := r.beatN
	at := r.now()
	r.sent[n] = at
	r.lastSent = at
	for k, t := range r.sent { // forget heartbeats that never came back
		if at.Sub(t) > 4*r.maxStale {
			delete(r.sent, k)
		}
	}
	r.mu.Unlock()
	pctx, cancel := context.WithTimeout(ctx, r.maxStale)
	_ = r.c.Publish(pctx, r.channel, r.tag+strconv.FormatUint(n, 10)).Err()
	cancel()
}

func (r *Replica) heard(payload string) {
	// Another replica's heartbeat (same prefix) proves nothing to this
	// one: it may have been published before this one's was sent.
	num, ok := strings.CutPrefix(payload, r.tag)
	if !ok {
		return
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if at, ok := r.sent[n]; ok {
		delete(r.sent, n)
		// A heartbeat sent before the subscription was (re)made proves
		// nothing: notifications were lost meanwhile.
		if r.up && at.After(r.resetAt) && at.After(r.synced) {
			r.synced = at
			r.signal()
		}
	}
}

// signal wakes the Checks waiting for a heartbeat. The caller holds r.mu.
func (r *Replica) signal() {
	close(r.advanced)
	r.advanced = make(chan struct{})
}

// reset drops every answer after a (re)subscription (up) or a break.
func (r *Replica) reset(up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch++
	r.up = up
	r.synced = time.Time{}
	r.resetAt = r.now()
	clear(r.answers)
	clear(r.byKey)
	r.signal()
}

func (r *Replica) invalidate(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch++
	for _, q := range r.byKey[key] {
		delete(r.answers, q)
	}
	delete(r.byKey, key)
}

// freshFor reports whether kept answers may be used by a Check begun at
// began: a heartbeat sent after began-maxStale has come back. The caller
// holds r.mu.
func (r *Replica) freshFor(began time.Time) bool {
	return !r.synced.IsZero() && began.Sub(r.synced) < r.maxStale
}

// Check implements store.Store: a kept answer when the replica is fresh
// (no round trip); a kept answer after waiting for a heartbeat when it is
// not; else the Store's Check, whose answer is kept when no notification
// arrived while it ran.
func (r *Replica) Check(ctx context.Context, q store.Check) (store.Status, error) {
	var buf [128]byte
	id := appendQueryID(buf[:0], q)
	began := r.now()
	r.mu.Lock()
	e, kept := r.answers[string(id)]
	if kept && r.freshFor(began) {
		r.mu.Unlock()
		return e.st, nil
	}
	r.mu.Unlock()
	if kept {
		deadline := time.Now().Add(r.s.timeout)
		if st, ok := r.await(ctx, began, id); ok {
			return st, nil
		}
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	r.mu.Lock()
	epoch, up := r.epoch, r.up
	r.mu.Unlock()
	st, err := r.s.Check(ctx, q)
	if err != nil || !up {
		return st, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.epoch == epoch && len(r.answers) < r.max {
		keys := r.redisKeys(q)
		sid := string(id)
		r.answers[sid] = replicaEntry{st: st, keys: keys}
		for _, k := range keys {
			r.byKey[k] = append(r.byKey[k], sid)
		}
	}
	return st, nil
}

// await waits, at most r.wait, for a heartbeat that makes the answer kept
// for id usable by a Check begun at began, publishing one when none has
// been sent since began-maxStale. It returns the answer and true, or
// false when the Check must ask Redis: the subscription broke, no
// heartbeat came back for the Store's timeout, the wait ran out, or the
// answer was dropped meanwhile.
func (r *Replica) await(ctx context.Context, began time.Time, id []byte) (store.Status, bool) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		r.mu.Lock()
		e, kept := r.answers[string(id)]
		latest := r.synced
		if r.resetAt.After(latest) {
			latest = r.resetAt
		}
		if !kept || !r.up || r.now().Sub(latest) > r.s.timeout {
			r.mu.Unlock()
			return store.Status{}, false
		}
		if r.freshFor(began) {
			r.mu.Unlock()
			return e.st, true
		}
		ch := r.advanced
		kick := !r.kicking && began.Sub(r.lastSent) >= r.maxStale
		if kick {
			r.kicking = true
		}
		r.mu.Unlock()
		if kick {
			r.publish(ctx)
			r.mu.Lock()
			r.kicking = false
			r.mu.Unlock()
		}
		if timer == nil {
			timer = time.NewTimer(r.wait)
		}
		if r.hooks != nil && r.hooks.onWait != nil {
			r.hooks.onWait()
		}
		select {
		case <-ch:
		case <-timer.C:
			return store.Status{}, false
		case <-ctx.Done():
			return store.Status{}, false
		}
	}
}

func (r *Replica) redisKeys(q store.Check) []string {
	keys := make([]string, 0, len(q.Keys)+2)
	for _, k := range q.Keys {
		keys = append(keys, r.s.markKey(k))
	}
	if q.Family != "" {
		keys = append(keys, r.s.familyKey(q.Family))
	}
	if q.Cutoff != "" {
		keys = append(keys, r.s.cutoffKey(q.Cutoff))
	}
	return keys
}

// appendQueryID appends to b a name of a Check query, unambiguous
// (lengths before parts).
func appendQueryID(b []byte, q store.Check) []byte {
	for _, k := range q.Keys {
		b = strconv.AppendInt(b, int64(len(k)), 10)
		b = append(b, ':')
		b = append(b, k...)
	}
	b = append(b, '|')
	b = strconv.AppendInt(b, int64(len(q.Family)), 10)
	b = append(b, ':')
	b = append(b, q.Family...)
	b = append(b, '|')
	b = append(b, q.Cutoff...)
	return b
}

// Revoke implements store.Store (the Store's).
func (r *Replica) Revoke(ctx context.Context, key string, until time.Time) error {
	return r.s.Revoke(ctx, key, until)
}

// Revoked implements store.Store (the Store's: a round trip).
func (r *Replica) Revoked(ctx context.Context, keys ...string) (bool, error) {
	return r.s.Revoked(ctx, keys...)
}

// Consume implements store.Store (the Store's).
func (r *Replica) Consume(ctx context.Context, key string, until time.Time) (bool, error) {
	return r.s.Consume(ctx, key, until)
}

// SetCutoff implements store.Store (the Store's).
func (r *Replica) SetCutoff(ctx context.Context, key string, t, until time.Time) error {
	return r.s.SetCutoff(ctx, key, t, until)
}

// Cutoff implements store.Store (the Store's: a round trip).
func (r *Replica) Cutoff(ctx context.Context, key string) (time.Time, error) {
	return r.s.Cutoff(ctx, key)
}

// CreateFamily implements store.Store (the Store's).
func (r *Replica) CreateFamily(ctx context.Context, owner, family, token string, until time.Time) error {
	return r.s.CreateFamily(ctx, owner, family, token, until)
}

// RotateFamily implements store.Store (the Store's).
func (r *Replica) RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (store.Rotation, error) {
	return r.s.RotateFamily(ctx, owner, family, from, to, retryUntil, until)
}

// RevokeFamily implements store.Store (the Store's).
func (r *Replica) RevokeFamily(ctx context.Context, owner, family string) error {
	return r.s.RevokeFamily(ctx, owner, family)
}

var _ store.Store = (*Replica)(nil)
