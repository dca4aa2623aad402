package authtoken_test

import (
	"context"
	"fmt"
	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
)

var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// newClock returns the test clock, at t0.
func newClock() *testclock.Clock { return testclock.At(t0) }

// genKey returns a new key of version v: a secret key for Public, a local
// key for Local.
func genKey(t testing.TB, v paseto.Version, p paseto.Purpose) keyring.Key {
	t.Helper()
	var k paseto.Key
	var err error
	if p == paseto.Public {
		k, err = paseto.GenerateSecretKey(v)
	} else {
		k, err = paseto.GenerateSymmetricKey(v)
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := paserk.Encode(k)
	if err != nil {
		t.Fatal(err)
	}
	return keyring.Key{PASERK: s}
}

// flakyStore wraps a store and fails every call with store.ErrUnavailable
// while down is set.
type flakyStore struct {
	store.Store
	down atomic.Bool
}

func (f *flakyStore) err() error {
	if f.down.Load() {
		return store.ErrUnavailable
	}
	return nil
}

func (f *flakyStore) Revoke(ctx context.Context, key string, until time.Time) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.Revoke(ctx, key, until)
}

func (f *flakyStore) Revoked(ctx context.Context, keys ...string) (bool, error) {
	if err := f.err(); err != nil {
		return false, err
	}
	return f.Store.Revoked(ctx, keys...)
}

func (f *flakyStore) Consume(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := f.err(); err != nil {
		return false, err
	}
	return f.Store.Consume(ctx, key, until)
}

func (f *flakyStore) SetCutoff(ctx context.Context, key string, t, until time.Time) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.SetCutoff(ctx, key, t, until)
}

func (f *flakyStore) Cutoff(ctx context.Context, key string) (time.Time, error) {
	if err := f.err(); err != nil {
		return time.Time{}, err
	}
	return f.Store.Cutoff(ctx, key)
}

func (f *flakyStore) Check(ctx context.Context, c store.Check) (store.Status, error) {
	if err := f.err(); err != nil {
		return store.Status{}, err
	}
	return f.Store.Check(ctx, c)
}

func (f *flakyStore) CreateFamily(ctx context.Context, owner, family, token string, until time.Time) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.CreateFamily(ctx, owner, family, token, until)
}

func (f *flakyStore) RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (store.Rotation, error) {
	if err := f.err(); err != nil {
		return 0, err
	}
	return f.Store.RotateFamily(ctx, owner, family, from, to, retryUntil, until)
}

func (f *flakyStore) RevokeFamily(ctx context.Context, owner, family string) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.RevokeFamily(ctx, owner, family)
}

// env is a Manager with a fake clock, a flaky memory store and a record of
// OnReuse calls.
type env struct {
	m     *authtoken.Manager
	clock *testclock.Clock
	store *flakyStore

	mu     sync.Mutex
	reused []string // "subject/family"
}

// newEnv builds a Manager: access local v4, refresh public v4, a custom
// kind "reset", unless edit changes cfg.
func newEnv(t testing.TB, edit func(*authtoken.Config)) *env {
	t.Helper()
	e := &env{clock: newClock()}
	mem, err := store.NewMemory(store.MemoryConfig{Now: e.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.store = &flakyStore{Store: mem}
	cfg := authtoken.Config{
		Access:  authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Local)}},
		Refresh: authtoken.KindConfig{Keys: []keyring.Key{genKey(t, paseto.V4, paseto.Public)}},
		Custom:  map[string]authtoken.KindConfig{"reset": {}},
		Store:   e.store,
		Now:     e.clock.Now,
		OnReuse: func(_ context.Context, subject, family string) {
			e.mu.Lock()
			e.reused = append(e.reused, subject+"/"+family)
			e.mu.Unlock()
		},
	}
	if edit != nil {
		edit(&cfg)
	}
	e.m, err = authtoken.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) reuses() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.reused...)
}

// claimsOf verifies tok as kind and returns its claims.
func claimsOf(t testing.TB, m *authtoken.Manager, kind, tok string) map[string]any {
	t.Helper()
	vt, err := m.Verify(context.Background(), kind, tok)
	if err != nil {
		t.Fatalf("Verify(%s): %v", kind, err)
	}
	var c map[string]any
	if err := vt.Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

// hookStore wraps a store and runs onRotate (once) in the middle of
// RotateFamily, after the family moved on: the point of Refresh between
// verifying the old refresh token and minting the new pair.
type hookStore struct {
	store.Store
	onRotate func()
	once     sync.Once
}

func (h *hookStore) RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (store.Rotation, error) {
	r, err := h.Store.RotateFamily(ctx, owner, family, from, to, retryUntil, until)
	if h.onRotate != nil {
		h.once.Do(h.onRotate)
	}
	return r, err
}

// lostAnswerStore wraps a store; while lose is set, RotateFamily does its
// work and then reports store.ErrUnavailable, as when the answer of a
// store that ran the command was lost (a timeout, a dropped connection).
type lostAnswerStore struct {
	store.Store
	lose atomic.Bool
}

func (l *lostAnswerStore) RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (store.Rotation, error) {
	r, err := l.Store.RotateFamily(ctx, owner, family, from, to, retryUntil, until)
	if err == nil && l.lose.Load() {
		return 0, fmt.Errorf("%w: the answer was lost", store.ErrUnavailable)
	}
	return r, err
}

// recordStore wraps a store and records the name of every call. When
// failAfterRotate is set, every call after a successful RotateFamily fails
// with store.ErrUnavailable (and is recorded too). onRotate, if set, runs
// in every RotateFamily after the family moved on.
type recordStore struct {
	store.Store
	onRotate func()

	mu              sync.Mutex
	calls           []string
	failAfterRotate bool
	rotated         bool
}

// reset clears the record and sets failAfterRotate.
func (r *recordStore) reset(failAfterRotate bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls, r.failAfterRotate, r.rotated = nil, failAfterRotate, false
}

func (r *recordStore) log() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.calls...)
}

// call records name and returns the injected failure, if any.
func (r *recordStore) call(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, name)
	if r.failAfterRotate && r.rotated {
		return store.ErrUnavailable
	}
	return nil
}

func (r *recordStore) Revoke(ctx context.Context, key string, until time.Time) error {
	if err := r.call("Revoke"); err != nil {
		return err
	}
	return r.Store.Revoke(ctx, key, until)
}

func (r *recordStore) Revoked(ctx context.Context, keys ...string) (bool, error) {
	if err := r.call("Revoked"); err != nil {
		return false, err
	}
	return r.Store.Revoked(ctx, keys...)
}

func (r *recordStore) Consume(ctx context.Context, key string, until time.Time) (bool, error) {
	if err := r.call("Consume"); err != nil {
		return false, err
	}
	return r.Store.Consume(ctx, key, until)
}

func (r *recordStore) SetCutoff(ctx context.Context, key string, t, until time.Time) error {
	if err := r.call("SetCutoff"); err != nil {
		return err
	}
	return r.Store.SetCutoff(ctx, key, t, until)
}

func (r *recordStore) Cutoff(ctx context.Context, key string) (time.Time, error) {
	if err := r.call("Cutoff"); err != nil {
		return time.Time{}, err
	}
	return r.Store.Cutoff(ctx, key)
}

func (r *recordStore) Check(ctx context.Context, c store.Check) (store.Status, error) {
	if err := r.call("Check"); err != nil {
		return store.Status{}, err
	}
	return r.Store.Check(ctx, c)
}

func (r *recordStore) CreateFamily(ctx context.Context, owner, family, token string, until time.Time) error {
	if err := r.call("CreateFamily"); err != nil {
		return err
	}
	return r.Store.CreateFamily(ctx, owner, family, token, until)
}

func (r *recordStore) RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (store.Rotation, error) {
	if err := r.call("RotateFamily"); err != nil {
		return 0, err
	}
	res, err := r.Store.RotateFamily(ctx, owner, family, from, to, retryUntil, until)
	if err == nil && res == store.FamilyRotated {
		r.mu.Lock()
		r.rotated = true
		r.mu.Unlock()
		if r.onRotate != nil {
			r.onRotate()
		}
	}
	return res, err
}

func (r *recordStore) RevokeFamily(ctx context.Context, owner, family string) error {
	if err := r.call("RevokeFamily"); err != nil {
		return err
	}
	return r.Store.RevokeFamily(ctx, owner, family)
}
