package pysetolocal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/flasktest"
	"github.com/pasetokit/pasetokit/paseto"
)

// TestREADMEKeys opens tokens under the keys of the official READMEs:
// pyseto's v4.local example uses Key.new(version=4, purpose="local",
// key=b"our-secret") (dajiaji/pyseto README.md, "v4.local"), a 10-byte key
// that package paseto refuses, and Flask-PASETO-Extended's examples set
// app.secret_key = "super secret string" (dajiaji/flask-paseto-extended
// README.md, PasetoCookieSessionInterface), 19 bytes. (The token printed
// in pyseto's docs/index.rst does not open under the current
// construction of pyseto/versions/v4.py, nor does it under the spec: it
// predates them, and is not used.)
func TestREADMEKeys(t *testing.T) {
	for _, key := range []string{"our-secret", "super secret string"} {
		payload := `{"data": "this is a signed message", "exp": "2022-01-01T00:00:00+00:00"}`
		tok := flasktest.Encrypt([]byte(key), []byte(payload), nil)
		k, err := NewKey([]byte(key))
		if err != nil {
			t.Fatal(err)
		}
		got, err := k.Open(tok, 4096)
		if err != nil || string(got) != payload {
			t.Fatalf("%q: %q %v", key, got, err)
		}
		other, _ := NewKey([]byte(key + "!"))
		if _, err := other.Open(tok, 4096); !errors.Is(err, ErrInvalidMAC) {
			t.Fatalf("wrong key: %v", err)
		}
	}
}

// TestOfficialVector checks the construction against PASETO test vector
// 4-E-1 (paseto-standard/test-vectors v4.json, copied in testdata/vectors): with a 32-byte key pyseto's
// tokens are standard v4.local tokens.
func TestOfficialVector(t *testing.T) {
	key, _ := hex.DecodeString("707172737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f")
	nonce := make([]byte, 32)
	payload := `{"data":"this is a secret message","exp":"2022-01-01T00:00:00+00:00"}`
	const want = "v4.local.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAr68PS4AXe7If_ZgesdkUMvSwscFlAl1pk5HC0e8kApeaqMfGo_7OpBnwJOAbY9V7WU6abu74MmcUE8YWAiaArVI8XJ5hOb_4v9RmDkneN0S92dx0OW4pgy7omxgf3S8c3LlQg"
	if got := flasktest.Encrypt(key, []byte(payload), nonce); got != want {
		t.Fatalf("flasktest.Encrypt does not give the official vector:\n%s", got)
	}
	k, _ := NewKey(key)
	got, err := k.Open(want, 4096)
	if err != nil || string(got) != payload {
		t.Fatalf("Open: %q %v", got, err)
	}
	sk, _ := paseto.NewSymmetricKey(paseto.V4, key)
	p, _, err := paseto.Decrypt(sk, want, nil)
	if err != nil || string(p) != payload {
		t.Fatalf("paseto.Decrypt: %v", err)
	}
}

func TestKeyLengths(t *testing.T) {
	for _, n := range []int{1, 19, 32, 64} {
		key := bytes.Repeat([]byte{'k'}, n)
		k, err := NewKey(key)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		tok := flasktest.Encrypt(key, []byte("alice"), nil)
		if p, err := k.Open(tok, 4096); err != nil || string(p) != "alice" {
			t.Fatalf("%d bytes: %q %v", n, p, err)
		}
	}
	for _, n := range []int{0, 65} {
		if _, err := NewKey(make([]byte, n)); !errors.Is(err, ErrKey) {
			t.Fatalf("%d bytes: %v", n, err)
		}
	}
	k, _ := NewKey([]byte("super secret string"))
	if s := k.String() + k.GoString(); strings.Contains(s, "super") {
		t.Fatal("key printed")
	}
	var nilKey *Key
	if _, err := nilKey.Open("v4.local.x", 10); !errors.Is(err, ErrKey) {
		t.Fatal(err)
	}
}

func TestRejects(t *testing.T) {
	key := []byte("super secret string")
	k, _ := NewKey(key)
	good := flasktest.Encrypt(key, []byte(`{"a":1}`), nil)
	for name, tok := range map[string]string{
		"empty":      "",
		"v2":         "v2.local." + good[9:],
		"public":     "v4.public." + good[9:],
		"footer":     good + ".e30",
		"short body": "v4.local.AAAA",
		"bad base64": good[:len(good)-1] + "*",
		"too long":   good + strings.Repeat("A", 5000),
	} {
		if _, err := k.Open(tok, 4096); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	b := []byte(good)
	b[20] ^= 1
	if _, err := k.Open(string(b), 4096); err == nil {
		t.Error("tampered token opened")
	}
}

func FuzzOpen(f *testing.F) {
	key := []byte("super secret string")
	f.Add(flasktest.Encrypt(key, []byte(`{"a":1}`), nil))
	f.Add("v4.local.")
	f.Add("v4.local.AAAA.BBBB")
	k, _ := NewKey(key)
	f.Fuzz(func(t *testing.T, tok string) {
		_, _ = k.Open(tok, 8192)
	})
}
