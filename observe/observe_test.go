package observe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/observe"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// lines decodes the JSON lines of buf.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for l := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		out = append(out, m)
	}
	buf.Reset()
	return out
}

func newLogger(t *testing.T, cfg observe.LoggerConfig, lvl slog.Level) (*observe.Logger, *bytes.Buffer) {
	t.Helper()
	buf := &bytes.Buffer{}
	cfg.Logger = slog.New(slog.NewJSONHandler(buf, &slog.HandlerOptions{Level: lvl}))
	l, err := observe.NewLogger(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return l, buf
}

func TestLoggerRateLimit(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l, buf := newLogger(t, observe.LoggerConfig{Interval: time.Minute, Now: clk.Now}, slog.LevelDebug)
	ctx := context.Background()
	fail := observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: observe.ReasonFailed, Err: errors.New("HTTP status 500")}
	ok := observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: observe.ReasonOK}

	for range 5 {
		l.Handle(ctx, fail)
	}
	l.Handle(ctx, ok) // another reason has its own limit
	got := lines(t, buf)
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2 (one per reason): %v", len(got), got)
	}
	if got[0]["suppressed"] != nil {
		t.Errorf("first line has suppressed = %v", got[0]["suppressed"])
	}

	clk.Add(59 * time.Second)
	l.Handle(ctx, fail)
	if got := lines(t, buf); len(got) != 0 {
		t.Fatalf("line within the interval: %v", got)
	}
	clk.Add(time.Second)
	l.Handle(ctx, fail)
	got = lines(t, buf)
	if len(got) != 1 {
		t.Fatalf("%d lines after the interval, want 1", len(got))
	}
	if got[0]["suppressed"] != float64(5) {
		t.Errorf("suppressed = %v, want 5", got[0]["suppressed"])
	}
	if got[0]["level"] != "WARN" || got[0]["msg"] != "pasetokit: key_set_fetch" || got[0]["reason"] != "failed" || got[0]["err"] != "HTTP status 500" {
		t.Errorf("line = %v", got[0])
	}
}

func TestLoggerNoRateLimit(t *testing.T) {
	l, buf := newLogger(t, observe.LoggerConfig{NoRateLimit: true, Now: func() time.Time { panic("clock read") }}, slog.LevelDebug)
	for range 3 {
		l.Handle(context.Background(), observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: "token_expired"})
	}
	if got := lines(t, buf); len(got) != 3 {
		t.Errorf("%d lines, want 3", len(got))
	}
}

// A disabled level is neither written nor counted against the limit.
func TestLoggerDisabledLevel(t *testing.T) {
	clk := &clock{t: time.Unix(0, 0)}
	l, buf := newLogger(t, observe.LoggerConfig{Now: clk.Now}, slog.LevelInfo)
	ctx := context.Background()
	for range 10 {
		l.Handle(ctx, observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: observe.ReasonOK})
	}
	l.Handle(ctx, observe.Event{Kind: observe.KindTheft, Component: "remember", Reason: "series_deleted"})
	got := lines(t, buf)
	if len(got) != 1 || got[0]["level"] != "ERROR" || got[0]["suppressed"] != nil {
		t.Errorf("lines = %v, want the theft alone", got)
	}
}

func TestLoggerAttrs(t *testing.T) {
	l, buf := newLogger(t, observe.LoggerConfig{NoRateLimit: true}, slog.LevelDebug)
	l.Handle(context.Background(), observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: observe.ReasonFailed,
		URL: "https://keys.example/set", Staleness: 2 * time.Hour, MaxStale: 24 * time.Hour, KeyID: "k4.pid.x", Err: errors.New("boom")})
	got := lines(t, buf)[0]
	for k, want := range map[string]any{"component": "verifier", "url": "https://keys.example/set", "key_id": "k4.pid.x",
		"staleness": float64(2 * time.Hour), "max_stale": float64(24 * time.Hour), "err": "boom"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
}

func TestNewLoggerInvalid(t *testing.T) {
	_, err := observe.NewLogger(observe.LoggerConfig{Interval: -1})
	var ce *observe.ConfigError
	if !errors.Is(err, observe.ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field != "Interval" {
		t.Fatalf("err = %v, want a ConfigError for Interval", err)
	}
	if got, want := err.Error(), "observe: invalid configuration: Interval: negative"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestLevel(t *testing.T) {
	tests := []struct {
		e    observe.Event
		want slog.Level
	}{
		{observe.Event{Kind: observe.KindVerify, Reason: observe.ReasonOK}, slog.LevelDebug},
		{observe.Event{Kind: observe.KindVerify, Reason: "token_expired"}, slog.LevelDebug},
		{observe.Event{Kind: observe.KindRequest, Reason: "key_set_unavailable"}, slog.LevelWarn},
		{observe.Event{Kind: observe.KindRequest, Reason: "temporarily_unavailable"}, slog.LevelWarn},
		{observe.Event{Kind: observe.KindKeySetFetch, Reason: observe.ReasonOK}, slog.LevelDebug},
		{observe.Event{Kind: observe.KindKeySetFetch, Reason: observe.ReasonFailed}, slog.LevelWarn},
		{observe.Event{Kind: observe.KindKeySetFetch, Reason: observe.ReasonRecovered}, slog.LevelInfo},
		{observe.Event{Kind: observe.KindKeyRotation, Reason: "activated"}, slog.LevelInfo},
		{observe.Event{Kind: observe.KindKeySync, Reason: observe.ReasonFailed}, slog.LevelWarn},
		{observe.Event{Kind: observe.KindKeySync, Reason: observe.ReasonRecovered}, slog.LevelInfo},
		{observe.Event{Kind: observe.KindRefreshReuse, Reason: "family_revoked"}, slog.LevelError},
		{observe.Event{Kind: observe.KindRefreshReuse, Reason: observe.ReasonFailed}, slog.LevelError},
		{observe.Event{Kind: observe.KindTheft, Reason: "series_deleted"}, slog.LevelError},
		{observe.Event{Kind: observe.KindStore, Reason: observe.ReasonUnavailable}, slog.LevelWarn},
		{observe.Event{Kind: observe.KindStore, Reason: observe.ReasonRecovered}, slog.LevelInfo},
		{observe.Event{Kind: observe.KindSessionSave, Reason: "too_large"}, slog.LevelWarn},
		{observe.Event{Kind: observe.KindRememberLogin, Reason: "no_session"}, slog.LevelWarn},
	}
	for _, tt := range tests {
		if got := observe.Level(tt.e); got != tt.want {
			t.Errorf("Level(%s/%s) = %v, want %v", tt.e.Kind, tt.e.Reason, got, tt.want)
		}
	}
}

// Emit with a nil handler logs to slog.Default() as it is at the time.
func TestEmitDefault(t *testing.T) {
	prev := slog.Default()
	t.Cleanup(func() { slog.SetDefault(prev) })
	buf := &bytes.Buffer{}
	slog.SetDefault(slog.New(slog.NewJSONHandler(buf, nil))) // Info and up
	ctx := context.Background()
	observe.Emit(ctx, nil, observe.Event{Kind: observe.KindVerify, Component: "test-default", Reason: observe.ReasonOK})
	observe.Emit(ctx, nil, observe.Event{Kind: observe.KindTheft, Component: "test-default", Reason: "series_deleted"})
	observe.Emit(ctx, nil, observe.Event{Kind: observe.KindTheft, Component: "test-default", Reason: "series_deleted"})
	got := lines(t, buf)
	if len(got) != 1 || got[0]["msg"] != "pasetokit: remember_theft" || got[0]["level"] != "ERROR" {
		t.Errorf("default lines = %v, want one theft line (Debug off, the second within the interval)", got)
	}
	if observe.Default() != observe.Default() {
		t.Error("Default is not shared")
	}
}

func TestMultiAndDiscard(t *testing.T) {
	var n1, n2 int
	h := observe.Multi(observe.HandlerFunc(func(context.Context, observe.Event) { n1++ }), nil, observe.Discard,
		observe.HandlerFunc(func(context.Context, observe.Event) { n2++ }))
	h.Handle(context.Background(), observe.Event{Kind: observe.KindVerify})
	if n1 != 1 || n2 != 1 {
		t.Errorf("calls = %d, %d; want 1, 1", n1, n2)
	}
}

func TestCounts(t *testing.T) {
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, err := observe.NewCounts(observe.CountsConfig{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const u = "https://keys.example/set"
	for range 3 {
		c.Handle(ctx, observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: "token_expired"})
	}
	c.Handle(ctx, observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: observe.ReasonOK, URL: u, MaxStale: time.Hour})
	clk.Add(10 * time.Minute)
	c.Handle(ctx, observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: observe.ReasonFailed, URL: u, MaxStale: time.Hour, Staleness: 10 * time.Minute})
	clk.Add(5 * time.Minute)
	c.Handle(ctx, observe.Event{Kind: observe.KindKeySetFetch, Component: "verifier", Reason: observe.ReasonFailed, URL: "https://never.example/", MaxStale: time.Hour})

	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var snap observe.CountsSnapshot
	if err := json.Unmarshal(rec.Body.Bytes(), &snap); err != nil {
		t.Fatal(err)
	}
	if n := snap.Events["verify/verifier/token_expired"]; n != 3 {
		t.Errorf("verify count = %d, want 3", n)
	}
	if n := snap.Events["key_set_fetch/verifier/failed"]; n != 2 {
		t.Errorf("failed fetches = %d, want 2", n)
	}
	if got, want := snap.KeySets[u], (observe.KeySetStatus{StalenessSeconds: 900, MaxStaleSeconds: 3600, Failing: true}); got != want {
		t.Errorf("key set = %+v, want %+v", got, want)
	}
	if got := snap.KeySets["https://never.example/"]; got.StalenessSeconds != -1 || !got.Failing {
		t.Errorf("never fetched set = %+v", got)
	}

	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
}

// The hot path must not allocate when its level is disabled.
func TestLoggerDisabledAllocs(t *testing.T) {
	l, _ := newLogger(t, observe.LoggerConfig{}, slog.LevelInfo)
	e := observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: observe.ReasonOK}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() { observe.Emit(ctx, l, e) }); n != 0 {
		t.Errorf("%v allocations per disabled event", n)
	}
}

// TestCountsHandleAllocs holds counting an event already seen to no
// allocation: the demo counts two events per request, and a separator
// collision still adds up in the snapshot.
func TestCountsHandleAllocs(t *testing.T) {
	c, err := observe.NewCounts(observe.CountsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	e := observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: "ok"}
	ctx := context.Background()
	c.Handle(ctx, e)
	if n := testing.AllocsPerRun(100, func() { c.Handle(ctx, e) }); n != 0 {
		t.Errorf("Handle: %v allocations", n)
	}
	c.Handle(ctx, observe.Event{Kind: observe.KindVerify, Component: "a/b", Reason: "c"})
	c.Handle(ctx, observe.Event{Kind: observe.KindVerify, Component: "a", Reason: "b/c"})
	got := c.Snapshot().Events
	if got["verify/verifier/ok"] != 102 || got["verify/a/b/c"] != 2 {
		t.Errorf("counts %v", got)
	}
}

// TestCountsFullTable: once the table holds as many triples as it keeps,
// the events it already counts go on being counted.
func TestCountsFullTable(t *testing.T) {
	c, err := observe.NewCounts(observe.CountsConfig{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	known := observe.Event{Kind: observe.KindVerify, Component: "verifier", Reason: "ok"}
	c.Handle(ctx, known)
	for i := range 2000 {
		c.Handle(ctx, observe.Event{Kind: observe.KindVerify, Component: "c" + strconv.Itoa(i), Reason: "r"})
	}
	c.Handle(ctx, known)
	got := c.Snapshot().Events
	if n := got["verify/verifier/ok"]; n != 2 {
		t.Errorf("known event counted %d times, want 2", n)
	}
	if len(got) != 1024 {
		t.Errorf("%d triples kept, want 1024", len(got))
	}
}
