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
// How fresh: the Replica subscribes, on one connection per master, to
// the keyspace notifications of the Store's keys and to a heartbeat
// channel of its own, on which it publishes, through that master, its own
// heartbeat every MaxStale/4 (and, see below, when a Check needs one).
// Redis delivers the messages of one connection in order, so receiving a
// heartbeat sent at t (the replica's clock read before the PUBLISH)
// proves that every write that master committed before t has been seen
// (and has dropped the answers it changes). A Check begun at b uses a kept
// answer only when, from every master, a heartbeat sent after b-MaxStale
// has been received since that master's latest (re)subscription: the
// answer then holds every write committed before b-MaxStale, and is never
// older than MaxStale. Any (re)subscription or break of a subscription
// drops every kept answer.
//
// On Redis Cluster, keyspace notifications stay on the node where the
// write happened, so there is one subscription per master, and each
// heartbeat is published in one transaction (MULTI) with CLUSTER INFO and
// CLUSTER NODES: it counts only when the master reports, at the instant
// of its PUBLISH, that the cluster is ok, that it is a master, and that no
// slot of it is migrating to a node the Replica does not follow; and
// kept answers are used only while the masters' own slots, as reported by
// the heartbeats that make them fresh, cover all 16384 slots and no
// master followed knows of a master with slots that the Replica does not
// follow. Otherwise (a failover, a new master, a slot move) every Check
// asks Redis while the Replica reads the masters again (CLUSTER SLOTS),
// drops every kept answer and subscribes to the new ones. What it cannot
// see: a master that still believes it owns slots that a promoted replica
// has taken over, while no followed master has heard of the promotion
// yet (Redis Cluster's own gossip delay, or a partition until the node
// timeout); writes to the new master in that window reach the Replica when
// it follows that master.
//
// When the latest heartbeat is too old (a loaded machine delays it), a
// Check that has a kept answer waits for the next one rather than asking
// Redis: one heartbeat per master, sent when none has been sent since
// b-MaxStale (one at a time), serves every waiting Check. It waits at most
// MaxStale (half the Store's Timeout if that is less); a heartbeat sent
// after b-MaxStale that arrives meanwhile makes the kept answer usable (it
// still holds every write committed before b-MaxStale), and otherwise the
// Check asks Redis, as the Store does, within what is left of the Store's
// Timeout since the Check began. It does not wait when a subscription is
// broken or no heartbeat has come back for the Store's Timeout. A Check
// without a kept answer asks Redis at once; its answer is kept when every
// subscription was up and no notification arrived while it ran. Redis's
// failures surface as store.ErrUnavailable, as the Store's.
//
// It needs a single server, Sentinel or Redis Cluster whose
// notify-keyspace-events holds K, g, $, h, x and e ("Kg$hxe" or "KA") on
// every master: NewReplica refuses a server without them (on Cluster, a
// master found later without them is never counted fresh). Close stops
// it.
type Replica struct {
	s        *Store
	cluster  *redis.ClusterClient // nil: a single server or Sentinel
	maxStale time.Duration
	wait     time.Duration // the longest wait for a heartbeat
	max      int
	tag      string // this replica's heartbeats are "<tag><n>"
	pattern  string // the keyspace notifications of the Store's keys
	ksPrefix string // "__keyspace@<db>__:"
	now      func() time.Time
	hooks    *replicaHooks

	mu       sync.Mutex
	answers  map[string]replicaEntry
	byKey    map[string][]string // Redis key -> answers that read it
	epoch    uint64              // bumped by every invalidation and resubscription
	feeds    map[string]*feed    // by master address
	synced   time.Time           // every feed has heard a heartbeat sent at or after this (zero: not all)
	kicking  bool                // a Check is publishing heartbeats
	advanced chan struct{}       // closed (and replaced) when synced changes or a feed resets
	closed   bool

	ctx     context.Context
	cancel  context.CancelFunc
	refresh chan struct{} // Cluster: read the masters again
	wg      sync.WaitGroup
}

// feed is the subscription to one master. Its fields from up on are
// guarded by the Replica's mu.
type feed struct {
	addr    string
	channel string // its heartbeat channel
	c       *redis.Client
	own     bool // c was made by the Replica: Close closes it
	ps      *redis.PubSub
	cancel  context.CancelFunc
	done    chan struct{}

	up       bool
	synced   time.Time // send time of the latest heartbeat received since resetAt
	resetAt  time.Time
	lastSent time.Time
	beatN    uint64
	sent     map[uint64]*beatRec
	view     *nodeView // Cluster: what the master reported with the heartbeat synced came from
}

// beatRec is a heartbeat on its way: it counts once it has been received
// and (on Cluster) its transaction has confirmed the master's view.
type beatRec struct {
	at      time.Time
	heard   bool
	checked bool
	view    *nodeView
}

// replicaHooks lets the package's tests drive a Replica.
type replicaHooks struct {
	now       func() time.Time // the clock freshness is measured by
	onMessage func(any) bool   // called by a receiver with each message; false drops it
	onWait    func()           // called by a Check about to wait for a heartbeat
	// Cluster: no reading of the masters every MaxStale, only when a
	// heartbeat's view disagrees (to test the views alone).
	viewsOnly bool
}

type replicaEntry struct {
	st   store.Status
	keys []string
}

// NewReplica starts a [Replica] of s. It checks the notify-keyspace-events
// of the server (of every master, on Cluster) and subscribes within the
// Store's timeout. The Store must use a redis.Client (a single server, or
// Sentinel's failover client) or a redis.ClusterClient.
func (s *Store) NewReplica(ctx context.Context, cfg ReplicaConfig) (*Replica, error) {
	var db int
	cc, cluster := s.c.(*redis.ClusterClient)
	c, single := s.c.(*redis.Client)
	switch {
	case single:
		db = c.Options().DB
	case !cluster:
		return nil, configError("client", errors.New("a Replica needs a single server, Sentinel (a redis.Client) or Redis Cluster, not a Ring"))
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
	var nonce [12]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, err
	}
	r := &Replica{s: s, cluster: cc, maxStale: cfg.MaxStale, max: cfg.MaxEntries,
		wait:     min(cfg.MaxStale, s.timeout/2),
		tag:      base64.RawURLEncoding.EncodeToString(nonce[:]) + ":",
		ksPrefix: "__keyspace@" + strconv.Itoa(db) + "__:",
		now:      time.Now, hooks: cfg.hooks,
		answers: make(map[string]replicaEntry), byKey: make(map[string][]string),
		feeds: make(map[string]*feed), advanced: make(chan struct{}), refresh: make(chan struct{}, 1)}
	if cfg.hooks != nil && cfg.hooks.now != nil {
		r.now = cfg.hooks.now
	}
	r.pattern = r.ksPrefix + escapeGlob(s.prefix) + "*"
	r.ctx, r.cancel = context.WithCancel(context.Background())
	cctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var storeClient *redis.Client // a single server: the feed uses the Store's client
	var addrs []string
	if single {
		storeClient, addrs = c, []string{c.Options().Addr}
	} else {
		var err error
		if addrs, err = r.masters(cctx); err != nil {
			r.cancel()
			return nil, err
		}
	}
	for _, a := range addrs {
		f, err := r.newFeed(cctx, a, storeClient)
		if err != nil {
			_ = r.Close()
			return nil, err
		}
		r.mu.Lock()
		r.feeds[f.addr] = f
		r.mu.Unlock()
		r.start(f)
	}
	if !single {
		r.wg.Add(1)
		go r.watch()
	}
	return r, nil
}

// newFeed checks the notify-keyspace-events of the master at addr (c, or
// a client of the Replica's own when c is nil) and subscribes to it.
func (r *Replica) newFeed(ctx context.Context, addr string, c *redis.Client) (*feed, error) {
	own := c == nil
	if own {
		c = r.nodeClient(addr)
	}
	fail := func(err error) (*feed, error) {
		if own {
			_ = c.Close()
		}
		return nil, err
	}
	m, err := c.ConfigGet(ctx, "notify-keyspace-events").Result()
	if err != nil {
		return fail(unavailable("replica: CONFIG GET notify-keyspace-events", err))
	}
	if !notifyFlagsOK(m["notify-keyspace-events"]) {
		return fail(configError("client", fmt.Errorf("the notify-keyspace-events of %s is %q: a Replica needs K, g, $, h, x and e (for example \"Kg$hxe\")", addr, m["notify-keyspace-events"])))
	}
	f := &feed{addr: addr, c: c, own: own, channel: r.s.prefix + "replica-heartbeat",
		sent: make(map[uint64]*beatRec), done: make(chan struct{}), resetAt: r.now()}
	if r.cluster != nil {
		// PUBLISH reaches every node of a Cluster: a channel per replica
		// and master, and only the ids sent to this master count.
		f.channel += ":" + r.tag + addr
	}
	ps := c.PSubscribe(context.Background(), r.pattern)
	if err := ps.Subscribe(ctx, f.channel); err != nil {
		_ = ps.Close()
		return fail(unavailable("replica: subscribe", err))
	}
	f.ps = ps
	return f, nil
}

// nodeClient returns a client of the Cluster master at addr with the
// Cluster client's connection settings.
func (r *Replica) nodeClient(addr string) *redis.Client {
	o := r.cluster.Options()
	opt := &redis.Options{Addr: addr, Dialer: o.Dialer, OnConnect: o.OnConnect, Protocol: o.Protocol,
		Username: o.Username, Password: o.Password, CredentialsProvider: o.CredentialsProvider,
		CredentialsProviderContext: o.CredentialsProviderContext,
		DialTimeout:                o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		ContextTimeoutEnabled: o.ContextTimeoutEnabled, TLSConfig: o.TLSConfig, PoolSize: 4,
		MaxRetries: -1}
	if o.NewClient != nil {
		return o.NewClient(opt)
	}
	return redis.NewClient(opt)
}

// start runs f's receiver and heartbeat.
func (r *Replica) start(f *feed) {
	fctx, cancel := context.WithCancel(r.ctx)
	f.cancel = cancel
	r.wg.Add(2)
	go func() { defer r.wg.Done(); r.receive(fctx, f) }()
	go func() { defer r.wg.Done(); r.beat(fctx, f) }()
}

// stop ends f's goroutines and subscription.
func (r *Replica) stop(f *feed) error {
	f.cancel()
	err := f.ps.Close() // unblocks Receive
	<-f.done
	if f.own {
		_ = f.c.Close()
	}
	return err
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
	r.mu.Lock()
	r.closed = true
	feeds := make([]*feed, 0, len(r.feeds))
	for _, f := range r.feeds {
		feeds = append(feeds, f)
	}
	r.mu.Unlock()
	r.cancel()
	var err error
	for _, f := range feeds {
		err = errors.Join(err, r.stop(f))
	}
	r.wg.Wait()
	return err
}

// receive applies f's notifications and heartbeats in the order Redis
// sends them. Any break of the subscription drops every answer.
func (r *Replica) receive(ctx context.Context, f *feed) {
	defer close(f.done)
	for {
		msg, err := f.ps.Receive(ctx)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			r.reset(f, false)
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
			r.reset(f, true) // a (re)subscription: what happened meanwhile is unknown
		case *redis.Message:
			if m.Channel == f.channel {
				r.heard(f, m.Payload)
			} else if key, ok := strings.CutPrefix(m.Channel, r.ksPrefix); ok {
				r.invalidate(key)
			}
		}
	}
}

// beat publishes a heartbeat on f every maxStale/4.
func (r *Replica) beat(ctx context.Context, f *feed) {
	t := time.NewTicker(r.maxStale / 4)
	defer t.Stop()
	for {
		r.publish(ctx, f)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// publish sends one heartbeat on f, its send time recorded first; on
// Cluster, in one transaction with the master's view of the cluster.
func (r *Replica) publish(ctx context.Context, f *feed) {
	r.mu.Lock()
	f.beatN++
	n := f.beatN
	at := r.now()
	rec := &beatRec{at: at, checked: r.cluster == nil}
	f.sent[n] = rec
	f.lastSent = at
	for k, b := range f.sent { // forget heartbeats that never came back
		if at.Sub(b.at) > 4*r.maxStale {
			delete(f.sent, k)
		}
	}
	r.mu.Unlock()
	pctx, cancel := context.WithTimeout(ctx, r.maxStale)
	defer cancel()
	payload := r.tag + strconv.FormatUint(n, 10)
	if r.cluster == nil {
		_ = f.c.Publish(pctx, f.channel, payload).Err()
		return
	}
	var info, nodes *redis.StringCmd
	_, err := f.c.TxPipelined(pctx, func(p redis.Pipeliner) error {
		info = p.ClusterInfo(pctx)
		nodes = p.ClusterNodes(pctx)
		p.Publish(pctx, f.channel, payload)
		return nil
	})
	var v *nodeView
	if err == nil {
		v = parseNodeView(info.Val(), nodes.Val())
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if v == nil || !v.ok {
		delete(f.sent, n)
		if err == nil {
			r.wantRefresh() // not a master, migrating, or the cluster is down
		}
		return
	}
	rec.view, rec.checked = v, true
	if rec.heard {
		delete(f.sent, n)
		r.accept(f, rec)
	}
}

// heard records the receipt of one of f's heartbeats.
func (r *Replica) heard(f *feed, payload string) {
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
	if rec, ok := f.sent[n]; ok {
		rec.heard = true
		if rec.checked {
			delete(f.sent, n)
			r.accept(f, rec)
		}
	}
}

// accept makes rec, received and checked, f's latest heartbeat. The
// caller holds r.mu.
func (r *Replica) accept(f *feed, rec *beatRec) {
	// A heartbeat sent before the subscription was (re)made proves
	// nothing: notifications were lost meanwhile.
	if f.up && rec.at.After(f.resetAt) && rec.at.After(f.synced) {
		f.synced, f.view = rec.at, rec.view
		r.recompute()
	}
}

// recompute sets r.synced from the feeds and wakes the waiting Checks
// when it changed. The caller holds r.mu.
func (r *Replica) recompute() {
	var synced time.Time
	ok := len(r.feeds) > 0
	for _, f := range r.feeds {
		if !f.up || f.synced.IsZero() {
			ok = false
			break
		}
		if synced.IsZero() || f.synced.Before(synced) {
			synced = f.synced
		}
	}
	if ok && r.cluster != nil && !r.covered() {
		ok = false
		r.wantRefresh()
	}
	if !ok {
		synced = time.Time{}
	}
	if !synced.Equal(r.synced) {
		r.synced = synced
		r.signal()
	}
}

// signal wakes the Checks waiting for a heartbeat. The caller holds r.mu.
func (r *Replica) signal() {
	close(r.advanced)
	r.advanced = make(chan struct{})
}

// reset drops every answer after a (re)subscription (up) or a break of
// f's subscription.
func (r *Replica) reset(f *feed, up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f.up = up
	f.synced = time.Time{}
	f.view = nil
	f.resetAt = r.now()
	r.dropAll()
}

// dropAll drops every answer. The caller holds r.mu.
func (r *Replica) dropAll() {
	r.epoch++
	clear(r.answers)
	clear(r.byKey)
	r.recompute()
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
// began: from every master, a heartbeat sent after began-maxStale has
// come back. The caller holds r.mu.
func (r *Replica) freshFor(began time.Time) bool {
	return !r.synced.IsZero() && began.Sub(r.synced) < r.maxStale
}

// allUp reports whether every feed is subscribed. The caller holds r.mu.
func (r *Replica) allUp() bool {
	for _, f := range r.feeds {
		if !f.up {
			return false
		}
	}
	return len(r.feeds) > 0
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
	epoch, up := r.epoch, r.allUp()
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

// await waits, at most r.wait, for heartbeats that make the answer kept
// for id usable by a Check begun at began, publishing them when none has
// been sent since began-maxStale. It returns the answer and true, or
// false when the Check must ask Redis: a subscription broke, no heartbeat
// came back for the Store's timeout, the wait ran out, or the answer was
// dropped meanwhile.
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
		if !kept || !r.allUp() || r.stalled() {
			r.mu.Unlock()
			return store.Status{}, false
		}
		if r.freshFor(began) {
			r.mu.Unlock()
			return e.st, true
		}
		ch := r.advanced
		var kick []*feed
		if !r.kicking {
			for _, f := range r.feeds {
				if began.Sub(f.lastSent) >= r.maxStale {
					kick = append(kick, f)
				}
			}
			r.kicking = len(kick) > 0
		}
		r.mu.Unlock()
		for _, f := range kick {
			r.publish(ctx, f)
		}
		if len(kick) > 0 {
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

// stalled reports whether some feed has heard no heartbeat for the
// Store's timeout (since its latest heartbeat or reset). The caller holds
// r.mu.
func (r *Replica) stalled() bool {
	now := r.now()
	for _, f := range r.feeds {
		latest := f.synced
		if f.resetAt.After(latest) {
			latest = f.resetAt
		}
		if now.Sub(latest) > r.s.timeout {
			return true
		}
	}
	return false
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
