package remember_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
	"github.com/pasetokit/pasetokit/store"
)

var (
	addr = "127.0.0.1:8080"
	rm   *remember.Manager
	st   store.Store
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	sessions, err := session.New(session.Config{Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	rm, err := remember.New(remember.Config{Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", login(rm))
	log.Fatal(http.ListenAndServe(addr, sessions.Handler(rm.Handler(mux))))
}

func login(rm *remember.Manager) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		userID := "alice" // after checking the password
		if err := remember.SetUser(r.Context(), userID, true); err != nil {
			http.Error(w, "session error", http.StatusInternalServerError)
			return
		}
		if r.PostFormValue("remember") != "" {
			if err := rm.Remember(w, r, userID, r.UserAgent()); err != nil {
				log.Printf("remember-me not set: %v", err) // the login itself succeeded
			}
		}
	}
}

// A __Host- cookie name, recommended on HTTPS sites (see "Cookie names and
// cookie tossing" in the package documentation).
func ExampleCookie() {
	rm, err := remember.New(remember.Config{
		Secret: secret,
		Cookie: remember.Cookie{Name: "__Host-remember"},
	})
	fmt.Println(rm.Name(), err)
	// Output: __Host-remember <nil>
}

// In OnTheft, on a password change and on "log out everywhere".
func logOutEverywhere(ctx context.Context, userID string) error {
	now := time.Now()
	return errors.Join(
		rm.ForgetUser(ctx, userID),
		st.SetCutoff(ctx, "websess:"+userID, now, now.Add(session.DefaultLifetime)),
	)
}

// A middleware inside rm.Handler: sessions older than the cut-off end.
func cutOff(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if userID, ok := remember.UserFrom(r.Context()); ok {
			cut, err := st.Cutoff(r.Context(), "websess:"+userID)
			if err != nil { // fail closed, and say when to come back
				w.Header().Set("Retry-After", "1")
				http.Error(w, "try again later", http.StatusServiceUnavailable)
				return
			}
			// The login time: SetUser's, or for a remember-me login the
			// instant before the series check, so a racing cut-off wins.
			at, _ := remember.LoginTimeFrom(r.Context())
			if !cut.IsZero() && !at.After(cut) {
				_ = session.FromContext(r.Context()).Destroy() // fails only once the response is committed
			}
		}
		next.ServeHTTP(w, r)
	})
}

// Theft, a password change or "log out everywhere" also ending the
// sessions already started: the package documentation's cut-off, run.
func Example_sessionCutoff() {
	sessions, _ := session.New(session.Config{Secret: secret})
	rm, _ = remember.New(remember.Config{Secret: secret})
	st, _ = store.NewMemory(store.MemoryConfig{})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		if err := remember.SetUser(r.Context(), "alice", true); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("POST /logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		if err := logOutEverywhere(r.Context(), "alice"); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		user, ok := remember.UserFrom(r.Context())
		fmt.Println("user:", user, ok)
	})
	h := sessions.Handler(rm.Handler(cutOff(mux)))
	do := func(method, path string, cookies []*http.Cookie) []*http.Cookie {
		req := httptest.NewRequest(method, path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Result().Cookies()
	}

	phone := do("POST", "/login", nil) // a session on one device
	do("GET", "/me", phone)
	do("POST", "/logout-everywhere", do("POST", "/login", nil))
	do("GET", "/me", phone)
	// Output:
	// user: alice true
	// user:  false
}
