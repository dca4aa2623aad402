package session_test

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/session"
)

var (
	secret = []byte("an application secret of at least 32 random bytes")
	addr   = "127.0.0.1:8080"
)

// The package documentation's path for most users, compiled.
func Example_forMostUsers() {
	m, err := session.New(session.Config{Secret: secret})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		n, _ := session.Get[int](s, "count")
		if err := s.Set("count", n+1); err != nil {
			http.Error(w, "session error", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, n+1)
	})
	log.Fatal(http.ListenAndServe(addr, m.Handler(mux)))
}

// A __Host- cookie name, recommended on HTTPS sites (see "Cookie names and
// cookie tossing" in the package documentation).
func ExampleCookie() {
	m, err := session.New(session.Config{
		Secret: secret,
		Cookie: session.Cookie{Name: "__Host-session"},
	})
	fmt.Println(m.Name(), err)

	// Browsers drop a __Host- cookie that is not Secure: New refuses it.
	_, err = session.New(session.Config{
		Secret: secret,
		Cookie: session.Cookie{Name: "__Host-session", Insecure: true},
	})
	fmt.Println(err)
	// Output:
	// __Host-session <nil>
	// session: invalid configuration: Cookie.Name: a __Host- cookie requires Secure, Path "/" and no Domain
}

// Keys from configuration, with the key being rotated out still
// decrypting the cookies it made.
func ExampleConfig_keys() {
	m, err := session.New(session.Config{Keys: []keyring.Key{
		{PASERK: os.Getenv("SESSION_KEY")},     // k4.local.…: encrypts
		{PASERK: os.Getenv("OLD_SESSION_KEY")}, // still decrypts
	}})
	_, _ = m, err
}
