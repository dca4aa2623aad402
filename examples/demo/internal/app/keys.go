package app

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/keyderive"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// keyFile is the format of -key-file: the secret material that several demo
// processes share to act as one.
type keyFile struct {
	TokenKey     string `json:"token_key"`
	CookieSecret string `json:"cookie_secret"`
}

// LoadKeyFile reads a key file (see the demo command) into cfg. Its errors
// name the file and the field, never a key.
func LoadKeyFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var kf keyFile
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&kf); err != nil {
		return fmt.Errorf("key file %s: invalid JSON: %w", path, err)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(kf.CookieSecret))
	if err != nil {
		return fmt.Errorf("key file %s: cookie_secret is not standard base64", path)
	}
	if len(secret) < keyderive.MinSecretLength {
		return fmt.Errorf("key file %s: cookie_secret must hold at least %d bytes", path, keyderive.MinSecretLength)
	}
	if _, err := paserk.ParseSecret(paseto.V4, strings.TrimSpace(kf.TokenKey)); err != nil {
		return fmt.Errorf("key file %s: token_key must be a k4.secret PASERK", path)
	}
	cfg.TokenKey = strings.TrimSpace(kf.TokenKey)
	cfg.CookieSecret = secret
	return nil
}

// newCookieSecret makes the secret of a process started without -key-file.
func newCookieSecret() ([]byte, error) {
	b := make([]byte, 32)
	_, err := rand.Read(b)
	return b, err
}

// refreshKey derives the refresh-token key from the cookie secret, under a
// purpose of its own (session and remember-me derive theirs with others).
// Only this server reads refresh tokens, so the key is never published.
func refreshKey(cookieSecret []byte) (keyring.Key, error) {
	k, err := keyderive.SymmetricKey(cookieSecret, paseto.V4, refreshKeyPurpose)
	if err != nil {
		return keyring.Key{}, err
	}
	p, err := paserk.Encode(k)
	if err != nil {
		return keyring.Key{}, err
	}
	return keyring.Key{PASERK: p}, nil
}

// signingKey is one access-token key: its secret PASERK, its public PASERK
// and id (the kid of its tokens), when it was made, and when it stopped
// signing (zero while it signs).
type signingKey struct {
	secret  string
	public  string
	kid     string
	created time.Time
	retired time.Time
}

// newSigningKey parses secretPASERK, or generates a key when it is empty.
func newSigningKey(secretPASERK string, now time.Time) (signingKey, error) {
	var sk *paseto.SecretKey
	var err error
	if secretPASERK == "" {
		sk, err = paseto.GenerateSecretKey(paseto.V4)
	} else {
		sk, err = paserk.ParseSecret(paseto.V4, secretPASERK)
	}
	if err != nil {
		return signingKey{}, err
	}
	k := signingKey{created: now}
	if k.secret, err = paserk.Encode(sk); err != nil {
		return signingKey{}, err
	}
	if k.public, err = paserk.Encode(sk.Public()); err != nil {
		return signingKey{}, err
	}
	if k.kid, err = paserk.ID(sk.Public()); err != nil {
		return signingKey{}, err
	}
	return k, nil
}
