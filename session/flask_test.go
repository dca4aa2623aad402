package session

import (
	"bytes"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/internal/flasktest"
	"github.com/pasetokit/pasetokit/internal/testclock"
)

// flaskSecret is app.secret_key of Flask-PASETO-Extended's README
// (dajiaji/flask-paseto-extended README.md, PasetoCookieSessionInterface):
// 19 bytes, which pyseto takes as a v4.local key unchanged.
var flaskSecret = []byte("super secret string")

// flaskUntil ends the migration 31 days after testclock.T0.
var flaskUntil = testclock.T0.Add(31 * 24 * time.Hour)

// flaskCookie is the cookie PasetoCookieSessionInterface.save_session
// writes (flask_paseto_extended/cookie_session.py): pyseto.encode under
// Key.new(4, "local", app.secret_key) of TaggedJSONSerializer().dumps of
// the session (flask/json/tag.py), compact, no footer, no implicit
// assertion.
func flaskCookie(secret []byte, tagged string) *http.Cookie {
	return &http.Cookie{Name: "session", Value: flasktest.SessionCookie(secret, tagged)}
}

func TestFlaskFallbackMigration(t *testing.T) {
	m, _ := testManager(t, Config{FlaskSecret: flaskSecret, FlaskUntil: flaskUntil})
	tagged := `{"_fresh":true,"_user_id":"1","user":"alice","count":5,` +
		`"token":{" b":"AAEC"},"pair":{" t":[1,"x"]},"seen":{" d":"Wed, 21 Oct 2015 07:28:00 GMT"},` +
		`"id":{" u":"12345678123456781234567812345678"},"note":{" m":"<b>hi</b>"},"odd":{" di":{" t__":1}}}`
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if s.IsNew() {
			t.Error("Flask session counted as new")
		}
		if v, _ := Get[string](s, "user"); v != "alice" {
			t.Errorf("user %q", v)
		}
		if v, _ := Get[int](s, "count"); v != 5 {
			t.Errorf("count %d", v)
		}
		if v, _ := Get[string](s, "_user_id"); v != "1" {
			t.Errorf("_user_id %q", v)
		}
		if v, _ := Get[[]byte](s, "token"); !bytes.Equal(v, []byte{0, 1, 2}) {
			t.Errorf("bytes %v", v)
		}
		if v, _ := Get[[]any](s, "pair"); len(v) != 2 {
			t.Errorf("tuple %v", v)
		}
		if v, _ := Get[time.Time](s, "seen"); !v.Equal(time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)) {
			t.Errorf("datetime %v", v)
		}
		if v, _ := Get[string](s, "id"); v != "12345678-1234-5678-1234-567812345678" {
			t.Errorf("uuid %q", v)
		}
		if v, _ := Get[string](s, "note"); v != "<b>hi</b>" {
			t.Errorf("markup %q", v)
		}
		if v, _ := Get[map[string]int](s, "odd"); v[" t"] != 1 {
			t.Errorf("tagged dict %v", v)
		}
	}, flaskCookie(flaskSecret, tagged))
	nc := live(resp)
	if len(nc) != 1 || nc[0].Name != "session" || !isOurs(nc[0].Value) {
		t.Fatalf("not re-issued as our token: %v", nc)
	}
	// The next request carries only our cookie and keeps the session.
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if v, _ := Get[string](s, "user"); v != "alice" || s.IsNew() {
			t.Error("migrated session lost")
		}
	}, nc...)
}

// isOurs reports whether a cookie value is a token of this package: a
// v4.local token with a footer.
func isOurs(v string) bool { return len(v) > 9 && v[:9] == "v4.local." && !isFlaskToken(v) }

func TestFlaskFallbackRejects(t *testing.T) {
	m, _ := testManager(t, Config{FlaskSecret: flaskSecret, FlaskUntil: flaskUntil})
	var bad error
	m.onBad = func(_ *http.Request, err error) { bad = err }
	for name, c := range map[string]*http.Cookie{
		"other secret":   flaskCookie([]byte("another secret"), `{"user":"mallory"}`),
		"not an object":  flaskCookie(flaskSecret, `["user"]`),
		"bad tag":        flaskCookie(flaskSecret, `{"b":{" b":"***"}}`),
		"not json":       flaskCookie(flaskSecret, `user=alice`),
		"with footer":    {Name: "session", Value: flasktest.SessionCookie(flaskSecret, `{}`) + ".e30"},
		"truncated":      {Name: "session", Value: flasktest.SessionCookie(flaskSecret, `{"user":"a"}`)[:60]},
		"not a v4 token": {Name: "session", Value: "eyJ1c2VyIjoiYWxpY2UifQ.Zx.sig"},
	} {
		bad = nil
		resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
			if v, ok := Get[string](FromContext(r.Context()), "user"); ok {
				t.Errorf("%s: user %q", name, v)
			}
		}, c)
		if !errors.Is(bad, ErrMalformed) && !errors.Is(bad, ErrUnknownKey) {
			t.Errorf("%s: %v", name, bad)
		}
		if len(deleted(resp)) != 1 {
			t.Errorf("%s: bad cookie not deleted", name)
		}
	}
	// Without FlaskSecret, a Flask cookie is an ordinary bad cookie.
	plain, _ := testManager(t, Config{})
	bad = nil
	plain.onBad = func(_ *http.Request, err error) { bad = err }
	serve(plain, noop, flaskCookie(flaskSecret, `{"user":"alice"}`))
	if bad == nil {
		t.Error("Flask cookie accepted without FlaskSecret")
	}
}

func TestFlaskSecretConfig(t *testing.T) {
	for _, n := range []int{1, 32, 64} {
		if _, err := New(Config{Secret: bytes.Repeat([]byte("s"), 32), FlaskSecret: make([]byte, n), FlaskUntil: flaskUntil}); err != nil {
			t.Errorf("%d bytes: %v", n, err)
		}
	}
	for _, s := range [][]byte{{}, make([]byte, 65)} {
		if _, err := New(Config{Secret: bytes.Repeat([]byte("s"), 32), FlaskSecret: s, FlaskUntil: flaskUntil}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%d bytes: %v", len(s), err)
		}
	}
	for name, cfg := range map[string]Config{
		"no FlaskUntil":          {Secret: bytes.Repeat([]byte("s"), 32), FlaskSecret: flaskSecret},
		"FlaskUntil without key": {Secret: bytes.Repeat([]byte("s"), 32), FlaskUntil: flaskUntil},
	} {
		var ce *ConfigError
		if _, err := New(cfg); !errors.As(err, &ce) || ce.Field != "FlaskUntil" {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestFlaskFallbackBounded: a Flask session cookie is refused from
// FlaskUntil on (a copy kept after logout does not open forever), never
// comes back fresh, and is read only as the one cookie of the configured
// name, never as a part of a split session cookie.
func TestFlaskFallbackBounded(t *testing.T) {
	tagged := `{"_fresh":true,"_user_id":"1"}`
	m, clk := testManager(t, Config{FlaskSecret: flaskSecret, FlaskUntil: flaskUntil})
	var bad error
	m.onBad = func(_ *http.Request, err error) { bad = err }
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if v, _ := Get[string](s, "_user_id"); v != "1" {
			t.Fatalf("_user_id %q", v)
		}
		if fresh, ok := Get[bool](s, "_fresh"); !ok || fresh {
			t.Errorf("_fresh = %v, %v: a Flask login must not be fresh", fresh, ok)
		}
	}, flaskCookie(flaskSecret, tagged))

	// As a part of a split cookie, or together with another cookie of the
	// same name, it is not read.
	whole := flaskCookie(flaskSecret, tagged).Value
	for name, cs := range map[string][]*http.Cookie{
		"split in parts":            {{Name: "session", Value: whole[:40]}, {Name: "session.1", Value: whole[40:]}},
		"two cookies named session": {flaskCookie(flaskSecret, tagged), flaskCookie(flaskSecret, tagged)},
	} {
		bad = nil
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			if _, ok := Get[string](FromContext(r.Context()), "_user_id"); ok {
				t.Errorf("%s: Flask cookie accepted", name)
			}
		}, cs...)
		if bad == nil {
			t.Errorf("%s: not reported", name)
		}
	}

	clk.Advance(flaskUntil.Sub(clk.Now()))
	bad = nil
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		if v, ok := Get[string](FromContext(r.Context()), "_user_id"); ok {
			t.Errorf("Flask cookie accepted at FlaskUntil: user %q", v)
		}
	}, flaskCookie(flaskSecret, tagged))
	if !errors.Is(bad, ErrExpired) {
		t.Errorf("at FlaskUntil: %v, want ErrExpired", bad)
	}
	if len(deleted(resp)) != 1 {
		t.Error("expired Flask cookie not deleted")
	}
}
