package redisstore

import "time"

// Unavailable exposes unavailable to the tests of package redisstore_test.
var Unavailable = unavailable

// ScriptHashes names the SHA1 of the store's scripts, for the tests that
// watch them run (MONITOR).
var ScriptHashes = map[string]string{
	"createFamily": createFamilyScript.Hash(),
	"rotateFamily": rotateFamilyScript.Hash(),
	"revokeFamily": revokeFamilyScript.Hash(),
	"check":        checkScript.Hash(),
	"evict":        evictScript.Hash(),
	"createSeries": createScript.Hash(),
	"rotateSeries": rotateScript.Hash(),
	"deleteSeries": deleteScript.Hash(),
	"deleteUser":   deleteUserScript.Hash(),
	"revoke":       revokeScript.Hash(),
	"cutoff":       cutoffScript.Hash(),
	"keyringLoad":  loadScript.Hash(),
	"keyringCAS":   casScript.Hash(),
}

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
