package flaskpaseto

import (
	"errors"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/serializer"
	"github.com/pasetokit/pasetokit/verifier"
)

// Settings is what the loaders make of Flask-PASETO-Extended's settings.
type Settings struct {
	// Issuer configures issuer.New; nil when PASETO_PRIVATE_KEYS is not
	// set. Now is left for the caller.
	Issuer *issuer.Config
	// Verifier configures verifier.New; nil when PASETO_PUBLIC_KEYS is
	// not set. Now, Rules and the like are left for the caller.
	Verifier *verifier.Config
}

func pick(name string) serializer.Serializer {
	if name == "cbor" {
		return serializer.CBOR
	}
	return serializer.JSON
}

// build turns the checked settings into configurations, and checks them
// with issuer.New and verifier.New.
func (p *parsed) build() (*Settings, error) {
	s := &Settings{}
	if p.hasPriv {
		c := issuer.Config{
			NoIssuedAt: !p.useIAT,
			NoKeyID:    !p.useKID,
			Serializer: pick(p.serializer),
		}
		if p.useISS {
			c.Issuer = p.iss
		}
		if p.exp == 0 {
			c.NoExpiration = true
		} else {
			c.Lifetime = p.exp
		}
		for _, k := range p.priv {
			c.Keys = append(c.Keys, keyring.Key{PASERK: k.paserk, PEM: k.pem, Version: k.version})
		}
		if _, err := issuer.New(c); err != nil {
			return nil, configError(VarPrivateKeys, errors.New("the keys cannot issue together (a key given twice?)"))
		}
		s.Issuer = &c
	}
	if p.hasPub {
		c := verifier.Config{
			Leeway:     p.skew,
			Serializer: pick(p.deserializer),
			// Tokens of an issuer configured here with PASETO_EXP 0 carry
			// no exp.
			AllowMissingExpiration: p.hasPriv && p.exp == 0,
		}
		for _, k := range p.pub {
			c.Keys = append(c.Keys, keyring.Key{PASERK: k.paserk, PEM: k.pem, Version: k.version, Issuer: k.iss, KeyID: k.kid})
		}
		if _, err := verifier.New(c); err != nil {
			var ce *verifier.ConfigError
			field := VarPublicKeys
			if errors.As(err, &ce) && len(ce.Field) > 5 && ce.Field[:5] == "Keys[" {
				field += ce.Field[4:]
			}
			return nil, configError(field, errors.New("refused by the verifier: a key given twice, or a kid that is not a PASERK id (k4.sid.…) of the key's version, or is shared"))
		}
		s.Verifier = &c
	}
	return s, nil
}
