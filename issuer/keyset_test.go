package issuer_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/issuer"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

func serve(h http.Handler, method string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/.well-known/paseto-keys", nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// publishedIDs fetches and parses the key set and returns its kids.
func publishedIDs(t *testing.T, h http.Handler) (issuerName string, kids []string, etag string) {
	t.Helper()
	rec := serve(h, http.MethodGet, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	set, err := keyset.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatalf("keyset.Parse: %v (%s)", err, rec.Body.Bytes())
	}
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return set.Issuer, kids, rec.Header().Get("ETag")
}

func TestKeySetHandler(t *testing.T) {
	sk4, sk3, lk4 := keys.secret[paseto.V4], keys.secret[paseto.V3], keys.local[paseto.V4]
	iss := newIssuer(t, issuer.Config{
		Issuer: "https://auth.example",
		Keys:   []keyring.Key{pk(t, sk4), pk(t, lk4), pk(t, sk3)},
	})
	h := iss.KeySetHandler()

	rec := serve(h, http.MethodGet, nil)
	hdr := rec.Header()
	if rec.Code != http.StatusOK || hdr.Get("Content-Type") != "application/json" ||
		hdr.Get("Cache-Control") != "public, max-age=300" || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%d %v", rec.Code, hdr)
	}
	etag := hdr.Get("ETag")
	if len(etag) < 10 || etag[0] != '"' || etag[len(etag)-1] != '"' {
		t.Fatalf("ETag %q", etag)
	}
	if hdr.Get("Content-Length") != itoa(rec.Body.Len()) {
		t.Fatalf("Content-Length %s for %d bytes", hdr.Get("Content-Length"), rec.Body.Len())
	}
	set, err := keyset.Parse(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if set.Issuer != "https://auth.example" || len(set.Keys) != 2 ||
		!set.Keys[0].Key.Equal(sk4.Public()) || !set.Keys[1].Key.Equal(sk3.Public()) {
		t.Fatalf("key set %+v", set)
	}
	if strings.Contains(rec.Body.String(), "local") || strings.Contains(rec.Body.String(), "secret") {
		t.Fatalf("key set leaks: %s", rec.Body.String())
	}

	head := serve(h, http.MethodHead, nil)
	if head.Code != http.StatusOK || head.Body.Len() != 0 || head.Header().Get("ETag") != etag ||
		head.Header().Get("Content-Length") != itoa(rec.Body.Len()) {
		t.Fatalf("HEAD: %d %v %q", head.Code, head.Header(), head.Body.String())
	}

	for _, inm := range []string{etag, "W/" + etag, `"other", ` + etag, "*"} {
		nm := serve(h, http.MethodGet, http.Header{"If-None-Match": {inm}})
		if nm.Code != http.StatusNotModified || nm.Body.Len() != 0 || nm.Header().Get("ETag") != etag ||
			nm.Header().Get("Cache-Control") != "public, max-age=300" {
			t.Fatalf("If-None-Match %s: %d %v", inm, nm.Code, nm.Header())
		}
	}
	for _, inm := range []string{`"other"`, strings.Trim(etag, `"`), ""} {
		if c := serve(h, http.MethodGet, http.Header{"If-None-Match": {inm}}).Code; c != http.StatusOK {
			t.Fatalf("If-None-Match %s: %d", inm, c)
		}
	}

	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, "BREW"} {
		rec := serve(h, m, nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" || strings.Contains(rec.Body.String(), "k4.") {
			t.Fatalf("%s: %d %v", m, rec.Code, rec.Header())
		}
	}

	// A rotation shows in the next response, with a new ETag.
	if err := iss.SetKeys([]keyring.Key{pk(t, sk3), pk(t, sk4)}); err != nil {
		t.Fatal(err)
	}
	_, kids, etag2 := publishedIDs(t, h)
	if len(kids) != 2 || kids[0] != paserk.PublicID(sk3.Public()) || kids[1] != paserk.PublicID(sk4.Public()) || etag2 == etag {
		t.Fatalf("after rotation: %v %s", kids, etag2)
	}
	if c := serve(h, http.MethodGet, http.Header{"If-None-Match": {etag}}).Code; c != http.StatusOK {
		t.Fatalf("old ETag still matches: %d", c)
	}
}

func TestKeySetLocalOnly(t *testing.T) {
	iss := newIssuer(t, issuer.Config{Keys: []keyring.Key{pk(t, keys.local[paseto.V4]), pk(t, keys.local[paseto.V3])}, KeySetMaxAge: 90 * time.Second})
	rec := serve(iss.KeySetHandler(), http.MethodGet, nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Cache-Control") != "public, max-age=90" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	set, err := keyset.Parse(rec.Body.Bytes())
	if err != nil || len(set.Keys) != 0 || set.Issuer != "" {
		t.Fatalf("%+v %v: %s", set, err, rec.Body.String())
	}
	if len(iss.PublicKeys()) != 0 {
		t.Fatal("PublicKeys lists local keys")
	}
}

func TestKeySetZeroIssuer(t *testing.T) {
	for _, iss := range []*issuer.Issuer{nil, new(issuer.Issuer)} {
		if c := serve(iss.KeySetHandler(), http.MethodGet, nil).Code; c != http.StatusInternalServerError {
			t.Fatalf("status %d", c)
		}
	}
}

func TestRotation(t *testing.T) {
	// Keys of every kind; each round of rotation puts another first.
	all := []paseto.Key{
		keys.secret[paseto.V4], keys.local[paseto.V4], keys.secret[paseto.V3],
		keys.local[paseto.V3], keys.secret[paseto.V2], keys.local[paseto.V2],
	}
	byKID := map[string]paseto.Key{}
	cfgKeys := make([]keyring.Key, len(all))
	for n, k := range all {
		cfgKeys[n] = pk(t, k)
		switch k := k.(type) {
		case *paseto.SecretKey:
			byKID[paserk.PublicID(k.Public())] = k
		case *paseto.SymmetricKey:
			byKID[paserk.LocalID(k)] = k
		}
	}
	iss := newIssuer(t, issuer.Config{Keys: cfgKeys, Now: time.Now})
	h := iss.KeySetHandler()

	var (
		wg     sync.WaitGroup
		stop   atomic.Bool
		issued atomic.Int64
		used   sync.Map
	)
	for range 8 {
		wg.Go(func() {
			for !stop.Load() {
				token, err := iss.Issue(map[string]any{"sub": "alice"})
				if err != nil {
					t.Error(err)
					return
				}
				u, err := paseto.Unverified(token)
				if err != nil {
					t.Error(err)
					return
				}
				kid, err := paseto.FooterKeyID(u.UnverifiedFooter)
				key, ok := byKID[kid]
				if err != nil || !ok {
					t.Errorf("kid %q: %v", kid, err)
					return
				}
				switch k := key.(type) {
				case *paseto.SecretKey:
					_, _, err = paseto.Verify(k.Public(), token, nil)
				case *paseto.SymmetricKey:
					_, _, err = paseto.Decrypt(k, token, nil)
				}
				if err != nil {
					t.Errorf("token of %s: %v", kid, err)
					return
				}
				used.Store(kid, true)
				issued.Add(1)
			}
		})
	}
	wg.Go(func() { // readers of the key set and key id
		for !stop.Load() {
			serve(h, http.MethodGet, nil)
			_ = iss.KeyID()
			_ = iss.PublicKeys()
		}
	})
	for round := range 3 * len(all) {
		rot := append(append([]keyring.Key(nil), cfgKeys[round%len(cfgKeys):]...), cfgKeys[:round%len(cfgKeys)]...)
		if err := iss.SetKeys(rot); err != nil {
			t.Fatal(err)
		}
		// A failing rotation in between changes nothing.
		if err := iss.SetKeys(append(rot, rot[0])); !errors.Is(err, issuer.ErrDuplicateKey) {
			t.Fatalf("duplicate rotation: %v", err)
		}
		if want := paserkID(all[round%len(all)]); iss.KeyID() != want {
			t.Fatalf("round %d: KeyID %s, want %s", round, iss.KeyID(), want)
		}
		time.Sleep(time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	n := 0
	used.Range(func(any, any) bool { n++; return true })
	t.Logf("%d tokens from %d keys", issued.Load(), n)
	if issued.Load() == 0 {
		t.Fatal("no tokens issued")
	}
}

func paserkID(k paseto.Key) string {
	if sk, ok := k.(*paseto.SecretKey); ok {
		return paserk.PublicID(sk.Public())
	}
	id, _ := paserk.ID(k)
	return id
}

func itoa(n int) string {
	b := []byte{}
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}
