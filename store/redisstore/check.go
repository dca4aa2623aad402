package redisstore

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"github.com/pasetokit/pasetokit/store"
	"github.com/redis/go-redis/v9"
)

// sharded reports whether client spreads keys over several servers by
// their hash slot (Redis Cluster) or hash tag (redis.Ring), so that the
// keys of one script must share a hash tag.
func sharded(client redis.UniversalClient) bool {
	switch client.(type) {
	case *redis.ClusterClient, *redis.Ring:
		return true
	}
	return false
}

// clusterPrefix returns the prefix of the remember-me keys on a sharded
// client: prefix followed by the hash tag {prefix}, so that a series and
// its user's index (which one script updates together) share a slot. A
// prefix that already holds a '{' is kept as it is: its own hash tag then
// decides the slot of every key (checkLayout makes sure it does).
func clusterPrefix(prefix string) string {
	if strings.Contains(prefix, "{") {
		return prefix
	}
	return prefix + "{" + prefix + "}"
}

// checkLayout makes sure that the keys one remember-me script touches
// together hash to one Cluster slot, whatever the selector or user.
func (s *Store) checkLayout() error {
	keys := []string{s.seriesKey("a"), s.seriesKey("b"), s.userKey("a"), s.userKey("{b}")}
	slot := keySlot(keys[0])
	for _, k := range keys[1:] {
		if keySlot(k) != slot {
			return configError("Prefix", errors.New("its hash tag spreads the keys of one remember-me operation over several Redis Cluster slots; use a Prefix without '{' and '}'"))
		}
	}
	return nil
}

// checkClient refuses a client configured to read from replicas.
func checkClient(client redis.UniversalClient) error {
	if c, ok := client.(*redis.ClusterClient); ok {
		o := c.Options()
		for _, f := range []struct {
			name string
			on   bool
		}{{"ReadOnly", o.ReadOnly}, {"RouteByLatency", o.RouteByLatency}, {"RouteRandomly", o.RouteRandomly}} {
			if f.on {
				return configError("client", fmt.Errorf("%w (ClusterOptions.%s)", ErrReplicaReads, f.name))
			}
		}
	}
	return nil
}

// serverCheck runs checkServers for a Store or a Keyring until the checks
// pass once: before the first operation, and again before each later one
// while Redis could not be asked.
type serverCheck struct {
	client          redis.UniversalClient
	noEvictionCheck bool
	checked         atomic.Bool   // the servers passed checkServers
	checking        chan struct{} // a one-slot semaphore held while checking
}

func newServerCheck(client redis.UniversalClient, noEvictionCheck bool) *serverCheck {
	return &serverCheck{client: client, noEvictionCheck: noEvictionCheck, checking: make(chan struct{}, 1)}
}

// ready runs checkServers until it passes once. Callers wait for another
// caller's check no longer than ctx allows.
func (sc *serverCheck) ready(ctx context.Context) error {
	if sc.checked.Load() {
		return nil
	}
	select {
	case sc.checking <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("%w: redisstore: checking the servers: %w", store.ErrUnavailable, ctx.Err())
	}
	defer func() { <-sc.checking }()
	if sc.checked.Load() {
		return nil
	}
	if err := checkServers(ctx, sc.client, sc.noEvictionCheck); err != nil {
		return err
	}
	sc.checked.Store(true)
	return nil
}

// checkServers asks the servers client reaches whether they can hold the
// Store's keys: every node's maxmemory-policy (unless noEvictionCheck) and,
// for a plain client, that the server is a master outside Redis Cluster.
func checkServers(ctx context.Context, client redis.UniversalClient, noEvictionCheck bool) error {
	switch c := client.(type) {
	case *redis.ClusterClient:
		return c.ForEachShard(ctx, func(ctx context.Context, node *redis.Client) error {
			return checkEviction(ctx, node, noEvictionCheck)
		})
	case *redis.Ring:
		return c.ForEachShard(ctx, func(ctx context.Context, node *redis.Client) error {
			if err := checkRole(ctx, node); err != nil {
				return err
			}
			return checkEviction(ctx, node, noEvictionCheck)
		})
	case *redis.Client:
		if err := checkRole(ctx, c); err != nil {
			return err
		}
		return checkEviction(ctx, c, noEvictionCheck)
	}
	return checkEviction(ctx, client, noEvictionCheck)
}

// info returns the fields of one INFO section.
func info(ctx context.Context, c redis.Cmdable, section string) (map[string]string, error) {
	v, err := c.Info(ctx, section).Result()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string)
	sc := bufio.NewScanner(strings.NewReader(v))
	for sc.Scan() {
		if k, val, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			m[k] = val
		}
	}
	return m, nil
}

// checkRole refuses a plain client connected to a replica (where it would
// read stale data and fail to write) or to a Redis Cluster node (where
// every key of another slot answers MOVED).
func checkRole(ctx context.Context, c *redis.Client) error {
	repl, err := info(ctx, c, "replication")
	if err != nil {
		return serverError("INFO replication", c, err)
	}
	if repl["role"] == "slave" {
		return configError("client", fmt.Errorf("%w (%s is a replica; with Sentinel, FailoverOptions.ReplicaOnly must be off)", ErrReplicaReads, c.Options().Addr))
	}
	cl, err := info(ctx, c, "cluster")
	if err != nil {
		return serverError("INFO cluster", c, err)
	}
	if cl["cluster_enabled"] == "1" {
		return configError("client", errors.New("a plain client connected to a Redis Cluster node; use a redis.ClusterClient (see NewClient)"))
	}
	return nil
}

// checkEviction refuses a server whose maxmemory-policy is not
// noeviction, or that does not say (unless noEvictionCheck).
func checkEviction(ctx context.Context, c redis.Cmdable, noEvictionCheck bool) error {
	if noEvictionCheck {
		return nil
	}
	m, err := c.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil {
		var rerr redis.Error
		if errors.As(err, &rerr) {
			return configError("NoEvictionCheck", fmt.Errorf("the server %s refused CONFIG GET maxmemory-policy (%v): make sure its maxmemory-policy is noeviction and set Config.NoEvictionCheck", addrOf(c), err))
		}
		return serverError("CONFIG GET maxmemory-policy", c, err)
	}
	policy, ok := m["maxmemory-policy"]
	if !ok {
		return configError("NoEvictionCheck", fmt.Errorf("the server %s did not report maxmemory-policy: make sure it is noeviction and set Config.NoEvictionCheck", addrOf(c)))
	}
	if policy != "noeviction" {
		return configError("client", fmt.Errorf("%w: the server %s has maxmemory-policy %q; set maxmemory-policy noeviction (or Config.NoEvictionCheck, only if the server's real policy is noeviction)", ErrEvictionPolicy, addrOf(c), policy))
	}
	return nil
}

func addrOf(c redis.Cmdable) string {
	if cl, ok := c.(*redis.Client); ok {
		return cl.Options().Addr
	}
	return "(unknown address)"
}

// serverError reports a failure to ask a server: a refusal (an error
// answer) is a configuration error, anything else means Redis could not
// be reached.
func serverError(what string, c redis.Cmdable, err error) error {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		return configError("client", fmt.Errorf("the server %s refused %s: %w", addrOf(c), what, err))
	}
	return fmt.Errorf("%w: redisstore: new: %s on %s: %w", store.ErrUnavailable, what, addrOf(c), err)
}

// keySlot returns the Redis Cluster hash slot of key: CRC16 (XModem) of
// its hash tag (the text between the first '{' and the next '}', when not
// empty) or of the whole key, modulo 16384.
func keySlot(key string) uint16 {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for k := 0; k < len(key); k++ {
		crc ^= uint16(key[k]) << 8
		for b := 0; b < 8; b++ {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc % 16384
}
