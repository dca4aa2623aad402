package keyring

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/testclock"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/paserk"
)

// A rotation is reported when the next key is published and when it
// becomes current, by id; a failing sync on every failed tick, and its end
// once.
func TestRingEvents(t *testing.T) {
	clk := testclock.New()
	t0 := clk.Now()
	b := &flaky{Backend: NewMemory()}
	rec := &observetest.Recorder{}
	cfg := testConfig(clk, b)
	cfg.Events = rec
	r := mustNew(t, cfg)
	if got := rec.Take(); len(got) != 0 {
		t.Fatalf("events from New: %+v", got)
	}
	ctx := context.Background()
	secrets := func() []string {
		var l []string
		for _, e := range r.Snapshot().Keys() {
			s, err := paserk.Encode(e.SecretKey())
			if err != nil {
				t.Fatal(err)
			}
			l = append(l, s)
		}
		return l
	}
	check := func(kind observe.Kind, reason, keyID string) {
		t.Helper()
		got := rec.Take()
		if len(got) != 1 || got[0].Kind != kind || got[0].Component != "keyring" || got[0].Reason != reason || got[0].KeyID != keyID {
			t.Fatalf("events = %+v, want one %s/%s for %q", got, kind, reason, keyID)
		}
		if leak := observetest.Leaks(got[0], secrets()...); leak != "" {
			t.Errorf("event holds a secret key")
		}
	}

	clk.Set(t0.Add(50 * time.Minute))
	mustTick(t, r)
	next := r.Snapshot().Keys()[0].ID()
	check(observe.KindKeyRotation, "published", next)

	clk.Set(t0.Add(60 * time.Minute))
	mustTick(t, r)
	check(observe.KindKeyRotation, "activated", next)

	mustTick(t, r)
	if got := rec.Take(); len(got) != 0 {
		t.Fatalf("events from a tick with nothing due: %+v", got)
	}

	b.down.Store(true)
	for range 2 {
		if err := r.Tick(ctx); !errors.Is(err, errDown) {
			t.Fatalf("Tick while down: %v", err)
		}
		got := rec.Take()
		if len(got) != 1 || got[0].Kind != observe.KindKeySync || got[0].Reason != observe.ReasonFailed || !errors.Is(got[0].Err, errDown) {
			t.Fatalf("events while down = %+v", got)
		}
	}
	b.down.Store(false)
	mustTick(t, r)
	check(observe.KindKeySync, observe.ReasonRecovered, "")
	mustTick(t, r)
	if got := rec.Take(); len(got) != 0 {
		t.Fatalf("events after recovery: %+v", got)
	}
}
