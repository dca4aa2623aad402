package redisstore

import "time"

// Unavailable exposes unavailable to the tests of package redisstore_test.
var Unavailable = unavailable

// ReplicaHooks drive a Replica in tests: any of them may be nil.
type ReplicaHooks struct {
	Now       func() time.Time   // the clock the Replica's freshness is measured by
	OnMessage func(msg any) bool // the receiver's every message (a *redis.Subscription or *redis.Message) before it applies it; false drops it
	OnWait    func()             // a Check is about to wait for a heartbeat
	ViewsOnly bool               // Cluster: read the masters only when a heartbeat's view disagrees
}

// WithReplicaHooks returns cfg with h.
func WithReplicaHooks(cfg ReplicaConfig, h ReplicaHooks) ReplicaConfig {
	cfg.hooks = &replicaHooks{now: h.Now, onMessage: h.OnMessage, onWait: h.OnWait, viewsOnly: h.ViewsOnly}
	return cfg
}
