package verifier

import (
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/serializer"
)

// Token is a verified token: its signature or tag checked, its claims
// decoded and every configured rule passed. Treat it as read-only; it may be
// shared with other requests through the verified-token cache.
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
// own claims struct (which may embed paseto.Claims) or to a map, with the
// verifier's serializer and its strict checks.
func (t *Token) Decode(v any) error {
	ser := t.ser
	if ser == nil {
		ser = serializer.JSON
	}
	if err := ser.Unmarshal(t.Payload, v); err != nil {
		return err
	}
	return nil
}
