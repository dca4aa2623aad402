package session

import (
	"net/http"
	"strings"

	"github.com/pasetokit/pasetokit/internal/flaskjson"
	"github.com/pasetokit/pasetokit/internal/pysetolocal"
)

// isFlaskToken reports whether a cookie value has the form of a
// Flask-PASETO-Extended session cookie: a v4.local token without footer.
// Session tokens of this package always have a footer, so the two never
// meet.
func isFlaskToken(value string) bool {
	return strings.HasPrefix(value, tokenHeader) && strings.IndexByte(value[len(tokenHeader):], '.') < 0
}

// fromFlask reads a cookie of Flask-PASETO-Extended's
// PasetoCookieSessionInterface with [Config.FlaskSecret]: the session dict
// as Flask's TaggedJSONSerializer wrote it, v4.local-encrypted under the
// Flask SECRET_KEY, without footer or implicit assertion. Its values are
// converted as internal/flaskjson documents and stored with the
// configured serializer.
func (m *Manager) fromFlask(value string) (map[string]any, error) {
	plain, err := m.flask.Open(value, m.parser.MaxTokenLength)
	if err != nil {
		return nil, ErrMalformed
	}
	vals, err := flaskjson.Parse(plain)
	if err != nil {
		return nil, ErrMalformed
	}
	// A Flask cookie holds no time: whatever login it records is as old as
	// the cookie, which may be a copy kept for weeks. Never fresh.
	if _, ok := vals[flaskFresh]; ok {
		vals[flaskFresh] = false
	}
	return m.storeAll(vals)
}

// flaskFresh is Flask-Login's session key for a fresh login.
const flaskFresh = "_fresh"

// flaskCookieIs reports whether value came as the one cookie named exactly
// Cookie.Name: a Flask session cookie is never assembled from parts or
// taken from another cookie.
func (m *Manager) flaskCookieIs(r *http.Request, value string) bool {
	cs := r.CookiesNamed(m.name)
	return len(cs) == 1 && cs[0].Value == value
}

// newFlaskKey checks [Config.FlaskSecret].
func newFlaskKey(secret []byte) (*pysetolocal.Key, error) {
	return pysetolocal.NewKey(secret)
}
