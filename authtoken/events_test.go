package authtoken_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
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

	// Past the retry window, presenting the old token again is a reuse.
	e.clock.Advance(authtoken.DefaultRetryWindow + time.Second)
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
}
