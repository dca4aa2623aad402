package authtoken_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/store"
)

// A reused refresh token is one event, after OnReuse, naming neither the
// subject nor the family; the Manager's verifications report to the same
// handler.
func TestReuseEvent(t *testing.T) {
	rec := &observetest.Recorder{}
	e := newEnv(t, func(c *authtoken.Config) { c.Events = rec })
	p0, err := e.m.Login(ctx, "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	fam := claimsOf(t, e.m, "refresh", p0.Refresh)["fam"].(string)
	e.clock.Advance(time.Minute)
	if _, err := e.m.Refresh(ctx, p0.Refresh); err != nil {
		t.Fatal(err)
	}
	if got := observetest.Of(rec.Take(), observe.KindRefreshReuse); len(got) != 0 {
		t.Fatalf("reuse events before any reuse: %+v", got)
	}

	if _, err := e.m.Refresh(ctx, p0.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) {
		t.Fatalf("reuse: %v", err)
	}
	if len(e.reuses()) != 1 {
		t.Fatalf("OnReuse calls %v, want 1", e.reuses())
	}
	all := rec.Take()
	got := observetest.Of(all, observe.KindRefreshReuse)
	if len(got) != 1 || got[0].Component != "authtoken" || got[0].Reason != "family_revoked" || got[0].Err != nil {
		t.Fatalf("reuse events = %+v", got)
	}
	for _, ev := range all {
		if leak := observetest.Leaks(ev, "alice", fam, p0.Refresh, p0.Access); leak != "" {
			t.Errorf("event %+v holds %q", ev, leak)
		}
	}
	if v := observetest.Of(all, observe.KindVerify); len(v) == 0 || v[0].Component != "verifier" {
		t.Errorf("verify events = %+v, want the refresh verification", v)
	}

	// A reuse whose family cannot be revoked is reported as failed.
	rs := &revokeFails{}
	e2 := newEnv(t, func(c *authtoken.Config) {
		rs.Store = c.Store
		c.Store, c.Events = rs, rec
	})
	p1, err := e2.m.Login(ctx, "bob", nil)
	if err != nil {
		t.Fatal(err)
	}
	e2.clock.Advance(time.Minute)
	if _, err := e2.m.Refresh(ctx, p1.Refresh); err != nil {
		t.Fatal(err)
	}
	rec.Take()
	rs.down.Store(true)
	if _, err := e2.m.Refresh(ctx, p1.Refresh); !errors.Is(err, authtoken.ErrRefreshReused) || !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("reuse with Revoke failing: %v", err)
	}
	got = observetest.Of(rec.Take(), observe.KindRefreshReuse)
	if len(got) != 1 || got[0].Reason != observe.ReasonFailed || !errors.Is(got[0].Err, store.ErrUnavailable) {
		t.Fatalf("reuse events with Revoke failing = %+v", got)
	}
}

// revokeFails is a store whose Revoke fails while down is set.
type revokeFails struct {
	store.Store
	down atomic.Bool
}

func (r *revokeFails) Revoke(ctx context.Context, key string, until time.Time) error {
	if r.down.Load() {
		return store.ErrUnavailable
	}
	return r.Store.Revoke(ctx, key, until)
}
