package remember_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
	"github.com/pasetokit/pasetokit/remember"
)

// A stolen cookie is one theft event, after OnTheft, naming neither the
// user nor the series, nor holding the cookie.
func TestTheftEvent(t *testing.T) {
	rec := &observetest.Recorder{}
	e := newEnv(t, remember.Config{Events: rec})
	c0 := e.remember(t, "alice")
	c1 := e.mustLogin(t, c0, "alice")
	if got := rec.Take(); len(got) != 0 {
		t.Fatalf("events before a theft: %+v", got)
	}
	e.clk.Advance(remember.DefaultGraceWindow + time.Second)
	e.login(c0)
	if len(e.ev.thefts) != 1 {
		t.Fatalf("OnTheft calls %q, want 1", e.ev.thefts)
	}
	selector := strings.TrimPrefix(e.ev.thefts[0], "alice/")
	got := rec.Take()
	if len(got) != 1 || got[0].Kind != observe.KindTheft || got[0].Component != "remember" || got[0].Reason != "series_deleted" || got[0].Err != nil {
		t.Fatalf("events = %+v, want one remember_theft/series_deleted", got)
	}
	if leak := observetest.Leaks(got[0], "alice", selector, c0, c1); leak != "" {
		t.Errorf("event holds %q", leak)
	}
}
