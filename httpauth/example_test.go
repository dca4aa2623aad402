package httpauth_test

import (
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// exampleNow fixes the clock so that the output does not depend on the day.
func exampleNow() time.Time { return time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC) }

// setup plays the issuer and builds a verifier for its public key.
func setup() (v *verifier.Verifier, issue func(claims string) string) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	public, _ := paserk.Encode(sk.Public())
	v, err := verifier.New(verifier.Config{
		Keys: []keyring.Key{{PASERK: public}},
		Now:  exampleNow, // leave nil for time.Now
	})
	if err != nil {
		panic(err)
	}
	footer := []byte(`{"kid":"` + paserk.PublicID(sk.Public()) + `"}`)
	return v, func(claims string) string {
		tok, err := paseto.Sign(sk, []byte(claims), footer, nil)
		if err != nil {
			panic(err)
		}
		return tok
	}
}

// show sends r through h and prints the response.
func show(h http.Handler, r *http.Request) {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	fmt.Print(w.Code, " ", w.Body.String())
	if c := w.Header().Get("WWW-Authenticate"); c != "" {
		fmt.Println("    WWW-Authenticate:", c)
	}
}

// Protect a handler with Require and read the verified token in it.
func Example() {
	v, issue := setup()
	auth, err := httpauth.New(httpauth.Config{Verifier: v, Realm: "api"})
	if err != nil {
		log.Fatal(err)
	}
	me := auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := httpauth.TokenFrom(r.Context())
		fmt.Fprintln(w, "hello", tok.Claims.Subject)
	}))

	r := httptest.NewRequest("GET", "/me", nil)
	r.Header.Set("Authorization", "Bearer "+issue(`{"sub":"alice","exp":"2030-01-01T13:00:00Z"}`))
	show(me, r)

	show(me, httptest.NewRequest("GET", "/me", nil))

	r = httptest.NewRequest("GET", "/me", nil)
	r.Header.Set("Authorization", "Bearer "+issue(`{"sub":"alice","exp":"2030-01-01T11:00:00Z"}`))
	show(me, r)
	// Output:
	// 200 hello alice
	// 401 {"error":"token_missing","detail":"No access token was provided."}
	//     WWW-Authenticate: Bearer realm="api"
	// 401 {"error":"token_expired","detail":"The access token has expired."}
	//     WWW-Authenticate: Bearer realm="api", error="invalid_token", error_description="The access token has expired."
}

// Optional serves anonymous requests too, but not requests with a bad
// token.
func ExampleMiddleware_Optional() {
	v, issue := setup()
	auth, _ := httpauth.New(httpauth.Config{Verifier: v})
	home := auth.Optional(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := httpauth.TokenFrom(r.Context()); ok {
			fmt.Fprintln(w, "welcome back,", tok.Claims.Subject)
			return
		}
		fmt.Fprintln(w, "welcome, guest")
	}))

	show(home, httptest.NewRequest("GET", "/", nil))

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+issue(`{"sub":"bob","exp":"2030-01-01T13:00:00Z"}`))
	show(home, r)

	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer v4.public.tampered")
	show(home, r)
	// Output:
	// 200 welcome, guest
	// 200 welcome back, bob
	// 401 {"error":"token_malformed","detail":"The access token is malformed or of an unsupported kind."}
	//     WWW-Authenticate: Bearer error="invalid_token", error_description="The access token is malformed or of an unsupported kind."
}

// Take tokens from a cookie for browsers, from the Authorization header for
// other clients, and from the query of WebSocket handshakes, which
// browsers cannot add headers to.
func ExampleConfig_sources() {
	v, issue := setup()
	token := issue(`{"sub":"carol","exp":"2030-01-01T13:00:00Z"}`)
	auth, err := httpauth.New(httpauth.Config{
		Verifier: v,
		Sources: []httpauth.Source{
			httpauth.CookieSource{Name: "__Host-session"},
			httpauth.HeaderSource{}, // Authorization: Bearer
			httpauth.WebSocketSource{Query: "access_token"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	h := auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := httpauth.TokenFrom(r.Context())
		fmt.Fprintln(w, tok.Claims.Subject)
	}))

	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "__Host-session", Value: token})
	show(h, r)

	r = httptest.NewRequest("GET", "/ws?access_token="+token, nil)
	r.Header.Set("Connection", "Upgrade")
	r.Header.Set("Upgrade", "websocket")
	show(h, r)

	// The query is only read on WebSocket handshakes.
	show(h, httptest.NewRequest("GET", "/?access_token="+token, nil))
	// Output:
	// 200 carol
	// 200 carol
	// 401 {"error":"token_missing","detail":"No access token was provided."}
	//     WWW-Authenticate: Bearer
}

// Log failures, with the underlying error, and keep the default response.
func ExampleConfig_errorHandler() {
	v, issue := setup()
	auth, _ := httpauth.New(httpauth.Config{
		Verifier: v,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err *httpauth.Error) {
			// err.Err is for the logs only: the client never sees it.
			fmt.Printf("log: %s %s code=%s source=%s expired=%v\n",
				r.Method, r.URL.Path, err.Code, err.Source, errors.Is(err, verifier.ErrExpired))
			httpauth.DefaultErrorHandler(w, r, err)
		},
	})
	h := auth.Require(http.NotFoundHandler())

	r := httptest.NewRequest("GET", "/admin", nil)
	r.Header.Set("Authorization", "bearer "+issue(`{"sub":"dave","exp":"2029-12-31T00:00:00Z"}`))
	show(h, r)
	// Output:
	// log: GET /admin code=token_expired source=header:Authorization expired=true
	// 401 {"error":"token_expired","detail":"The access token has expired."}
	//     WWW-Authenticate: Bearer error="invalid_token", error_description="The access token has expired."
}

// Code names the class of an error from the verifier, for responses of your
// own (say, outside HTTP middleware).
func ExampleCode() {
	fmt.Println(httpauth.Code(verifier.ErrWrongAudience))
	fmt.Println(httpauth.Code(fmt.Errorf("checking: %w", paseto.ErrInvalidSignature)))
	fmt.Println(httpauth.Code(verifier.ErrKeySetUnavailable))
	fmt.Println(httpauth.Code(httpauth.ErrMissingToken))
	// Output:
	// token_wrong_audience
	// token_invalid
	// key_set_unavailable
	// token_missing
}

// Authenticate checks a request without writing a response, for code that
// answers it itself.
func ExampleMiddleware_Authenticate() {
	v, issue := setup()
	auth, _ := httpauth.New(httpauth.Config{Verifier: v})

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "Bearer "+issue(`{"sub":"erin","exp":"2030-01-01T13:00:00Z"}`))
	tok, err := auth.Authenticate(r)
	fmt.Println(tok.Claims.Subject, err)

	r.Header.Set("Authorization", "Basic "+strings.Repeat("x", 8))
	_, err = auth.Authenticate(r)
	fmt.Println(errors.Is(err, httpauth.ErrMissingToken), httpauth.Code(err))
	// Output:
	// erin <nil>
	// true token_missing
}

// Add a place of the application's own with a CustomSource: here the
// token a gateway forwards in X-Forwarded-Token, tried after the
// Authorization header. The middleware applies the rules of every source
// to what Values returns: two values are token_ambiguous, never a choice.
func ExampleSource() {
	v, issue := setup()
	gateway := httpauth.CustomSource{
		Name: "gateway",
		Values: func(r *http.Request) ([]string, error) {
			return r.Header.Values("X-Forwarded-Token"), nil
		},
	}
	auth, err := httpauth.New(httpauth.Config{
		Verifier: v,
		Sources:  []httpauth.Source{httpauth.HeaderSource{}, gateway},
	})
	if err != nil {
		log.Fatal(err)
	}
	me := auth.Require(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := httpauth.TokenFrom(r.Context())
		raw, _ := httpauth.RawTokenFrom(r.Context())
		fmt.Fprintln(w, tok.Claims.Subject, strings.HasPrefix(raw, "v4.public."))
	}))
	tok := issue(`{"sub":"alice","exp":"2030-01-01T13:00:00Z"}`)

	r := httptest.NewRequest("GET", "/me", nil)
	r.Header.Set("X-Forwarded-Token", tok)
	show(me, r)

	r = httptest.NewRequest("GET", "/me", nil)
	r.Header.Add("X-Forwarded-Token", tok)
	r.Header.Add("X-Forwarded-Token", tok)
	show(me, r)
	// Output:
	// 200 alice true
	// 400 {"error":"token_ambiguous","detail":"The request carries more than one access token in the same place."}
	//     WWW-Authenticate: Bearer error="invalid_request", error_description="The request carries more than one access token in the same place."
}
