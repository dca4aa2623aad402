package session

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
)

// Session is the session of one request. It is safe for concurrent use by
// the goroutines of that request. All methods of a nil *Session return
// [ErrNoSession] or zero values, so a handler outside [Manager.Handler] fails
// cleanly.
//
// Set encodes a value at once, so a value that cannot be encoded is an
// error at Set and not a lost save later. Get returns values as the
// serializer decodes them into an any, also in the request that set them:
// with JSON string, bool, json.Number, []any, map[string]any or nil. Use
// the generic Get[T] to read a value as a Go type.
type Session struct {
	m *Manager
	r *http.Request
	w http.ResponseWriter // the writer under the middleware's wrapper

	mu        sync.Mutex
	p         payload // p.ID == "" until first saved
	isNew     bool    // no valid cookie came with the request
	dirty     bool    // changed since loaded or last saved
	touch     bool    // sliding re-issue due
	destroyed bool
	committed bool
	bad       bool  // a rejected cookie must be deleted
	parts     int   // cookie parts the client may hold
	pending   error // reported to OnError once s.mu is released
}

// unlock releases s.mu, then reports a pending error, so that OnError may
// use the session.
func (s *Session) unlock() {
	err := s.pending
	s.pending = nil
	s.mu.Unlock()
	if err != nil {
		s.m.reportError(s.r, err)
	}
}

type ctxKey struct{}

// FromContext returns the session that [Manager.Handler] put in ctx, or nil.
func FromContext(ctx context.Context) *Session {
	s, _ := ctx.Value(ctxKey{}).(*Session)
	return s
}

// ID returns the random session id, or "" for a new session that was never
// saved. It changes with Renew.
func (s *Session) ID() string {
	if s == nil {
		return ""
	}
	s.mu.Lock()
	defer s.unlock()
	return s.p.ID
}

// IsNew reports whether the request came without a valid session cookie.
func (s *Session) IsNew() bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.unlock()
	return s.isNew
}

// Get returns the value stored under key.
func (s *Session) Get(key string) (any, bool) {
	if s == nil {
		return nil, false
	}
	s.mu.Lock()
	defer s.unlock()
	v, ok := s.p.Values[key]
	if !ok {
		return nil, false
	}
	return s.m.vc.load(v), true
}

// Keys returns the keys of the session values, sorted.
func (s *Session) Keys() []string {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.unlock()
	keys := make([]string, 0, len(s.p.Values))
	for k := range s.p.Values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// wrapped is the envelope used to encode one value alone.
type wrapped[T any] struct {
	V T `json:"v"`
}

// Get returns the value of key decoded into T: directly if it already has
// type T, otherwise by encoding it with the session's serializer and
// decoding the result into T (so a JSON number reads as int, float64 or
// json.Number, and an object as a struct). It returns (zero, false) if
// the key is absent, its value is null, or it does not fit T.
func Get[T any](s *Session, key string) (T, bool) {
	var zero T
	if s == nil {
		return zero, false
	}
	s.mu.Lock()
	stored, ok := s.p.Values[key]
	s.mu.Unlock()
	if !ok || stored == nil {
		return zero, false
	}
	switch vc := s.m.vc.(type) {
	case jsonCodec:
		raw, _ := stored.(json.RawMessage)
		if v, ok := fastGet[T](raw); ok {
			return v, true
		}
		// Decode the stored JSON straight into T; a **T tells null
		// from a value.
		var out *T
		if json.Unmarshal(raw, &out) != nil || out == nil {
			return zero, false
		}
		return *out, true
	case genericCodec:
		if t, ok := stored.(T); ok {
			return t, true
		}
		b, err := vc.s.Marshal(wrapped[any]{stored})
		if err != nil {
			return zero, false
		}
		var out wrapped[*T]
		if err := vc.s.Unmarshal(b, &out); err != nil || out.V == nil {
			return zero, false
		}
		return *out.V, true
	}
	return zero, false
}

// fastGet decodes raw into T without encoding/json for the common cases:
// a string without escapes into a string, an integer into an int or
// int64, true or false into a bool. It reports false for anything else,
// which encoding/json then decodes (or refuses) as before. raw is valid
// JSON: stored by Set, or from an authenticated, validated payload.
func fastGet[T any](raw json.RawMessage) (T, bool) {
	var out T
	switch p := any(&out).(type) {
	case *string:
		n := len(raw)
		if n < 2 || raw[0] != '"' || raw[n-1] != '"' || bytes.IndexByte(raw, '\\') >= 0 {
			return out, false
		}
		*p = string(raw[1 : n-1])
	case *int64:
		v, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return out, false
		}
		*p = v
	case *int:
		v, err := strconv.ParseInt(string(raw), 10, strconv.IntSize)
		if err != nil {
			return out, false
		}
		*p = int(v)
	case *bool:
		switch string(raw) {
		case "true":
			*p = true
		case "false":
		default:
			return out, false
		}
	default:
		return out, false
	}
	return out, true
}

func wrapEncode(err error) error {
	if err == nil {
		return nil
	}
	return &encodeError{err}
}

type encodeError struct{ err error }

func (e *encodeError) Error() string   { return ErrEncode.Error() + ": " + e.err.Error() }
func (e *encodeError) Unwrap() []error { return []error{ErrEncode, e.err} }

// modify runs f under the lock unless the session is committed, in which
// case it reports [ErrCommitted] to [Config.OnError] and returns it.
func (s *Session) modify(f func() (changed bool, err error)) error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.unlock()
	if s.committed {
		s.pending = ErrCommitted
		return ErrCommitted
	}
	if s.destroyed {
		// A change after Destroy starts a new session.
		s.destroyed = false
		s.p = payload{}
	}
	changed, err := f()
	if err != nil {
		return err
	}
	s.dirty = s.dirty || changed
	return nil
}

// Set stores v under key. v must be encodable by the serializer (for
// JSON, by encoding/json); otherwise Set returns an error matching
// [ErrEncode] and changes nothing. After the response was committed Set
// returns [ErrCommitted] (also reported to [Config.OnError]).
func (s *Session) Set(key string, v any) error {
	if s == nil {
		return ErrNoSession
	}
	nv, err := s.m.vc.store(v)
	if err != nil {
		return err
	}
	return s.modify(func() (bool, error) {
		if s.p.Values == nil {
			s.p.Values = make(map[string]any)
		}
		s.p.Values[key] = nv
		return true, nil
	})
}

// Delete removes key. It returns [ErrCommitted] after the response was
// committed.
func (s *Session) Delete(key string) error {
	return s.modify(func() (bool, error) {
		_, ok := s.p.Values[key]
		delete(s.p.Values, key)
		return ok, nil
	})
}

// Clear removes every value and flash but keeps the session (its id and
// creation time). It returns [ErrCommitted] after the response was committed.
func (s *Session) Clear() error {
	return s.modify(func() (bool, error) {
		changed := len(s.p.Values)+len(s.p.Flashes) > 0
		s.p.Values, s.p.Flashes = nil, nil
		return changed, nil
	})
}

// AddFlash adds a flash message, kept until Flashes reads it. v must be
// encodable, as for Set.
func (s *Session) AddFlash(v any) error {
	if s == nil {
		return ErrNoSession
	}
	nv, err := s.m.vc.store(v)
	if err != nil {
		return err
	}
	return s.modify(func() (bool, error) { s.p.Flashes = append(s.p.Flashes, nv); return true, nil })
}

// Flashes returns the pending flash messages and removes them from the
// session. After the response was committed their removal cannot be saved:
// Flashes then returns nil and reports [ErrCommitted] to [Config.OnError], so
// that no message is shown twice or lost silently.
func (s *Session) Flashes() []any {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.unlock()
	if len(s.p.Flashes) == 0 {
		return nil
	}
	if s.committed {
		s.pending = ErrCommitted
		return nil
	}
	f := make([]any, len(s.p.Flashes))
	for i, v := range s.p.Flashes {
		f[i] = s.m.vc.load(v)
	}
	s.p.Flashes = nil
	s.dirty = true
	return f
}

// Renew gives the session a new id and keeps its values and creation time
// (the absolute lifetime is not extended). Call it on login and on any
// change of privilege, against session fixation.
func (s *Session) Renew() error {
	return s.modify(func() (bool, error) { s.p.ID = newID(); return true, nil })
}

// Destroy empties the session and deletes its cookie(s) when the response
// is committed. A later Set starts a new session with a new id.
func (s *Session) Destroy() error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.unlock()
	if s.committed {
		s.pending = ErrCommitted
		return ErrCommitted
	}
	s.p = payload{}
	s.destroyed, s.dirty, s.touch = true, false, false
	return nil
}

// Save writes the Set-Cookie header(s) for the session now and returns any
// error synchronously, for handlers that want to act on a [*SizeError] (the
// automatic save can only report to [Config.OnError]). On error the headers
// are unchanged, so the client keeps its old cookie. Changes made after
// Save, before the response is committed, are saved again automatically,
// replacing the header(s). After the response was committed Save returns
// [ErrCommitted].
func (s *Session) Save() error {
	if s == nil {
		return ErrNoSession
	}
	s.mu.Lock()
	defer s.unlock()
	if s.committed {
		return ErrCommitted
	}
	return s.saveLocked()
}

// commit saves the session, if needed, for the last time.
func (s *Session) commit() {
	s.mu.Lock()
	defer s.unlock()
	if s.committed {
		return
	}
	err := s.saveLocked()
	s.committed = true
	if err != nil {
		s.pending = err
	}
}

// abandon marks the session committed without writing headers (the
// connection was hijacked); pending changes are reported.
func (s *Session) abandon() {
	s.mu.Lock()
	defer s.unlock()
	if s.committed {
		return
	}
	s.committed = true
	if s.dirty || s.destroyed {
		s.pending = ErrCommitted
	}
}

// saveLocked writes the cookie headers the session needs. s.mu is held.
func (s *Session) saveLocked() error {
	m := s.m
	now := m.now()
	var cookies []string
	switch {
	case s.destroyed:
		cookies = m.expired(0, s.parts)
	case s.dirty || s.touch:
		p := s.p
		if p.ID == "" {
			p.ID = newID()
		}
		if p.Created == 0 {
			p.Created = now.Unix()
		}
		p.Seen = max(now.Unix(), p.Created)
		token, err := m.encode(&p)
		if err == nil {
			cookies, err = m.cookies(token, &p, now)
		}
		if err != nil {
			if s.bad {
				m.writeCookies(s.w.Header(), m.expired(0, s.parts))
				s.bad = false
			}
			return err
		}
		n := len(cookies)
		cookies = append(cookies, m.expired(n, s.parts)...)
		s.p = p
		s.parts = max(s.parts, n)
	case s.bad:
		cookies = m.expired(0, s.parts)
	}
	s.dirty, s.touch, s.bad = false, false, false
	if len(cookies) > 0 {
		m.writeCookies(s.w.Header(), cookies)
	}
	return nil
}
