package remember_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/pasetokit/pasetokit/remember"
	"github.com/pasetokit/pasetokit/session"
)

// A password login with "remember me", then a visit after the session
// ended: the remember-me cookie logs the user back in, not fresh.
func Example() {
	secret := []byte("an application secret of at least 32 random bytes")
	sessions, _ := session.New(session.Config{Secret: secret})
	rm, _ := remember.New(remember.Config{Secret: secret})

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the password, then:
		remember.SetUser(r.Context(), "alice", true)
		rm.Remember(w, r, "alice", r.UserAgent())
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		user, _ := remember.UserFrom(r.Context())
		fmt.Printf("user=%s fresh=%v\n", user, remember.Fresh(r.Context()))
	})
	h := sessions.Handler(rm.Handler(mux))

	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("POST", "/login", nil))
	var rememberCookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == rm.Name() {
			rememberCookie = c
		}
	}

	// Days later: the session cookie is gone, the remember-me cookie is
	// still there.
	r := httptest.NewRequest("GET", "/me", nil)
	r.AddCookie(rememberCookie)
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	rotated := false
	for _, c := range w.Result().Cookies() {
		if c.Name == rm.Name() && c.Value != rememberCookie.Value {
			rotated = true
		}
	}
	fmt.Println("cookie rotated:", rotated)
	// Output:
	// user=alice fresh=false
	// cookie rotated: true
}

// Login can be used without package session, e.g. with another session
// library.
func ExampleManager_Login() {
	rm, _ := remember.New(remember.Config{Secret: []byte("an application secret of at least 32 random bytes")})
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		userID, ok, err := rm.Login(w, r)
		switch {
		case err != nil: // the store is down: fail closed
			http.Error(w, "try again later", http.StatusServiceUnavailable)
		case ok:
			// Start a session for userID; it is not fresh.
			_ = userID
		default:
			// Not remembered: show the login form.
		}
	})
	fmt.Println("ok")
	// Output: ok
}
