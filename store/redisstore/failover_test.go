package redisstore_test

import (
	"context"
	"fmt"
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

// TestSentinelMasterKill kills (SIGKILL) the master of the Sentinel set-up
// while writers revoke and consume keys with WaitReplicas 1, and checks
// that no acknowledged write is lost and that writes succeed again within
// 10 s of the moment the Sentinels have promoted a replica. It changes the
// set-up for good, so it runs only when asked (scripts/redis-test.sh runs
// it last, alone).
func TestSentinelMasterKill(t *testing.T) {
	if os.Getenv("PASETOKIT_REDIS_SENTINEL_KILL") != "1" {
		t.Skip("kills the Sentinel set-up's master: set PASETOKIT_REDIS_SENTINEL_KILL=1 and run it alone (scripts/redis-test.sh does)")
	}
	addrs, master := sentinelEnv(t)
	ctx := context.Background()
	c := newUniversal(t, redisstore.ClientConfig{Addrs: addrs, MasterName: master})
	s := newStore(t, c, redisstore.Config{Prefix: freshPrefix(t, c), WaitReplicas: 1})

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
	srvInfo, err := mc.Info(ctx, "server").Result()
	_ = mc.Close()
	if err != nil {
		t.Fatal(err)
	}
	pid := 0
	for line := range strings.Lines(srvInfo) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "process_id:"); ok {
			pid, _ = strconv.Atoi(v)
		}
	}
	if pid <= 0 {
		t.Fatal("no process_id in INFO server")
	}

	var (
		mu        sync.Mutex
		revoked   []string
		consumed  []string
		failures  int
		downSeen  bool      // a write failed after the kill
		firstBack time.Time // the first success after that
		killedAt  time.Time
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	exp := time.Now().Add(time.Hour)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := fmt.Sprintf("w%d:%d", w, i)
				var err error
				var first bool
				if i%2 == 0 {
					err = s.Revoke(ctx, "jti:"+key, exp)
				} else {
					first, err = s.Consume(ctx, "rt:"+key, exp)
					if err == nil && !first {
						err = fmt.Errorf("fresh key %s already consumed", key)
					}
				}
				now := time.Now()
				mu.Lock()
				if err != nil {
					failures++
					downSeen = downSeen || !killedAt.IsZero()
				} else {
					if i%2 == 0 {
						revoked = append(revoked, key)
					} else {
						consumed = append(consumed, key)
					}
					if downSeen && firstBack.IsZero() {
						firstBack = now
					}
				}
				mu.Unlock()
			}
		})
	}
	acked := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(revoked) + len(consumed)
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
	waitFor("200 acknowledged writes before the kill", 20*time.Second, func() bool { return acked() >= 200 })

	mu.Lock()
	killedAt = time.Now()
	mu.Unlock()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	promoted := waitFor("a replica promoted by the Sentinels", 30*time.Second, func() bool {
		a := masterAddr()
		return a != "" && a != old
	})
	back := waitFor("writes acknowledged again", time.Until(promoted)+10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !firstBack.IsZero()
	})
	before := acked()
	waitFor("100 more acknowledged writes", 10*time.Second, func() bool { return acked() >= before+100 })
	close(stop)
	wg.Wait()
	mu.Lock()
	recovery := firstBack.Sub(promoted)
	t.Logf("killed the master at %v; Sentinels promoted a replica %v later; writes acknowledged again %v after that (seen at %v); %d acknowledged writes, %d failed",
		killedAt.Format(time.TimeOnly), promoted.Sub(killedAt), recovery, back.Sub(killedAt), len(revoked)+len(consumed), failures)
	mu.Unlock()
	if recovery > 10*time.Second {
		t.Errorf("writes failed for %v after the failover, want at most 10s", recovery)
	}

	// Every acknowledged write survived the failover.
	lost := 0
	for _, k := range revoked {
		ok, err := s.Revoked(ctx, "jti:"+k)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			lost++
		}
	}
	for _, k := range consumed {
		first, err := s.Consume(ctx, "rt:"+k, exp)
		if err != nil {
			t.Fatal(err)
		}
		if first {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged writes lost in the failover", lost, len(revoked)+len(consumed))
	}
}
