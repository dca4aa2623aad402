package redisstore_test

// The load and the checks shared by the master kill tests
// (TestSentinelMasterKill, TestClusterMasterKill).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// killWaitReplicas is the Config.WaitReplicas of the master kill tests: 1,
// or PASETOKIT_REDIS_KILL_WAIT_REPLICAS to see what they find without
// WAIT (0).
func killWaitReplicas(t *testing.T) int {
	v := os.Getenv("PASETOKIT_REDIS_KILL_WAIT_REPLICAS")
	if v == "" {
		return 1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("PASETOKIT_REDIS_KILL_WAIT_REPLICAS=%q: want a number of replicas", v)
	}
	return n
}

// infoField returns the value of field in the INFO section of node.
func infoField(t *testing.T, node *redis.Client, section, field string) string {
	t.Helper()
	info, err := node.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	t.Fatalf("no %s in INFO %s", field, section)
	return ""
}

// replicaAddrs returns the addresses of the replicas connected to master.
func replicaAddrs(t *testing.T, master *redis.Client) []string {
	t.Helper()
	info, err := master.Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	var addrs []string
	for line := range strings.Lines(info) {
		name, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if !strings.HasPrefix(name, "slave") || !strings.Contains(v, "ip=") {
			continue
		}
		var ip, port string
		for _, f := range strings.Split(v, ",") {
			k, x, _ := strings.Cut(f, "=")
			switch k {
			case "ip":
				ip = x
			case "port":
				port = x
			}
		}
		addrs = append(addrs, ip+":"+port)
	}
	if len(addrs) == 0 {
		t.Fatal("the master has no replica")
	}
	return addrs
}

// serverPID returns the process id of the server node is connected to.
func serverPID(t *testing.T, node *redis.Client) int {
	t.Helper()
	pid, err := strconv.Atoi(infoField(t, node, "server", "process_id"))
	if err != nil || pid <= 0 {
		t.Fatalf("INFO server: process_id %d: %v", pid, err)
	}
	return pid
}

// killFamily is one writer's refresh family: the current token as last
// acknowledged, and a rotation from it whose outcome is unknown (it
// failed), retried with the same successor until acknowledged.
type killFamily struct {
	owner, name    string
	acked, pending string
	lost           bool // a rotation found the family gone or reused
}

// rotate rotates f once (or retries its pending rotation) and reports
// whether the store acknowledged it.
func (f *killFamily) rotate(ctx context.Context, s *redisstore.Store, next string, exp time.Time) (bool, error) {
	to := f.pending
	if to == "" {
		to = next
	}
	r, err := s.RotateFamily(ctx, f.owner, f.name, f.acked, to, time.Now().Add(time.Minute), exp)
	switch {
	case err != nil:
		f.pending = to
		return false, err
	case r == store.FamilyRotated || r == store.FamilyRetried:
		f.acked, f.pending = to, ""
		return true, nil
	default: // the acknowledged current token is not the family's any more
		f.lost = true
		return false, nil
	}
}

// masterKill runs four writers on s (revocations, consumes, cut-offs and
// family rotations, every key holding tag) and, once 200 writes are
// acknowledged, kills (SIGKILL) the master they write to, reached by
// master. Just before, it stops the master's replicas (SIGSTOP), cuts
// their links (CLIENT KILL TYPE replica) and lets 8 more writes return;
// it resumes the replicas (SIGCONT) right after the kill. The kill then
// lands while the replicas lack the newest writes, the window WAIT guards,
// as it would with a slow replica or network: without the stop and the
// cut, runs without WAIT often lost nothing, since on loopback the
// master sends each write to its replicas as it answers the client, and
// a replica whose link is cut reconnects within milliseconds.
// promoted reports that Redis (the Sentinels or the cluster) has promoted
// a replica. It then checks, and fails t otherwise:
//   - writes are acknowledged again within 10 s of the promotion;
//   - every write that failed, before or after the kill, failed with an
//     error matching store.ErrUnavailable (ErrNotReplicated included);
//   - every acknowledged write is read back after the failover: revoked
//     and consumed keys are there, no cut-off is earlier than the latest
//     acknowledged one, and each family's current token is the last
//     acknowledged one (a rotation left pending by a failure is retried:
//     it must be applied, or find its own earlier application).
func masterKill(t *testing.T, s *redisstore.Store, tag string, master *redis.Client, what string, promoted func() bool) {
	ctx := context.Background()
	pid := serverPID(t, master)
	exp := time.Now().Add(time.Hour)
	base := time.Now().Truncate(time.Millisecond)
	const writers = 4
	fams := make([]*killFamily, writers)
	for w := range fams {
		f := &killFamily{owner: fmt.Sprintf("%su%d", tag, w), name: fmt.Sprintf("%sfam%d", tag, w), acked: "t0"}
		if err := s.CreateFamily(ctx, f.owner, f.name, f.acked, exp); err != nil {
			t.Fatal(err)
		}
		fams[w] = f
	}
	cutoffKey := func(w int) string { return fmt.Sprintf("sub:%sw%d", tag, w) }

	var (
		mu                sync.Mutex
		revoked, consumed []string
		cutoffs           = map[string]time.Time{} // the latest acknowledged
		nCut, nRot        int                      // acknowledged cut-offs, rotations
		failures, notRepl int
		returned          int       // writes that returned, acknowledged or not
		wrong             []error   // failures that do not match store.ErrUnavailable, anomalies
		killedAt          time.Time // set once the kill signal is sent
		firstBack         time.Time // the first success of a write begun after that
		stop              = make(chan struct{})
		wg                sync.WaitGroup
		acked             = func() int { return len(revoked) + len(consumed) + nCut + nRot }
		lockedAcked       = func() int { mu.Lock(); defer mu.Unlock(); return acked() }
	)
	for w := range writers {
		wg.Go(func() {
			f := fams[w]
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				began := time.Now()
				key := fmt.Sprintf("%sw%d:%d", tag, w, i)
				at := base.Add(time.Duration(i) * time.Millisecond)
				var err error
				ok := false
				switch i % 4 {
				case 0:
					err = s.Revoke(ctx, "jti:"+key, exp)
				case 1:
					var first bool
					first, err = s.Consume(ctx, "rt:"+key, exp)
					if err == nil && !first {
						err = fmt.Errorf("fresh key %s already consumed", key)
					}
				case 2:
					err = s.SetCutoff(ctx, cutoffKey(w), at, exp)
				case 3:
					if f.lost {
						continue
					}
					ok, err = f.rotate(ctx, s, "t"+strconv.Itoa(i), exp)
					if err == nil && !ok {
						err = fmt.Errorf("family %d: acknowledged token %s refused", w, f.acked)
					}
				}
				now := time.Now()
				mu.Lock()
				returned++
				switch {
				case err != nil && !errors.Is(err, store.ErrUnavailable):
					wrong = append(wrong, err)
				case err != nil:
					failures++
					if errors.Is(err, redisstore.ErrNotReplicated) {
						notRepl++
					}
				default:
					switch i % 4 {
					case 0:
						revoked = append(revoked, key)
					case 1:
						consumed = append(consumed, key)
					case 2:
						cutoffs[cutoffKey(w)] = at
						nCut++
					case 3:
						nRot++
					}
					if !killedAt.IsZero() && began.After(killedAt) && firstBack.IsZero() {
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
	waitFor("200 acknowledged writes before the kill", 20*time.Second, func() bool { return lockedAcked() >= 200 })

	// Stop the replicas (SIGSTOP), then cut their links: writes the
	// master answers from now on reach no replica.
	var stopped []int
	cont := func() {
		for _, p := range stopped {
			_ = syscall.Kill(p, syscall.SIGCONT)
		}
		stopped = nil
	}
	defer cont()
	for _, a := range replicaAddrs(t, master) {
		rc := redis.NewClient(&redis.Options{Addr: a})
		p := serverPID(t, rc)
		_ = rc.Close()
		if err := syscall.Kill(p, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		stopped = append(stopped, p)
	}
	if err := master.ClientKillByFilter(ctx, "TYPE", "replica").Err(); err != nil {
		t.Fatal(err)
	}
	cutAt := time.Now()
	mu.Lock()
	cut, ackedAtCut := returned, acked()
	mu.Unlock()
	waitFor("8 writes after the cut", 10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return returned >= cut+8
	})
	mu.Lock()
	ackedInCut := acked() - ackedAtCut
	mu.Unlock()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	killedAt = time.Now()
	mu.Unlock()
	cont()
	promotedAt := waitFor(what, 30*time.Second, promoted)
	waitFor("writes acknowledged again", time.Until(promotedAt)+10*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return !firstBack.IsZero()
	})
	before := lockedAcked()
	waitFor("100 more acknowledged writes", 10*time.Second, func() bool { return lockedAcked() >= before+100 })
	close(stop)
	wg.Wait()

	recovery := firstBack.Sub(promotedAt)
	t.Logf("stopped the replicas and cut their links %v before the kill; %d writes acknowledged in between", killedAt.Sub(cutAt), ackedInCut)
	t.Logf("%s %v after the kill; writes acknowledged again %v after that", what, promotedAt.Sub(killedAt), recovery)
	t.Logf("acknowledged: %d writes (%d revocations, %d consumes, %d cut-offs, %d rotations); failed: %d (%d not replicated in time)",
		acked(), len(revoked), len(consumed), nCut, nRot, failures, notRepl)
	if recovery > 10*time.Second {
		t.Errorf("writes failed for %v after the failover, want at most 10s", recovery)
	}
	for _, err := range wrong {
		t.Errorf("a write failed without store.ErrUnavailable, or an acknowledged write was missing: %v", err)
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
	for k, want := range cutoffs {
		got, err := s.Cutoff(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if got.Before(want) {
			lost++
		}
	}
	for _, f := range fams {
		if !f.lost { // settle a pending rotation, or rotate once more
			ok, err := f.rotate(ctx, s, f.acked+"-check", exp)
			if err != nil {
				t.Fatal(err)
			}
			f.lost = !ok
		}
		if f.lost {
			lost++
		}
	}
	t.Logf("lost: %d of %d acknowledged writes (revocations, consumes; cut-offs and families: the latest of each)",
		lost, len(revoked)+len(consumed)+len(cutoffs)+len(fams))
	if lost > 0 {
		t.Errorf("%d acknowledged writes lost in the failover", lost)
	}
}
