package keyring_test

import (
	"path/filepath"
	"testing"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyring/keyringtest"
)

func TestMemoryContract(t *testing.T) {
	keyringtest.Run(t, func(*testing.T) keyring.Backend { return keyring.NewMemory() })
}

func TestFileContract(t *testing.T) {
	keyringtest.Run(t, func(t *testing.T) keyring.Backend {
		f, err := keyring.NewFile(filepath.Join(t.TempDir(), "ring.json"))
		if err != nil {
			t.Fatal(err)
		}
		return f
	})
}
