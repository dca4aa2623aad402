package redisstore

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// DefaultClusterStateReloadInterval is how often a Cluster client built by
// [NewClient] reloads the cluster's slot map when its
// [ClientConfig.ClusterStateReloadInterval] is zero. go-redis's own default
// (60 s, besides reloads triggered by errors) turned a 4.5 s failover into
// 57 s of errors in a test; with 1 s the errors lasted as long as the
// failover.
const DefaultClusterStateReloadInterval = time.Second

// ClientConfig configures [NewClient]. Addrs is required; every other zero
// value is safe.
type ClientConfig struct {
	// Addrs are "host:port" addresses. One address is a single Redis
	// server (a master); several are seed nodes of a Redis Cluster. With
	// MasterName set they are the Sentinels' addresses instead.
	Addrs []string

	// MasterName, when set, makes a Sentinel client (go-redis's
	// FailoverClient) that asks the Sentinels at Addrs for the current
	// master of that name and follows it on failover. It always talks
	// to the master, never to a replica.
	MasterName string

	// Cluster makes a Redis Cluster client even from one seed address.
	// Several Addrs without MasterName make one anyway; an error
	// together with MasterName.
	Cluster bool

	// Username and Password authenticate to Redis (ACL user, or
	// password only for requirepass). Empty means none.
	Username string
	// Password is the password of Username, or the requirepass password.
	// Empty means none.
	Password string

	// SentinelUsername and SentinelPassword authenticate to the
	// Sentinels, when they require it. Only with MasterName.
	SentinelUsername string
	// SentinelPassword is the password of SentinelUsername. Empty means
	// none.
	SentinelPassword string

	// DB selects the database of a single server or Sentinel master.
	// Redis Cluster has only database 0: a non-zero DB is an error with
	// a Cluster client.
	DB int

	// TLSConfig, when not nil, connects with TLS (it is cloned).
	TLSConfig *tls.Config

	// Timeout bounds dialing, each read and each write of the client, and
	// the wait for a pooled connection. Zero means [DefaultTimeout], the
	// Store's own default: give it the same value as [Config.Timeout]. The
	// client is also built with ContextTimeoutEnabled, so that a Store's
	// per-operation deadline bounds every call. A negative value is an
	// error.
	Timeout time.Duration

	// ClusterStateReloadInterval is how often a Cluster client reloads
	// the slot map, besides the reloads errors trigger. Zero means
	// [DefaultClusterStateReloadInterval]; a negative value is an error.
	// Ignored without Cluster.
	ClusterStateReloadInterval time.Duration

	// PoolSize is the number of connections kept per server. Zero means
	// go-redis's default (10 per CPU); a negative value is an error.
	PoolSize int
}

// NewClient builds a go-redis client configured as the Store needs it:
//   - one address: a single server (redis.Client); several addresses, or
//     ClientConfig.Cluster: Redis Cluster (redis.ClusterClient), with
//     the slot map reloaded every ClusterStateReloadInterval;
//     ClientConfig.MasterName: Sentinel (redis.NewFailoverClient);
//   - every read goes to a master: no ReadOnly, RouteByLatency,
//     RouteRandomly or ReplicaOnly, which New refuses;
//   - ContextTimeoutEnabled, and dial, read, write and pool timeouts of
//     ClientConfig.Timeout, so that a hung server costs at most the
//     Store's timeout per request;
//   - no retry of a command that may have reached Redis (MaxRetries -1
//     on a single server and with Sentinel): a retried Consume could find
//     its own first attempt and report a first use as a reuse. A Cluster
//     client keeps go-redis's 3 redirects, which it needs to follow
//     MOVED and ASK during failovers and resharding.
//   - go-redis's maintenance notifications (Redis Enterprise) off: in
//     their default "auto" mode, connections made at once through
//     Client.Conn, as the Store makes them with [Config.WaitReplicas],
//     race on the client's options.
//
// It does not contact Redis. The caller closes the client.
func NewClient(cfg ClientConfig) (redis.UniversalClient, error) {
	if len(cfg.Addrs) == 0 {
		return nil, configError("Addrs", errors.New("no address"))
	}
	for i, a := range cfg.Addrs {
		if a == "" {
			return nil, configError(fmt.Sprintf("Addrs[%d]", i), errors.New("empty address"))
		}
	}
	if cfg.Timeout < 0 {
		return nil, configError("Timeout", fmt.Errorf("negative: %v", cfg.Timeout))
	}
	if cfg.ClusterStateReloadInterval < 0 {
		return nil, configError("ClusterStateReloadInterval", fmt.Errorf("negative: %v", cfg.ClusterStateReloadInterval))
	}
	if cfg.PoolSize < 0 {
		return nil, configError("PoolSize", fmt.Errorf("negative: %d", cfg.PoolSize))
	}
	if cfg.DB < 0 {
		return nil, configError("DB", fmt.Errorf("negative: %d", cfg.DB))
	}
	if cfg.MasterName == "" && (cfg.SentinelUsername != "" || cfg.SentinelPassword != "") {
		return nil, configError("SentinelUsername", errors.New("only with MasterName"))
	}
	cluster := cfg.Cluster || (cfg.MasterName == "" && len(cfg.Addrs) > 1)
	if cluster && cfg.MasterName != "" {
		return nil, configError("Cluster", errors.New("together with MasterName (Sentinel)"))
	}
	if cluster && cfg.DB != 0 {
		return nil, configError("DB", errors.New("a Redis Cluster has only database 0"))
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	var tlsConfig *tls.Config
	if cfg.TLSConfig != nil {
		tlsConfig = cfg.TLSConfig.Clone()
	}
	addrs := append([]string(nil), cfg.Addrs...)
	switch {
	case cfg.MasterName != "":
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName:            cfg.MasterName,
			SentinelAddrs:         addrs,
			SentinelUsername:      cfg.SentinelUsername,
			SentinelPassword:      cfg.SentinelPassword,
			Username:              cfg.Username,
			Password:              cfg.Password,
			DB:                    cfg.DB,
			TLSConfig:             tlsConfig,
			MaxRetries:            -1,
			DialTimeout:           timeout,
			ReadTimeout:           timeout,
			WriteTimeout:          timeout,
			PoolTimeout:           timeout,
			ContextTimeoutEnabled: true,
			PoolSize:              cfg.PoolSize,
		}), nil
	case cluster:
		reload := cfg.ClusterStateReloadInterval
		if reload == 0 {
			reload = DefaultClusterStateReloadInterval
		}
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs:                      addrs,
			Username:                   cfg.Username,
			Password:                   cfg.Password,
			TLSConfig:                  tlsConfig,
			ClusterStateReloadInterval: reload,
			DialTimeout:                timeout,
			ReadTimeout:                timeout,
			WriteTimeout:               timeout,
			PoolTimeout:                timeout,
			ContextTimeoutEnabled:      true,
			PoolSize:                   cfg.PoolSize,
			MaintNotificationsConfig:   noMaintNotifications(),
		}), nil
	default:
		return redis.NewClient(&redis.Options{
			Addr:                     addrs[0],
			Username:                 cfg.Username,
			Password:                 cfg.Password,
			DB:                       cfg.DB,
			TLSConfig:                tlsConfig,
			MaxRetries:               -1,
			DialTimeout:              timeout,
			ReadTimeout:              timeout,
			WriteTimeout:             timeout,
			PoolTimeout:              timeout,
			ContextTimeoutEnabled:    true,
			PoolSize:                 cfg.PoolSize,
			MaintNotificationsConfig: noMaintNotifications(),
		}), nil
	}
}

// noMaintNotifications turns off go-redis's maintenance notifications
// (a Redis Enterprise feature; go-redis's default "auto" mode asks every
// server for them). In auto mode, a connection whose handshake the server
// refuses writes the mode into the client's options under a lock of its
// own, and every connection made through Client.Conn has its own lock: a
// data race (go test -race) when several are made at once, as the store
// does for each write followed by WAIT (Config.WaitReplicas). Failover
// (Sentinel) clients have them off already.
func noMaintNotifications() *maintnotifications.Config {
	return &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
}
