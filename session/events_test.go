package session

import (
	"net/http"
	"testing"

	"github.com/pasetokit/pasetokit/observe"
	"github.com/pasetokit/pasetokit/observe/observetest"
)

// A save that fails goes to OnError, then is one session_save event whose
// reason names the failure and which holds no session value. With OnError
// nil the event is still reported.
func TestSaveErrorEvent(t *testing.T) {
	for _, withCallback := range []bool{true, false} {
		rec := &observetest.Recorder{}
		var calls int
		m, _ := testManager(t, Config{Events: rec, OnError: func(*http.Request, error) { calls++ }})
		if !withCallback {
			m.onError = nil
		}
		secret := randomString(5000)
		serve(m, setHandler("big", secret))
		got := rec.Take()
		if len(got) != 1 || got[0].Kind != observe.KindSessionSave || got[0].Component != "session" || got[0].Reason != "too_large" || got[0].Err == nil {
			t.Fatalf("callback %v: events = %+v, want one session_save/too_large", withCallback, got)
		}
		if leak := observetest.Leaks(got[0], secret); leak != "" {
			t.Errorf("event holds %q", leak)
		}
		if want := map[bool]int{true: 1, false: 0}[withCallback]; calls != want {
			t.Errorf("callback %v: OnError calls = %d, want %d", withCallback, calls, want)
		}
	}
}
