package redisstore

import (
	"context"
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
}

// Replica is an opt-in local copy of the answers of [Store.Check], kept
// fresh by Redis's keyspace notifications, so that a verified token
// usually costs no round trip. It implements store.Store: every method
// but Check goes to the Store.
//
// How fresh: the Replica subscribes, on one connection, to the keyspace
// notifications of the Store's keys and to a heartbeat channel, on which
// it publishes its own heartbeat every MaxStale/4. Redis delivers the
// messages of one connection in order, so receiving a heartbeat sent at t
// proves that every write Redis committed before t has been seen (and has
// dropped the answers it changes). A kept answer is used only while the
// latest heartbeat received was sent less than MaxStale ago; otherwise,
// and whenever the subscription breaks (every answer is dropped then),
// Check asks Redis, as the Store does, and fails with
// store.ErrUnavailable when Redis cannot answer. An answer is never older
// than MaxStale.
//
// It needs a single server or Sentinel (Redis Cluster does not deliver
// the notifications of all shards on one connection in order) whose
// notify-keyspace-events holds K, g, $, h, x and e ("Kg$hxe" or "KA"):
// NewReplica refuses a server without them. Close stops it.
type Replica struct {
	s        *Store
	c        *redis.Client
	maxStale time.Duration
	max      int
	channel  string // the heartbeat channel
	pattern  string // the keyspace notifications of the Store's keys
	ksPrefix string // "__keyspace@<db>__:"

	mu      sync.Mutex
	answers map[string]replicaEntry
	byKey   map[string][]string // Redis key -> answers that read it
	epoch   uint64              // bumped by every invalidation and resubscription
	synced  time.Time           // send time of the latest heartbeat received
	resetAt time.Time           // the latest (re)subscription or break
	sent    map[string]time.Time

	ps     *redis.PubSub
	cancel context.CancelFunc
	done   chan struct{}
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
	db := strconv.Itoa(c.Options().DB)
	r := &Replica{s: s, c: c, maxStale: cfg.MaxStale, max: cfg.MaxEntries,
		channel:  s.prefix + "replica-heartbeat",
		ksPrefix: "__keyspace@" + db + "__:",
		answers:  make(map[string]replicaEntry), byKey: make(map[string][]string),
		sent: make(map[string]time.Time), done: make(chan struct{})}
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
			r.reset()
			select { // go-redis reconnects and resubscribes on the next Receive
			case <-ctx.Done():
				return
			case <-time.After(r.maxStale / 4):
			}
			continue
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			r.reset() // a (re)subscription: what happened meanwhile is unknown
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
	var n uint64
	for {
		n++
		id := strconv.FormatUint(n, 10)
		r.mu.Lock()
		r.sent[id] = time.Now()
		for k, at := range r.sent { // forget heartbeats that never came back
			if time.Since(at) > 4*r.maxStale {
				delete(r.sent, k)
			}
		}
		r.mu.Unlock()
		pctx, cancel := context.WithTimeout(ctx, r.maxStale)
		_ = r.c.Publish(pctx, r.channel, id).Err()
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (r *Replica) heard(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if at, ok := r.sent[id]; ok {
		delete(r.sent, id)
		// A heartbeat sent before the subscription was (re)made proves
		// nothing: notifications were lost meanwhile.
		if at.After(r.resetAt) && at.After(r.synced) {
			r.synced = at
		}
	}
}

func (r *Replica) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.epoch++
	r.synced = time.Time{}
	r.resetAt = time.Now()
	clear(r.answers)
	clear(r.byKey)
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

// fresh reports whether kept answers may be used now. The caller holds
// r.mu.
func (r *Replica) fresh() bool {
	return !r.synced.IsZero() && time.Since(r.synced) < r.maxStale
}

// Check implements store.Store: a kept answer when the replica is fresh
// (no round trip), else the Store's Check, whose answer is kept when no
// notification arrived while it ran.
func (r *Replica) Check(ctx context.Context, q store.Check) (store.Status, error) {
	id := queryID(q)
	r.mu.Lock()
	if r.fresh() {
		if e, ok := r.answers[id]; ok {
			r.mu.Unlock()
			return e.st, nil
		}
	}
	epoch := r.epoch
	r.mu.Unlock()
	st, err := r.s.Check(ctx, q)
	if err != nil {
		return st, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.epoch == epoch && r.fresh() && len(r.answers) < r.max {
		keys := r.redisKeys(q)
		r.answers[id] = replicaEntry{st: st, keys: keys}
		for _, k := range keys {
			r.byKey[k] = append(r.byKey[k], id)
		}
	}
	return st, nil
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

// queryID names a Check query unambiguously (lengths before parts).
func queryID(q store.Check) string {
	var b strings.Builder
	for _, k := range q.Keys {
		b.WriteString(strconv.Itoa(len(k)))
		b.WriteByte(':')
		b.WriteString(k)
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(len(q.Family)))
	b.WriteByte(':')
	b.WriteString(q.Family)
	b.WriteByte('|')
	b.WriteString(q.Cutoff)
	return b.String()
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
