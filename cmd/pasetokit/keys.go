package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// keyForm says what a key argument held.
type keyForm int

const (
	formPASERK keyForm = iota
	formPEM
)

// loadKey reads a key argument: a PASERK, PEM text, or @FILE naming a file
// that holds either (surrounding white space ignored). ver chooses the
// version of an Ed25519 PEM key; when it was given explicitly, a key of
// another version is rejected as the wrong key. Errors never include the
// argument, which may be a secret.
func loadKey(arg string, ver *versionFlag) (paseto.Key, keyForm, error) {
	data := arg
	if name, ok := strings.CutPrefix(arg, "@"); ok {
		b, err := readKeyFile(name)
		if err != nil {
			return nil, 0, err
		}
		data = string(b)
	}
	data = strings.TrimSpace(data)
	if data == "" {
		return nil, 0, reject("invalid key", "empty key")
	}
	var (
		k    paseto.Key
		form keyForm
		err  error
	)
	if strings.HasPrefix(data, "-----BEGIN ") {
		form = formPEM
		k, err = parsePEMKey([]byte(data), ver.ed25519Version())
	} else {
		form = formPASERK
		k, err = parsePASERKKey(data)
	}
	if err != nil {
		return nil, 0, err
	}
	if ver.set && k.Version() != ver.v {
		return nil, 0, reject("wrong key", fmt.Sprintf("the key is %s but --version is %s", k.Version(), ver.v))
	}
	return k, form, nil
}

// readKeyFile reads at most maxKeyFile bytes of a key file.
func readKeyFile(name string) ([]byte, error) {
	if name == "" {
		return nil, &usageError{msg: "missing file name after @"}
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading key file: %w", err)
	}
	if len(b) > maxKeyFile {
		return nil, reject("invalid key", fmt.Sprintf("key file larger than %d bytes", maxKeyFile))
	}
	return b, nil
}

// parsePASERKKey reads a plaintext local, public or secret PASERK. The
// detail of each error is fixed text: the PASERK itself may be a secret.
func parsePASERKKey(s string) (paseto.Key, error) {
	k, err := paserk.Parse(s)
	if err == nil {
		return k, nil
	}
	detail := "not a PASERK or PEM key"
	switch {
	case errors.Is(err, paserk.ErrUnsupported):
		detail = "unsupported PASERK version or type"
	case errors.Is(err, paserk.ErrWrongType):
		detail = "not a plaintext local, public or secret PASERK (ids, wrapped and sealed keys are not keys)"
	case errors.Is(err, paseto.ErrInvalidKey):
		detail = "the PASERK does not hold a valid key"
	}
	return nil, &rejectError{class: "invalid key", detail: detail, err: err}
}

// parsePEMKey reads a PEM private or public key. The algorithm decides the
// version, except for Ed25519 keys, which take edVersion.
func parsePEMKey(data []byte, edVersion paseto.Version) (paseto.Key, error) {
	k, err := paseto.ParseKeyPEM(edVersion, data)
	if err != nil {
		return nil, &rejectError{class: "invalid key", detail: "not a valid Ed25519 or P-384 PEM key", err: err}
	}
	return k, nil
}

// keyKind names a key's type for messages: "v4.local", "v4.secret",
// "v4.public".
func keyKind(k paseto.Key) string {
	switch k.(type) {
	case *paseto.SecretKey:
		return k.Version().String() + ".secret"
	case *paseto.PublicKey:
		return k.Version().String() + ".public"
	}
	return k.Version().String() + ".local"
}
