package redisstore_test

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// topologies returns the test's Redis set-ups: the single server
// (PASETOKIT_REDIS_ADDR), the Cluster and Sentinel ones
// (scripts/redis-cluster.sh, scripts/redis-sentinel.sh), each as a
// subtest that is skipped (failed when CI=true) when its variable is
// not set.
func topologies(t *testing.T, f func(t *testing.T, c redis.UniversalClient)) {
	t.Run("Single", func(t *testing.T) {
		f(t, newClient(t, redisAddr(t)))
	})
	t.Run("Cluster", func(t *testing.T) {
		f(t, newUniversal(t, redisstore.ClientConfig{Addrs: clusterAddrs(t)}))
	})
	t.Run("Sentinel", func(t *testing.T) {
		addrs, master := sentinelEnv(t)
		f(t, newUniversal(t, redisstore.ClientConfig{Addrs: addrs, MasterName: master}))
	})
}

// prefixKeys returns the keys under prefix on every master c reaches.
func prefixKeys(t *testing.T, c redis.UniversalClient, prefix string) []string {
	t.Helper()
	ctx := context.Background()
	var mu sync.Mutex
	var all []string
	scan := func(ctx context.Context, n *redis.Client) error {
		keys, err := n.Keys(ctx, prefix+"*").Result()
		mu.Lock()
		all = append(all, keys...)
		mu.Unlock()
		return err
	}
	var err error
	switch cc := c.(type) {
	case *redis.ClusterClient:
		err = cc.ForEachMaster(ctx, scan)
	case *redis.Client:
		err = scan(ctx, cc)
	default:
		t.Fatalf("client %T", c)
	}
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(all)
	return all
}

// concurrentLogins is the number of creations for one owner started at
// once by TestConcurrentCreationsBounded: more than the 100 under which an
// earlier declare-and-rerun design starved.
const concurrentLogins = 128

// TestConcurrentCreationsBounded: concurrentLogins creations of a family
// (and of a remember-me series) for one owner, started at once, all
// succeed, and leave that owner exactly the bound of live entries and no
// other key in Redis, while another user's refreshes, running meanwhile,
// never fail. On a single server, Cluster and Sentinel.
func TestConcurrentCreationsBounded(t *testing.T) {
	const bound = 8
	topologies(t, func(t *testing.T, c redis.UniversalClient) {
		ctx := context.Background()
		prefix := freshPrefix(t, c)
		s := newStore(t, c, redisstore.Config{Prefix: prefix, MaxFamiliesPerUser: bound, MaxSeriesPerUser: bound})
		until := time.Now().Add(time.Hour)

		// bob: one family, refreshed in a loop during the storm.
		const bob = "{bob}bob"
		if err := s.CreateFamily(ctx, bob, "{bob}fam", "t0", until); err != nil {
			t.Fatal(err)
		}
		bobSeries := store.Series{Selector: "bob-sel", UserID: "bob", ValidatorHash: []byte("h"), Expires: until}
		if err := s.CreateSeries(ctx, bobSeries); err != nil {
			t.Fatal(err)
		}

		const owner = "{m}mallory"
		fams := make([]string, concurrentLogins)
		sels := make([]string, concurrentLogins)
		start := make(chan struct{})
		stop := make(chan struct{})
		errs := make(chan error, 2*concurrentLogins+1)
		var wg, bobWG sync.WaitGroup
		for i := range concurrentLogins {
			fams[i] = "{m}fam" + strconv.Itoa(i)
			sels[i] = "m-sel" + strconv.Itoa(i)
			// Expiries interleave, so that evictions pick from the middle.
			x := until.Add(time.Duration(i%5) * time.Second)
			wg.Go(func() {
				<-start
				if err := s.CreateFamily(ctx, owner, fams[i], "t", x); err != nil {
					errs <- fmt.Errorf("CreateFamily %d: %w", i, err)
				}
			})
			wg.Go(func() {
				<-start
				sr := store.Series{Selector: sels[i], UserID: "mallory", ValidatorHash: []byte("h"), Expires: x}
				if err := s.CreateSeries(ctx, sr); err != nil {
					errs <- fmt.Errorf("CreateSeries %d: %w", i, err)
				}
			})
		}
		bobRefreshes := 0
		bobWG.Go(func() {
			<-start
			tok := "t0"
			for n := 0; ; n++ {
				select {
				case <-stop:
					bobRefreshes = n
					return
				default:
				}
				next := "t" + strconv.Itoa(n+1)
				r, err := s.RotateFamily(ctx, bob, "{bob}fam", tok, next, time.Time{}, until)
				if err != nil || r != store.FamilyRotated {
					errs <- fmt.Errorf("bob's refresh %d: %v, %v", n, r, err)
					return
				}
				if _, err := s.GetSeries(ctx, "bob-sel"); err != nil {
					errs <- fmt.Errorf("bob's series %d: %w", n, err)
					return
				}
				tok = next
			}
		})
		close(start)
		wg.Wait()
		close(stop)
		bobWG.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		t.Logf("%d concurrent logins (families and series), bob refreshed %d times meanwhile", concurrentLogins, bobRefreshes)

		liveFams := 0
		for _, f := range fams {
			st, err := s.Check(ctx, store.Check{Family: f})
			if err != nil {
				t.Fatal(err)
			}
			if !st.Revoked {
				liveFams++
			}
		}
		liveSeries := 0
		for _, sel := range sels {
			_, err := s.GetSeries(ctx, sel)
			switch {
			case err == nil:
				liveSeries++
			case !errors.Is(err, store.ErrNotFound):
				t.Fatal(err)
			}
		}
		if liveFams != bound || liveSeries != bound {
			t.Errorf("%d live families and %d live series after %d concurrent logins, want the bound %d of each",
				liveFams, liveSeries, concurrentLogins, bound)
		}
		// In Redis: mallory's entries and two indexes, bob's two entries
		// and two indexes.
		if keys := prefixKeys(t, c, prefix); len(keys) != 2*bound+2+4 {
			t.Errorf("%d keys in Redis, want %d: %q", len(keys), 2*bound+6, keys)
		}
	})
}

// monitorLine is one command as MONITOR reports it.
type monitorLine struct {
	lua  bool // run by a script
	args []string
}

// parseMonitor reads a MONITOR line:
//
//	1700000000.123456 [0 127.0.0.1:5000] "EVALSHA" "ab…" "1" "k" "a\x00"
//
// Arguments are quoted as Redis's sdscatrepr does (\\ \" \n \r \t \a \b
// \xHH).
func parseMonitor(s string) (monitorLine, error) {
	var l monitorLine
	open, end := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if open < 0 || end < open {
		return l, fmt.Errorf("no source in %q", s)
	}
	l.lua = strings.HasSuffix(s[open+1:end], " lua")
	rest := s[end+1:]
	for {
		q := strings.IndexByte(rest, '"')
		if q < 0 {
			return l, nil
		}
		rest = rest[q+1:]
		var b strings.Builder
		closed := false
		for i := 0; i < len(rest); i++ {
			ch := rest[i]
			if ch == '"' {
				rest, closed = rest[i+1:], true
				break
			}
			if ch != '\\' || i+1 == len(rest) {
				b.WriteByte(ch)
				continue
			}
			i++
			switch rest[i] {
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'x':
				if i+2 >= len(rest) {
					return l, fmt.Errorf("bad escape in %q", s)
				}
				v, err := strconv.ParseUint(rest[i+1:i+3], 16, 8)
				if err != nil {
					return l, fmt.Errorf("bad escape in %q", s)
				}
				b.WriteByte(byte(v))
				i += 2
			default:
				b.WriteByte(rest[i])
			}
		}
		if !closed {
			return l, fmt.Errorf("unterminated argument in %q", s)
		}
		l.args = append(l.args, b.String())
	}
}

// monitor starts MONITOR on the server at addr, on a connection of its
// own, and returns a function that runs marker through c (an ECHO), reads
// up to it and returns the lines seen before.
func monitor(t *testing.T, addr string, c *redis.Client) func() []monitorLine {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	r := bufio.NewReader(conn)
	if _, err := conn.Write([]byte("MONITOR\r\n")); err != nil {
		t.Fatal(err)
	}
	if l, err := r.ReadString('\n'); err != nil || l != "+OK\r\n" {
		t.Fatalf("MONITOR: %q, %v", l, err)
	}
	return func() []monitorLine {
		t.Helper()
		const marker = "end-of-monitored-commands"
		if err := c.Echo(context.Background(), marker).Err(); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var out []monitorLine
		for {
			s, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading MONITOR: %v", err)
			}
			l, err := parseMonitor(strings.TrimSuffix(strings.TrimPrefix(s, "+"), "\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			if len(l.args) == 2 && strings.EqualFold(l.args[0], "echo") && l.args[1] == marker {
				return out
			}
			out = append(out, l)
		}
	}
}

// isScript reports whether l runs a script (EVAL or EVALSHA, sent by a
// client).
func isScript(l monitorLine) bool {
	return !l.lua && len(l.args) >= 3 && (strings.EqualFold(l.args[0], "evalsha") || strings.EqualFold(l.args[0], "eval"))
}

// scriptRun is one script run seen by MONITOR: its declared KEYS and the
// commands it ran.
type scriptRun struct {
	sha  string // or the script's text, for EVAL
	keys []string
	cmds [][]string
}

// scriptRuns pairs the commands scripts ran with the EVAL or EVALSHA that
// ran them. Redis feeds MONITOR a command once it has run (Redis 7) or
// before (earlier versions): after says which, as found by a probe.
func scriptRuns(t *testing.T, lines []monitorLine, after bool) []scriptRun {
	t.Helper()
	var runs []scriptRun
	var pending [][]string // commands not yet paired (after)
	for _, l := range lines {
		switch {
		case l.lua && after:
			pending = append(pending, l.args)
		case l.lua:
			if len(runs) == 0 {
				t.Fatalf("a script command %q before any script", l.args)
			}
			runs[len(runs)-1].cmds = append(runs[len(runs)-1].cmds, l.args)
		case isScript(l):
			n, err := strconv.Atoi(l.args[2])
			if err != nil || 3+n > len(l.args) {
				t.Fatalf("bad script call %q", l.args)
			}
			r := scriptRun{sha: l.args[1], keys: l.args[3 : 3+n]}
			if strings.EqualFold(l.args[0], "eval") {
				sum := sha1.Sum([]byte(l.args[1]))
				r.sha = hex.EncodeToString(sum[:])
			}
			if after {
				r.cmds, pending = pending, nil
			}
			runs = append(runs, r)
		case after && len(pending) > 0:
			t.Fatalf("script commands %q followed by %q, not by their script", pending, l.args)
		}
	}
	if len(pending) > 0 {
		t.Fatalf("script commands %q without their script", pending)
	}
	return runs
}

// TestScriptsDeclareEveryKey watches with MONITOR every script of the
// package (the store's and the key ring's) run on a server of its own, through every path that touches other
// entries than the caller's (eviction over the bound, entries gone from
// Redis, a series that replaces another user's expired one, a legacy
// plain-set index, wrong guesses that make DeleteSeries and DeleteUser run
// again), and asks Redis (COMMAND GETKEYS) for the keys of each command a
// script ran: every one must be among the KEYS the script was given.
// Redis Cluster checks only that keys are in the slots of the node, so
// this is the test that a script never builds a key name.
func TestScriptsDeclareEveryKey(t *testing.T) {
	srv := &server{t: t, port: freePort(t)}
	srv.start()
	addr := "127.0.0.1:" + srv.port
	c := newClient(t, addr)
	ctx := context.Background()

	// Probe: does MONITOR show a script's commands before or after it?
	probe := redis.NewScript(`return redis.call('EXISTS', KEYS[1])`)
	read := monitor(t, addr, c)
	if err := probe.Eval(ctx, c, []string{"probe-key"}).Err(); err != nil {
		t.Fatal(err)
	}
	var lines []monitorLine
	for _, l := range read() {
		if l.lua || isScript(l) {
			lines = append(lines, l)
		}
	}
	after := len(lines) == 2 && lines[0].lua && isScript(lines[1])
	if !after && (len(lines) != 2 || !isScript(lines[0]) || !lines[1].lua) {
		t.Fatalf("probe: MONITOR showed %+v", lines)
	}

	const p = "t:"
	s := newStore(t, c, redisstore.Config{Prefix: p, MaxFamiliesPerUser: 2, MaxSeriesPerUser: 2})
	ahead := newStore(t, c, redisstore.Config{Prefix: p, MaxSeriesPerUser: 2,
		Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	if err := s.Revoke(ctx, "warm-up", time.Now().Add(time.Hour)); err != nil { // the servers' check, before MONITOR
		t.Fatal(err)
	}
	if err := ahead.Revoke(ctx, "warm-up", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	hour := time.Now().Add(time.Hour)
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	read = monitor(t, addr, c)

	// Families: under the bound, a family gone from Redis, over the bound.
	for i, f := range []string{"f1", "f2", "f3", "f4", "f5"} {
		must("create "+f, s.CreateFamily(ctx, "o", f, "t", hour.Add(time.Duration(i)*time.Second)))
		if f == "f2" {
			must("del", c.Del(ctx, p+"f:f2").Err())
		}
	}
	if err := s.CreateFamily(ctx, "o", "f5", "t", hour); !errors.Is(err, store.ErrFamilyInUse) {
		t.Fatalf("create of a live family: %v", err)
	}
	_, err := s.RotateFamily(ctx, "o", "f5", "t", "t2", time.Now().Add(time.Minute), hour)
	must("rotate family", err)
	must("revoke family", s.RevokeFamily(ctx, "o", "f4"))
	_, err = s.Check(ctx, store.Check{Keys: []string{"j1", "j2"}, Family: "f5", Cutoff: "o"})
	must("check", err)
	must("revoke", s.Revoke(ctx, "j1", hour))
	must("cutoff", s.SetCutoff(ctx, "o", time.Now(), hour))
	_, err = s.Consume(ctx, "j3", hour)
	must("consume", err)

	// Series: over the bound, a series gone from Redis, another user's
	// expired series replaced, a legacy index, deletes with wrong guesses.
	series := func(sel, user string, d time.Duration) store.Series {
		return store.Series{Selector: sel, UserID: user, ValidatorHash: []byte("h\x00\xff\"\\"), Expires: time.Now().Add(d)}
	}
	for i, sel := range []string{"a1", "a2", "a3", "a4"} {
		must("create "+sel, s.CreateSeries(ctx, series(sel, "alice", time.Hour+time.Duration(i)*time.Second)))
		if sel == "a3" {
			must("del", c.Del(ctx, p+"rs:a3").Err())
		}
	}
	must("create bob's", s.CreateSeries(ctx, series("x", "bob", 30*time.Minute)))
	must("replace bob's", ahead.CreateSeries(ctx, series("x", "alice", 3*time.Hour)))
	must("create l1", s.CreateSeries(ctx, series("l1", "carol", time.Hour)))
	must("create l2", s.CreateSeries(ctx, series("l2", "carol", time.Hour)))
	must("legacy", c.Del(ctx, p+"ru:carol").Err())
	must("legacy", c.SAdd(ctx, p+"ru:carol", "l1", "l2", "vanished").Err())
	must("create l3", s.CreateSeries(ctx, series("l3", "carol", 2*time.Hour)))
	_, err = s.RotateSeries(ctx, "l3", []byte("h\x00\xff\"\\"), []byte("n"), time.Now().Add(time.Minute))
	must("rotate series", err)
	must("delete series", s.DeleteSeries(ctx, "l2"))
	must("delete user", s.DeleteUser(ctx, "alice"))

	// The key ring of a fleet.
	ring := newRing(t, ringConfig(newKeyring(t, c, redisstore.KeyringConfig{Prefix: p, Name: "tokens"}),
		wrappingKey(t, paseto.V4), time.Now))
	must("ring tick", ring.Tick(ctx))

	runs := scriptRuns(t, read(), after)
	names := make(map[string]string)
	for name, sha := range redisstore.ScriptHashes {
		names[sha] = name
	}
	seen := make(map[string]int)
	for _, r := range runs {
		name, ok := names[r.sha]
		if !ok {
			name = "unknown " + r.sha
		}
		if len(r.cmds) > 0 { // not an EVALSHA answered NOSCRIPT
			seen[name]++
		}
		for _, cmd := range r.cmds {
			if len(cmd) == 1 { // TIME: a command of no argument has no key
				continue
			}
			args := make([]any, len(cmd))
			for i, a := range cmd {
				args[i] = a
			}
			keys, err := c.CommandGetKeys(ctx, args...).Result()
			if err != nil && !strings.Contains(err.Error(), "no key arguments") {
				t.Fatalf("COMMAND GETKEYS %q: %v", cmd, err)
			}
			for _, k := range keys {
				if !slices.Contains(r.keys, k) {
					t.Errorf("script %s ran %q on key %q, not among its KEYS %q", name, cmd[0], k, r.keys)
				}
			}
		}
	}
	t.Logf("script runs seen: %v", seen)
	for name := range redisstore.ScriptHashes {
		if seen[name] == 0 {
			t.Errorf("script %s never ran", name)
		}
	}
	// The paths that need a second run did run one.
	for name, least := range map[string]int{"evict": 3, "createSeries": 8, "deleteSeries": 2, "deleteUser": 2} {
		if seen[name] < least {
			t.Errorf("script %s ran %d times, want at least %d", name, seen[name], least)
		}
	}
}
