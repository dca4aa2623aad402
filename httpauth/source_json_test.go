package httpauth

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// bodyReq builds a POST request with body and headers, with Content-Type
// application/json unless headers set one.
func bodyReq(body string, headers ...string) *http.Request {
	r := httptest.NewRequest("POST", "/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for _, h := range headers {
		if name, _, _ := strings.Cut(h, ":"); http.CanonicalHeaderKey(name) == "Content-Type" {
			r.Header.Del("Content-Type")
		}
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		r.Header.Add(name, strings.TrimPrefix(value, " "))
	}
	return r
}

// TestNewSources covers BareHeaderSource and JSONBodySource, which follow
// fastapi-paseto's header with an empty AUTHPASETO_HEADER_TYPE and its
// "json" token location (fastapi_paseto/_internal/request.py,
// extract_token_from_header and extract_token_from_json).
func TestNewSources(t *testing.T) {
	bare := []Source{BareHeaderSource{}}
	js := []Source{JSONBodySource{Key: "access_token"}}
	typed := []Source{JSONBodySource{Key: "access_token", Scheme: "Bearer"}}
	tests := []struct {
		name    string
		sources []Source
		r       *http.Request
		want    string
	}{
		{"bare authorization", bare, req("GET", "/", "Authorization: ok1"), "token:ok1"},
		{"bare trims", bare, req("GET", "/", "Authorization:  \tok1\t "), "token:ok1"},
		{"bare with scheme is malformed", bare, req("GET", "/", "Authorization: Bearer ok1"), "token_malformed"},
		{"bare with tab inside", bare, req("GET", "/", "Authorization: ok1\tx"), "token_malformed"},
		{"bare empty", bare, req("GET", "/", "Authorization: "), "token_missing"},
		{"bare absent", bare, req("GET", "/"), "token_missing"},
		{"bare twice", bare, req("GET", "/", "Authorization: ok1", "Authorization: ok2"), "token_ambiguous"},
		{"bare custom name", []Source{BareHeaderSource{Name: "x-paseto"}}, req("GET", "/", "X-Paseto: ok1"), "token:ok1"},
		{"bearer then bare: bearer", []Source{HeaderSource{}, BareHeaderSource{}}, req("GET", "/", "Authorization: Bearer ok1"), "token:ok1"},
		{"bearer then bare: bare", []Source{HeaderSource{}, BareHeaderSource{}}, req("GET", "/", "Authorization: ok2"), "token:ok2"},
		{"bare fails verification", bare, req("GET", "/", "Authorization: bad"), "token_malformed"},

		{"json", js, bodyReq(`{"access_token":"ok1","other":[1,{"a":2}]}`), "token:ok1"},
		{"json escaped", js, bodyReq(`{"access_token":"ok\u0031"}`), "token:ok1"},
		{"json nested key does not count", js, bodyReq(`{"x":{"access_token":"ok1"}}`), "token_missing"},
		{"json no field", js, bodyReq(`{"a":"ok1"}`), "token_missing"},
		{"json not an object", js, bodyReq(`["ok1"]`), "token_missing"},
		{"json invalid", js, bodyReq(`{"access_token":"ok1"`), "token_missing"},
		{"json trailing", js, bodyReq(`{"access_token":"ok1"} {}`), "token_missing"},
		{"json not json", js, bodyReq(`access_token=ok1`), "token_missing"},
		{"json no body", js, req("GET", "/"), "token_missing"},
		{"json twice", js, bodyReq(`{"access_token":"ok1","access_token":"ok2"}`), "token_ambiguous"},
		// encoding/json would give a handler the last of these: ambiguous.
		{"json twice in another case", js, bodyReq(`{"access_token":"ok1","Access_Token":"ok2"}`), "token_ambiguous"},
		{"json another case first", js, bodyReq(`{"ACCESS_TOKEN":"ok2","access_token":"ok1"}`), "token_ambiguous"},
		{"json only another case", js, bodyReq(`{"Access_token":"ok1"}`), "token_ambiguous"},
		{"json kelvin sign", []Source{JSONBodySource{Key: "k"}}, bodyReq(`{"k":"ok1","\u212a":"ok2"}`), "token_ambiguous"},
		// Only JSON bodies are read.
		{"json charset", js, bodyReq(`{"access_token":"ok1"}`, "Content-Type: application/json; charset=utf-8"), "token:ok1"},
		{"json suffix type", js, bodyReq(`{"access_token":"ok1"}`, "Content-Type: application/vnd.api+json"), "token:ok1"},
		{"json no content type", js, bodyReq(`{"access_token":"ok1"}`, "Content-Type: "), "token_missing"},
		{"json as text", js, bodyReq(`{"access_token":"ok1"}`, "Content-Type: text/plain"), "token_missing"},
		{"json as form", js, bodyReq(`{"access_token":"ok1"}`, "Content-Type: application/x-www-form-urlencoded"), "token_missing"},
		{"json bad content type", js, bodyReq(`{"access_token":"ok1"}`, "Content-Type: application/json;;"), "token_missing"},
		{"json null", js, bodyReq(`{"access_token":null}`), "token_malformed"},
		{"json empty", js, bodyReq(`{"access_token":""}`), "token_malformed"},
		{"json number", js, bodyReq(`{"access_token":1}`), "token_malformed"},
		{"json typed", typed, bodyReq(`{"access_token":"bearer  ok1"}`), "token:ok1"},
		{"json typed wrong scheme", typed, bodyReq(`{"access_token":"Basic ok1"}`), "token_malformed"},
		{"json typed bare", typed, bodyReq(`{"access_token":"ok1"}`), "token_malformed"},
		{"json typed scheme only", typed, bodyReq(`{"access_token":"Bearer"}`), "token_malformed"},
		{"json over the limit", []Source{JSONBodySource{Key: "t", MaxBytes: 16}}, bodyReq(`{"t":"ok1","pad":"xxxxxxxx"}`), "token_missing"},
		{"json at the limit", []Source{JSONBodySource{Key: "t", MaxBytes: 11}}, bodyReq(`{"t":"ok1"}`), "token:ok1"},
		{"header before json", []Source{HeaderSource{}, JSONBodySource{Key: "access_token"}}, bodyReq(`{"access_token":"ok2"}`, "Authorization: Bearer ok1"), "token:ok1"},
		{"json after missing header", []Source{HeaderSource{}, JSONBodySource{Key: "access_token"}}, bodyReq(`{"access_token":"ok2"}`), "token:ok2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: tt.sources})
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, tt.r)
			got := w.Body.String()
			if w.Code != http.StatusOK {
				var e errBody
				_ = json.Unmarshal(w.Body.Bytes(), &e)
				got = e.Error
			}
			if got != tt.want {
				t.Fatalf("got %q (status %d), want %q", got, w.Code, tt.want)
			}
		})
	}
}

// TestJSONBodyStaysReadable: the handler reads the whole body, also past
// the part the source read, and also when the body was too long to parse.
func TestJSONBodyStaysReadable(t *testing.T) {
	for _, body := range []string{
		`{"access_token":"ok1","x":"` + strings.Repeat("y", 100) + `"}`,
		`{"access_token":"ok1"}`,
	} {
		for _, limit := range []int64{0, 24} {
			m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: []Source{JSONBodySource{Key: "access_token", MaxBytes: limit}}})
			var got string
			h := m.Optional(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, err := io.ReadAll(r.Body)
				if err != nil {
					t.Fatal(err)
				}
				got = string(b)
				if err := r.Body.Close(); err != nil {
					t.Fatal(err)
				}
			}))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, bodyReq(body))
			if got != body {
				t.Fatalf("limit %d: handler read %q", limit, got)
			}
		}
	}
}

func TestNewSourcesConfig(t *testing.T) {
	for name, src := range map[string]Source{
		"json no key":       JSONBodySource{},
		"json bad type":     JSONBodySource{Key: "k", Scheme: "a b"},
		"json negative max": JSONBodySource{Key: "k", MaxBytes: -1},
		"nil json":          (*JSONBodySource)(nil),
		"bare bad name":     BareHeaderSource{Name: "a b"},
		"nil bare":          (*BareHeaderSource)(nil),
	} {
		if _, err := New(Config{Verifier: &fakeVerifier{}, Sources: []Source{src}}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := New(Config{Verifier: &fakeVerifier{}, Sources: []Source{&JSONBodySource{Key: "k"}, &BareHeaderSource{}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Config{Verifier: &fakeVerifier{}, Sources: []Source{BareHeaderSource{}, BareHeaderSource{Name: "authorization"}}}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("the same source twice: %v", err)
	}
}

func TestSourceLabels(t *testing.T) {
	m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: []Source{BareHeaderSource{}, JSONBodySource{Key: "access_token"}}})
	_, err := m.Authenticate(req("GET", "/", "Authorization: bad"))
	var e *Error
	if !errors.As(err, &e) || e.Source != "bare-header:Authorization" {
		t.Fatalf("%v", err)
	}
	_, err = m.Authenticate(bodyReq(`{"access_token":"bad"}`))
	if !errors.As(err, &e) || e.Source != "json:access_token" {
		t.Fatalf("%v", err)
	}
}

func FuzzJSONField(f *testing.F) {
	f.Add([]byte(`{"access_token":"ok1"}`))
	f.Add([]byte(`{"access_token":"a","access_token":"b"}`))
	f.Add([]byte(`{"x":{"access_token":1}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, fo := jsonField(data, "access_token")
		if fo == present && len(raw) == 0 {
			t.Fatal("present without a value")
		}
		r := httptest.NewRequest("POST", "/", strings.NewReader(string(data)))
		r.Header.Set("Content-Type", "application/json")
		e := extractor{kind: kindJSON, name: "access_token", max: 64}
		tok, g := jsonValue(r, &e)
		if g == present && tok == "" {
			t.Fatal("empty token present")
		}
		b, _ := io.ReadAll(r.Body)
		if string(b) != string(data) {
			t.Fatal("body not put back")
		}
	})
}

// BenchmarkJSONBodySource measures finding the token in a small JSON body
// (and putting the body back), against the bearer header.
func BenchmarkJSONBodySource(b *testing.B) {
	body := `{"access_token":"ok1","username":"test","items":[1,2,3]}`
	for _, c := range []struct {
		name string
		src  Source
		req  func() *http.Request
	}{
		{"header", HeaderSource{}, func() *http.Request { return req("GET", "/", "Authorization: Bearer ok1") }},
		{"json", JSONBodySource{Key: "access_token"}, func() *http.Request { return bodyReq(body) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			m := mustNew(b, Config{Verifier: &fakeVerifier{}, Sources: []Source{c.src}})
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				r := c.req()
				b.StartTimer()
				if _, err := m.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestJSONBodyNotReadWithoutJSONType: a body of another Content-Type is
// not read at all (not even its first byte), so a slow client sending one
// cannot hold the request before authentication.
func TestJSONBodyNotReadWithoutJSONType(t *testing.T) {
	m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: []Source{JSONBodySource{Key: "access_token"}}})
	body := &countingReader{r: strings.NewReader(`{"access_token":"ok1"}`)}
	r := httptest.NewRequest("POST", "/", body)
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	m.Require(echo).ServeHTTP(w, r)
	if w.Code != http.StatusUnauthorized || body.n != 0 {
		t.Fatalf("status %d, %d bytes read", w.Code, body.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
