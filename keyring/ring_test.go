package keyring

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/paseto"
)

// TestLifecycle walks one key through next, current, retired and dropped,
// checking every state change and its times.
func TestLifecycle(t *testing.T) {
	clk := testclock.New()
	t0 := clk.Now()
	b := &flaky{Backend: NewMemory()}
	r := mustNew(t, testConfig(clk, b))
	pol := r.Policy()
	if pol.RetainFor != 30*time.Minute || pol.MaxKeys != 4 {
		t.Fatalf("policy %+v", pol)
	}

	// Start: one current key, nothing else.
	s := r.Snapshot()
	if !equalStates(states(s), Current) {
		t.Fatalf("start: states %v", states(s))
	}
	first, err := s.Current(t0)
	if err != nil {
		t.Fatal(err)
	}
	fi := first.Info()
	if !fi.Published.Equal(t0) || !fi.Activates.Equal(t0) || !fi.Retires.Equal(t0.Add(time.Hour)) || !fi.Drops.IsZero() {
		t.Fatalf("first key times %+v", fi)
	}
	if first.SecretKey() == nil || first.PublicKey() == nil || first.LocalKey() != nil || first.ID()[:7] != "k4.pid." {
		t.Fatal("a v4.public ring's key is a secret key named by its pid")
	}
	if !s.NextRotation().Equal(t0.Add(time.Hour)) {
		t.Fatalf("NextRotation %v", s.NextRotation())
	}
	if s.ValidUntil() != t0.Add(50*time.Minute) {
		t.Fatalf("ValidUntil %v", s.ValidUntil())
	}

	// Before D-P nothing changes and nothing is written.
	clk.Set(t0.Add(49 * time.Minute))
	mustTick(t, r)
	if r.Snapshot().Generation() != s.Generation() || b.writes.Load() != 1 {
		t.Fatalf("a tick with nothing due changed the ring (writes %d)", b.writes.Load())
	}

	// At D-P the next key is published.
	clk.Set(t0.Add(50 * time.Minute))
	mustTick(t, r)
	s = r.Snapshot()
	if !equalStates(states(s), Next, Current) {
		t.Fatalf("after D-P: states %v", states(s))
	}
	next := s.Keys()[0]
	ni := next.Info()
	if !ni.Published.Equal(clk.Now()) || !ni.Activates.Equal(t0.Add(time.Hour)) {
		t.Fatalf("next key times %+v", ni)
	}
	if e, _ := s.Current(clk.Now()); e != s.Keys()[1] {
		t.Fatal("the next key signs before it is due")
	}
	if _, ok := s.Lookup(next.ID(), clk.Now()); !ok {
		t.Fatal("the next key does not verify")
	}
	pubs := s.PublicKeys()
	if len(pubs) != 2 || !pubs[0].Equal(first.PublicKey()) || !pubs[1].Equal(next.PublicKey()) {
		t.Fatal("published keys are not current then next")
	}
	if s.MaxAge() != 5*time.Minute {
		t.Fatalf("MaxAge %v", s.MaxAge())
	}

	// At D, the snapshot hands over without waiting for a tick...
	clk.Set(t0.Add(time.Hour))
	if e, err := s.Current(clk.Now()); err != nil || e != next {
		t.Fatalf("at D before the tick: %v, %v", e, err)
	}
	// ...and the tick records it: first retired, next current.
	mustTick(t, r)
	s = r.Snapshot()
	if !equalStates(states(s), Current, Retired) {
		t.Fatalf("after D: states %v", states(s))
	}
	cur, _ := s.Current(clk.Now())
	if cur.ID() != next.ID() || !cur.Info().Activates.Equal(t0.Add(time.Hour)) || !cur.Info().Retires.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("new current %+v", cur.Info())
	}
	old, ok := s.Lookup(first.ID(), clk.Now())
	if !ok {
		t.Fatal("the retired key does not verify")
	}
	oi := old.Info()
	if oi.State != Retired || !oi.Retires.Equal(t0.Add(time.Hour)) || !oi.Drops.Equal(t0.Add(time.Hour+30*time.Minute)) {
		t.Fatalf("retired key times %+v", oi)
	}

	// At D+R the retired key is dropped.
	clk.Set(t0.Add(time.Hour + 30*time.Minute - time.Second))
	mustTick(t, r)
	if len(r.Snapshot().Keys()) != 2 {
		t.Fatal("dropped before D+R")
	}
	clk.Set(t0.Add(time.Hour + 30*time.Minute))
	if _, ok := r.Snapshot().Lookup(first.ID(), clk.Now()); ok {
		t.Fatal("a key due to be dropped still verifies")
	}
	mustTick(t, r)
	s = r.Snapshot()
	if !equalStates(states(s), Current) {
		t.Fatalf("after D+R: states %v", states(s))
	}
	if _, ok := s.Lookup(first.ID(), clk.Now()); ok {
		t.Fatal("a dropped key verifies")
	}
	if len(s.PublicKeys()) != 1 {
		t.Fatal("a dropped key is still published")
	}
}

// TestScheduleKeepsCap runs many periods and checks the key count never
// exceeds MaxKeys and a key always issues.
func TestScheduleKeepsCap(t *testing.T) {
	clk := testclock.New()
	cfg := testConfig(clk, nil)
	cfg.Lifetimes = []time.Duration{3 * time.Hour}
	r := mustNew(t, cfg)
	seen := map[string]bool{}
	for range 24 * 12 * 3 {
		clk.Advance(5 * time.Minute)
		mustTick(t, r)
		s := r.Snapshot()
		if n, want := len(s.Keys()), minKeys(time.Hour, r.Policy().RetainFor); n > want {
			t.Fatalf("%d keys, the schedule needs %d", n, want)
		}
		e, err := s.Current(clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		seen[e.ID()] = true
	}
	if len(seen) != 3*24+1 && len(seen) != 3*24 {
		t.Fatalf("%d keys signed in 72 hours of hourly rotation", len(seen))
	}
}

// TestManualRotationsKeepCap: manual rotations at random times, as many
// as are accepted, never bring the ring over MaxKeys, and a key always
// issues.
func TestManualRotationsKeepCap(t *testing.T) {
	for seed := range uint64(8) {
		rnd := rand.New(rand.NewPCG(seed, 1))
		clk := testclock.New()
		cfg := testConfig(clk, nil)
		cfg.Lifetimes = []time.Duration{time.Duration(1+rnd.IntN(180)) * time.Minute}
		cfg.Policy.MaxKeys = 0
		r := mustNew(t, cfg)
		refused := 0
		for range 1000 {
			clk.Advance(time.Duration(1+rnd.IntN(20)) * time.Minute)
			if rnd.IntN(3) == 0 {
				if _, err := r.Rotate(context.Background()); errors.Is(err, ErrTooManyKeys) {
					refused++
				} else if err != nil {
					t.Fatal(err)
				}
			} else {
				mustTick(t, r)
			}
			s := r.Snapshot()
			if n := len(s.Keys()); n > r.Policy().MaxKeys {
				t.Fatalf("seed %d: %d keys, MaxKeys %d", seed, n, r.Policy().MaxKeys)
			}
			if _, err := s.Current(clk.Now()); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
		}
		if refused == 0 && r.Policy().RetainFor > 2*time.Hour {
			t.Logf("seed %d: no rotation refused", seed)
		}
	}
}

// TestStale: a process that loses its backend keeps its copy, hands over to
// the published next key on schedule, then fails closed; it never writes.
func TestStale(t *testing.T) {
	clk := testclock.New()
	t0 := clk.Now()
	b := &flaky{Backend: NewMemory()}
	r := mustNew(t, testConfig(clk, b))
	clk.Set(t0.Add(50 * time.Minute))
	mustTick(t, r) // next published
	s := r.Snapshot()
	first, _ := s.Current(clk.Now())
	next := s.Keys()[0]
	writes := b.writes.Load()

	b.down.Store(true)
	clk.Set(t0.Add(59 * time.Minute))
	if err := r.Tick(context.Background()); !errors.Is(err, errDown) {
		t.Fatalf("Tick with the backend down: %v", err)
	}
	if r.Snapshot() != s {
		t.Fatal("a failed tick changed the snapshot")
	}
	if e, _ := r.Snapshot().Current(clk.Now()); e != first {
		t.Fatal("stale copy does not sign with the current key")
	}
	clk.Set(t0.Add(time.Hour))
	r.Tick(context.Background())
	if e, _ := r.Snapshot().Current(clk.Now()); e != next {
		t.Fatal("stale copy does not hand over to the published next key")
	}
	clk.Set(t0.Add(2*time.Hour - time.Nanosecond))
	r.Tick(context.Background())
	if e, _ := r.Snapshot().Current(clk.Now()); e != next {
		t.Fatal("stale copy stops before the next key is due to retire")
	}
	clk.Set(t0.Add(2 * time.Hour))
	if err := r.Tick(context.Background()); err == nil {
		t.Fatal("tick succeeded with the backend down")
	}
	if _, err := r.Snapshot().Current(clk.Now()); !errors.Is(err, ErrStale) {
		t.Fatalf("stale copy past the schedule: %v, want ErrStale", err)
	}
	if _, ok := r.Snapshot().Lookup(next.ID(), clk.Now()); !ok {
		t.Fatal("stale copy stopped verifying a key not yet due to be dropped")
	}
	if _, ok := r.Snapshot().Lookup(first.ID(), clk.Now()); ok {
		t.Fatal("stale copy verifies a key due to be dropped")
	}
	if b.writes.Load() != writes {
		t.Fatal("a ring without its backend wrote state")
	}

	// Back: the ring catches up in one tick. The key it had handed over
	// to is current, and keeps signing until its successor, published now,
	// has been known for PublishAhead.
	b.down.Store(false)
	mustTick(t, r)
	s = r.Snapshot()
	if e, err := s.Current(clk.Now()); err != nil || e.ID() != next.ID() {
		t.Fatalf("after recovery: %v", err)
	}
	if !equalStates(states(s), Next, Current) || !s.Keys()[0].Info().Activates.Equal(clk.Now().Add(10*time.Minute)) {
		t.Fatalf("after recovery: %v", states(s))
	}
}

// TestStaleWithoutNext: with no next key known, the copy fails closed when
// the current key is due to retire.
func TestStaleWithoutNext(t *testing.T) {
	clk := testclock.New()
	b := &flaky{Backend: NewMemory()}
	r := mustNew(t, testConfig(clk, b))
	b.down.Store(true)
	clk.Advance(time.Hour)
	if _, err := r.Snapshot().Current(clk.Now()); !errors.Is(err, ErrStale) {
		t.Fatalf("got %v, want ErrStale", err)
	}
}

func TestRotate(t *testing.T) {
	clk := testclock.New()
	t0 := clk.Now()
	b := &flaky{Backend: NewMemory()}
	cfg := testConfig(clk, b)
	cfg.Policy.MaxKeys = 4
	r := mustNew(t, cfg)
	ctx := context.Background()
	clk.Set(t0.Add(5 * time.Minute))

	info, err := r.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State != Next || !info.Published.Equal(clk.Now()) || !info.Activates.Equal(clk.Now().Add(10*time.Minute)) {
		t.Fatalf("Rotate: %+v", info)
	}
	s := r.Snapshot()
	if !equalStates(states(s), Next, Current) {
		t.Fatalf("states %v", states(s))
	}
	if cur := s.Keys()[1].Info(); !cur.Retires.Equal(info.Activates) {
		t.Fatalf("current retires %v, next activates %v", cur.Retires, info.Activates)
	}

	// A second call makes no second key and does not shorten publication.
	again, err := r.Rotate(ctx)
	if err != nil || again.ID != info.ID || !again.Activates.Equal(info.Activates) || len(r.Snapshot().Keys()) != 2 {
		t.Fatalf("second Rotate: %+v, %v", again, err)
	}

	// After PublishAhead it is current.
	clk.Set(t0.Add(15 * time.Minute))
	mustTick(t, r)
	s = r.Snapshot()
	if e, _ := s.Current(clk.Now()); e.ID() != info.ID {
		t.Fatal("rotated key is not current")
	}
	// The retired key stays for RetainFor after the retirement it had
	// been promised (t0+1h), since stale copies may sign until then.
	if d := s.Keys()[1].Info().Drops; !d.Equal(t0.Add(time.Hour + 30*time.Minute)) {
		t.Fatalf("retired key drops at %v", d)
	}

	// The cap (4): a scheduled next key, then a manual one.
	for _, step := range []struct {
		at     time.Duration
		rotate bool
		keys   int
	}{
		{65 * time.Minute, false, 3}, // K3 published: K3 next, K2 current, K1 retired
		{75 * time.Minute, false, 3}, // K3 current, K2 and K1 retired
		{76 * time.Minute, true, 4},  // K4 published by hand
		{86 * time.Minute, false, 4}, // K4 current
	} {
		clk.Set(t0.Add(step.at))
		if step.rotate {
			if _, err := r.Rotate(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			mustTick(t, r)
		}
		if n := len(r.Snapshot().Keys()); n != step.keys {
			t.Fatalf("at %v: %d keys, want %d", step.at, n, step.keys)
		}
	}
	clk.Set(t0.Add(87 * time.Minute))
	if _, err := r.Rotate(ctx); !errors.Is(err, ErrTooManyKeys) {
		t.Fatalf("Rotate at the cap: %v", err)
	}
}

// TestScheduleWaitsForRoom: when manual rotations have filled MaxKeys, the
// scheduled rotation waits for a retired key to be dropped instead of
// exceeding the cap, and the current key keeps signing meanwhile.
func TestScheduleWaitsForRoom(t *testing.T) {
	clk := testclock.New()
	t0 := clk.Now()
	cfg := testConfig(clk, nil)
	cfg.Policy = Policy{RotateEvery: time.Hour, PublishAhead: 10 * time.Minute, RetainFor: 2 * time.Hour, MaxKeys: 5}
	r := mustNew(t, cfg)
	ctx := context.Background()
	// Manual rotations every 10 minutes fill the ring: K1..K5.
	for i := 1; i <= 4; i++ {
		clk.Set(t0.Add(time.Duration(i) * 10 * time.Minute))
		mustTick(t, r)
		if _, err := r.Rotate(ctx); err != nil {
			t.Fatalf("rotation %d: %v", i, err)
		}
	}
	clk.Set(t0.Add(50 * time.Minute))
	mustTick(t, r) // K5 current; K1..K4 retired, the first dropping at 1h+2h
	s := r.Snapshot()
	if n := len(s.Keys()); n != 5 {
		t.Fatalf("%d keys", n)
	}
	cur, _ := s.Current(clk.Now())
	// K5 was due to retire at 1h50, its successor published at 1h40:
	// no room until K1 is dropped at 3h.
	clk.Set(t0.Add(100 * time.Minute))
	mustTick(t, r)
	s = r.Snapshot()
	if n := len(s.Keys()); n != 5 {
		t.Fatalf("%d keys, cap 5", n)
	}
	if got := s.Keys()[0].Info(); got.ID != cur.ID() || !got.Retires.Equal(t0.Add(3*time.Hour+10*time.Minute)) {
		t.Fatalf("current key %+v: want it kept until 3h10", got)
	}
	clk.Set(t0.Add(3 * time.Hour))
	mustTick(t, r)
	s = r.Snapshot()
	if !equalStates(states(s), Next, Current, Retired, Retired, Retired) || !s.Keys()[0].Info().Activates.Equal(t0.Add(3*time.Hour+10*time.Minute)) {
		t.Fatalf("after the drop: %v", states(s))
	}
	if e, err := s.Current(clk.Now()); err != nil || e.ID() != cur.ID() {
		t.Fatal("the current key stopped signing while waiting")
	}
}

// TestConcurrentRings: rings sharing one backend make exactly one rotation
// per period between them, however their ticks and rotations interleave.
func TestConcurrentRings(t *testing.T) {
	clk := testclock.New()
	t0 := clk.Now()
	b := &flaky{Backend: NewMemory()}
	ctx := context.Background()
	rings := make([]*Ring, 4)
	for i := range rings {
		rings[i] = mustNew(t, testConfig(clk, b))
	}
	if b.writes.Load() != 1 {
		t.Fatalf("%d rings made %d first states", len(rings), b.writes.Load())
	}
	for period := 1; period <= 5; period++ {
		clk.Set(t0.Add(time.Duration(period)*time.Hour - 10*time.Minute))
		var wg sync.WaitGroup
		for _, r := range rings {
			for range 3 {
				wg.Go(func() {
					if err := r.Tick(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Go(func() {
				if _, err := r.Rotate(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		clk.Set(t0.Add(time.Duration(period) * time.Hour))
		for _, r := range rings {
			wg.Go(func() {
				if err := r.Tick(ctx); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		var want string
		for i, r := range rings {
			mustTick(t, r)
			s := r.Snapshot()
			e, err := s.Current(clk.Now())
			if err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				want = e.ID()
			} else if e.ID() != want {
				t.Fatalf("period %d: rings disagree on the current key", period)
			}
			if len(s.Keys()) > r.Policy().MaxKeys {
				t.Fatalf("period %d: %d keys", period, len(s.Keys()))
			}
		}
	}
	// One first key, then per period one publication and one activation
	// (the drops ride along with them).
	rec, _ := b.Backend.Load(ctx)
	if int64(rec.Version) != b.writes.Load() || b.writes.Load() > 1+5*3 {
		t.Fatalf("%d writes, version %d", b.writes.Load(), rec.Version)
	}
	seen := map[string]bool{}
	st, err := rings[0].codec.open(rec.Data, rec.Version)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range st.keys {
		seen[k.id] = true
	}
	if len(seen) != 2 {
		t.Fatalf("after 5 periods with R < D the ring holds %d keys, want current and one retired", len(seen))
	}
}

// TestReseed: a backend that lost its data gets the last copy back; the
// ring never invents new keys for it.
func TestReseed(t *testing.T) {
	clk := testclock.New()
	b := &flaky{Backend: NewMemory()}
	r := mustNew(t, testConfig(clk, b))
	want, _ := r.Snapshot().Current(clk.Now())
	b.Backend = NewMemory() // flushed
	clk.Advance(time.Minute)
	mustTick(t, r)
	r2 := mustNew(t, testConfig(clk, b))
	got, _ := r2.Snapshot().Current(clk.Now())
	if got.ID() != want.ID() {
		t.Fatal("the reseeded backend has another key")
	}
}

func TestNewConfigErrors(t *testing.T) {
	clk := testclock.New()
	wk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	wk3, _ := paseto.GenerateSymmetricKey(paseto.V3)
	file, _ := NewFile(t.TempDir() + "/ring.json")
	base := func() Config { return testConfig(clk, nil) }
	tests := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"version", func(c *Config) { c.Version = 1 }, "Version"},
		{"purpose", func(c *Config) { c.Purpose = 9 }, "Purpose"},
		{"leeway", func(c *Config) { c.Leeway = -1 }, "Leeway"},
		{"sync", func(c *Config) { c.SyncInterval = -1 }, "SyncInterval"},
		{"retain", func(c *Config) { c.Lifetimes = []time.Duration{time.Hour}; c.Policy.RetainFor = time.Hour }, "Policy.RetainFor"},
		{"wrap with memory", func(c *Config) { c.WrappingKey = wk }, "WrappingKey"},
		{"password with memory", func(c *Config) { c.Password = []byte("pw") }, "Password"},
		{"file without wrap", func(c *Config) { c.Backend = file }, "WrappingKey"},
		{"both wraps", func(c *Config) { c.Backend = file; c.WrappingKey = wk; c.Password = []byte("pw") }, "WrappingKey"},
		{"wrap of another version", func(c *Config) { c.Backend = file; c.WrappingKey = wk3 }, "WrappingKey"},
		{"empty password", func(c *Config) { c.Backend = file; c.Password = []byte{} }, "Password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base()
			tt.edit(&cfg)
			_, err := New(context.Background(), cfg)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != tt.field || !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("error %v: want a ConfigError for %s", err, tt.field)
			}
		})
	}
}

func TestCheckLifetime(t *testing.T) {
	r := mustNew(t, testConfig(testclock.New(), nil)) // RetainFor 30m, Leeway 5m
	if err := r.CheckLifetime(25 * time.Minute); err != nil {
		t.Fatal(err)
	}
	err := r.CheckLifetime(25*time.Minute + time.Second)
	if !errors.Is(err, ErrLifetimeNotCovered) || !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("got %v", err)
	}
	if err := r.CheckLifetime(0); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("zero lifetime: %v", err)
	}
}

func TestFamilies(t *testing.T) {
	for _, tt := range []struct {
		v      paseto.Version
		p      paseto.Purpose
		prefix string
	}{
		{paseto.V4, paseto.Public, "k4.pid."},
		{paseto.V3, paseto.Public, "k3.pid."},
		{paseto.V4, paseto.Local, "k4.lid."},
		{paseto.V2, paseto.Local, "k2.lid."},
	} {
		cfg := testConfig(testclock.New(), nil)
		cfg.Version, cfg.Purpose = tt.v, tt.p
		s := mustNew(t, cfg).Snapshot()
		e := s.Keys()[0]
		if e.ID()[:7] != tt.prefix || s.Version() != tt.v || s.Purpose() != tt.p || e.Key().Version() != tt.v || e.VerifyKey().Purpose() != tt.p {
			t.Errorf("%s.%s: id %s", tt.v, tt.p, e.ID()[:7])
		}
		if (tt.p == paseto.Local) != (len(s.PublicKeys()) == 0) {
			t.Errorf("%s.%s: %d public keys", tt.v, tt.p, len(s.PublicKeys()))
		}
	}
}
