package app

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/observe"
)

// BenchmarkAPIMe serves GET /api/me through the app's real handler (route
// table, httpauth, authtoken verification with the store's revocation
// lookup, JSON answer) with a token from POST /api/token, as the load
// test's clients send it, and with the events handled as the demo's main
// handles them (logged and counted). It measures the per-request CPU of the route
// without the network (cpu-ns/op: the process's user and system time per
// request, which other jobs on a shared machine inflate far less than
// ns/op); go test -cpuprofile shows where it goes.
func BenchmarkAPIMe(b *testing.B) {
	counts, err := observe.NewCounts(observe.CountsConfig{})
	if err != nil {
		b.Fatal(err)
	}
	a, err := New(Config{Logf: b.Logf, Events: observe.Multi(observe.Default(), counts)})
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("POST", "/api/token", strings.NewReader(`{"username":"test","password":"test"}`)))
	var p pair
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
		b.Fatalf("/api/token: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+p.Access)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	start := processCPU(b)
	for b.Loop() {
		clear(w.h)
		w.code = 0
		a.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("/api/me: %d", w.code)
		}
	}
	b.ReportMetric(float64(processCPU(b)-start)/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process has used so far, user and system,
// across all its threads (the garbage collector's included).
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// discardWriter is a ResponseWriter that keeps only the status, so that
// the benchmark measures the handler rather than a recorder.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(p), nil
}

// TestAPIMeBody holds GET /api/me to the exact bytes it answered when it
// encoded a map: keys sorted, a trailing newline.
func TestAPIMeBody(t *testing.T) {
	a, err := New(Config{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, httptest.NewRequest("POST", "/api/token", strings.NewReader(`{"username":"test","password":"test"}`)))
	var p pair
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
		t.Fatalf("/api/token: %d %s", rec.Code, rec.Body)
	}
	req := httptest.NewRequest("GET", "/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+p.Access)
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	want, err := json.Marshal(map[string]any{"user": "test", "fresh": true, "kid": kidOf(t, p.Access)})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.Body.String(); rec.Code != http.StatusOK || got != string(want)+"\n" {
		t.Errorf("/api/me: %d %q, want 200 %q", rec.Code, got, want)
	}
	for h, v := range map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store"} {
		if got := rec.Header().Get(h); got != v {
			t.Errorf("/api/me: %s %q, want %q", h, got, v)
		}
	}
}
