package fastapipaseto

import (
	"context"
	"errors"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// Settings is what the loaders make of fastapi-paseto's settings.
type Settings struct {
	// AuthToken configures authtoken.New: access and refresh tokens under
	// the one key of the settings, with their lifetimes, the issuer, the
	// audiences and the leeway. Store, Now and OnReuse are left for the
	// caller.
	AuthToken authtoken.Config
	// Other configures the custom kinds of fastapi-paseto's
	// create_token (AUTHPASETO_OTHER_TOKEN_EXPIRES): put it in
	// AuthToken.Custom under each kind's name.
	Other authtoken.KindConfig
	// Sources are the httpauth sources of AUTHPASETO_TOKEN_LOCATION, in
	// its order: the header (HeaderSource, or BareHeaderSource when
	// AUTHPASETO_HEADER_TYPE is empty) and the JSON body field
	// (JSONBodySource).
	Sources []httpauth.Source
	// LocalKey is the key of AUTHPASETO_SECRET_KEY and SecretKey that of
	// AUTHPASETO_PRIVATE_KEY, each the zero Key when not set. The kinds
	// above use the one AUTHPASETO_PURPOSE names; a kind whose tokens the
	// Python service made with an explicit purpose= takes the other (as
	// fastapi-paseto's purpose example does for refresh tokens).
	LocalKey, SecretKey keyring.Key
	// WebSocketSources are the httpauth sources of
	// AUTHPASETO_WEBSOCKET_TOKEN_LOCATION for WebSocket handshakes.
	WebSocketSources []httpauth.Source
}

// build turns the checked settings into configurations.
func (p *parsed) build() (*Settings, error) {
	local := keyring.Key{PASERK: p.local}
	secret := keyring.Key{PASERK: p.secret, PEM: p.pem, Version: p.version}
	if p.secret == "" && p.pem == nil {
		secret = keyring.Key{} // no Version without a key
	}
	key := local
	if p.public {
		key = secret
	}
	kind := func(e expiry) authtoken.KindConfig {
		return authtoken.KindConfig{Keys: []keyring.Key{key}, Lifetime: e.lifetime, NoExpiration: e.none}
	}
	s := &Settings{
		AuthToken: authtoken.Config{
			Access:    kind(p.access),
			Refresh:   kind(p.refresh),
			Issuer:    p.issuer,
			Audiences: p.audiences,
			Leeway:    p.leeway,
			// fastapi-paseto uses one key for every kind; v2 tokens
			// cannot be bound to their kind otherwise.
			AllowSharedV2Keys: true,
			// fastapi-paseto's tokens carry no kid and no kind binding
			// (no footer, no implicit assertion): the one key per kind
			// verifies them, and their type claim tells their kind.
			AllowMissingKeyID: true,
			AllowUnboundKinds: true,
			// Older fastapi-paseto releases write nbf as integer Unix
			// seconds; see the package documentation.
			AllowNumericDates: true,
		},
		Other:            kind(p.other),
		LocalKey:         local,
		SecretKey:        secret,
		Sources:          p.sources,
		WebSocketSources: p.wsSources,
	}
	if _, err := authtoken.New(s.AuthToken); err != nil {
		// Unreachable for settings parse accepted; kept so that a
		// configuration authtoken refuses never leaves this package.
		return nil, configError(Prefix+"*", errors.New("authtoken refuses the settings"))
	}
	return s, nil
}

// nopVerifier lets httpauth.New check a source.
type nopVerifier struct{}

func (nopVerifier) Verify(context.Context, string, []byte) (*verifier.Token, error) {
	return nil, paseto.ErrMalformed
}
