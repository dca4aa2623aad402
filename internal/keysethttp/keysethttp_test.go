package keysethttp

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/keyset"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestCacheControl(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want string
	}{
		{0, "no-cache"},
		{999 * time.Millisecond, "no-cache"},
		{time.Second, "public, max-age=1"},
		{5*time.Minute + 500*time.Millisecond, "public, max-age=300"},
	} {
		if got := CacheControl(tc.in); got != tc.want {
			t.Errorf("CacheControl(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestServe(t *testing.T) {
	sk, _ := paseto.GenerateSecretKey(paseto.V4)
	doc, err := NewDoc("https://a.example", []*paseto.PublicKey{sk.Public()})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, inm string
		doc         *Doc
		code        int
	}{
		{"GET", "", doc, 200},
		{"HEAD", "", doc, 200},
		{"GET", doc.ETag, doc, 304},
		{"GET", `W/` + doc.ETag + `, "x"`, doc, 304},
		{"GET", `"other"`, doc, 200},
		{"POST", "", doc, 405},
		{"GET", "", nil, 500},
	} {
		req := httptest.NewRequest(tc.method, "/keys", nil)
		if tc.inm != "" {
			req.Header.Set("If-None-Match", tc.inm)
		}
		w := httptest.NewRecorder()
		Serve(w, req, tc.doc, "public, max-age=60")
		if w.Code != tc.code {
			t.Errorf("%s %q: %d, want %d", tc.method, tc.inm, w.Code, tc.code)
		}
		if tc.code == http.StatusOK && tc.method == "GET" {
			if _, err := keyset.Parse(w.Body.Bytes()); err != nil || w.Header().Get("Cache-Control") != "public, max-age=60" {
				t.Errorf("body %v, Cache-Control %q", err, w.Header().Get("Cache-Control"))
			}
		}
	}
}
