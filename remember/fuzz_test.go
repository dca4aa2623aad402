package remember_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/remember"
)

// FuzzLogin checks that no cookie value panics, logs anyone in or causes
// an error other than the store's.
func FuzzLogin(f *testing.F) {
	e := newEnv(f, remember.Config{})
	good := e.remember(f, "alice")
	for _, s := range []string{good, good[:len(good)-3], "v4.local.", "v4.local.AAAA.eyJraWQiOiJrNC5saWQuIn0", "garbage"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.Contains(v, good) {
			return
		}
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", "remember="+v)
		_, ok, err := e.m.Login(httptest.NewRecorder(), r)
		if ok || err != nil {
			t.Fatalf("Login(%q) = %v, %v", v, ok, err)
		}
	})
}
