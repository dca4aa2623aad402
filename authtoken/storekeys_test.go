package authtoken

import (
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

// TestStoreKeys holds the store keys to their format: stores written by
// earlier versions (Redis, shared by a fleet) must still be read.
func TestStoreKeys(t *testing.T) {
	h := sha256.Sum256([]byte("alice"))
	g := "{" + base64.RawURLEncoding.EncodeToString(h[:12]) + "}"
	for _, tt := range []struct{ got, want string }{
		{jtiKey("alice", "j1"), g + "jti:j1"},
		{famKey("alice", "f1"), g + "fam:f1"},
		{ownerKey("alice"), g + "fams"},
		{cutoffKey("alice"), g + "sub:alice"},
		{cutoffKey(""), "{47DEQpj8HBSa-_TI}sub:"},
	} {
		if tt.got != tt.want {
			t.Errorf("key %q, want %q", tt.got, tt.want)
		}
	}
}
