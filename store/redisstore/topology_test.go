package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/pasetokit/pasetokit/store/storetest"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// clusterAddrs returns the seed addresses of the test Redis Cluster
// (scripts/redis-cluster.sh).
func clusterAddrs(t testing.TB) []string {
	t.Helper()
	v := os.Getenv("PASETOKIT_REDIS_CLUSTER_ADDRS")
	if v == "" {
		needed(t, "PASETOKIT_REDIS_CLUSTER_ADDRS is not set (scripts/redis-cluster.sh)")
	}
	return strings.Split(v, ",")
}

// sentinelEnv returns the Sentinel addresses and master name of the test
// Sentinel set-up (scripts/redis-sentinel.sh).
func sentinelEnv(t testing.TB) ([]string, string) {
	t.Helper()
	v, m := os.Getenv("PASETOKIT_REDIS_SENTINEL_ADDRS"), os.Getenv("PASETOKIT_REDIS_MASTER")
	if v == "" || m == "" {
		needed(t, "PASETOKIT_REDIS_SENTINEL_ADDRS and PASETOKIT_REDIS_MASTER are not set (scripts/redis-sentinel.sh)")
	}
	return strings.Split(v, ","), m
}

func newUniversal(t testing.TB, cfg redisstore.ClientConfig) redis.UniversalClient {
	t.Helper()
	c, err := redisstore.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// freshPrefix returns a fresh key prefix and deletes its keys, on every
// master c reaches, when t ends.
func freshPrefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	prefix := "pasetokit-test:" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		del := func(ctx context.Context, n *redis.Client) error {
			keys, err := n.Keys(ctx, prefix+"*").Result()
			for _, k := range keys { // one by one: they may hash to several slots
				n.Del(ctx, k)
			}
			return err
		}
		if cc, ok := c.(*redis.ClusterClient); ok {
			_ = cc.ForEachMaster(ctx, del)
		} else if cl, ok := c.(*redis.Client); ok {
			_ = del(ctx, cl)
		}
	})
	return prefix
}

// conformance runs both conformance suites on c with cfg.
func conformance(t *testing.T, c redis.UniversalClient, cfg redisstore.Config) {
	t.Run("Store", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
			cfg := cfg
			cfg.Prefix, cfg.Now = freshPrefix(t, c), now
			return newStore(t, c, cfg)
		})
	})
	t.Run("RememberStore", func(t *testing.T) {
		storetest.RunRemember(t, func(t *testing.T, now func() time.Time) store.RememberStore {
			cfg := cfg
			cfg.Prefix, cfg.Now = freshPrefix(t, c), now
			return newStore(t, c, cfg)
		})
	})
}

func TestClusterConformance(t *testing.T) {
	c := newUniversal(t, redisstore.ClientConfig{Addrs: clusterAddrs(t)})
	if _, ok := c.(*redis.ClusterClient); !ok {
		t.Fatalf("NewClient with %d addresses made a %T", len(clusterAddrs(t)), c)
	}
	conformance(t, c, redisstore.Config{})
	t.Run("WaitReplicas", func(t *testing.T) {
		conformance(t, c, redisstore.Config{WaitReplicas: 1})
	})
}

func TestSentinelConformance(t *testing.T) {
	addrs, master := sentinelEnv(t)
	c := newUniversal(t, redisstore.ClientConfig{Addrs: addrs, MasterName: master})
	conformance(t, c, redisstore.Config{})
	t.Run("WaitReplicas", func(t *testing.T) {
		conformance(t, c, redisstore.Config{WaitReplicas: 2})
	})
}

// TestClusterKeyLayout checks that the remember-me keys of one Store share
// one slot, and that the revocation keys spread over the cluster.
func TestClusterKeyLayout(t *testing.T) {
	c := newUniversal(t, redisstore.ClientConfig{Addrs: clusterAddrs(t)})
	cc := c.(*redis.ClusterClient)
	ctx := context.Background()
	prefix := freshPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: prefix})
	exp := time.Now().Add(time.Hour)
	for _, u := range []string{"alice", "bob", "{carol}"} {
		sr := store.Series{Selector: "sel-" + u, UserID: u, ValidatorHash: []byte("h"), Expires: exp}
		if err := s.CreateSeries(ctx, sr); err != nil {
			t.Fatalf("CreateSeries(%s): %v", u, err)
		}
	}
	if err := s.DeleteSeries(ctx, "sel-alice"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUser(ctx, "{carol}"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSeries(ctx, "sel-bob"); err != nil {
		t.Fatal(err)
	}
	masters := make(map[string]bool)
	for i := range 64 {
		k := "jti:" + string(rune('a'+i%26)) + hex.EncodeToString([]byte{byte(i)})
		if err := s.Revoke(ctx, k, exp); err != nil {
			t.Fatal(err)
		}
		n, err := cc.MasterForKey(ctx, prefix+"r:"+k)
		if err != nil {
			t.Fatal(err)
		}
		masters[n.Options().Addr] = true
	}
	if len(masters) < 2 {
		t.Fatalf("64 revocations landed on %d master(s), want them spread", len(masters))
	}
}

func TestClusterLayoutRefused(t *testing.T) {
	// Never contacted: the layout is refused first.
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}})
	defer c.Close()
	for _, prefix := range []string{"}x", "{}", "app{"} {
		_, err := redisstore.New(c, redisstore.Config{Prefix: prefix})
		var ce *redisstore.ConfigError
		if !errors.As(err, &ce) || ce.Field != "Prefix" {
			t.Errorf("New(Prefix %q) error = %v, want a ConfigError on Prefix", prefix, err)
		}
	}
}

func TestCrossSlotIsNotUnavailable(t *testing.T) {
	c := newUniversal(t, redisstore.ClientConfig{Addrs: clusterAddrs(t)})
	// A real CROSSSLOT answer, sent to one node so that go-redis does not
	// split the command.
	node, err := c.(*redis.ClusterClient).MasterForKey(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	rerr := node.Do(context.Background(), "MGET", "a", "b").Err()
	if rerr == nil || !strings.HasPrefix(rerr.Error(), "CROSSSLOT") {
		t.Fatalf("MGET a b = %v, want CROSSSLOT", rerr)
	}
	err = redisstore.Unavailable("revoked", rerr)
	if errors.Is(err, store.ErrUnavailable) || !errors.Is(err, redisstore.ErrInvalidConfig) {
		t.Fatalf("CROSSSLOT became %v; want ErrInvalidConfig, not ErrUnavailable", err)
	}
}

func TestPlainClientOnClusterNodeRefused(t *testing.T) {
	c := newClient(t, clusterAddrs(t)[0])
	_, err := redisstore.New(c, redisstore.Config{})
	var ce *redisstore.ConfigError
	if !errors.As(err, &ce) || ce.Field != "client" {
		t.Fatalf("New(plain client on a cluster node) error = %v, want a ConfigError on client", err)
	}
}

func TestReplicaReadsRefused(t *testing.T) {
	for _, opt := range []redis.ClusterOptions{{ReadOnly: true}, {RouteByLatency: true}, {RouteRandomly: true}} {
		opt.Addrs = []string{"127.0.0.1:1"} // never contacted
		c := redis.NewClusterClient(&opt)
		_, err := redisstore.New(c, redisstore.Config{})
		_ = c.Close()
		if !errors.Is(err, redisstore.ErrReplicaReads) || !errors.Is(err, redisstore.ErrInvalidConfig) {
			t.Errorf("New(%+v) error = %v, want ErrReplicaReads", opt, err)
		}
	}
	t.Run("ReplicaOnly", func(t *testing.T) {
		addrs, master := sentinelEnv(t)
		c := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: master, SentinelAddrs: addrs, ReplicaOnly: true})
		defer c.Close()
		if _, err := redisstore.New(c, redisstore.Config{}); !errors.Is(err, redisstore.ErrReplicaReads) {
			t.Errorf("New(FailoverOptions.ReplicaOnly) error = %v, want ErrReplicaReads", err)
		}
	})
}

func TestNewClient(t *testing.T) {
	tests := []struct {
		name      string
		cfg       redisstore.ClientConfig
		wantType  string
		wantField string
	}{
		{"one address", redisstore.ClientConfig{Addrs: []string{"127.0.0.1:1"}}, "*redis.Client", ""},
		{"several addresses", redisstore.ClientConfig{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}}, "*redis.ClusterClient", ""},
		{"one seed, Cluster", redisstore.ClientConfig{Addrs: []string{"127.0.0.1:1"}, Cluster: true}, "*redis.ClusterClient", ""},
		{"Sentinel", redisstore.ClientConfig{Addrs: []string{"127.0.0.1:1", "127.0.0.1:2"}, MasterName: "m"}, "*redis.Client", ""},
		{"no address", redisstore.ClientConfig{}, "", "Addrs"},
		{"empty address", redisstore.ClientConfig{Addrs: []string{"127.0.0.1:1", ""}}, "", "Addrs[1]"},
		{"negative Timeout", redisstore.ClientConfig{Addrs: []string{"a:1"}, Timeout: -1}, "", "Timeout"},
		{"negative reload", redisstore.ClientConfig{Addrs: []string{"a:1"}, ClusterStateReloadInterval: -1}, "", "ClusterStateReloadInterval"},
		{"negative PoolSize", redisstore.ClientConfig{Addrs: []string{"a:1"}, PoolSize: -1}, "", "PoolSize"},
		{"negative DB", redisstore.ClientConfig{Addrs: []string{"a:1"}, DB: -1}, "", "DB"},
		{"DB on Cluster", redisstore.ClientConfig{Addrs: []string{"a:1", "b:1"}, DB: 1}, "", "DB"},
		{"Cluster and Sentinel", redisstore.ClientConfig{Addrs: []string{"a:1"}, Cluster: true, MasterName: "m"}, "", "Cluster"},
		{"Sentinel password without Sentinel", redisstore.ClientConfig{Addrs: []string{"a:1"}, SentinelPassword: "x"}, "", "SentinelUsername"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := redisstore.NewClient(tt.cfg)
			if tt.wantField != "" {
				var ce *redisstore.ConfigError
				if !errors.As(err, &ce) || ce.Field != tt.wantField || !errors.Is(err, redisstore.ErrInvalidConfig) {
					t.Fatalf("NewClient error = %v, want a ConfigError on %s", err, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := fmt.Sprintf("%T", c); got != tt.wantType {
				t.Fatalf("NewClient made a %s, want %s", got, tt.wantType)
			}
			switch c := c.(type) {
			case *redis.Client:
				o := c.Options()
				if !o.ContextTimeoutEnabled || o.ReadTimeout != redisstore.DefaultTimeout || o.WriteTimeout != redisstore.DefaultTimeout ||
					o.DialTimeout != redisstore.DefaultTimeout || o.MaxRetries != 0 ||
					o.MaintNotificationsConfig == nil || o.MaintNotificationsConfig.Mode != maintnotifications.ModeDisabled {
					t.Fatalf("options %+v: want context timeouts, 1 s timeouts, no retries, no maintenance notifications", o)
				}
			case *redis.ClusterClient:
				o := c.Options()
				if !o.ContextTimeoutEnabled || o.ReadTimeout != redisstore.DefaultTimeout || o.ReadOnly ||
					o.ClusterStateReloadInterval != redisstore.DefaultClusterStateReloadInterval ||
					o.MaintNotificationsConfig == nil || o.MaintNotificationsConfig.Mode != maintnotifications.ModeDisabled {
					t.Fatalf("options %+v: want context timeouts, 1 s timeouts, 1 s reloads, no replica reads, no maintenance notifications", o)
				}
			}
		})
	}
}

// TestNewClientConcurrentConns makes connections at once through
// Client.Conn, as the store does for each write followed by WAIT: with
// go-redis's maintenance notifications in "auto" mode, their handshakes
// raced on the client's options (go test -race; seen in
// TestClusterMasterKill after the failover).
func TestNewClientConcurrentConns(t *testing.T) {
	addr := redisAddr(t)
	for range 10 {
		c := newUniversal(t, redisstore.ClientConfig{Addrs: []string{addr}}).(*redis.Client)
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				conn := c.Conn()
				defer conn.Close()
				if err := conn.Ping(context.Background()).Err(); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
	}
}

func TestEvictionPolicy(t *testing.T) {
	tests := []struct {
		args      []string
		cfg       redisstore.Config
		wantField string
		wantIs    error
	}{
		{[]string{"--maxmemory-policy", "volatile-lru"}, redisstore.Config{}, "client", redisstore.ErrEvictionPolicy},
		{[]string{"--maxmemory-policy", "allkeys-lru"}, redisstore.Config{}, "client", redisstore.ErrEvictionPolicy},
		{[]string{"--maxmemory-policy", "allkeys-lru"}, redisstore.Config{NoEvictionCheck: true}, "", nil},
		{[]string{"--maxmemory-policy", "noeviction"}, redisstore.Config{}, "", nil},
		// A server that hides CONFIG, as many managed services do.
		{[]string{"--rename-command", "CONFIG", ""}, redisstore.Config{}, "NoEvictionCheck", nil},
		{[]string{"--rename-command", "CONFIG", ""}, redisstore.Config{NoEvictionCheck: true}, "", nil},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " ")+map[bool]string{true: " NoEvictionCheck"}[tt.cfg.NoEvictionCheck], func(t *testing.T) {
			srv := &server{t: t, port: freePort(t), args: tt.args}
			srv.start()
			c := newClient(t, "127.0.0.1:"+srv.port)
			s, err := redisstore.New(c, tt.cfg)
			if tt.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				if err := s.Revoke(context.Background(), "jti:1", time.Now().Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
			} else {
				wantEvictionError(t, "New", err, tt.wantField, tt.wantIs)
			}
			// A key ring on the same server: refused the same way, when
			// the ring is made (keyring.New), or made and stored.
			k := newKeyring(t, c, redisstore.KeyringConfig{NoEvictionCheck: tt.cfg.NoEvictionCheck})
			r, err := keyring.New(t.Context(), ringConfig(k, wrappingKey(t, paseto.V4), nil))
			if tt.wantField == "" {
				if err != nil {
					t.Fatalf("keyring.New: %v", err)
				}
				if rec, err := k.Load(t.Context()); err != nil || rec.Version == 0 || len(r.Snapshot().Keys()) == 0 {
					t.Fatalf("ring not stored: version %d, %v", rec.Version, err)
				}
				return
			}
			wantEvictionError(t, "keyring.New", err, tt.wantField, tt.wantIs)
		})
	}
}

// wantEvictionError fails t unless err is a *redisstore.ConfigError on
// field (matching is, when not nil) that names maxmemory-policy.
func wantEvictionError(t *testing.T, what string, err error, field string, is error) {
	t.Helper()
	ce, ok := errors.AsType[*redisstore.ConfigError](err)
	if !ok || ce.Field != field || (is != nil && !errors.Is(err, is)) {
		t.Fatalf("%s error = %v, want a ConfigError on %s", what, err, field)
	}
	if !strings.Contains(err.Error(), "maxmemory-policy") {
		t.Fatalf("%s error %q does not name maxmemory-policy", what, err)
	}
}

// TestEvictionCheckedWhenRedisComesUp: a Store built while Redis is down
// checks the policy before its first operation.
func TestEvictionCheckedWhenRedisComesUp(t *testing.T) {
	srv := &server{t: t, port: freePort(t), args: []string{"--maxmemory-policy", "volatile-lru"}}
	c := newClient(t, "127.0.0.1:"+srv.port)
	s, err := redisstore.New(c, redisstore.Config{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatalf("New while Redis is down: %v", err)
	}
	ctx := context.Background()
	if _, err := s.Revoked(ctx, "jti:1"); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Revoked while Redis is down: %v, want ErrUnavailable", err)
	}
	srv.start()
	_, err = s.Revoked(ctx, "jti:1")
	if !errors.Is(err, redisstore.ErrEvictionPolicy) || errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Revoked on an evicting server: %v, want ErrEvictionPolicy", err)
	}
}

func TestWaitReplicasNotAcknowledged(t *testing.T) {
	c := newClient(t, redisAddr(t)) // a server without replicas
	s := newStore(t, c, redisstore.Config{Prefix: testPrefix(t, c), WaitReplicas: 1, WaitTimeout: 50 * time.Millisecond})
	ctx := context.Background()
	hour := time.Now().Add(time.Hour)
	calls := map[string]func() error{
		"Revoke":       func() error { return s.Revoke(ctx, "jti:1", hour) },
		"Consume":      func() error { _, err := s.Consume(ctx, "rt:1", hour); return err },
		"SetCutoff":    func() error { return s.SetCutoff(ctx, "sub:1", time.Now(), hour) },
		"CreateSeries": func() error { return s.CreateSeries(ctx, newSeries("sel", "alice", time.Hour)) },
		"RotateSeries": func() error {
			_, err := s.RotateSeries(ctx, "sel", hashOf("v1"), hashOf("v2"), time.Now().Add(time.Minute))
			return err
		},
		"DeleteSeries": func() error { return s.DeleteSeries(ctx, "sel") },
		"DeleteUser":   func() error { return s.DeleteUser(ctx, "alice") },
	}
	for name, call := range calls {
		err := call()
		if !errors.Is(err, redisstore.ErrNotReplicated) || !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s with no replica: error %v, want ErrNotReplicated and ErrUnavailable", name, err)
		}
	}
}
