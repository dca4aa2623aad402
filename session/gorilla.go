package session

import (
	"errors"
	"fmt"

	"github.com/gorilla/securecookie"
)

// Codec returns a securecookie.Codec that encodes gorilla/sessions values as
// session tokens of m, for code that keeps gorilla/sessions but replaces
// its codecs:
//
//	store := sessions.NewCookieStore()
//	store.Codecs = []securecookie.Codec{m.Codec()}
//
// Encode takes a map[any]any (gorilla's Session.Values) or map[string]any
// whose keys are strings and whose values the serializer can encode; the
// cookie name is bound to the token as for Handler. Each Encode starts the
// absolute lifetime again (like securecookie's timestamp and MaxAge), and
// Decode rejects tokens older than [Config.Lifetime] with the errors of
// OnBadCookie ([*CookieError]). Decode fills a *map[any]any or
// *map[string]any with values as [Session.Get] returns them (with JSON a
// number is a json.Number). Encode fails with a [*SizeError] for a token
// longer than [MaxCookieSize], as securecookie does. Decode does not accept
// GorillaFallback cookies.
func (m *Manager) Codec() securecookie.Codec { return codec{m} }

type codec struct{ m *Manager }

// errCodecType: the value or destination has a type the codec does not
// support.
var errCodecType = errors.New("session: codec supports map[any]any and map[string]any with string keys")

func (c codec) Encode(name string, value any) (string, error) {
	vals, err := c.m.storeAll(value)
	if err != nil {
		return "", err
	}
	now := c.m.now().Unix()
	p := payload{ID: newID(), Created: now, Seen: now, Values: vals}
	m := c.m.forName(name)
	tok, err := m.encode(&p)
	if err != nil {
		return "", err
	}
	if len(tok) > MaxCookieSize {
		return "", &SizeError{Size: len(tok), Limit: MaxCookieSize}
	}
	return tok, nil
}

func (c codec) Decode(name, value string, dst any) error {
	m := c.m.forName(name)
	p, cerr := m.decode(value, m.now())
	if cerr != nil {
		return cerr
	}
	switch d := dst.(type) {
	case *map[any]any:
		if *d == nil {
			*d = make(map[any]any, len(p.Values))
		}
		for k, v := range p.Values {
			(*d)[k] = m.vc.load(v)
		}
	case *map[string]any:
		if *d == nil {
			*d = make(map[string]any, len(p.Values))
		}
		for k, v := range p.Values {
			(*d)[k] = m.vc.load(v)
		}
	default:
		return errCodecType
	}
	return nil
}

// forName returns m, or a copy of m whose tokens are bound to name.
func (m *Manager) forName(name string) *Manager {
	if name == m.name {
		return m
	}
	c := *m
	c.name = name
	c.implicit = []byte(ImplicitPrefix + name)
	return &c
}

// stringKeys converts gorilla values to a map with string keys.
func stringKeys(value any) (map[string]any, error) {
	switch v := value.(type) {
	case map[string]any:
		return v, nil
	case map[any]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			ks, ok := k.(string)
			if !ok {
				return nil, fmt.Errorf("%w: a key has type %T", errCodecType, k)
			}
			out[ks] = x
		}
		return out, nil
	}
	return nil, errCodecType
}

// fromGorilla decodes a cookie of a former gorilla/sessions CookieStore
// with the fallback codecs, and normalizes its values.
func (m *Manager) fromGorilla(value string) (map[string]any, error) {
	for _, c := range m.fallback {
		var raw map[any]any
		if err := c.Decode(m.name, value, &raw); err != nil {
			continue
		}
		return m.storeAll(raw)
	}
	return nil, ErrMalformed
}

// storeAll converts gorilla values (string keys) to stored session values.
func (m *Manager) storeAll(value any) (map[string]any, error) {
	vals, err := stringKeys(value)
	if err != nil {
		return nil, err
	}
	out := make(map[string]any, len(vals))
	for k, v := range vals {
		sv, err := m.vc.store(v)
		if err != nil {
			return nil, err
		}
		out[k] = sv
	}
	return out, nil
}
