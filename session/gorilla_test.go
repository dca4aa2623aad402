package session

import (
	"errors"
	"net/http"
	"testing"

	"github.com/gorilla/securecookie"
)

type securecookieCodec = securecookie.Codec

var (
	gorillaHash  = []byte("0123456789abcdef0123456789abcdef")
	gorillaBlock = []byte("abcdef0123456789abcdef0123456789")
)

func TestCodecRoundTrip(t *testing.T) {
	m, clk := testManager(t, Config{})
	c := m.Codec()
	values := map[any]any{"user": "alice", "n": 3}
	enc, err := c.Encode("gsess", values)
	if err != nil {
		t.Fatal(err)
	}
	got := map[any]any{}
	if err := c.Decode("gsess", enc, &got); err != nil {
		t.Fatal(err)
	}
	if got["user"] != "alice" {
		t.Errorf("got %v", got)
	}
	var gs map[string]any
	if err := c.Decode("gsess", enc, &gs); err != nil || gs["user"] != "alice" {
		t.Errorf("map[string]any: %v %v", gs, err)
	}
	// Bound to the name (the implicit assertion): another name does not
	// open it.
	if err := c.Decode("other", enc, &got); !errors.Is(err, ErrTampered) {
		t.Errorf("other name: %v", err)
	}
	// Lifetime.
	clk.Advance(DefaultLifetime)
	if err := c.Decode("gsess", enc, &got); !errors.Is(err, ErrExpired) {
		t.Errorf("expired: %v", err)
	}
	// Unsupported types.
	if _, err := c.Encode("gsess", map[any]any{1: "x"}); err == nil {
		t.Error("non-string key encoded")
	}
	if _, err := c.Encode("gsess", 5); err == nil {
		t.Error("int encoded")
	}
	var wrong int
	enc, _ = c.Encode("gsess", values)
	if err := c.Decode("gsess", enc, &wrong); err == nil {
		t.Error("decoded into *int")
	}
	// securecookie.EncodeMulti/DecodeMulti, as gorilla/sessions calls them.
	enc, err = securecookie.EncodeMulti("gsess", values, c)
	if err != nil {
		t.Fatal(err)
	}
	got = map[any]any{}
	if err := securecookie.DecodeMulti("gsess", enc, &got, c); err != nil || got["user"] != "alice" {
		t.Errorf("DecodeMulti: %v %v", got, err)
	}
}

func TestGorillaFallbackMigration(t *testing.T) {
	old := securecookie.New(gorillaHash, gorillaBlock)
	m, _ := testManager(t, Config{GorillaFallback: []securecookie.Codec{
		securecookie.New([]byte("another-hash-key-another-hash-key"), nil), old,
	}})
	// A real gorilla/sessions cookie: gob-encoded map[interface{}]interface{}.
	enc, err := old.Encode("session", map[any]any{"user": "alice", "uid": 42})
	if err != nil {
		t.Fatal(err)
	}
	resp := serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if v, _ := Get[string](s, "user"); v != "alice" {
			t.Errorf("user %q", v)
		}
		if v, _ := Get[int](s, "uid"); v != 42 {
			t.Errorf("uid %d", v)
		}
	}, &http.Cookie{Name: "session", Value: enc})
	nc := live(resp)
	if len(nc) != 1 || nc[0].Value[:9] != "v4.local." {
		t.Fatalf("not re-issued as PASETO: %v", nc)
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		s := FromContext(r.Context())
		if v, _ := Get[string](s, "user"); v != "alice" || s.IsNew() {
			t.Error("migrated session lost")
		}
	}, nc...)

	// A cookie of an unknown gorilla key is a bad cookie.
	other := securecookie.New([]byte("zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"), nil)
	enc2, _ := other.Encode("session", map[any]any{"user": "mallory"})
	var bad error
	m.onBad = func(_ *http.Request, err error) { bad = err }
	resp = serve(m, noop, &http.Cookie{Name: "session", Value: enc2})
	if !errors.Is(bad, ErrMalformed) || len(deleted(resp)) != 1 {
		t.Errorf("unknown gorilla cookie: %v", bad)
	}
	// A gorilla cookie made for another name is rejected by securecookie.
	enc3, _ := old.Encode("other", map[any]any{"user": "alice"})
	bad = nil
	serve(m, noop, &http.Cookie{Name: "session", Value: enc3})
	if bad == nil {
		t.Error("gorilla cookie of another name accepted")
	}
}
