package session

import (
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
// PasetoCookieSessionInterface with Config.FlaskSecret: the session dict
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
	return m.storeAll(vals)
}

// newFlaskKey checks Config.FlaskSecret.
func newFlaskKey(secret []byte) (*pysetolocal.Key, error) {
	return pysetolocal.NewKey(secret)
}
