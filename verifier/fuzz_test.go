package verifier_test

import (
	"context"
	"testing"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/verifier"
)

// FuzzVerify feeds arbitrary strings to a verifier holding keys of every
// version and purpose: Verify must never panic and never accept them. The
// seeds are well-formed tokens made with other keys under the configured
// kids, so the fuzzer starts next to real tokens.
func FuzzVerify(f *testing.F) {
	var keys []keyring.Key
	var seeds []string
	for _, ver := range []paseto.Version{paseto.V2, paseto.V3, paseto.V4} {
		for _, local := range []bool{false, true} {
			s := newSigner(f, ver, local)
			keys = append(keys, s.key(""))
			other := newSigner(f, ver, local)
			seeds = append(seeds,
				other.token(f, claims(), s.kid, nil),
				other.token(f, claims(), "", nil),
				other.tokenFooter(f, []byte(`{"exp":"2030-01-01T13:00:00Z","aud":["a"]}`), []byte("plain"), nil),
			)
		}
	}
	seeds = append(seeds, "", "v4.public.", "v4.local.AAAA.", "v1.local.AAAA", "v4.public.AAAA.eyJraWQiOjF9")
	for _, s := range seeds {
		f.Add(s)
	}
	v, err := verifier.New(verifier.Config{Keys: keys, Now: newClock().Now, CacheSize: 16})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := v.Verify(context.Background(), tok, nil)
		if err == nil || got != nil {
			t.Fatalf("verified %q", tok)
		}
	})
}
