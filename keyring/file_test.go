package keyring

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// cheap password parameters: the minimum Argon2id cost, for tests only.
var cheap = paserk.PasswordParams{Memory: 8 << 10, Time: 1, Parallelism: 1, Iterations: 1000}

func fileConfig(t *testing.T, clk *testclock.Clock, path string) Config {
	t.Helper()
	f, err := NewFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(clk, f)
	return cfg
}

func TestFileBackend(t *testing.T) {
	wk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	for _, tt := range []struct {
		name    string
		purpose paseto.Purpose
		wrap    func(*Config)
		plain   string
	}{
		{"public key wrap", paseto.Public, func(c *Config) { c.WrappingKey = wk }, "k4.secret."},
		{"local key wrap", paseto.Local, func(c *Config) { c.WrappingKey = wk }, "k4.local."},
		{"public password", paseto.Public, func(c *Config) { c.Password = []byte("correct horse"); c.PasswordParams = cheap }, "k4.secret."},
		{"local password", paseto.Local, func(c *Config) { c.Password = []byte("correct horse"); c.PasswordParams = cheap }, "k4.local."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := testclock.New()
			path := filepath.Join(t.TempDir(), "ring.json")
			cfg := fileConfig(t, clk, path)
			cfg.Purpose = tt.purpose
			tt.wrap(&cfg)
			r := mustNew(t, cfg)
			clk.Advance(50 * time.Minute)
			mustTick(t, r)
			want := r.Snapshot().Keys()

			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(data, []byte(tt.plain)) {
				t.Fatal("the file holds a plaintext key")
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
				t.Fatalf("file mode %v", fi.Mode().Perm())
			}
			if v, err := ParseStateVersion(data); err != nil || v != 2 {
				t.Fatalf("version %d, %v", v, err)
			}
			if m, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".ring.json.tmp-*")); len(m) != 0 {
				t.Fatalf("temporary files left: %v", m)
			}

			// A second process (ring) on the same file has the same keys.
			r2 := mustNew(t, cfg)
			got := r2.Snapshot().Keys()
			if len(got) != len(want) {
				t.Fatalf("%d keys, want %d", len(got), len(want))
			}
			for i := range got {
				if got[i].Info() != want[i].Info() {
					t.Fatalf("key %d: %+v, want %+v", i, got[i].Info(), want[i].Info())
				}
				switch tt.purpose {
				case paseto.Public:
					if !got[i].SecretKey().Equal(want[i].SecretKey()) {
						t.Fatal("secret keys differ after a reload")
					}
				default:
					if !got[i].LocalKey().Equal(want[i].LocalKey()) {
						t.Fatal("local keys differ after a reload")
					}
				}
			}
			// The rotation made by one is seen by the other.
			clk.Advance(10 * time.Minute)
			mustTick(t, r2)
			mustTick(t, r)
			a, _ := r.Snapshot().Current(clk.Now())
			b, _ := r2.Snapshot().Current(clk.Now())
			if a.ID() != b.ID() || a.ID() != want[0].ID() {
				t.Fatal("the rings disagree after a rotation")
			}
		})
	}
}

// TestUnreadableState: garbage, an unknown format, a wrong wrapping key or
// password, or another family stop New with a StateError, and the file is
// left as it was.
func TestUnreadableState(t *testing.T) {
	wk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	other, _ := paseto.GenerateSymmetricKey(paseto.V4)
	good := func(t *testing.T, edit func(*Config)) []byte {
		path := filepath.Join(t.TempDir(), "ring.json")
		cfg := fileConfig(t, testclock.New(), path)
		cfg.WrappingKey = wk
		if edit != nil {
			edit(&cfg)
		}
		mustNew(t, cfg)
		data, _ := os.ReadFile(path)
		return data
	}
	state := good(t, nil)
	pwState := good(t, func(c *Config) { c.WrappingKey = nil; c.Password = []byte("pw"); c.PasswordParams = cheap })
	v3State := good(t, func(c *Config) {
		c.Version = paseto.V3
		c.WrappingKey, _ = paseto.GenerateSymmetricKey(paseto.V3)
	})
	tests := []struct {
		name string
		data []byte
		edit func(*Config)
		is   error
	}{
		{"garbage", []byte("\x00\x01not json"), nil, ErrCorruptState},
		{"empty file", []byte{}, nil, ErrCorruptState},
		{"json array", []byte(`[]`), nil, ErrCorruptState},
		{"format 3", bytes.Replace(state, []byte(`"format": 2`), []byte(`"format": 3`), 1), nil, ErrFormatVersion},
		{"format 1 (unauthenticated)", bytes.Replace(state, []byte(`"format": 2`), []byte(`"format": 1`), 1), nil, ErrFormatVersion},
		{"truncated", state[:len(state)/2], nil, ErrCorruptState},
		{"wrong wrapping key", state, func(c *Config) { c.WrappingKey = other }, ErrWrongWrappingKey},
		{"password for a key-wrapped state", state, func(c *Config) { c.WrappingKey = nil; c.Password = []byte("pw") }, ErrWrongWrappingKey},
		{"wrong password", pwState, func(c *Config) { c.WrappingKey = nil; c.Password = []byte("not pw") }, ErrWrongWrappingKey},
		{"another family", v3State, nil, ErrCorruptState},
		{"tampered key", tamper(state), nil, ErrCorruptState}, // the state MAC fails first
		{"unknown field", bytes.Replace(state, []byte(`"format": 2`), []byte(`"format": 2, "extra": 1`), 1), nil, ErrCorruptState},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "ring.json")
			if err := os.WriteFile(path, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := fileConfig(t, testclock.New(), path)
			cfg.WrappingKey = wk
			if tt.edit != nil {
				tt.edit(&cfg)
			}
			_, err := New(context.Background(), cfg)
			var se *StateError
			if !errors.Is(err, tt.is) || !errors.Is(err, ErrCorruptState) || !errors.As(err, &se) {
				t.Fatalf("New: %v, want %v", err, tt.is)
			}
			if !strings.Contains(se.Backend, path) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			if strings.Contains(err.Error(), "k4.") {
				t.Fatalf("the error quotes key material: %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, tt.data) {
				t.Fatal("unreadable state was overwritten")
			}
		})
	}
}

// tamper flips a character in the first wrapped key.
func tamper(state []byte) []byte {
	out := bytes.Clone(state)
	i := bytes.Index(out, []byte(`"key": "k4.secret-wrap.pie.`)) + len(`"key": "k4.secret-wrap.pie.`) + 10
	if out[i] == 'A' {
		out[i] = 'B'
	} else {
		out[i] = 'A'
	}
	return out
}

// TestUnreadableStateWhileRunning: state that turns unreadable under a
// running ring leaves it with its copy and is not overwritten.
func TestUnreadableStateWhileRunning(t *testing.T) {
	wk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	clk := testclock.New()
	path := filepath.Join(t.TempDir(), "ring.json")
	cfg := fileConfig(t, clk, path)
	cfg.WrappingKey = wk
	r := mustNew(t, cfg)
	s := r.Snapshot()
	os.WriteFile(path, []byte("garbage"), 0o600)
	clk.Advance(50 * time.Minute) // a next key is due
	if err := r.Tick(context.Background()); !errors.Is(err, ErrCorruptState) {
		t.Fatalf("Tick: %v", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "garbage" || r.Snapshot() != s {
		t.Fatal("unreadable state was overwritten or the copy changed")
	}
}

func TestFileCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	f, _ := NewFile(filepath.Join(t.TempDir(), "ring.json"))
	if rec, err := f.Load(ctx); err != nil || rec.Version != 0 {
		t.Fatalf("missing file: %+v, %v", rec, err)
	}
	doc := func(v uint64) Record {
		c := &codec{fam: family{paseto.V4, paseto.Local}}
		r := &Ring{fam: c.fam, pol: Policy{RotateEvery: time.Hour, PublishAhead: time.Minute, RetainFor: time.Hour}, now: time.Now}
		st := &ringState{}
		r.advance(st, testclock.T0)
		st.version = v
		data, err := c.seal(st)
		if err != nil {
			t.Fatal(err)
		}
		return Record{Version: v, Data: data}
	}
	if err := f.CompareAndSwap(ctx, 1, doc(2)); !errors.Is(err, ErrConflict) {
		t.Fatalf("swap on a missing file from 1: %v", err)
	}
	if err := f.CompareAndSwap(ctx, 0, doc(1)); err != nil {
		t.Fatal(err)
	}
	if err := f.CompareAndSwap(ctx, 0, doc(1)); !errors.Is(err, ErrConflict) {
		t.Fatalf("second swap from 0: %v", err)
	}
	if err := f.CompareAndSwap(ctx, 1, doc(3)); err == nil {
		t.Fatal("a record that skips a version was stored")
	}
	if err := f.CompareAndSwap(ctx, 1, Record{Version: 2, Data: []byte("junk")}); err == nil {
		t.Fatal("junk was stored")
	}
	if rec, err := f.Load(ctx); err != nil || rec.Version != 1 {
		t.Fatalf("after swaps: %d, %v", rec.Version, err)
	}
	if _, err := NewFile(""); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("empty path: %v", err)
	}
}

// TestFileUnreadable: a file that cannot be read is an error, not an
// empty ring.
func TestFileUnreadable(t *testing.T) {
	dir := t.TempDir()
	f, _ := NewFile(dir) // a directory
	if _, err := f.Load(context.Background()); err == nil {
		t.Fatal("reading a directory succeeded")
	}
}

// TestFileConcurrentRings: rings on separate File values for one path (as
// separate processes would be, serialized by flock) agree on one rotation
// per period.
func TestFileConcurrentRings(t *testing.T) {
	wk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	clk := testclock.New()
	t0 := clk.Now()
	path := filepath.Join(t.TempDir(), "ring.json")
	rings := make([]*Ring, 3)
	for i := range rings {
		cfg := fileConfig(t, clk, path) // a File of its own
		cfg.WrappingKey = wk
		rings[i] = mustNew(t, cfg)
	}
	ctx := context.Background()
	for period := 1; period <= 3; period++ {
		for _, at := range []time.Duration{-10 * time.Minute, 0} {
			clk.Set(t0.Add(time.Duration(period)*time.Hour + at))
			var wg sync.WaitGroup
			for _, r := range rings {
				wg.Go(func() {
					if err := r.Tick(ctx); err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
	}
	for _, r := range rings {
		mustTick(t, r)
	}
	rec, err := rings[0].backend.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// First key, then per period a publication and an activation; each
	// drop (30m after a retirement) rides along with the next publication.
	if rec.Version != 1+3*2 {
		t.Fatalf("version %d after 3 periods", rec.Version)
	}
	want, _ := rings[0].Snapshot().Current(clk.Now())
	for _, r := range rings[1:] {
		if got, _ := r.Snapshot().Current(clk.Now()); got.ID() != want.ID() {
			t.Fatal("rings on one file disagree")
		}
	}
	if n := len(rings[0].Snapshot().Keys()); n != 2 {
		t.Fatalf("%d keys after 3 periods, want current and retired", n)
	}
}

// TestTamperedScheduleRefused: someone who can write the backend but lacks
// the wrapping key cannot change anything in the state, not only the key
// bytes: a retired key kept alive by a later drop_at, a retired key made
// current again, a key put back from an old state or removed, or a version
// bump are refused as corrupt state, and the file is not overwritten.
func TestTamperedScheduleRefused(t *testing.T) {
	wk, _ := paseto.GenerateSymmetricKey(paseto.V4)
	edit := func(t *testing.T, data []byte, f func(doc map[string]any, keys []map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		var keys []map[string]any
		for _, k := range doc["keys"].([]any) {
			keys = append(keys, k.(map[string]any))
		}
		f(doc, keys)
		doc["version"] = doc["version"].(float64) + 1 // a newer version, as a writer would store
		out, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	byState := func(keys []map[string]any, st string) map[string]any {
		for _, k := range keys {
			if k["state"] == st {
				return k
			}
		}
		return nil
	}
	for _, wrap := range []struct {
		name string
		set  func(*Config)
	}{
		{"key", func(c *Config) { c.WrappingKey = wk }},
		{"password", func(c *Config) { c.Password = []byte("correct horse"); c.PasswordParams = cheap }},
	} {
		t.Run(wrap.name, func(t *testing.T) {
			clk := testclock.New()
			path := filepath.Join(t.TempDir(), "ring.json")
			cfg := fileConfig(t, clk, path)
			wrap.set(&cfg)
			r := mustNew(t, cfg)
			old, _ := os.ReadFile(path) // one key, current
			// Rotate on schedule: the first key retires after an hour.
			for range 7 {
				clk.Advance(10 * time.Minute)
				mustTick(t, r)
			}
			good, _ := os.ReadFile(path)
			var retiredID string
			for _, k := range r.Snapshot().Keys() {
				if k.Info().State == Retired {
					retiredID = k.ID()
				}
			}
			if !bytes.Contains(good, []byte(`"retired"`)) || retiredID == "" {
				t.Fatalf("no retired key after rotation:\n%s", good)
			}
			var oldDoc map[string]any
			json.Unmarshal(old, &oldDoc)
			tests := []struct {
				name string
				f    func(doc map[string]any, keys []map[string]any)
			}{
				{"drop_at far away", func(_ map[string]any, k []map[string]any) {
					byState(k, "retired")["drop_at"] = "9999-01-01T00:00:00Z"
				}},
				{"retire_at far away", func(_ map[string]any, k []map[string]any) {
					byState(k, "current")["retire_at"] = "9999-01-01T00:00:00Z"
				}},
				{"retired key made current", func(_ map[string]any, k []map[string]any) {
					r, c := byState(k, "retired"), byState(k, "current")
					c["state"], r["state"] = "retired", "current"
					c["retired"], c["drop_at"] = r["retired"], r["drop_at"]
					delete(r, "retired")
					delete(r, "drop_at")
				}},
				{"key put back from an old state", func(doc map[string]any, k []map[string]any) {
					ok := oldDoc["keys"].([]any)[0].(map[string]any)
					byState(k, "retired")["key"] = ok["key"]
				}},
				{"key removed", func(doc map[string]any, k []map[string]any) {
					var keep []any
					for _, key := range k {
						if key["state"] != "retired" {
							keep = append(keep, key)
						}
					}
					doc["keys"] = keep
				}},
				{"mac removed", func(doc map[string]any, _ []map[string]any) { delete(doc, "mac") }},
				{"version only", func(map[string]any, []map[string]any) {}},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					tampered := edit(t, good, tt.f)
					if err := os.WriteFile(path, tampered, 0o600); err != nil {
						t.Fatal(err)
					}
					err := r.Tick(context.Background())
					if !errors.Is(err, ErrCorruptState) {
						t.Fatalf("Tick on tampered state: %v", err)
					}
					if _, err := New(context.Background(), cfg); !errors.Is(err, ErrCorruptState) {
						t.Fatalf("New on tampered state: %v", err)
					}
					if after, _ := os.ReadFile(path); !bytes.Equal(after, tampered) {
						t.Fatal("tampered state was overwritten")
					}
					// Long after its drop time, the retired key does not verify.
					later := clk.Now().Add(30 * 24 * time.Hour)
					if _, ok := r.Snapshot().Lookup(retiredID, later); ok {
						t.Fatal("retired key still verifies 30 days later")
					}
				})
			}
			// The untouched state still opens.
			os.WriteFile(path, good, 0o600)
			mustTick(t, r)
		})
	}
}
