package redisstore_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// TestSentinelMasterKill kills (SIGKILL) the master of the Sentinel set-up
// (master, two replicas) while writers revoke, consume, set cut-offs and
// rotate refresh families with WaitReplicas 1, and checks (masterKill)
// that no acknowledged write is lost, that failed writes fail with
// store.ErrUnavailable, and that writes succeed again within 10 s of the
// moment the Sentinels have promoted a replica. It changes the set-up for
// good, so it runs only when asked (scripts/redis-test.sh runs it last,
// alone).
func TestSentinelMasterKill(t *testing.T) {
	if os.Getenv("PASETOKIT_REDIS_SENTINEL_KILL") != "1" {
		t.Skip("kills the Sentinel set-up's master: set PASETOKIT_REDIS_SENTINEL_KILL=1 and run it alone (scripts/redis-test.sh does)")
	}
	addrs, master := sentinelEnv(t)
	ctx := context.Background()
	c := newUniversal(t, redisstore.ClientConfig{Addrs: addrs, MasterName: master})
	s := newStore(t, c, redisstore.Config{Prefix: freshPrefix(t, c), WaitReplicas: killWaitReplicas(t), WaitTimeout: 250 * time.Millisecond})

	sc := redis.NewSentinelClient(&redis.Options{Addr: addrs[0]})
	defer sc.Close()
	masterAddr := func() string {
		a, err := sc.GetMasterAddrByName(ctx, master).Result()
		if err != nil || len(a) != 2 {
			return ""
		}
		return a[0] + ":" + a[1]
	}
	old := masterAddr()
	if old == "" {
		t.Fatal("no master known to the Sentinels")
	}
	mc := redis.NewClient(&redis.Options{Addr: old})
	defer mc.Close()
	masterKill(t, s, "", mc, "the Sentinels promoted a replica", func() bool {
		a := masterAddr()
		return a != "" && a != old
	})
}
