package redisstore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyring/keyringtest"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/store/redisstore"
	"github.com/redis/go-redis/v9"
)

// The tests of the Redis keyring backend. Like the Store's, they need a
// redis-server: PASETOKIT_REDIS_ADDR names a shared one, and the tests that
// stop and restart Redis run their own redis-server, on a free port of the
// range PASETOKIT_REDIS_PORTS ("17100-17199") when it is set.

func newKeyring(t testing.TB, c redis.UniversalClient, cfg redisstore.KeyringConfig) *redisstore.Keyring {
	t.Helper()
	k, err := redisstore.NewKeyring(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func wrappingKey(t testing.TB, v paseto.Version) *paseto.SymmetricKey {
	t.Helper()
	k, err := paseto.GenerateSymmetricKey(v)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// ringConfig: rotate hourly, publish 10 minutes ahead, keep 30 minutes.
func ringConfig(b keyring.Backend, wk *paseto.SymmetricKey, now func() time.Time) keyring.Config {
	return keyring.Config{
		Backend:     b,
		WrappingKey: wk,
		Policy:      keyring.Policy{RotateEvery: time.Hour, PublishAhead: 10 * time.Minute},
		Lifetimes:   []time.Duration{25 * time.Minute},
		Leeway:      5 * time.Minute,
		Now:         now,
	}
}

func newRing(t testing.TB, cfg keyring.Config) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("keyring.New: %v", err)
	}
	return r
}

// ringPort returns a free loopback port for a redis-server of a test's own:
// from the range in PASETOKIT_REDIS_PORTS ("lo-hi") when it is set.
func ringPort(t *testing.T) string {
	t.Helper()
	r := os.Getenv("PASETOKIT_REDIS_PORTS")
	if r == "" {
		return freePort(t)
	}
	los, his, _ := strings.Cut(r, "-")
	lo, err1 := strconv.Atoi(los)
	hi, err2 := strconv.Atoi(his)
	if err1 != nil || err2 != nil || lo > hi {
		t.Fatalf("PASETOKIT_REDIS_PORTS=%q: want lo-hi", r)
	}
	for p := lo; p <= hi; p++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			l.Close()
			return strconv.Itoa(p)
		}
	}
	t.Fatalf("no free port in PASETOKIT_REDIS_PORTS=%q", r)
	return ""
}

// counting is a Backend that counts its successful swaps.
type counting struct {
	keyring.Backend
	writes atomic.Int64
}

func (c *counting) CompareAndSwap(ctx context.Context, old uint64, rec keyring.Record) error {
	err := c.Backend.CompareAndSwap(ctx, old, rec)
	if err == nil {
		c.writes.Add(1)
	}
	return err
}

func TestKeyringBackend(t *testing.T) {
	c := newClient(t, redisAddr(t))
	keyringtest.Run(t, func(t *testing.T) keyring.Backend {
		return newKeyring(t, c, redisstore.KeyringConfig{Prefix: testPrefix(t, c)})
	})
}

func TestNewKeyring(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never contacted
	defer c.Close()
	readOnly := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ReadOnly: true})
	defer readOnly.Close()
	tests := []struct {
		name     string
		client   redis.UniversalClient
		cfg      redisstore.KeyringConfig
		key      string
		errField string
	}{
		{"zero config", c, redisstore.KeyringConfig{}, "pasetokit:keyring:{default}", ""},
		{"prefix and name", c, redisstore.KeyringConfig{Prefix: "app:", Name: "tokens", Timeout: time.Minute}, "app:keyring:{tokens}", ""},
		{"nil client", nil, redisstore.KeyringConfig{}, "", "client"},
		{"negative timeout", c, redisstore.KeyringConfig{Timeout: -1}, "", "Timeout"},
		{"brace in name", c, redisstore.KeyringConfig{Name: "a{b}"}, "", "Name"},
		{"long name", c, redisstore.KeyringConfig{Name: strings.Repeat("n", 201)}, "", "Name"},
		{"replica reads", readOnly, redisstore.KeyringConfig{}, "", "client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := redisstore.NewKeyring(tt.client, tt.cfg)
			if tt.errField != "" {
				ce, ok := errors.AsType[*redisstore.ConfigError](err)
				if !ok || ce.Field != tt.errField || !errors.Is(err, redisstore.ErrInvalidConfig) {
					t.Fatalf("error %v, want a *redisstore.ConfigError for %s", err, tt.errField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if k.Key() != tt.key || k.String() != "redis "+tt.key {
				t.Fatalf("Key() = %q, String() = %q; want %q", k.Key(), k.String(), tt.key)
			}
		})
	}
}

// TestKeyringRefusesUnwrapped: a ring on Redis without a wrapping key or
// password is refused before Redis is contacted, so no plaintext key can
// reach it.
func TestKeyringRefusesUnwrapped(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}) // never contacted
	defer c.Close()
	cfg := ringConfig(newKeyring(t, c, redisstore.KeyringConfig{}), nil, nil)
	if _, err := keyring.New(t.Context(), cfg); !errors.Is(err, keyring.ErrInvalidConfig) {
		t.Fatalf("New without WrappingKey or Password: %v, want ErrInvalidConfig", err)
	}
}

// TestKeyringOneKey: a ring uses one Redis key, named with its hash tag,
// holding a hash of version and data and no expiry.
func TestKeyringOneKey(t *testing.T) {
	c := newClient(t, redisAddr(t))
	prefix := testPrefix(t, c)
	b := newKeyring(t, c, redisstore.KeyringConfig{Prefix: prefix, Name: "tokens"})
	clk := testclock.New()
	r := newRing(t, ringConfig(b, wrappingKey(t, paseto.V4), clk.Now))
	for range 8 {
		clk.Advance(20 * time.Minute)
		if err := r.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	ctx := t.Context()
	keys, err := c.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if want := prefix + "keyring:{tokens}"; len(keys) != 1 || keys[0] != want {
		t.Fatalf("keys %q, want only %q", keys, want)
	}
	h, err := c.HGetAll(ctx, keys[0]).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h["version"] == "" || h["data"] == "" {
		t.Fatalf("hash fields %d, want version and data", len(h))
	}
	if ttl, _ := c.PTTL(ctx, keys[0]).Result(); ttl != -1 {
		t.Fatalf("PTTL %v, want no expiry", ttl)
	}
}

// plaintextPASERK matches the prefix of an unwrapped local or secret
// PASERK of any version (wrapped keys are k4.local-wrap.pie., password
// wrapped ones k4.local-pw.).
var plaintextPASERK = regexp.MustCompile(`k[1-4]\.(local|secret)\.`)

// redisDump returns every value of every key of c's database, as strings.
func redisDump(t *testing.T, c *redis.Client) map[string][]string {
	t.Helper()
	ctx := t.Context()
	out := map[string][]string{}
	iter := c.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		typ, err := c.Type(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		var vals []string
		switch typ {
		case "string":
			v, _ := c.Get(ctx, k).Result()
			vals = []string{v}
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				vals = append(vals, f, v)
			}
		case "list":
			vals = c.LRange(ctx, k, 0, -1).Val()
		case "set":
			vals = c.SMembers(ctx, k).Val()
		case "zset":
			vals = c.ZRange(ctx, k, 0, -1).Val()
		case "none":
			continue // expired meanwhile
		default:
			v, _ := c.Dump(ctx, k).Result()
			vals = []string{v}
		}
		out[k] = append(vals, k)
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// findPlaintext returns the keys of dump holding a plaintext PASERK or any
// of the given secrets.
func findPlaintext(dump map[string][]string, secrets []string) []string {
	var bad []string
	for k, vals := range dump {
		for _, v := range vals {
			if plaintextPASERK.MatchString(v) || slices.ContainsFunc(secrets, func(s string) bool { return strings.Contains(v, s) }) {
				bad = append(bad, k)
				break
			}
		}
	}
	return bad
}

// TestKeyringNoPlaintextInRedis rotates rings of every kind of key, wrapped
// by key and by password, and then scans every key of the Redis database:
// no plaintext PASERK, and none of the keys the rings held (as PASERK or
// as its base64 payload), is anywhere.
func TestKeyringNoPlaintextInRedis(t *testing.T) {
	c := newClient(t, redisAddr(t))
	prefix := testPrefix(t, c)
	cheap := paserk.PasswordParams{Memory: 8 << 10, Time: 1, Parallelism: 1, Iterations: 1000}
	rings := []struct {
		name     string
		v        paseto.Version
		p        paseto.Purpose
		password bool
	}{
		{"v4.public", paseto.V4, paseto.Public, false},
		{"v4.local", paseto.V4, paseto.Local, false},
		{"v3.public", paseto.V3, paseto.Public, false},
		{"v2.local", paseto.V2, paseto.Local, false},
		{"v4.public-pw", paseto.V4, paseto.Public, true},
		{"v3.local-pw", paseto.V3, paseto.Local, true},
	}
	var secrets []string
	for _, rc := range rings {
		b := newKeyring(t, c, redisstore.KeyringConfig{Prefix: prefix, Name: rc.name})
		clk := testclock.New()
		cfg := ringConfig(b, wrappingKey(t, rc.v), clk.Now)
		cfg.Version, cfg.Purpose = rc.v, rc.p
		if rc.password {
			cfg.WrappingKey, cfg.Password, cfg.PasswordParams = nil, []byte("correct horse"), cheap
		}
		r := newRing(t, cfg)
		for range 12 {
			clk.Advance(15 * time.Minute)
			if err := r.Tick(t.Context()); err != nil {
				t.Fatal(err)
			}
			if _, err := r.Rotate(t.Context()); err != nil && !errors.Is(err, keyring.ErrTooManyKeys) {
				t.Fatal(err)
			}
			for _, e := range r.Snapshot().Keys() {
				s, err := paserk.Encode(e.Key())
				if err != nil {
					t.Fatal(err)
				}
				_, payload, _ := strings.Cut(strings.TrimPrefix(s, "k"), ".")
				_, payload, _ = strings.Cut(payload, ".")
				secrets = append(secrets, s, payload)
			}
		}
	}
	if len(secrets) < 2*len(rings)*4 {
		t.Fatalf("only %d secrets collected", len(secrets))
	}
	dump := redisDump(t, c)
	if n := len(dump); n < len(rings) {
		t.Fatalf("%d keys in Redis, want at least the %d rings", n, len(rings))
	}
	if bad := findPlaintext(dump, secrets); len(bad) > 0 {
		t.Fatalf("plaintext key material in Redis keys %q", bad)
	}
	// The scan finds key material when there is some.
	probe := prefix + "probe"
	c.Set(t.Context(), probe, "x"+secrets[len(secrets)-1]+"x", time.Minute)
	if bad := findPlaintext(redisDump(t, c), secrets); !slices.Contains(bad, probe) {
		t.Fatalf("the scan missed a planted key: found %q", bad)
	}
}

// TestKeyringFleetRotatesOnce: five rings, each with its own client, tick
// together through six hours of hourly rotation on a shared clock. They
// make exactly the changes one ring alone makes (no rotation doubled or
// missed), always agree on the keys, and sign with one key at a time.
func TestKeyringFleetRotatesOnce(t *testing.T) {
	addr := redisAddr(t)
	prefix := testPrefix(t, newClient(t, addr))
	wk := wrappingKey(t, paseto.V4)
	clk := testclock.New()
	var fleet []*keyring.Ring
	var counters []*counting
	for range 5 {
		b := &counting{Backend: newKeyring(t, newClient(t, addr), redisstore.KeyringConfig{Prefix: prefix})}
		counters = append(counters, b)
		fleet = append(fleet, newRing(t, ringConfig(b, wk, clk.Now)))
	}
	alone := &counting{Backend: keyring.NewMemory()}
	ref := newRing(t, ringConfig(alone, wk, clk.Now))

	signers := map[string]bool{}
	for step := range 6 * 12 {
		clk.Advance(5 * time.Minute)
		var wg sync.WaitGroup
		for _, r := range fleet {
			wg.Go(func() {
				if err := r.Tick(t.Context()); err != nil {
					t.Errorf("step %d: Tick: %v", step, err)
				}
			})
		}
		wg.Wait()
		if err := ref.Tick(t.Context()); err != nil {
			t.Fatal(err)
		}
		want := describe(fleet[0].Snapshot())
		for i, r := range fleet[1:] {
			if got := describe(r.Snapshot()); got != want {
				t.Fatalf("step %d: ring %d sees %s, ring 0 sees %s", step, i+1, got, want)
			}
		}
		e, err := fleet[0].Snapshot().Current(clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		signers[e.ID()] = true
	}
	var writes int64
	for _, b := range counters {
		writes += b.writes.Load()
	}
	if writes != alone.writes.Load() {
		t.Fatalf("the fleet stored %d changes, one ring alone %d", writes, alone.writes.Load())
	}
	if len(signers) != 7 {
		t.Fatalf("%d keys signed in 6 hours of hourly rotation, want 7", len(signers))
	}
	rec, err := counters[0].Load(t.Context())
	if err != nil || rec.Version != uint64(writes) {
		t.Fatalf("stored version %d (%v), want %d", rec.Version, err, writes)
	}
}

// describe summarizes a snapshot's keys: "id:state" in order.
func describe(s *keyring.Snapshot) string {
	var b strings.Builder
	for _, e := range s.Keys() {
		fmt.Fprintf(&b, "%s:%s ", e.ID(), e.Info().State)
	}
	return b.String()
}

// TestKeyringCorruptState: state that cannot be read stops keyring.New with
// a *keyring.StateError naming the Redis key, and is left as it was, by
// New and by a running ring that meets it.
func TestKeyringCorruptState(t *testing.T) {
	c := newClient(t, redisAddr(t))
	ctx := t.Context()
	wk := wrappingKey(t, paseto.V4)
	good := keyringtest.Records(t, wk, 1)[0]
	format2 := bytes.Replace(good.Data, fmt.Appendf(nil, `"format": %d`, keyring.FormatVersion), fmt.Appendf(nil, `"format": %d`, keyring.FormatVersion+1), 1)
	if bytes.Equal(format2, good.Data) {
		t.Fatal("could not make a state of an unknown format")
	}
	hash := func(version string, data []byte) func(key string) {
		return func(key string) { c.HSet(ctx, key, "version", version, "data", data) }
	}
	tests := []struct {
		name  string
		put   func(key string)
		wk    *paseto.SymmetricKey
		local bool
		want  error
		// ringOnly: the data is ring state of the known format, which
		// only a ring (with its keys and family) can tell is not its own.
		ringOnly bool
	}{
		{"string", func(key string) { c.Set(ctx, key, "garbage", 0) }, wk, false, keyring.ErrCorruptState, false},
		{"list", func(key string) { c.RPush(ctx, key, "garbage") }, wk, false, keyring.ErrCorruptState, false},
		{"garbage data", hash("1", []byte("garbage")), wk, false, keyring.ErrCorruptState, false},
		{"bad version", hash("x", good.Data), wk, false, keyring.ErrCorruptState, false},
		{"version 01", hash("01", good.Data), wk, false, keyring.ErrCorruptState, false},
		{"other version", hash("2", good.Data), wk, false, keyring.ErrCorruptState, false},
		{"data only", func(key string) { c.HSet(ctx, key, "data", good.Data) }, wk, false, keyring.ErrCorruptState, false},
		{"extra field", func(key string) { c.HSet(ctx, key, "version", "1", "data", good.Data, "x", "y") }, wk, false, keyring.ErrCorruptState, false},
		{"too large", hash("1", bytes.Repeat([]byte(" "), keyring.MaxStateSize+1)), wk, false, keyring.ErrCorruptState, false},
		{"unknown format", hash("1", format2), wk, false, keyring.ErrFormatVersion, false},
		{"wrong wrapping key", hash("1", good.Data), wrappingKey(t, paseto.V4), false, keyring.ErrWrongWrappingKey, true},
		{"other family", hash("1", good.Data), wk, true, keyring.ErrCorruptState, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newKeyring(t, c, redisstore.KeyringConfig{Prefix: testPrefix(t, c)})
			tt.put(b.Key())
			before, err := c.Dump(ctx, b.Key()).Result()
			if err != nil {
				t.Fatal(err)
			}
			cfg := ringConfig(b, tt.wk, testclock.New().Now)
			if tt.local {
				cfg.Purpose = paseto.Local
			}
			_, err = keyring.New(ctx, cfg)
			se, ok := errors.AsType[*keyring.StateError](err)
			if !ok || !errors.Is(err, tt.want) || !errors.Is(err, keyring.ErrCorruptState) {
				t.Fatalf("New: %v, want a *keyring.StateError matching %v", err, tt.want)
			}
			if se.Backend != b.String() || !strings.Contains(err.Error(), b.Key()) {
				t.Fatalf("error %q does not name the Redis key", err)
			}
			// Nothing replaces it: not the ring, tried again, and not a
			// swap from any version.
			if _, err := keyring.New(ctx, cfg); err == nil {
				t.Fatal("second New succeeded")
			}
			for old := range uint64(3) {
				if tt.ringOnly {
					break
				}
				rec := keyringtest.Records(t, wk, int(old)+1)[old]
				if err := b.CompareAndSwap(ctx, old, rec); err == nil {
					t.Fatalf("CompareAndSwap(%d) replaced it", old)
				}
			}
			if after, _ := c.Dump(ctx, b.Key()).Result(); after != before {
				t.Fatal("the unreadable state was changed")
			}
		})
	}

	// A running ring that meets unreadable state keeps its last good copy,
	// and leaves the state alone.
	t.Run("running ring", func(t *testing.T) {
		b := newKeyring(t, c, redisstore.KeyringConfig{Prefix: testPrefix(t, c)})
		clk := testclock.New()
		r := newRing(t, ringConfig(b, wk, clk.Now))
		want := describe(r.Snapshot())
		c.HSet(ctx, b.Key(), "version", "2", "data", format2)
		clk.Advance(55 * time.Minute) // a next key is due
		if err := r.Tick(ctx); !errors.Is(err, keyring.ErrFormatVersion) {
			t.Fatalf("Tick: %v, want ErrFormatVersion", err)
		}
		if got := describe(r.Snapshot()); got != want {
			t.Fatalf("snapshot %s, want the last good copy %s", got, want)
		}
		if v, _ := c.HGet(ctx, b.Key(), "data").Result(); v != string(format2) {
			t.Fatal("the unreadable state was changed")
		}
	})
}

// TestKeyringLosesRedis: a ring whose Redis is gone (the redis-server
// process stopped) keeps its last copy: it signs with the current key, then
// the published next key, until that is due to retire, then fails closed
// with ErrStale; it never makes keys of its own, and a ring starting
// meanwhile fails. When Redis is back, empty, the ring stores its last copy
// again and goes on.
func TestKeyringLosesRedis(t *testing.T) {
	srv := &server{t: t, port: ringPort(t)}
	srv.start()
	c := newClient(t, "127.0.0.1:"+srv.port)
	b := newKeyring(t, c, redisstore.KeyringConfig{Timeout: 300 * time.Millisecond})
	wk := wrappingKey(t, paseto.V4)
	clk := testclock.New()
	t0 := clk.Now()
	cfg := ringConfig(b, wk, clk.Now)
	r := newRing(t, cfg)
	ctx := t.Context()
	clk.Set(t0.Add(50 * time.Minute)) // the next key is published
	if err := r.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	s := r.Snapshot()
	known := describe(s)
	if len(s.Keys()) != 2 {
		t.Fatalf("keys %s, want current and next", known)
	}
	cur, _ := s.Current(clk.Now())
	next := s.Keys()[0]

	srv.kill()
	if err := r.Tick(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Tick without Redis: %v, want store.ErrUnavailable", err)
	}
	if _, err := keyring.New(ctx, cfg); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("New without Redis: %v, want store.ErrUnavailable", err)
	}
	steps := []struct {
		at   time.Duration
		want string // "" for ErrStale
	}{
		{55 * time.Minute, cur.ID()},
		{time.Hour, next.ID()}, // the planned switch, with no backend
		{time.Hour + 59*time.Minute, next.ID()},
		{2 * time.Hour, ""},
		{5 * time.Hour, ""},
	}
	for _, st := range steps {
		clk.Set(t0.Add(st.at))
		if err := r.Tick(ctx); !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("at %v: Tick: %v, want store.ErrUnavailable", st.at, err)
		}
		e, err := r.Snapshot().Current(clk.Now())
		switch {
		case st.want == "" && !errors.Is(err, keyring.ErrStale):
			t.Fatalf("at %v: Current = %v, %v; want ErrStale", st.at, e, err)
		case st.want != "" && (err != nil || e.ID() != st.want):
			t.Fatalf("at %v: Current = %v, %v; want the known key", st.at, e, err)
		}
		if got := describe(r.Snapshot()); got != known {
			t.Fatalf("at %v: keys %s, want the last copy %s", st.at, got, known)
		}
	}

	// Redis is back, empty.
	srv.start()
	clk.Set(t0.Add(time.Hour + 30*time.Minute))
	eventually(t, "Tick after restart", func() error { return r.Tick(ctx) })
	rec, err := b.Load(ctx)
	if err != nil || rec.Version == 0 {
		t.Fatalf("after restart: version %d, %v; want the ring stored again", rec.Version, err)
	}
	if e, err := r.Snapshot().Current(clk.Now()); err != nil || e.ID() != next.ID() {
		t.Fatalf("after restart: Current = %v, %v; want the next key, now current", e, err)
	}
	other := newRing(t, cfg) // a process starting now reads the same ring
	if got, want := describe(other.Snapshot()), describe(r.Snapshot()); got != want {
		t.Fatalf("a new ring sees %s, want %s", got, want)
	}
}

// TestKeyringRedisLosesData: Redis loses the ring (a restart without
// persistence); one ring stores its copy again and changes it until the
// version counts back up to another ring's old copy. The other ring reads
// the new state rather than keeping (and storing) its own.
func TestKeyringRedisLosesData(t *testing.T) {
	c := newClient(t, redisAddr(t))
	b := newKeyring(t, c, redisstore.KeyringConfig{Prefix: testPrefix(t, c)})
	clk := testclock.New()
	cfg := ringConfig(b, wrappingKey(t, paseto.V4), clk.Now)
	cfg.Policy.MaxKeys = 20
	a, other := newRing(t, cfg), newRing(t, cfg)
	ctx := t.Context()
	step := func(i int) {
		t.Helper()
		if i%2 == 0 {
			if _, err := a.Rotate(ctx); err != nil {
				t.Fatal(err)
			}
			return
		}
		clk.Advance(11 * time.Minute)
		if err := a.Tick(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		step(i)
	}
	if err := other.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	old, _ := b.Load(ctx)
	c.Del(ctx, b.Key())
	if err := a.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		rec, err := b.Load(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rec.Version == old.Version {
			break
		}
		if rec.Version > old.Version {
			t.Fatalf("version %d, want %d", rec.Version, old.Version)
		}
		step(i)
	}
	if err := other.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := describe(other.Snapshot()), describe(a.Snapshot()); got != want {
		t.Fatalf("the other ring sees %s, want %s", got, want)
	}
	if rec, _ := b.Load(ctx); rec.Version != old.Version {
		t.Fatalf("the other ring stored version %d over the fleet's %d", rec.Version, old.Version)
	}
}

// ExampleNewKeyring shares a ring of token signing keys between the
// processes that use one Redis: each process runs this, with the same
// wrapping key.
func ExampleNewKeyring() {
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
	defer client.Close()
	backend, err := redisstore.NewKeyring(client, redisstore.KeyringConfig{Name: "tokens"})
	if err != nil {
		panic(err)
	}
	// The wrapping key comes from the operator's secret store.
	wk, err := paserk.ParseLocal(paseto.V4, os.Getenv("RING_WRAPPING_KEY"))
	if err != nil {
		panic(err)
	}
	ring, err := keyring.New(ctx, keyring.Config{
		Backend:     backend,
		WrappingKey: wk,
		Lifetimes:   []time.Duration{15 * time.Minute},
	})
	if err != nil {
		panic(err) // Redis unreachable, or state this process cannot read
	}
	go ring.Run(ctx)
	// Give ring to issuer.Config.KeySource, verifier.Config.KeySource, ...
}

// The fleet test runs its rings in separate processes: this test binary,
// started again with PASETOKIT_KEYRING_HELPER=1, runs one ring (see
// TestKeyringHelperProcess).

// helper is one process of the fleet.
type helper struct {
	t     *testing.T
	id    int
	cmd   *exec.Cmd
	stdin io.WriteCloser

	mu        sync.Mutex
	firstSeen map[string]time.Time // key id -> when its snapshot first had it
	current   string               // id of the current key in its last snapshot
	rotated   chan rotation
	wrote     []uint64             // versions it stored, 0 marking a Redis restart
	activates map[string]time.Time // key id -> its activation, once current
	stale     int                  // polls that found no key to issue with
	errors    int
}

type rotation struct {
	id string
	at time.Time
}

func startHelper(t *testing.T, id int, env []string) *helper {
	t.Helper()
	h := &helper{t: t, id: id, firstSeen: map[string]time.Time{}, activates: map[string]time.Time{}, rotated: make(chan rotation, 8)}
	h.cmd = exec.Command(os.Args[0], "-test.run=^TestKeyringHelperProcess$")
	h.cmd.Env = append(os.Environ(), append(env, "PASETOKIT_KEYRING_HELPER=1")...)
	h.cmd.Stderr = os.Stderr
	out, err := h.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if h.stdin, err = h.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.stdin.Close(); _ = h.cmd.Wait() })
	go h.read(out)
	return h
}

// read parses the helper's output lines: "snap <unixnano>
// <id>:<state>:<activates unixnano>...", "rotated <id> <unixnano>", "wrote
// <version>", "stale", "error <text>".
func (h *helper) read(out io.Reader) {
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 1 {
			continue
		}
		h.mu.Lock()
		switch f[0] {
		case "snap":
			ns, _ := strconv.ParseInt(f[1], 10, 64)
			for _, k := range f[2:] {
				kf := strings.Split(k, ":")
				if len(kf) != 3 {
					continue
				}
				id, state := kf[0], kf[1]
				if _, ok := h.firstSeen[id]; !ok {
					h.firstSeen[id] = time.Unix(0, ns)
				}
				if state == "current" {
					h.current = id
					act, _ := strconv.ParseInt(kf[2], 10, 64)
					h.activates[id] = time.Unix(0, act)
				}
			}
		case "rotated":
			ns, _ := strconv.ParseInt(f[2], 10, 64)
			h.rotated <- rotation{f[1], time.Unix(0, ns)}
		case "wrote":
			v, _ := strconv.ParseUint(f[1], 10, 64)
			h.wrote = append(h.wrote, v)
		case "stale":
			h.stale++
		case "error":
			h.errors++
		}
		h.mu.Unlock()
	}
}

func (h *helper) send(cmd string) {
	if _, err := io.WriteString(h.stdin, cmd+"\n"); err != nil {
		h.t.Fatalf("helper %d: %v", h.id, err)
	}
}

func (h *helper) seen(id string) (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	at, ok := h.firstSeen[id]
	return at, ok
}

func (h *helper) currentKey() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.current
}

// waitFor polls cond until it holds, for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not after %v", what, d)
		}
		<-tick.C
	}
}

// TestKeyringFleetProcesses runs three processes, each with its own ring
// on one Redis server (default SyncInterval, one second), and measures
// how long a rotation made by one takes to show in the snapshots of the
// others. It also rotates from every process at once (one key results),
// and restarts Redis: the processes keep their keys and go on.
func TestKeyringFleetProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	srv := &server{t: t, port: ringPort(t)}
	srv.start()
	wk, err := paserk.Encode(wrappingKey(t, paseto.V4))
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"HELPER_REDIS=127.0.0.1:" + srv.port, "HELPER_WRAPPING_KEY=" + wk}
	fleet := make([]*helper, 3)
	for i := range fleet {
		fleet[i] = startHelper(t, i, env)
	}
	first := ""
	waitFor(t, 30*time.Second, "every process has a ring", func() bool {
		first = fleet[0].currentKey()
		for _, h := range fleet {
			if k := h.currentKey(); k == "" || k != first {
				return false
			}
		}
		return true
	})

	// One process rotates; the others learn the next key at their next
	// sync; all switch to it PublishAhead later.
	var worst time.Duration
	var props []time.Duration
	rotate := func(round int, h *helper) {
		h.send("rotate")
		var r rotation
		select {
		case r = <-h.rotated:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: process %d did not rotate", round, h.id)
		}
		for _, o := range fleet {
			waitFor(t, 10*time.Second, fmt.Sprintf("round %d: process %d sees the next key", round, o.id), func() bool {
				_, ok := o.seen(r.id)
				return ok
			})
			at, _ := o.seen(r.id)
			if o != h {
				d := at.Sub(r.at)
				props = append(props, d)
				worst = max(worst, d)
			}
		}
		for _, o := range fleet {
			waitFor(t, 10*time.Second, fmt.Sprintf("round %d: process %d signs with the new key", round, o.id), func() bool {
				return o.currentKey() == r.id
			})
		}
	}
	for round := range 6 {
		rotate(round, fleet[round%len(fleet)])
	}

	// Every process asks for a rotation at once: one key results.
	for _, h := range fleet {
		h.send("rotate")
	}
	var ids []string
	for _, h := range fleet {
		select {
		case r := <-h.rotated:
			ids = append(ids, r.id)
		case <-time.After(10 * time.Second):
			t.Fatalf("process %d did not rotate", h.id)
		}
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("three concurrent rotations made keys %q, want one", ids)
	}
	for _, o := range fleet {
		waitFor(t, 10*time.Second, "all sign with the concurrent rotation's key", func() bool { return o.currentKey() == ids[0] })
	}

	// Redis restarts, empty: the processes store their copy again, once,
	// and a rotation after it reaches all of them.
	srv.kill()
	for _, h := range fleet {
		h.mu.Lock()
		h.wrote = append(h.wrote, 0)
		h.mu.Unlock()
	}
	srv.start()
	rotate(99, fleet[1])

	// Every version was stored by exactly one process, before the restart
	// and after it.
	seen := map[[2]uint64]int{}
	for _, h := range fleet {
		h.mu.Lock()
		epoch := uint64(0)
		for _, v := range h.wrote {
			if v == 0 {
				epoch++
			}
			seen[[2]uint64{epoch, v}]++
		}
		h.mu.Unlock()
	}
	for ev, n := range seen {
		if ev[1] != 0 && n != 1 {
			t.Errorf("version %d stored %d times (epoch %d)", ev[1], n, ev[0])
		}
	}
	if seen[[2]uint64{1, 1}] != 1 {
		t.Errorf("after the restart, the ring was stored again %d times, want once", seen[[2]uint64{1, 1}])
	}
	sort.Slice(props, func(i, j int) bool { return props[i] < props[j] })
	t.Logf("propagation over %d observations: median %v, max %v (SyncInterval %v)",
		len(props), props[len(props)/2], worst, keyring.DefaultSyncInterval)
	if bound := 2 * time.Second; worst > bound {
		t.Errorf("a rotation took %v to reach another process, bound %v", worst, bound)
	}
}

// TestKeyringFleetProcessesSchedule runs three processes rotating every
// two seconds on one Redis, for about ten seconds: they rotate on schedule,
// exactly once per period between them (consecutive keys activate exactly
// RotateEvery apart, every version is stored by one process), agree on the
// keys, and always have a key to sign with.
func TestKeyringFleetProcessesSchedule(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	srv := &server{t: t, port: ringPort(t)}
	srv.start()
	wk, err := paserk.Encode(wrappingKey(t, paseto.V4))
	if err != nil {
		t.Fatal(err)
	}
	const every = 2 * time.Second
	env := []string{"HELPER_REDIS=127.0.0.1:" + srv.port, "HELPER_WRAPPING_KEY=" + wk, "HELPER_ROTATE_EVERY=" + every.String()}
	fleet := make([]*helper, 3)
	for i := range fleet {
		fleet[i] = startHelper(t, i, env)
	}
	// Wait for five rotations as the first process sees them.
	waitFor(t, 30*time.Second, "five rotations", func() bool {
		fleet[0].mu.Lock()
		defer fleet[0].mu.Unlock()
		return len(fleet[0].activates) >= 6
	})
	for _, h := range fleet {
		h.stdin.Close()
		_ = h.cmd.Wait()
	}
	ref := fleet[0].activates
	var acts []time.Time
	for _, at := range ref {
		acts = append(acts, at)
	}
	sort.Slice(acts, func(i, j int) bool { return acts[i].Before(acts[j]) })
	// The schedule slips by the lateness of the tick that publishes each
	// next key (it is published for a full PublishAhead): a few
	// milliseconds. A doubled rotation would be far closer than every, a
	// missed one twice as far.
	for i := 2; i < len(acts); i++ { // the first key was made at start-up, on no schedule
		if d := acts[i].Sub(acts[i-1]); d < every || d > every+every/4 {
			t.Errorf("keys activated %v apart, want %v (plus the ticks' lateness): a rotation doubled or missed", d, every)
		}
	}
	versions := map[uint64]int{}
	last := acts[len(acts)-1]
	for _, h := range fleet {
		// Every process signed with the same keys, switching at the same
		// instants (the last one may not have reached all before they
		// stopped).
		for id, at := range h.activates {
			if r, ok := ref[id]; ok && !r.Equal(at) || !ok && at.Before(last) {
				t.Errorf("process %d: key activated at %v, which process 0 did not see", h.id, at)
			}
		}
		for id, at := range ref {
			if _, ok := h.activates[id]; !ok && at.Before(last) {
				t.Errorf("process %d never signed with a key process 0 activated at %v", h.id, at)
			}
		}
		for _, v := range h.wrote {
			versions[v]++
		}
		if h.stale != 0 {
			t.Errorf("process %d had no key to sign with %d times", h.id, h.stale)
		}
	}
	for v, n := range versions {
		if n != 1 {
			t.Errorf("version %d stored by %d processes", v, n)
		}
	}
	t.Logf("%d activations seen, %d versions stored by 3 processes", len(acts), len(versions))
}

// TestKeyringHelperProcess is one process of TestKeyringFleetProcesses; it
// runs only when started by it.
func TestKeyringHelperProcess(t *testing.T) {
	if os.Getenv("PASETOKIT_KEYRING_HELPER") != "1" {
		t.Skip("a helper process of TestKeyringFleetProcesses")
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	wk, err := paserk.ParseLocal(paseto.V4, os.Getenv("HELPER_WRAPPING_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	every, ahead := time.Hour, 2*time.Second
	if d, err := time.ParseDuration(os.Getenv("HELPER_ROTATE_EVERY")); err == nil {
		every, ahead = d, d/2
	}
	c := redis.NewClient(&redis.Options{Addr: os.Getenv("HELPER_REDIS"), ContextTimeoutEnabled: true,
		DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	b := &reporting{Backend: newKeyring(t, c, redisstore.KeyringConfig{Timeout: 300 * time.Millisecond}), say: say}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := keyring.New(ctx, keyring.Config{
		Backend:     b,
		WrappingKey: wk,
		Policy:      keyring.Policy{RotateEvery: every, PublishAhead: ahead, MaxKeys: 50},
		Lifetimes:   []time.Duration{time.Minute},
		OnError:     func(err error) { say("error %v", err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(ctx)
	go func() { // report every new snapshot
		var gen uint64
		for ctx.Err() == nil {
			s := r.Snapshot()
			if s.Generation() != gen {
				gen = s.Generation()
				var b strings.Builder
				for _, e := range s.Keys() {
					fmt.Fprintf(&b, " %s:%s:%d", e.ID(), e.Info().State, e.Info().Activates.UnixNano())
				}
				say("snap %d%s", time.Now().UnixNano(), b.String())
			}
			if _, err := s.Current(time.Now()); err != nil {
				say("stale")
			}
			time.Sleep(2 * time.Millisecond) // polling: this is the measuring instrument
		}
	}()
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if sc.Text() == "rotate" {
			go func() {
				k, err := r.Rotate(ctx)
				if err != nil {
					say("error %v", err)
					return
				}
				say("rotated %s %d", k.ID, time.Now().UnixNano())
			}()
		}
	}
}

// reporting is a Backend that prints the versions it stores.
type reporting struct {
	keyring.Backend
	say func(string, ...any)
}

func (r *reporting) CompareAndSwap(ctx context.Context, old uint64, rec keyring.Record) error {
	err := r.Backend.CompareAndSwap(ctx, old, rec)
	if err == nil {
		r.say("wrote %d", rec.Version)
	}
	return err
}

// FuzzKeyringLoad stores arbitrary version and data fields and checks that
// Load never panics and returns either a *keyring.StateError or a record
// whose data is ring state recording the same version, and that
// CompareAndSwap replaces what Load refuses only when its script can see
// ring state of the known format with the stored version (a ring never
// swaps after a refused Load; the script is a second line of defence).
func FuzzKeyringLoad(f *testing.F) {
	recs := keyringtest.Records(f, wrappingKey(f, paseto.V4), 2)
	f.Add("1", recs[0].Data)
	f.Add("2", recs[1].Data)
	f.Add("1", recs[1].Data)
	f.Add("01", recs[0].Data)
	f.Add("18446744073709551616", recs[0].Data)
	f.Add("1", []byte(`{"format":1,"version":1}`))
	f.Add("1", []byte("garbage"))
	f.Add("", []byte{})
	c := newClient(f, redisAddr(f))
	b := newKeyring(f, c, redisstore.KeyringConfig{Prefix: testPrefix(f, c), Name: "fuzz"})
	f.Fuzz(func(t *testing.T, version string, data []byte) {
		ctx := t.Context()
		if err := c.HSet(ctx, b.Key(), "version", version, "data", data).Err(); err != nil {
			t.Fatal(err)
		}
		defer c.Del(ctx, b.Key())
		rec, err := b.Load(ctx)
		if err == nil {
			if v, perr := keyring.ParseStateVersion(rec.Data); perr != nil || v != rec.Version || strconv.FormatUint(v, 10) != version {
				t.Fatalf("Load accepted version %q with data of version %d (%v)", version, v, perr)
			}
			return
		}
		if !errors.Is(err, keyring.ErrCorruptState) {
			t.Fatalf("Load: %v, want a *keyring.StateError", err)
		}
		var head struct{ Format, Version any }
		for old, rec := range recs {
			if cerr := b.CompareAndSwap(ctx, uint64(old), rec); cerr == nil {
				if old == 0 || json.Unmarshal(data, &head) != nil || head.Format != 1.0 || head.Version != float64(old) || version != strconv.Itoa(old) {
					t.Fatalf("CompareAndSwap(%d) replaced state Load refused (%v)", old, err)
				}
			}
		}
	})
}
