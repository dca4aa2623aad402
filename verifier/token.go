package verifier

import (
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// Token is a verified token: its signature or tag checked, its claims
// decoded and every configured rule passed. Each call of
// [Verifier.Verify] returns a Token of its own: the caller may change it,
// and nothing it changes reaches the verified-token cache or another
// caller.
type Token struct {
	// Version and Purpose are the token's, from its (verified) header.
	Version paseto.Version
	Purpose paseto.Purpose
	// KeyID is the footer's kid ("" when the token has none).
	KeyID string
	// KeyIssuer is the issuer the verifying key is bound to ("" when the
	// key is not bound to one).
	KeyIssuer string
	// Claims are the registered claims of the payload.
	Claims paseto.Claims
	// Payload is the verified payload, in the configured serialization.
	Payload []byte
	// Footer is the verified footer.
	Footer []byte

	ser serializer.Serializer
}

// Decode decodes the verified payload into v, a pointer to the caller's
// own claims struct (which may embed [paseto.Claims]) or to a map, with the
// verifier's serializer ([Config.Serializer]) and its strict checks.
func (t *Token) Decode(v any) error {
	ser := t.ser
	if ser == nil {
		ser = defaultJSON
	}
	if err := ser.Unmarshal(t.Payload, v); err != nil {
		return err
	}
	return nil
}

// tokenCopy is a Token with room for a short audience list, so that clone
// needs no allocation for it.
type tokenCopy struct {
	tok Token
	aud [2]string
}

// clone returns a copy of t that shares no memory a caller can change with
// t: the cache keeps t and hands out clones. It costs two allocations: the
// Token (with up to two audiences) and one buffer for payload and footer.
func (t *Token) clone() *Token {
	w := &tokenCopy{tok: *t}
	c := &w.tok
	if n := len(t.Payload) + len(t.Footer); n > 0 {
		buf := make([]byte, n)
		p := copy(buf, t.Payload)
		copy(buf[p:], t.Footer)
		if t.Payload != nil {
			c.Payload = buf[:p:p]
		}
		if t.Footer != nil {
			c.Footer = buf[p:]
		}
	}
	if aud := t.Claims.Audience; aud != nil {
		if len(aud) <= len(w.aud) {
			c.Claims.Audience = append(w.aud[:0:len(aud)], aud...)
		} else {
			c.Claims.Audience = append(paseto.Audience(nil), aud...)
		}
	}
	return c
}
