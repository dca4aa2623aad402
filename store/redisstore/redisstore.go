// Package redisstore is a store.Store and store.RememberStore kept in
// Redis, for applications that run on several machines: a logout, a
// revoked token or a used one-time token recorded by one machine is seen
// by all.
//
// # For most users
//
// Build the client with [NewClient] (one address: a single server;
// several: Redis Cluster; a master name: Sentinel) and the store with
// [New]:
//
//	client, err := redisstore.NewClient(redisstore.ClientConfig{Addrs: []string{"127.0.0.1:6379"}})
//	if err != nil {
//		log.Fatal(err)
//	}
//	st, err := redisstore.New(client, redisstore.Config{Prefix: "myapp:"})
//	if err != nil {
//		log.Fatal(err)
//	}
//
// New refuses a server that may evict keys (maxmemory-policy other than
// noeviction; see [Config.NoEvictionCheck] for servers that hide CONFIG),
// a client that reads from replicas, and a key layout that cannot work on
// the client's topology. [Config.WaitReplicas] makes every write wait for
// replicas. RUNNING.md, next to this file, says how to run Redis for it:
// persistence, replication, Sentinel, Cluster and key layout.
//
// It lives in its own module so that the main pasetokit module does not
// depend on a Redis client.
//
// Every entry is a Redis key that expires with the token it describes (SET
// with PXAT), so the data set never grows without bound and needs no
// cleaning. Each method is one round trip (two with WaitReplicas) and
// atomic: Consume is SET NX, and the read-compare-write of Revoke and
// SetCutoff runs as a Lua script, as do Check and the refresh families
// (one hash per family, rotated in place: see family.go and RUNNING.md).
//
// Every failure to reach Redis, or to get an answer within [Config.Timeout],
// is returned as an error matching store.ErrUnavailable; a method never
// reports "not revoked" when it does not know. When Redis comes back, the
// same Store works again: the client reconnects by itself. A CROSSSLOT
// answer from Redis Cluster matches [ErrInvalidConfig] instead: no retry
// can cure it.
package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/store"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix of a Store whose [Config.Prefix] is empty.
const DefaultPrefix = "pasetokit:"

// DefaultTimeout bounds each operation of a Store whose [Config.Timeout] is
// zero.
const DefaultTimeout = time.Second

// Config configures New. The zero value is ready to use.
type Config struct {
	// Prefix starts the name of every Redis key the Store writes, so
	// that several applications can share a Redis database. Empty means
	// [DefaultPrefix]. Revocations and consumed keys are stored at
	// Prefix+"r:"+key and cutoffs at Prefix+"c:"+key, so the two key
	// spaces of store.Store never collide. On Redis Cluster (or a
	// redis.Ring) the remember-me keys also carry a hash tag; see
	// RUNNING.md ("Key layout").
	Prefix string

	// Timeout bounds each operation, on top of the caller's context.
	// Zero means [DefaultTimeout]; a negative value is an error. The Redis
	// client honours it while waiting for an answer only when it was
	// created with ContextTimeoutEnabled set (otherwise its ReadTimeout
	// applies), so set that option, or build the client with [NewClient].
	Timeout time.Duration

	// Now returns the current time; nil means time.Now. It decides only
	// whether an expiry is already in the past; entries themselves expire
	// by the clock of the Redis server.
	Now func() time.Time

	// MaxSeriesPerUser bounds the remember-me series (store.RememberStore)
	// of one user. Zero means store.DefaultMaxSeriesPerUser; a negative
	// value is an error. When a creation takes a user over that many
	// series, CreateSeries deletes the ones that expire soonest with a
	// second script, so one user can neither grow the data set without
	// bound nor make the scripts slow. Concurrent creations for one user
	// never fail on the bound; while k of them run the user may hold the
	// bound plus k series, and at most the bound once they have returned.
	MaxSeriesPerUser int

	// MaxFamiliesPerUser bounds the live refresh families
	// (store.Store.CreateFamily) of one owner. Zero means
	// store.DefaultMaxFamiliesPerUser; a negative value is an error. When
	// a creation takes an owner over that many, CreateFamily deletes the
	// ones that expire soonest with a second script; as for
	// MaxSeriesPerUser, k concurrent creations may leave the bound plus k
	// while they run, and at most the bound once they have returned.
	MaxFamiliesPerUser int

	// NoEvictionCheck skips the check New makes by default: that every
	// Redis server the client reaches answers CONFIG GET maxmemory-policy
	// with "noeviction". Set it only for servers that refuse CONFIG (many
	// managed Redis services) and only after making sure, in the
	// provider's settings, that the policy is noeviction: a server that
	// evicts deletes revocations under memory pressure, and revoked
	// tokens pass again. Without it, New fails when CONFIG is refused.
	NoEvictionCheck bool

	// WaitReplicas, when positive, makes every write that must not be
	// lost (Revoke, Consume, SetCutoff, and every remember-me write)
	// wait, with Redis's WAIT on the same connection, until that many
	// replicas of the key's master have acknowledged it. A write not
	// acknowledged within WaitTimeout fails with an error matching
	// [ErrNotReplicated] and store.ErrUnavailable (the write may still be
	// on the master: the caller fails closed, and retries). Zero (the
	// default) does not wait: Redis replicates asynchronously, so a
	// write acknowledged by a master that dies before replicating it is
	// lost on failover. A negative value is an error, and so is a
	// positive one with a redis.Ring (whose shards have no replicas).
	WaitReplicas int

	// WaitTimeout bounds each WAIT. Zero means [DefaultWaitTimeout]; it
	// must be positive and less than Timeout, so that a write not
	// acknowledged in time is reported as [ErrNotReplicated] rather than as
	// a timeout. Ignored when WaitReplicas is zero.
	WaitTimeout time.Duration

	// Events receives an [observe.KindStore] event for every operation
	// that fails with store.ErrUnavailable (reason "unavailable", unless
	// the caller's context had ended), and one (reason "recovered") for
	// the first operation that succeeds after one did. Nil means
	// [observe.Default]: slog at level Warn, rate-limited.
	Events observe.Handler
}

// DefaultWaitTimeout bounds each WAIT of a Store whose [Config.WaitTimeout]
// is zero (and whose [Config.WaitReplicas] is set).
const DefaultWaitTimeout = 250 * time.Millisecond

// Store is a store.Store kept in Redis. It is safe for concurrent use.
//
// Revoke and Consume share one key space (a consumed key is reported by
// Revoked, and a revoked key cannot be consumed); cutoffs have their own.
// Times are stored in milliseconds, rounded up: a cutoff or an expiry is
// never made earlier than asked.
type Store struct {
	c          redis.UniversalClient
	prefix     string
	rmPrefix   string // prefix of the remember-me keys (hash-tagged on Cluster)
	timeout    time.Duration
	now        func() time.Time
	perUser    int
	famPerUser int
	waitN      int
	waitT      time.Duration
	events     observe.Handler
	down       atomic.Bool // an operation failed with store.ErrUnavailable since the last success

	check *serverCheck // the servers' checks, run until they pass once
}

// New returns a Store that uses client, which the caller keeps and closes.
//
// New checks the configuration, then the client and the servers it
// reaches, within [Config.Timeout], and refuses (with a [*ConfigError]
// matching [ErrInvalidConfig]):
//   - a client that reads from replicas ([ErrReplicaReads]);
//   - a server whose maxmemory-policy is not noeviction
//     ([ErrEvictionPolicy]; on Redis Cluster every node is asked), or
//     that refuses CONFIG GET, unless Config.NoEvictionCheck is set;
//   - a plain client connected to a Redis Cluster node (use a
//     redis.ClusterClient, or NewClient), and a Prefix whose hash tag
//     would spread the keys of one remember-me operation over several
//     Cluster slots.
//
// When Redis cannot be reached, New still succeeds (so an application can
// start while Redis is down) and the server checks run again before the
// first operation that reaches Redis: until they pass, operations fail
// with store.ErrUnavailable, or with the [*ConfigError] they find. Once
// built, a Store survives Redis outages: the client reconnects by itself.
// The checks run once: a server reconfigured later (CONFIG SET, or a
// replica with another policy promoted by a failover) is not noticed, so
// configure every node alike (RUNNING.md).
func New(client redis.UniversalClient, cfg Config) (*Store, error) {
	if client == nil {
		return nil, configError("client", errors.New("nil client"))
	}
	if cfg.Timeout < 0 {
		return nil, configError("Timeout", fmt.Errorf("negative: %v", cfg.Timeout))
	}
	if cfg.MaxSeriesPerUser < 0 {
		return nil, configError("MaxSeriesPerUser", fmt.Errorf("negative: %d", cfg.MaxSeriesPerUser))
	}
	if cfg.MaxFamiliesPerUser < 0 {
		return nil, configError("MaxFamiliesPerUser", fmt.Errorf("negative: %d", cfg.MaxFamiliesPerUser))
	}
	if cfg.WaitReplicas < 0 {
		return nil, configError("WaitReplicas", fmt.Errorf("negative: %d", cfg.WaitReplicas))
	}
	s := &Store{c: client, prefix: cfg.Prefix, timeout: cfg.Timeout, now: cfg.Now,
		perUser: cfg.MaxSeriesPerUser, famPerUser: cfg.MaxFamiliesPerUser, waitN: cfg.WaitReplicas, waitT: cfg.WaitTimeout,
		check: newServerCheck(client, cfg.NoEvictionCheck), events: cfg.Events}
	if s.perUser == 0 {
		s.perUser = store.DefaultMaxSeriesPerUser
	}
	if s.famPerUser == 0 {
		s.famPerUser = store.DefaultMaxFamiliesPerUser
	}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.waitN > 0 {
		if s.waitT == 0 {
			s.waitT = DefaultWaitTimeout
		}
		if s.waitT < 0 || s.waitT >= s.timeout {
			return nil, configError("WaitTimeout", fmt.Errorf("%v: must be positive and less than Timeout (%v)", s.waitT, s.timeout))
		}
		if _, ring := client.(*redis.Ring); ring {
			return nil, configError("WaitReplicas", errors.New("a redis.Ring has no replicas to wait for"))
		}
	}
	s.rmPrefix = s.prefix
	if sharded(client) {
		s.rmPrefix = clusterPrefix(s.prefix)
		if err := s.checkLayout(); err != nil {
			return nil, err
		}
	}
	if err := checkClient(client); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil && !errors.Is(err, store.ErrUnavailable) {
		return nil, err
	}
	return s, nil
}

// ready runs the server checks until they pass once (see [serverCheck]).
func (s *Store) ready(ctx context.Context) error { return s.check.ready(ctx) }

func (s *Store) markKey(key string) string   { return s.prefix + "r:" + key }
func (s *Store) cutoffKey(key string) string { return s.prefix + "c:" + key }

// write runs f, a write of key, with s's client or, when
// [Config.WaitReplicas] is set, on one connection to the master of key,
// followed there by WAIT: a write not acknowledged in time by that many
// replicas returns an error matching [ErrNotReplicated]. An error of f is
// returned as it is (redis.Nil included), without waiting.
func (s *Store) write(ctx context.Context, key string, f func(c redis.Cmdable) error) error {
	if s.waitN == 0 {
		return f(s.c)
	}
	var node *redis.Client
	switch c := s.c.(type) {
	case *redis.ClusterClient:
		n, err := c.MasterForKey(ctx, key)
		if err != nil {
			return err
		}
		node = n
	case *redis.Client:
		node = c
	default:
		return errors.New("WAIT needs a redis.Client or redis.ClusterClient")
	}
	conn := node.Conn()
	defer conn.Close()
	if err := f(conn); err != nil {
		return err
	}
	n, err := conn.Wait(ctx, s.waitN, s.waitT).Result()
	if err != nil {
		return err
	}
	if n < int64(s.waitN) {
		return fmt.Errorf("%w (%d of %d within %v)", ErrNotReplicated, n, s.waitN, s.waitT)
	}
	return nil
}

// ceilMilli returns t in Unix milliseconds, rounded up.
func ceilMilli(t time.Time) int64 {
	ms := t.UnixMilli()
	if t.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// The value of a revocation or consumed key is its expiry in Unix
// milliseconds, so that revokeScript can compare without another call.
var revokeScript = redis.NewScript(`
local cur = tonumber(redis.call('GET', KEYS[1]))
if cur and cur >= tonumber(ARGV[1]) then
	return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
return 1
`)

// The value of a cutoff key is "cutoff:expiry", both in Unix milliseconds;
// each keeps the larger of the stored and the given value.
var cutoffScript = redis.NewScript(`
local t, u = ARGV[1], ARGV[2]
local cur = redis.call('GET', KEYS[1])
if cur then
	local ct, cu = string.match(cur, '^(-?%d+):(%d+)$')
	if ct and tonumber(ct) > tonumber(t) then t = ct end
	if cu and tonumber(cu) > tonumber(u) then u = cu end
end
redis.call('SET', KEYS[1], t .. ':' .. u, 'PXAT', u)
return 1
`)

// Revoke implements store.Store. A until that is not after the current time
// records nothing: the token it names has expired already.
func (s *Store) Revoke(ctx context.Context, key string, until time.Time) (rerr error) {
	defer s.track(ctx, &rerr)
	if !s.now().Before(until) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	u := ceilMilli(until)
	k := s.markKey(key)
	err := s.write(ctx, k, func(c redis.Cmdable) error {
		return revokeScript.Run(ctx, c, []string{k}, u).Err()
	})
	if err != nil {
		return unavailable("revoke", err)
	}
	return nil
}

// Revoked implements store.Store with one EXISTS of all keys (one EXISTS
// per key in one pipeline when client is a cluster or a ring, whose keys
// live on different nodes). With no keys it reports false without
// contacting Redis.
func (s *Store) Revoked(ctx context.Context, keys ...string) (_ bool, rerr error) {
	defer s.track(ctx, &rerr)
	if len(keys) == 0 {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = s.markKey(k)
	}
	if _, single := s.c.(*redis.Client); single || len(full) == 1 {
		n, err := s.c.Exists(ctx, full...).Result()
		if err != nil {
			return false, unavailable("revoked", err)
		}
		return n > 0, nil
	}
	cmds := make([]*redis.IntCmd, len(full))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range full {
			cmds[i] = p.Exists(ctx, k)
		}
		return nil
	})
	if err != nil {
		return false, unavailable("revoked", err)
	}
	for _, c := range cmds {
		if c.Val() > 0 {
			return true, nil
		}
	}
	return false, nil
}

// Consume implements store.Store with SET NX. A until that is not after the
// current time records nothing and reports false: the one-time token it
// names has expired, so no call may use it.
func (s *Store) Consume(ctx context.Context, key string, until time.Time) (_ bool, rerr error) {
	defer s.track(ctx, &rerr)
	if !s.now().Before(until) {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	u := ceilMilli(until)
	k := s.markKey(key)
	err := s.write(ctx, k, func(c redis.Cmdable) error {
		return c.SetArgs(ctx, k, u, redis.SetArgs{Mode: "NX", ExpireAt: time.UnixMilli(u)}).Err()
	})
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, redis.Nil):
		return false, nil
	default:
		return false, unavailable("consume", err)
	}
}

// SetCutoff implements store.Store. The stored cutoff and its expiry are
// each the later of the stored and the given one. A zero t, or a until that
// is not after the current time, records nothing.
func (s *Store) SetCutoff(ctx context.Context, key string, t, until time.Time) (rerr error) {
	defer s.track(ctx, &rerr)
	if t.IsZero() || !s.now().Before(until) {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	k := s.cutoffKey(key)
	err := s.write(ctx, k, func(c redis.Cmdable) error {
		return cutoffScript.Run(ctx, c, []string{k}, ceilMilli(t), ceilMilli(until)).Err()
	})
	if err != nil {
		return unavailable("set cutoff", err)
	}
	return nil
}

// Cutoff implements store.Store. The time returned is in UTC, to the
// millisecond.
func (s *Store) Cutoff(ctx context.Context, key string) (_ time.Time, rerr error) {
	defer s.track(ctx, &rerr)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return time.Time{}, err
	}
	v, err := s.c.Get(ctx, s.cutoffKey(key)).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return time.Time{}, nil
	case err != nil:
		return time.Time{}, unavailable("cutoff", err)
	}
	return parseCutoff(v)
}

// parseCutoff reads the value of a cutoff key.
func parseCutoff(v string) (time.Time, error) {
	ts, _, _ := strings.Cut(v, ":")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		// Not written by this package. Failing closed is the only safe
		// answer: the cutoff is unknown.
		return time.Time{}, fmt.Errorf("%w: redisstore: cutoff: malformed value", store.ErrUnavailable)
	}
	return time.UnixMilli(ms).UTC(), nil
}

var _ store.Store = (*Store)(nil)
