package redisstore_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// TestClusterMasterKill kills (SIGKILL) the master of one shard of the
// Cluster set-up while writers revoke, consume, set cut-offs and rotate
// refresh families on that shard with WaitReplicas 1, through a client
// from NewClient, and checks (masterKill) that no acknowledged write is
// lost, that failed writes fail with store.ErrUnavailable, and that
// writes succeed again within 10 s of the moment the cluster has promoted
// a replica (go-redis's default 60 s state reload turned a 4.5 s failover
// into 57 s of errors). WAIT 1 after the promotion needs a second replica
// of the shard, which follows the promoted one: the set-up must give each
// master two (PASETOKIT_REDIS_CLUSTER_REPLICAS=2). It changes the set-up
// for good, so it runs only when asked (scripts/redis-test.sh runs it
// last, alone).
func TestClusterMasterKill(t *testing.T) {
	if os.Getenv("PASETOKIT_REDIS_CLUSTER_KILL") != "1" {
		t.Skip("kills a master of the Cluster set-up: set PASETOKIT_REDIS_CLUSTER_KILL=1 and run it alone (scripts/redis-test.sh does)")
	}
	addrs := clusterAddrs(t)
	ctx := context.Background()
	c := newUniversal(t, redisstore.ClientConfig{Addrs: addrs})
	cc := c.(*redis.ClusterClient)
	prefix := freshPrefix(t, c)
	wait := killWaitReplicas(t)
	s := newStore(t, c, redisstore.Config{Prefix: prefix, WaitReplicas: wait, WaitTimeout: 250 * time.Millisecond})

	// Every key of the writers holds the hash tag {k}: one slot.
	const tag = "{k}"
	node, err := cc.MasterForKey(ctx, prefix+"r:"+tag)
	if err != nil {
		t.Fatal(err)
	}
	old := node.Options().Addr
	if n, _ := strconv.Atoi(infoField(t, node, "replication", "connected_slaves")); n < wait+1 {
		needed(t, "the master of the writers' shard has %d replicas; WaitReplicas %d needs %d, so that writes go on once one is promoted (PASETOKIT_REDIS_CLUSTER_REPLICAS=2)", n, wait, wait+1)
	}
	var watcher *redis.Client // a surviving node, asked who serves the slot
	for _, a := range addrs {
		if a != old {
			watcher = redis.NewClient(&redis.Options{Addr: a})
			break
		}
	}
	defer watcher.Close()
	slot, err := watcher.ClusterKeySlot(ctx, prefix+"r:"+tag).Result()
	if err != nil {
		t.Fatal(err)
	}
	masterKill(t, s, tag, node, "the cluster promoted a replica", func() bool {
		slots, err := watcher.ClusterSlots(ctx).Result() //lint:ignore SA1019 ClusterShards needs Redis 7; the tests also run on 6
		if err != nil {
			return false
		}
		for _, r := range slots {
			if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
				return r.Nodes[0].Addr != old
			}
		}
		return false
	})
}
