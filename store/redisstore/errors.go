package redisstore

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pasetokit/pasetokit/store"
	"github.com/redis/go-redis/v9"
)

// ErrInvalidConfig: New or [NewClient] refused its configuration, or the
// client or server it was given (a client that reads from replicas, a
// server that may evict keys, a key layout that does not fit Redis
// Cluster). Every such error is a [*ConfigError] that matches it. A Store
// also returns an error matching it (and not [store.ErrUnavailable]) when
// Redis answers CROSSSLOT, which no retry can cure.
var ErrInvalidConfig = errors.New("redisstore: invalid configuration")

// ErrEvictionPolicy: a Redis server's maxmemory-policy is not
// "noeviction". Under memory pressure such a server deletes revocations,
// refresh families and cut-offs, so that revoked tokens pass again. It
// comes inside a [*ConfigError] whose Field is "client".
var ErrEvictionPolicy = errors.New("redisstore: maxmemory-policy is not noeviction")

// ErrReplicaReads: the client given to New reads from replicas
// (ClusterOptions.ReadOnly, RouteByLatency or RouteRandomly,
// FailoverOptions.ReplicaOnly, or a plain client connected to a replica).
// Replication is asynchronous, so a replica can miss a fresh revocation.
// It comes inside a [*ConfigError] whose Field is "client".
var ErrReplicaReads = errors.New("redisstore: client reads from replicas")

// ErrNotReplicated: with [Config.WaitReplicas] set, a write was not
// acknowledged by that many replicas within [Config.WaitTimeout]. The
// write may or may not survive a failover, so the operation failed
// (closed); the error also matches [store.ErrUnavailable].
var ErrNotReplicated = errors.New("redisstore: write not acknowledged by enough replicas")

// ConfigError is the error New and [NewClient] return for a configuration
// they refuse. It matches [ErrInvalidConfig] and Err.
type ConfigError struct {
	// Field is the Go path of the offending field ("WaitTimeout",
	// "Addrs[1]"), or "client" for the redis client given to New and the
	// servers it reaches.
	Field string
	// Err says what is wrong with it.
	Err error
}

// Error returns "redisstore: invalid configuration: <Field>: <Err>".
func (e *ConfigError) Error() string {
	return ErrInvalidConfig.Error() + ": " + e.Field + ": " + e.Err.Error()
}

// Unwrap returns [ErrInvalidConfig] and Err.
func (e *ConfigError) Unwrap() []error { return []error{ErrInvalidConfig, e.Err} }

func configError(field string, err error) error {
	return &ConfigError{Field: field, Err: err}
}

// isCrossSlot reports whether err is Redis Cluster's refusal of keys
// that hash to different slots (or of a script reaching such a key).
func isCrossSlot(err error) bool {
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		return false
	}
	msg := rerr.Error()
	return strings.HasPrefix(msg, "CROSSSLOT") ||
		strings.Contains(msg, "non local key") ||
		strings.Contains(msg, "do not hash to the same slot")
}

// unavailable wraps err, a failure of operation op, so that it matches
// store.ErrUnavailable (and still matches err, such as
// context.DeadlineExceeded). A CROSSSLOT answer is a configuration error
// instead: it matches [ErrInvalidConfig] and never store.ErrUnavailable, as
// retrying cannot cure it.
func unavailable(op string, err error) error {
	if isCrossSlot(err) {
		return fmt.Errorf("%w: redisstore: %s: keys in several Redis Cluster slots: %w", ErrInvalidConfig, op, err)
	}
	return fmt.Errorf("%w: redisstore: %s: %w", store.ErrUnavailable, op, err)
}
