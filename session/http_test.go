package session

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func newServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h) // listens on 127.0.0.1
	t.Cleanup(srv.Close)
	return srv
}

func counter(w http.ResponseWriter, r *http.Request) {
	s := FromContext(r.Context())
	n, _ := Get[int](s, "n")
	n++
	if err := s.Set("n", n); err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	fmt.Fprint(w, n)
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

func TestHTTPCounterWithJar(t *testing.T) {
	m, _ := testManager(t, Config{Cookie: Cookie{Insecure: true}, Now: time.Now})
	srv := newServer(t, m.Handler(http.HandlerFunc(counter)))
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	for i := 1; i <= 5; i++ {
		if got := get(t, client, srv.URL); got != strconv.Itoa(i) {
			t.Fatalf("request %d: %q", i, got)
		}
	}
	// Another client has its own session.
	jar2, _ := cookiejar.New(nil)
	if got := get(t, &http.Client{Jar: jar2}, srv.URL); got != "1" {
		t.Errorf("second client: %q", got)
	}
	// A corrupted cookie in the jar: fresh session, never a 500, and the
	// client is not stuck.
	u, _ := url.Parse(srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: "v4.local.broken", Path: "/"}})
	if got := get(t, client, srv.URL); got != "1" {
		t.Errorf("after corruption: %q", got)
	}
	if got := get(t, client, srv.URL); got != "2" {
		t.Errorf("after recovery: %q", got)
	}
}

func TestHTTPConcurrentRequests(t *testing.T) {
	m, _ := testManager(t, Config{Cookie: Cookie{Insecure: true}, Now: time.Now})
	srv := newServer(t, m.Handler(http.HandlerFunc(counter)))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar}
			for i := 1; i <= 10; i++ {
				resp, err := c.Get(srv.URL)
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != strconv.Itoa(i) {
					t.Errorf("got %q want %d", b, i)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestFlusherHijackerController(t *testing.T) {
	m, _ := testManager(t, Config{Cookie: Cookie{Insecure: true}, Now: time.Now})
	var reported []error
	var mu sync.Mutex
	m.onError = func(_ *http.Request, err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() }
	mux := http.NewServeMux()
	mux.HandleFunc("/flush", func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).Set("a", 1)
		if _, ok := w.(http.Flusher); !ok {
			t.Error("not a Flusher")
		}
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(time.Minute)); err != nil {
			t.Errorf("SetWriteDeadline through Unwrap: %v", err)
		}
		io.WriteString(w, "part1\n")
		if err := rc.Flush(); err != nil {
			t.Errorf("Flush: %v", err)
		}
		io.WriteString(w, "part2\n")
	})
	mux.HandleFunc("/hijack", func(w http.ResponseWriter, r *http.Request) {
		FromContext(r.Context()).Set("a", 1)
		if _, ok := w.(http.Hijacker); !ok {
			t.Error("not a Hijacker")
		}
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		brw.Flush()
	})
	srv := newServer(t, m.Handler(mux))

	resp, err := http.Get(srv.URL + "/flush")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "part1\npart2\n" || len(resp.Cookies()) != 1 {
		t.Errorf("flush: %q %v", b, resp.Cookies())
	}

	resp, err = http.Get(srv.URL + "/hijack")
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hijacked" {
		t.Errorf("hijack body %q", b)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(reported) != 1 || reported[0] != ErrCommitted {
		t.Errorf("hijack with pending change reported %v", reported)
	}
}

// The raw Hijacker interface on a writer that cannot hijack reports an
// error instead of panicking.
func TestHijackUnsupported(t *testing.T) {
	m, _ := testManager(t, Config{})
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		if _, _, err := w.(http.Hijacker).Hijack(); err == nil {
			t.Error("hijacked a recorder")
		}
	})
	_ = bufio.NewReader
	_ = strings.NewReader
}

// TestHijackFailureKeepsSession: a Hijack that fails must not abandon the
// session: changes before and after it are saved with the response.
func TestHijackFailureKeepsSession(t *testing.T) {
	m, _ := testManager(t, Config{}) // OnError fails the test
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if err := s.Set("before", 1); err != nil {
			t.Fatal(err)
		}
		if _, _, err := w.(http.Hijacker).Hijack(); err == nil {
			t.Fatal("hijacked a recorder")
		}
		if err := s.Set("after", 2); err != nil {
			t.Errorf("Set after a failed Hijack: %v", err)
		}
	})
	c := live(resp)
	if len(c) != 1 {
		t.Fatalf("no session cookie after a failed Hijack: %v", resp.Header["Set-Cookie"])
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		b, _ := Get[int](s, "before")
		a, _ := Get[int](s, "after")
		if b != 1 || a != 2 {
			t.Errorf("values after a failed Hijack: before %d, after %d; want 1, 2", b, a)
		}
	}, c...)
}
