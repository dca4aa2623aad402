package app

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/pasetokit/pasetokit/keyderive"
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
