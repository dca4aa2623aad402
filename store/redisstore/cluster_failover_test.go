package redisstore_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// TestClusterMasterKill kills (SIGKILL) the master of one shard of the
// Cluster set-up while writers revoke keys of that shard through a client
// from NewClient, and checks that writes succeed again within 10 s of the
// moment the cluster has promoted the replica (go-redis's default 60 s
// state reload turned a 4.5 s failover into 57 s of errors). It leaves the
// shard without a replica, so it runs only when asked
// (scripts/redis-test.sh runs it last, alone).
func TestClusterMasterKill(t *testing.T) {
	if os.Getenv("PASETOKIT_REDIS_CLUSTER_KILL") != "1" {
		t.Skip("kills a master of the Cluster set-up: set PASETOKIT_REDIS_CLUSTER_KILL=1 and run it alone (scripts/redis-test.sh does)")
	}
	addrs := clusterAddrs(t)
	ctx := context.Background()
	c := newUniversal(t, redisstore.ClientConfig{Addrs: addrs})
	cc := c.(*redis.ClusterClient)
	prefix := freshPrefix(t, c)
	s := newStore(t, c, redisstore.Config{Prefix: prefix})

	// Every key of the writers hashes to the slot of the tag {k}.
	key := func(i int) string { return "jti:{k}:" + strconv.Itoa(i) }
	node, err := cc.MasterForKey(ctx, prefix+"r:"+key(0))
	if err != nil {
		t.Fatal(err)
	}
	old := node.Options().Addr
	info, err := node.Info(ctx, "server").Result()
	if err != nil {
		t.Fatal(err)
	}
	pid := 0
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, _ = strconv.Atoi(v)
		}
	}
	if pid <= 0 {
		t.Fatal("no process_id in INFO server")
	}
	var watcher *redis.Client // a surviving node, asked who serves the slot
	for _, a := range addrs {
		if a != old {
			watcher = redis.NewClient(&redis.Options{Addr: a})
			break
		}
	}
	defer watcher.Close()
	slot, err := watcher.ClusterKeySlot(ctx, prefix+"r:"+key(0)).Result()
	if err != nil {
		t.Fatal(err)
	}
	servedBy := func() string {
		slots, err := watcher.ClusterSlots(ctx).Result() //lint:ignore SA1019 ClusterShards needs Redis 7; the tests also run on 6
		if err != nil {
			return ""
		}
		for _, r := range slots {
			if int64(r.Start) <= slot && slot <= int64(r.End) && len(r.Nodes) > 0 {
				return r.Nodes[0].Addr
			}
		}
		return ""
	}

	var (
		mu        sync.Mutex
		acked     int
		failures  int
		killedAt  time.Time
		downSeen  bool      // a write failed after the kill
		firstBack time.Time // the first success after that
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	exp := time.Now().Add(time.Hour)
	for w := range 4 {
		wg.Go(func() {
			for i := w; ; i += 4 {
				select {
				case <-stop:
					return
				default:
				}
				err := s.Revoke(ctx, key(i), exp)
				now := time.Now()
				mu.Lock()
				if err != nil {
					failures++
					downSeen = downSeen || !killedAt.IsZero()
				} else {
					acked++
					if downSeen && firstBack.IsZero() {
						firstBack = now
					}
				}
				mu.Unlock()
			}
		})
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	waitFor := func(what string, limit time.Duration, cond func() bool) time.Time {
		t.Helper()
		deadline := time.Now().Add(limit)
		for !cond() {
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("%s: not within %v", what, limit)
			}
			<-tick.C
		}
		return time.Now()
	}
	waitFor("200 acknowledged writes before the kill", 20*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return acked >= 200
	})
	mu.Lock()
	killedAt = time.Now()
	mu.Unlock()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	promoted := waitFor("the replica promoted", 30*time.Second, func() bool {
		a := servedBy()
		return a != "" && a != old
	})
	waitFor("writes acknowledged again", 10*time.Second+time.Until(promoted), func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !firstBack.IsZero()
	})
	close(stop)
	wg.Wait()
	recovery := firstBack.Sub(promoted)
	t.Logf("the cluster promoted the replica %v after the kill; writes acknowledged again %v after that; %d acknowledged, %d failed",
		promoted.Sub(killedAt), recovery, acked, failures)
	if recovery > 10*time.Second {
		t.Errorf("writes failed for %v after the failover, want at most 10s", recovery)
	}
}
