package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/paseto"
)

const tokenHeader = "v4.local."

// payload is the plaintext of a session token. Metadata are plain fields so
// that encoding them costs no map of any.
type payload struct {
	ID      string         `json:"id"`          // random 128-bit session id
	Created int64          `json:"ct"`          // Unix seconds: absolute lifetime
	Seen    int64          `json:"ls"`          // Unix seconds: idle timeout
	Values  map[string]any `json:"v,omitempty"` // session values
	Flashes []any          `json:"f,omitempty"` // pending flash messages
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// encode serializes and encrypts p under the first key.
func (m *Manager) encode(p *payload) (string, error) {
	b, err := m.vc.marshal(p)
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrEncode, err)
	}
	k, err := m.keys.Encrypting(m.now())
	if err != nil {
		return "", fmt.Errorf("session: no key encrypts: %w", err)
	}
	return paseto.Encrypt(k.Key, b, k.Footer, m.implicit)
}

// decode opens token, checks its metadata and deadlines at now, and returns
// the payload. It never panics on any input.
func (m *Manager) decode(token string, now time.Time) (*payload, *CookieError) {
	if len(token) > m.parser.MaxTokenLength {
		return nil, badCookie(m.name, ErrMalformed, paseto.ErrTokenTooLong)
	}
	if !strings.HasPrefix(token, tokenHeader) {
		return nil, badCookie(m.name, ErrMalformed, nil)
	}
	// The footer is the reference of one of our keys, found by its exact
	// base64url form, which is canonical.
	k := m.keys.ForToken(token, now)
	if k == nil {
		return nil, m.classifyFooter(token)
	}
	plain, _, err := m.parser.Decrypt(k.Key, token, m.implicit)
	if err != nil {
		if errors.Is(err, paseto.ErrInvalidMAC) {
			return nil, badCookie(m.name, ErrTampered, nil)
		}
		return nil, badCookie(m.name, ErrMalformed, err)
	}
	p := new(payload)
	if err := m.vc.unmarshal(plain, p); err != nil {
		return nil, badCookie(m.name, ErrMalformed, err)
	}
	if p.ID == "" || len(p.ID) > 64 || p.Created <= 0 || p.Seen < p.Created {
		return nil, badCookie(m.name, ErrMalformed, nil)
	}
	if !now.Before(time.Unix(p.Created, 0).Add(m.lifetime)) {
		return nil, badCookie(m.name, ErrExpired, nil)
	}
	if m.idle > 0 && !now.Before(time.Unix(p.Seen, 0).Add(m.idle)) {
		return nil, badCookie(m.name, ErrIdleExpired, nil)
	}
	return p, nil
}

// classifyFooter explains why token's footer is not one of ours: a key
// reference of the right form names a key that is not configured; anything
// else (including the JSON footers of earlier versions) is malformed.
func (m *Manager) classifyFooter(token string) *CookieError {
	u, err := m.parser.Unverified(token)
	if err != nil {
		return badCookie(m.name, ErrMalformed, err)
	}
	ref := u.UnverifiedFooter
	if len(ref) != KeyRefLength {
		return badCookie(m.name, ErrMalformed, nil)
	}
	for _, c := range ref {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return badCookie(m.name, ErrMalformed, nil)
		}
	}
	return badCookie(m.name, ErrUnknownKey, nil)
}
