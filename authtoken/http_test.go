package authtoken_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pasetokit/pasetokit/authtoken"
	"github.com/pasetokit/pasetokit/httpauth"
	"github.com/pasetokit/pasetokit/keyring"
	"github.com/pasetokit/pasetokit/paseto"
)

func TestMiddleware(t *testing.T) {
	k := genKey(t, paseto.V4, paseto.Public)
	e := newEnv(t, func(c *authtoken.Config) { c.Access.Keys, c.Refresh.Keys = []keyring.Key{k}, []keyring.Key{k} })
	p, _ := e.m.Login(ctx, "alice", map[string]any{"role": "admin"})
	stale, _ := e.m.CreateAccessToken(ctx, "alice", false, nil)
	reset, _ := e.m.CreateToken(ctx, "reset", "alice", nil)

	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := authtoken.ClaimsFrom(r.Context())
		f, _ := authtoken.FooterFrom(r.Context())
		sub, _ := authtoken.SubjectFrom(r.Context())
		typ, _ := authtoken.TypeFrom(r.Context())
		_, hasID := authtoken.TokenIDFrom(r.Context())
		fmt.Fprintf(w, "%s|%s|%v|%v|%v|%v", sub, typ, authtoken.Fresh(r.Context()), hasID, c["role"], f["kid"] != nil)
	})
	mux := http.NewServeMux()
	for path, v := range map[string]httpauth.TokenVerifier{
		"/access": e.m.Access(), "/fresh": e.m.FreshAccess(), "/refresh": e.m.RefreshTokens(),
		"/reset": e.m.Kind("reset"), "/unknown": e.m.Kind("nope"),
	} {
		mw, err := httpauth.New(httpauth.Config{Verifier: v})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle(path, mw.Require(echo))
		mux.Handle("/optional"+path, mw.Optional(echo))
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path, tok string) (int, string, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body struct {
			Error string `json:"error"`
		}
		var raw [512]byte
		n, _ := res.Body.Read(raw[:])
		_ = json.Unmarshal(raw[:n], &body)
		return res.StatusCode, body.Error, string(raw[:n])
	}
	tests := []struct {
		path, tok string
		status    int
		code      string
		body      string
	}{
		{"/access", p.Access, 200, "", "alice|access|true|true|admin|true"},
		{"/access", stale, 200, "", "alice|access|false|true|<nil>|true"},
		{"/access", p.Refresh, 401, httpauth.CodeWrongType, ""},
		{"/access", reset, 401, httpauth.CodeWrongType, ""},
		{"/access", "", 401, httpauth.CodeMissing, ""},
		{"/fresh", p.Access, 200, "", "alice|access|true|true|admin|true"},
		{"/fresh", stale, 403, httpauth.CodeNotFresh, ""},
		{"/fresh", p.Refresh, 401, httpauth.CodeWrongType, ""},
		{"/refresh", p.Refresh, 200, "", "alice|refresh|false|true|admin|true"},
		{"/refresh", p.Access, 401, httpauth.CodeWrongType, ""},
		{"/refresh", reset, 401, httpauth.CodeWrongType, ""},
		{"/reset", reset, 200, "", "alice|reset|false|true|<nil>|true"},
		{"/reset", p.Access, 401, httpauth.CodeWrongType, ""},
		{"/reset", p.Refresh, 401, httpauth.CodeWrongType, ""},
		{"/unknown", reset, 401, httpauth.CodeRejected, ""},
		{"/optional/access", "", 200, "", "||false|false|<nil>|false"},
		{"/optional/access", p.Access, 200, "", "alice|access|true|true|admin|true"},
		{"/optional/access", p.Refresh, 401, httpauth.CodeWrongType, ""},
		{"/optional/fresh", stale, 403, httpauth.CodeNotFresh, ""},
		{"/optional/refresh", "", 200, "", "||false|false|<nil>|false"},
		{"/optional/reset", p.Access, 401, httpauth.CodeWrongType, ""},
	}
	for _, tt := range tests {
		status, code, body := get(tt.path, tt.tok)
		if status != tt.status || code != tt.code || (tt.body != "" && body != tt.body) {
			t.Errorf("%s: %d %q %q, want %d %q %q", tt.path, status, code, body, tt.status, tt.code, tt.body)
		}
	}

	// Revoked: 401. Store down: 503 (fail closed, not the client's fault).
	if err := e.m.RevokeToken(ctx, stale); err != nil {
		t.Fatal(err)
	}
	if status, code, _ := get("/access", stale); status != 401 || code != httpauth.CodeRevoked {
		t.Errorf("revoked: %d %s", status, code)
	}
	e.store.down.Store(true)
	for _, path := range []string{"/access", "/fresh", "/optional/access"} {
		if status, code, _ := get(path, p.Access); status != 503 || code != "temporarily_unavailable" {
			t.Errorf("%s with the store down: %d %s", path, status, code)
		}
	}
	if status, _, _ := get("/reset", reset); status != 503 {
		t.Errorf("reset with the store down: %d", status)
	}
	e.store.down.Store(false)
	if status, _, _ := get("/access", p.Access); status != 200 {
		t.Errorf("after recovery: %d", status)
	}
}

func TestAccessorsWithoutToken(t *testing.T) {
	if _, ok := authtoken.SubjectFrom(ctx); ok {
		t.Error("SubjectFrom without a token")
	}
	if _, ok := authtoken.TokenIDFrom(ctx); ok {
		t.Error("TokenIDFrom without a token")
	}
	if _, ok := authtoken.TypeFrom(ctx); ok {
		t.Error("TypeFrom without a token")
	}
	if c, ok := authtoken.ClaimsFrom(ctx); ok || c != nil {
		t.Error("ClaimsFrom without a token")
	}
	if f, ok := authtoken.FooterFrom(ctx); ok || f != nil {
		t.Error("FooterFrom without a token")
	}
	if authtoken.Fresh(ctx) {
		t.Error("Fresh without a token")
	}
}

func BenchmarkRefreshRotation(b *testing.B) {
	e := newEnv(b, nil)
	p, err := e.m.Login(ctx, "alice", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		p, err = e.m.Refresh(ctx, p.Refresh)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
}
