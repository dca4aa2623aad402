package session

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

// sessionRing is a v4.local ring on clk rotating daily, publishing an hour
// ahead and keeping retired keys for two hours.
func sessionRing(t testing.TB, clk *testclock.Clock) *keyring.Ring {
	t.Helper()
	r, err := keyring.New(context.Background(), keyring.Config{
		Purpose:   paseto.Local,
		Policy:    keyring.Policy{RotateEvery: 24 * time.Hour, PublishAhead: time.Hour},
		Lifetimes: []time.Duration{2 * time.Hour},
		Now:       clk.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestKeySourceConfig(t *testing.T) {
	clk := testclock.New()
	ring := sessionRing(t, clk)
	_, err := New(Config{KeySource: ring, Lifetime: 3 * time.Hour})
	if !errors.Is(err, ErrInvalidConfig) || !errors.Is(err, keyring.ErrLifetimeNotCovered) {
		t.Fatalf("lifetime over RetainFor: %v", err)
	}
	_, err = New(Config{KeySource: ring, Lifetime: 2 * time.Hour, Keys: nil, Secret: make([]byte, 32)})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("KeySource with Secret: %v", err)
	}
	public, _ := keyring.New(context.Background(), keyring.Config{Lifetimes: []time.Duration{time.Hour}})
	if _, err = New(Config{KeySource: public, Lifetime: time.Hour}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("a ring of signing keys: %v", err)
	}
}

// Sessions survive a rotation (nobody is logged out), and a cookie dies
// with its key.
func TestKeySourceRotation(t *testing.T) {
	clk := testclock.New()
	ring := sessionRing(t, clk)
	m, _ := testManager(t, Config{KeySource: ring, Lifetime: 2 * time.Hour, NoIdleTimeout: true, Now: clk.Now})
	first, _ := ring.Snapshot().Current(clk.Now())
	c1 := issue(t, m, "user", "alice")

	read := func(cookies []*http.Cookie) string {
		var got string
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			v, _ := FromContext(r.Context()).Get("user")
			got, _ = v.(string)
		}, cookies...)
		return got
	}
	if read(c1) != "alice" {
		t.Fatal("session not loaded")
	}
	next, err := ring.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour) // the next key encrypts from now on
	c2 := issue(t, m, "user", "bob")
	if k := m.keys.ForToken(c2[0].Value, clk.Now()); k == nil || k.ID != next.ID {
		t.Fatal("a new session is not encrypted with the new current key")
	}
	if err := ring.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if read(c1) != "alice" || read(c2) != "bob" {
		t.Fatal("a rotation logged someone out")
	}

	// A cookie of the first key that is still within its lifetime when
	// the key is dropped (made by hand: the ring never lets that happen
	// to real cookies) is refused as of an unknown key.
	k := m.keys.ByID(first.ID(), clk.Now())
	drop := testclock.T0.Add(26 * time.Hour) // retires at 24h, kept for 2h
	p := &payload{ID: newID(), Created: drop.Add(-time.Hour).Unix(), Seen: drop.Add(-time.Hour).Unix()}
	b, _ := m.vc.marshal(p)
	tok, err := paseto.Encrypt(k.Key, b, k.Footer, m.implicit)
	if err != nil {
		t.Fatal(err)
	}
	if _, cerr := m.decode(tok, drop.Add(-time.Second)); cerr != nil {
		t.Fatalf("before the drop: %v", cerr)
	}
	if _, cerr := m.decode(tok, drop); cerr == nil || !errors.Is(cerr, ErrUnknownKey) {
		t.Fatalf("after the drop: %v", cerr)
	}
}

// With no current key (a ring that could not refresh its copy), saving
// fails closed and loading still works.
func TestKeySourceStale(t *testing.T) {
	clk := testclock.New()
	ring := sessionRing(t, clk)
	var saveErr error
	m, _ := testManager(t, Config{KeySource: ring, Lifetime: 2 * time.Hour, NoIdleTimeout: true, Now: clk.Now,
		OnError: func(_ *http.Request, err error) { saveErr = err }})
	clk.Advance(23 * time.Hour)
	c := issue(t, m, "user", "alice")
	clk.Advance(2 * time.Hour) // past the current key's retirement, never ticked
	resp := serve(m, setHandler("user", "bob"), c...)
	if len(live(resp)) != 0 || !errors.Is(saveErr, keyring.ErrStale) {
		t.Fatalf("save on a stale ring: cookies %v, err %v", live(resp), saveErr)
	}
}
