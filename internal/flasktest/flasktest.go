// Package flasktest builds, for tests only, the cookies a Flask application
// with Flask-PASETO-Extended writes: v4.local tokens under pyseto's raw
// 1-to-64-byte keys, without footer or implicit assertion. It follows the
// PASETO v4.local construction (paseto-spec docs/01-Protocol-Versions/
// Version4.md, Encrypt) with the key used as BLAKE2b key unchanged, as
// pyseto does (pyseto/versions/v4.py, V4Local.encrypt). No non-test code
// imports it: pasetokit never writes such tokens.
package flasktest

import (
	"crypto/rand"
	"encoding/base64"

	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/chacha20"

	"github.com/pasetokit/pasetokit/paseto"
)

// Encrypt makes a footer-less v4.local token of payload under key (1 to
// 64 bytes; it panics otherwise, as a test helper). nonce, if not nil, is
// the 32-byte nonce; nil draws one.
func Encrypt(key, payload, nonce []byte) string {
	if nonce == nil {
		nonce = make([]byte, 32)
		rand.Read(nonce)
	}
	h, err := blake2b.New(56, key)
	if err != nil {
		panic(err)
	}
	h.Write([]byte("paseto-encryption-key"))
	h.Write(nonce)
	x := h.Sum(nil)
	a, _ := blake2b.New256(key)
	a.Write([]byte("paseto-auth-key-for-aead"))
	a.Write(nonce)
	ak := a.Sum(nil)
	s, _ := chacha20.NewUnauthenticatedCipher(x[:32], x[32:])
	c := make([]byte, len(payload))
	s.XORKeyStream(c, payload)
	m, _ := blake2b.New256(ak)
	m.Write(paseto.PAE([]byte("v4.local."), nonce, c, nil, nil))
	body := append(append(append([]byte(nil), nonce...), c...), m.Sum(nil)...)
	return "v4.local." + base64.RawURLEncoding.EncodeToString(body)
}

// SessionCookie is the value of the session cookie that
// Flask-PASETO-Extended's PasetoCookieSessionInterface.save_session writes
// for a session whose TaggedJSONSerializer output is taggedJSON
// (flask_paseto_extended/cookie_session.py: pyseto.encode(Key.new(4,
// "local", app.secret_key), serializer.dumps(dict(session)))).
func SessionCookie(secret []byte, taggedJSON string) string {
	return Encrypt(secret, []byte(taggedJSON), nil)
}

// RememberCookie is the value of the remember-me cookie that
// PasetoLoginManager._set_cookie writes for userID
// (flask_paseto_extended/utils.py encode_cookie: pyseto.encode of
// str(user_id) under REMEMBER_COOKIE_PASETO_KEY or app.secret_key).
func RememberCookie(key []byte, userID string) string {
	return Encrypt(key, []byte(userID), nil)
}
