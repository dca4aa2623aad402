package httpauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/pasetokit/pasetokit/paseto"
	"github.com/pasetokit/pasetokit/store"
	"github.com/pasetokit/pasetokit/verifier"
)

// fakeVerifier accepts tokens that start with "ok" (returning them as the
// KeyID, so handlers can echo them) and rejects anything else with err, or
// paseto.ErrMalformed when err is nil.
type fakeVerifier struct {
	err          error
	calls        atomic.Int32
	lastImplicit atomic.Pointer[[]byte]
	lastCtx      atomic.Pointer[context.Context]
}

func (f *fakeVerifier) Verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
	f.calls.Add(1)
	f.lastImplicit.Store(&implicit)
	f.lastCtx.Store(&ctx)
	if strings.HasPrefix(token, "ok") {
		return &verifier.Token{KeyID: token}, nil
	}
	if f.err != nil {
		return nil, f.err
	}
	return nil, fmt.Errorf("%w: fake rejects %q", paseto.ErrMalformed, token)
}

// verifyFunc adapts a function to TokenVerifier.
type verifyFunc func(ctx context.Context, token string, implicit []byte) (*verifier.Token, error)

func (f verifyFunc) Verify(ctx context.Context, token string, implicit []byte) (*verifier.Token, error) {
	return f(ctx, token, implicit)
}

// echo writes "token:<kid>" or "anonymous".
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	if tok, ok := TokenFrom(r.Context()); ok {
		_, _ = io.WriteString(w, "token:"+tok.KeyID)
		return
	}
	_, _ = io.WriteString(w, "anonymous")
})

func mustNew(t testing.TB, cfg Config) *Middleware {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

// req builds a request; headers are "Name: value" lines, each added (not
// set) so that a name may repeat.
func req(method, target string, headers ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		r.Header.Add(name, strings.TrimPrefix(value, " "))
	}
	return r
}

var wsHeaders = []string{"Upgrade: websocket", "Connection: Upgrade"}

func ws(target string, headers ...string) *http.Request {
	return req("GET", target, append(headers, wsHeaders...)...)
}

type errBody struct {
	Error  string `json:"error"`
	Detail string `json:"detail"`
}

func TestSources(t *testing.T) {
	header := []Source{HeaderSource{}}
	tests := []struct {
		name    string
		sources []Source
		r       *http.Request
		want    string // body on 200, else the error code
	}{
		// Authorization: Bearer.
		{"bearer", header, req("GET", "/", "Authorization: Bearer ok1"), "token:ok1"},
		{"bearer lower", header, req("GET", "/", "Authorization: bearer ok1"), "token:ok1"},
		{"bearer upper", header, req("GET", "/", "Authorization: BEARER ok1"), "token:ok1"},
		{"bearer mixed", header, req("GET", "/", "Authorization: bEaReR ok1"), "token:ok1"},
		{"multiple spaces", header, req("GET", "/", "Authorization: Bearer    ok1"), "token:ok1"},
		{"surrounding whitespace", header, req("GET", "/", "Authorization: \t Bearer ok1 \t"), "token:ok1"},
		{"tab is not a separator", header, req("GET", "/", "Authorization: Bearer\tok1"), "token_missing"},
		{"no separator", header, req("GET", "/", "Authorization: Bearerok1"), "token_missing"},
		{"wrong scheme", header, req("GET", "/", "Authorization: Basic b2sxOng="), "token_missing"},
		{"unicode fold is not ascii fold", []Source{HeaderSource{Scheme: "K"}}, req("GET", "/", "Authorization: \u212a ok1"), "token_missing"},
		{"scheme only", header, req("GET", "/", "Authorization: Bearer"), "token_malformed"},
		{"scheme and spaces", header, req("GET", "/", "Authorization: Bearer    "), "token_malformed"},
		{"empty header", header, req("GET", "/", "Authorization: "), "token_missing"},
		{"space inside token", header, req("GET", "/", "Authorization: Bearer ok1 ok2"), "token:ok1 ok2"},
		{"no header", header, req("GET", "/"), "token_missing"},
		{"two header lines", header, req("GET", "/", "Authorization: Bearer ok1", "Authorization: Bearer ok2"), "token_ambiguous"},
		{"two lines, other scheme", header, req("GET", "/", "Authorization: Basic x", "Authorization: Bearer ok2"), "token_ambiguous"},
		{"default sources", nil, req("GET", "/", "Authorization: Bearer ok1"), "token:ok1"},
		{"authorization without type means bearer", []Source{HeaderSource{Name: "authorization"}}, req("GET", "/", "Authorization: ok1"), "token_missing"},
		{"fails verification", header, req("GET", "/", "Authorization: Bearer bad"), "token_malformed"},

		// Custom headers.
		{"custom header no type", []Source{HeaderSource{Name: "X-Token"}}, req("GET", "/", "X-Token: ok1"), "token:ok1"},
		{"custom header lowercase name", []Source{HeaderSource{Name: "x-token"}}, req("GET", "/", "X-Token: ok1"), "token:ok1"},
		{"custom header no type empty", []Source{HeaderSource{Name: "X-Token"}}, req("GET", "/", "X-Token:  "), "token_missing"},
		{"custom header no type keeps scheme", []Source{HeaderSource{Name: "X-Token"}}, req("GET", "/", "X-Token: Bearer ok1"), "token_malformed"},
		{"custom header twice", []Source{HeaderSource{Name: "X-Token"}}, req("GET", "/", "X-Token: ok1", "X-Token: ok2"), "token_ambiguous"},
		{"custom header and type", []Source{HeaderSource{Name: "X-Auth", Scheme: "PASETO"}}, req("GET", "/", "X-Auth: paseto ok1"), "token:ok1"},
		{"custom type on authorization", []Source{HeaderSource{Scheme: "PASETO"}}, req("GET", "/", "Authorization: Bearer ok1"), "token_missing"},

		// Cookies.
		{"cookie", []Source{CookieSource{Name: "paseto"}}, req("GET", "/", "Cookie: a=b; paseto=ok1; c=d"), "token:ok1"},
		{"cookie quoted", []Source{CookieSource{Name: "paseto"}}, req("GET", "/", `Cookie: paseto="ok1"`), "token:ok1"},
		{"cookie absent", []Source{CookieSource{Name: "paseto"}}, req("GET", "/", "Cookie: other=ok1"), "token_missing"},
		{"cookie empty", []Source{CookieSource{Name: "paseto"}}, req("GET", "/", "Cookie: paseto="), "token_missing"},
		{"cookie twice first wins", []Source{CookieSource{Name: "paseto"}}, req("GET", "/", "Cookie: paseto=ok1; paseto=ok2"), "token:ok1"},
		{"cookie not read by default", nil, req("GET", "/", "Cookie: paseto=ok1"), "token_missing"},
		{"cookie invalid", []Source{CookieSource{Name: "paseto"}}, req("GET", "/", "Cookie: paseto=bad"), "token_malformed"},

		// Query parameters.
		{"query off by default", nil, req("GET", "/?token=ok1"), "token_missing"},
		{"query", []Source{QuerySource{Name: "token"}}, req("GET", "/?a=b&token=ok1&c"), "token:ok1"},
		{"query escaped", []Source{QuerySource{Name: "access token"}}, req("GET", "/?access+token=ok%31"), "token:ok1"},
		{"query empty", []Source{QuerySource{Name: "token"}}, req("GET", "/?token="), "token_missing"},
		{"query no value", []Source{QuerySource{Name: "token"}}, req("GET", "/?token"), "token_missing"},
		{"query twice", []Source{QuerySource{Name: "token"}}, req("GET", "/?token=ok1&token=ok2"), "token_ambiguous"},
		{"query semicolon ignored", []Source{QuerySource{Name: "token"}}, req("GET", "/?token=ok1;x=y"), "token_missing"},
		{"query bad escape ignored", []Source{QuerySource{Name: "token"}}, req("GET", "/?token=ok%zz"), "token_missing"},

		// Order.
		{"order cookie first", []Source{CookieSource{Name: "c"}, HeaderSource{}}, req("GET", "/", "Cookie: c=ok1", "Authorization: Bearer ok2"), "token:ok1"},
		{"order header first", []Source{HeaderSource{}, CookieSource{Name: "c"}}, req("GET", "/", "Cookie: c=ok1", "Authorization: Bearer ok2"), "token:ok2"},
		{"order falls through absent", []Source{HeaderSource{}, CookieSource{Name: "c"}}, req("GET", "/", "Cookie: c=ok1"), "token:ok1"},
		{"order falls through other scheme", []Source{HeaderSource{}, CookieSource{Name: "c"}}, req("GET", "/", "Authorization: Basic x", "Cookie: c=ok1"), "token:ok1"},
		{"order stops at empty credentials", []Source{HeaderSource{}, CookieSource{Name: "c"}}, req("GET", "/", "Authorization: Bearer", "Cookie: c=ok1"), "token_malformed"},
		{"order stops at ambiguous", []Source{QuerySource{Name: "t"}, CookieSource{Name: "c"}}, req("GET", "/?t=ok1&t=ok2", "Cookie: c=ok1"), "token_ambiguous"},
		{"order stops at invalid token", []Source{HeaderSource{}, CookieSource{Name: "c"}}, req("GET", "/", "Authorization: Bearer bad", "Cookie: c=ok1"), "token_malformed"},
		{"two schemes", []Source{HeaderSource{Scheme: "PASETO"}, HeaderSource{}}, req("GET", "/", "Authorization: Bearer ok2"), "token:ok2"},

		// WebSocket handshakes.
		{"ws query default", []Source{WebSocketSource{}}, ws("/?token=ok1"), "token:ok1"},
		{"ws not a handshake", []Source{WebSocketSource{}}, req("GET", "/?token=ok1"), "token_missing"},
		{"ws upgrade only", []Source{WebSocketSource{}}, req("GET", "/?token=ok1", "Upgrade: websocket"), "token_missing"},
		{"ws connection only", []Source{WebSocketSource{}}, req("GET", "/?token=ok1", "Connection: upgrade"), "token_missing"},
		{"ws other upgrade", []Source{WebSocketSource{}}, req("GET", "/?token=ok1", "Upgrade: h2c", "Connection: Upgrade"), "token_missing"},
		{"ws post", []Source{WebSocketSource{}}, req("POST", "/?token=ok1", wsHeaders...), "token_missing"},
		{"ws header lists", []Source{WebSocketSource{}}, req("GET", "/?token=ok1", "Upgrade: foo, WebSocket", "Connection: keep-alive, Upgrade"), "token:ok1"},
		{"ws connection lines", []Source{WebSocketSource{}}, req("GET", "/?token=ok1", "Upgrade: websocket", "Connection: keep-alive", "Connection: upgrade"), "token:ok1"},
		{"ws query name", []Source{WebSocketSource{Query: "access_token"}}, ws("/?token=ok1&access_token=ok2"), "token:ok2"},
		{"ws header", []Source{WebSocketSource{Header: "X-Token"}}, ws("/?token=ok1", "X-Token: ok2"), "token:ok2"},
		{"ws header only ignores query", []Source{WebSocketSource{Header: "X-Token"}}, ws("/?token=ok1"), "token_missing"},
		{"ws header before query", []Source{WebSocketSource{Header: "X-Token", Query: "token"}}, ws("/?token=ok1", "X-Token: ok2"), "token:ok2"},
		{"ws header absent then query", []Source{WebSocketSource{Header: "X-Token", Query: "token"}}, ws("/?token=ok1"), "token:ok1"},
		{"ws prefix header", []Source{WebSocketSource{Header: "Authorization", Prefix: "Bearer "}}, ws("/", "Authorization: bearer ok1"), "token:ok1"},
		{"ws prefix query", []Source{WebSocketSource{Prefix: "Bearer "}}, ws("/?token=Bearer+ok1"), "token:ok1"},
		{"ws prefix missing", []Source{WebSocketSource{Prefix: "Bearer "}}, ws("/?token=ok1"), "token_missing"},
		{"ws prefix only", []Source{WebSocketSource{Prefix: "Bearer "}}, ws("/?token=Bearer%20"), "token_malformed"},
		{"ws query twice", []Source{WebSocketSource{}}, ws("/?token=ok1&token=ok2"), "token_ambiguous"},
		{"ws then header on plain request", []Source{WebSocketSource{}, HeaderSource{}}, req("GET", "/?token=ok1", "Authorization: Bearer ok2"), "token:ok2"},
		{"ws then header on handshake", []Source{WebSocketSource{}, HeaderSource{}}, ws("/?token=ok1", "Authorization: Bearer ok2"), "token:ok1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: tt.sources})
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, tt.r)
			if w.Code == http.StatusOK {
				if got := w.Body.String(); got != tt.want {
					t.Fatalf("body %q, want %q", got, tt.want)
				}
				return
			}
			var b errBody
			if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
				t.Fatalf("status %d, body %q: %v", w.Code, w.Body, err)
			}
			if b.Error != tt.want {
				t.Fatalf("status %d, code %q, want %q", w.Code, b.Error, tt.want)
			}
		})
	}
}

func TestRequireOptional(t *testing.T) {
	tests := []struct {
		name     string
		optional bool
		r        *http.Request
		status   int
		body     string // exact on 200, error code otherwise
	}{
		{"require valid", false, req("GET", "/", "Authorization: Bearer ok1"), 200, "token:ok1"},
		{"require missing", false, req("GET", "/"), 401, "token_missing"},
		{"require invalid", false, req("GET", "/", "Authorization: Bearer bad"), 401, "token_malformed"},
		{"optional valid", true, req("GET", "/", "Authorization: Bearer ok1"), 200, "token:ok1"},
		{"optional missing", true, req("GET", "/"), 200, "anonymous"},
		{"optional other scheme", true, req("GET", "/", "Authorization: Basic x"), 200, "anonymous"},
		{"optional invalid", true, req("GET", "/", "Authorization: Bearer bad"), 401, "token_malformed"},
		{"optional empty credentials", true, req("GET", "/", "Authorization: Bearer "), 401, "token_malformed"},
		{"optional ambiguous", true, req("GET", "/", "Authorization: Bearer ok1", "Authorization: Bearer ok1"), 400, "token_ambiguous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, Config{Verifier: &fakeVerifier{}})
			called := false
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				echo(w, r)
			})
			h := m.Require(next)
			if tt.optional {
				h = m.Optional(next)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, tt.r)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if called != (tt.status == 200) {
				t.Fatalf("next called = %v with status %d", called, w.Code)
			}
			if tt.status == 200 {
				if w.Body.String() != tt.body {
					t.Fatalf("body %q, want %q", w.Body, tt.body)
				}
				return
			}
			var b errBody
			_ = json.Unmarshal(w.Body.Bytes(), &b)
			if b.Error != tt.body {
				t.Fatalf("code %q, want %q", b.Error, tt.body)
			}
		})
	}
}

// secret is text that the verifier's errors carry and that must never reach
// the client.
const secret = "SECRET-CLAIM-VALUE"

func TestErrorClasses(t *testing.T) {
	const bearer = "Bearer"
	ruleErr := &verifier.RuleError{Err: errors.New("tenant " + secret + " suspended")}
	tests := []struct {
		err    error
		status int
		code   string
		oauth  string // RFC 6750 error attribute; "" none; "-" no header at all
	}{
		{paseto.ErrMalformed, 401, "token_malformed", "invalid_token"},
		{paseto.ErrTokenTooLong, 401, "token_malformed", "invalid_token"},
		{paseto.ErrFooterTooLong, 401, "token_malformed", "invalid_token"},
		{paseto.ErrInvalidFooter, 401, "token_malformed", "invalid_token"},
		{paseto.ErrKeyInFooter, 401, "token_malformed", "invalid_token"},
		{verifier.ErrInvalidClaims, 401, "token_malformed", "invalid_token"},
		{verifier.ErrUnsupported, 401, "token_malformed", "invalid_token"},
		{paseto.ErrImplicitUnsupported, 401, "token_malformed", "invalid_token"},
		{verifier.ErrExpired, 401, "token_expired", "invalid_token"},
		{verifier.ErrTooOld, 401, "token_expired", "invalid_token"},
		{verifier.ErrNotYetValid, 401, "token_not_yet_valid", "invalid_token"},
		{verifier.ErrIssuedInFuture, 401, "token_not_yet_valid", "invalid_token"},
		{verifier.ErrInvalidSignature, 401, "token_invalid", "invalid_token"},
		{verifier.ErrInvalidMAC, 401, "token_invalid", "invalid_token"},
		{verifier.ErrWrongKey, 401, "token_invalid", "invalid_token"},
		{verifier.ErrUnknownKey, 401, "token_unknown_key", "invalid_token"},
		{verifier.ErrMissingKeyID, 401, "token_unknown_key", "invalid_token"},
		{verifier.ErrWrongIssuer, 401, "token_wrong_issuer", "invalid_token"},
		{verifier.ErrWrongAudience, 401, "token_wrong_audience", "invalid_token"},
		{verifier.ErrMissingExpiration, 401, "token_rejected", "invalid_token"},
		{ErrTokenRevoked, 401, CodeRevoked, "invalid_token"},
		{&verifier.RuleError{Err: ErrTokenRevoked}, 401, "token_revoked", "invalid_token"},
		{ErrRefreshReused, 401, "refresh_token_reused", "invalid_token"},
		{fmt.Errorf("%w: %w", verifier.ErrRule, ErrWrongTokenType), 401, "token_wrong_type", "invalid_token"},
		{&verifier.RuleError{Err: ErrNotFresh}, 403, "token_not_fresh", "insufficient_scope"},
		{fmt.Errorf("%w: %w", ErrNotFresh, store.ErrUnavailable), 503, "temporarily_unavailable", "-"},
		{verifier.ErrRule, 401, "token_rejected", "invalid_token"},
		{ruleErr, 401, "token_rejected", "invalid_token"},
		{errors.New("something else " + secret), 401, "token_rejected", "invalid_token"},
		{verifier.ErrKeySetUnavailable, 503, "key_set_unavailable", "-"},
		{fmt.Errorf("%w: %w", verifier.ErrKeySetUnavailable, context.DeadlineExceeded), 503, "key_set_unavailable", "-"},
		{&verifier.KeySetError{URL: "https://" + secret, Err: verifier.ErrKeySetUnavailable}, 503, "key_set_unavailable", "-"},
		{context.Canceled, 503, "temporarily_unavailable", "-"},
		{fmt.Errorf("fetch: %w", context.DeadlineExceeded), 503, "temporarily_unavailable", "-"},
		{fmt.Errorf("revocation check: %w", store.ErrUnavailable), 503, "temporarily_unavailable", "-"},
		{fmt.Errorf("%w and %w", verifier.ErrExpired, context.Canceled), 401, "token_expired", "invalid_token"},
	}
	for _, tt := range tests {
		t.Run(tt.code+"/"+tt.err.Error(), func(t *testing.T) {
			// Wrap every error with the secret, as a verifier might name
			// a claim value.
			err := fmt.Errorf("%w (claim %s)", tt.err, secret)
			if got := Code(err); got != tt.code {
				t.Errorf("Code = %q, want %q", got, tt.code)
			}
			m := mustNew(t, Config{Realm: "api", Verifier: verifyFunc(func(context.Context, string, []byte) (*verifier.Token, error) {
				return nil, err
			})})
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, req("GET", "/", "Authorization: Bearer v4.public.x"))
			checkErrorResponse(t, w, tt.status, tt.code)
			wa := w.Header().Get("WWW-Authenticate")
			switch tt.oauth {
			case "-":
				if wa != "" {
					t.Errorf("WWW-Authenticate %q on a %d", wa, tt.status)
				}
			default:
				want := bearer + ` realm="api", error="` + tt.oauth + `", error_description="` + classByCode(tt.code).detail + `"`
				if wa != want {
					t.Errorf("WWW-Authenticate\n %q\nwant\n %q", wa, want)
				}
			}
		})
	}
}

// checkErrorResponse checks the default error response: status, headers,
// body, and that no error text leaked.
func checkErrorResponse(t *testing.T, w *httptest.ResponseRecorder, status int, code string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status %d, want %d", w.Code, status)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ra, want := w.Header().Get("Retry-After"), map[bool]string{true: "1"}[status == http.StatusServiceUnavailable]; ra != want {
		t.Errorf("Retry-After %q on a %d, want %q", ra, status, want)
	}
	var b errBody
	dec := json.NewDecoder(strings.NewReader(w.Body.String()))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&b); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	c := classByCode(code)
	if b.Error != code || c == nil || b.Detail != c.detail {
		t.Errorf("body %+v, want code %q", b, code)
	}
	all := w.Body.String()
	for k, vs := range w.Header() {
		all += k + ":" + strings.Join(vs, ",")
	}
	for _, bad := range []string{secret, "paseto:", "verifier:", "httpauth:", "fake"} {
		if strings.Contains(all, bad) {
			t.Errorf("response leaks %q: %s", bad, all)
		}
	}
}

func TestChallenges(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		r       *http.Request
		status  int
		code    string
		wantWWW string
	}{
		{"missing no realm", Config{}, req("GET", "/"), 401, "token_missing", `Bearer`},
		{"missing realm", Config{Realm: "api"}, req("GET", "/"), 401, "token_missing", `Bearer realm="api"`},
		{"invalid no realm", Config{}, req("GET", "/", "Authorization: Bearer bad"), 401, "token_malformed",
			`Bearer error="invalid_token", error_description="The access token is malformed or of an unsupported kind."`},
		{"ambiguous", Config{Realm: "api"}, req("GET", "/", "Authorization: Bearer ok", "Authorization: Bearer ok"), 400, "token_ambiguous",
			`Bearer realm="api", error="invalid_request", error_description="The request carries more than one access token in the same place."`},
		{"custom scheme", Config{Sources: []Source{CookieSource{Name: "c"}, HeaderSource{Scheme: "PASETO"}}}, req("GET", "/"), 401, "token_missing", `PASETO`},
		{"cookie gets challenge", Config{Sources: []Source{CookieSource{Name: "c"}}}, req("GET", "/", "Cookie: c=bad"), 401, "token_malformed",
			`Bearer error="invalid_token", error_description="The access token is malformed or of an unsupported kind."`},
		{"too long", Config{MaxTokenLength: 4}, req("GET", "/", "Authorization: Bearer ok345"), 401, "token_malformed",
			`Bearer error="invalid_token", error_description="The access token is malformed or of an unsupported kind."`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Verifier = &fakeVerifier{}
			m := mustNew(t, tt.cfg)
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, tt.r)
			checkErrorResponse(t, w, tt.status, tt.code)
			if got := w.Header().Values("WWW-Authenticate"); len(got) != 1 || got[0] != tt.wantWWW {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.wantWWW)
			}
		})
	}
}

// The fixed texts must be usable as RFC 6750 quoted strings and in JSON as
// they are.
func TestClassTexts(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range classes {
		if seen[c.code] {
			t.Errorf("code %q twice", c.code)
		}
		seen[c.code] = true
		for _, s := range []string{c.code, c.detail, c.oauth} {
			for i := 0; i < len(s); i++ {
				if ch := s[i]; ch < 0x20 || ch > 0x7e || ch == '"' || ch == '\\' {
					t.Errorf("%q: byte %q not allowed", s, ch)
				}
			}
		}
	}
	if len(seen) != 16 {
		t.Errorf("%d classes", len(seen))
	}
}

func TestMaxTokenLength(t *testing.T) {
	tests := []struct {
		max    int
		token  string
		calls  int32
		status int
	}{
		{4, "ok34", 1, 200},
		{4, "ok345", 0, 401},
		{0, "ok" + strings.Repeat("x", paseto.DefaultMaxTokenLength-2), 1, 200},
		{0, "ok" + strings.Repeat("x", paseto.DefaultMaxTokenLength-1), 0, 401},
	}
	for _, tt := range tests {
		f := &fakeVerifier{}
		var got *Error
		m := mustNew(t, Config{Verifier: f, MaxTokenLength: tt.max, ErrorHandler: func(w http.ResponseWriter, r *http.Request, err *Error) {
			got = err
			DefaultErrorHandler(w, r, err)
		}})
		w := httptest.NewRecorder()
		m.Require(echo).ServeHTTP(w, req("GET", "/", "Authorization: Bearer "+tt.token))
		if w.Code != tt.status || f.calls.Load() != tt.calls {
			t.Errorf("max %d, len %d: status %d, %d verifier calls; want %d, %d", tt.max, len(tt.token), w.Code, f.calls.Load(), tt.status, tt.calls)
		}
		if tt.status != 200 && (got == nil || !errors.Is(got, paseto.ErrTokenTooLong) || got.Code != "token_malformed") {
			t.Errorf("error %v", got)
		}
	}
}

func TestErrorHandler(t *testing.T) {
	tests := []struct {
		name   string
		err    error // from the verifier
		r      *http.Request
		is     error
		code   string
		status int
		source string
	}{
		{"missing", nil, req("GET", "/"), ErrMissingToken, "token_missing", 401, ""},
		{"expired", verifier.ErrExpired, req("GET", "/", "Authorization: Bearer v4"), paseto.ErrExpired, "token_expired", 401, "header:Authorization"},
		{"rule", &verifier.RuleError{Err: io.EOF}, req("GET", "/?t=v4"), io.EOF, "token_rejected", 401, "query:t"},
		{"key set", verifier.ErrKeySetUnavailable, req("GET", "/", "Cookie: c=v4"), verifier.ErrKeySetUnavailable, "key_set_unavailable", 503, "cookie:c"},
		{"ambiguous", nil, req("GET", "/", "X-Token: a", "x-token: b"), ErrAmbiguousToken, "token_ambiguous", 400, "header:X-Token"},
		{"empty credentials", nil, req("GET", "/", "Authorization: Bearer"), paseto.ErrMalformed, "token_malformed", 401, "header:Authorization"},
		{"ws", verifier.ErrUnknownKey, ws("/?token=v4"), verifier.ErrUnknownKey, "token_unknown_key", 401, "websocket-query:token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *Error
			var wwwAuth string
			m := mustNew(t, Config{
				Verifier: &fakeVerifier{err: tt.err},
				Sources:  []Source{WebSocketSource{}, HeaderSource{}, HeaderSource{Name: "X-Token"}, QuerySource{Name: "t"}, CookieSource{Name: "c"}},
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err *Error) {
					got = err
					wwwAuth = w.Header().Get("WWW-Authenticate")
					w.WriteHeader(http.StatusTeapot)
				},
			})
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, tt.r)
			if w.Code != http.StatusTeapot {
				t.Fatalf("status %d: custom handler not used", w.Code)
			}
			if got == nil {
				t.Fatal("handler got nil")
			}
			if !errors.Is(got, tt.is) || got.Code != tt.code || got.Status != tt.status || got.Source != tt.source {
				t.Errorf("got %#v (%v)", got, got)
			}
			var e *Error
			if !errors.As(error(got), &e) || e != got {
				t.Error("errors.As")
			}
			if (tt.status == 503) != (wwwAuth == "") {
				t.Errorf("WWW-Authenticate %q before a %d", wwwAuth, tt.status)
			}
			if Code(got) != tt.code {
				t.Errorf("Code(*Error) = %q", Code(got))
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Code: "token_expired", Source: "header:Authorization", Err: paseto.ErrExpired}
	if got, want := e.Error(), "httpauth: token_expired (header:Authorization): paseto: token expired"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	e = &Error{Code: "token_missing", Err: ErrMissingToken}
	if got, want := e.Error(), "httpauth: token_missing: httpauth: no token in request"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	e = &Error{Code: "token_malformed", Err: errNoCredentials}
	if got, want := e.Error(), "httpauth: token_malformed: httpauth: no credentials after the authentication scheme: paseto: malformed token"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got := (&Error{}).Error(); got != "httpauth: " {
		t.Errorf("%q", got)
	}
}

func TestCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{ErrMissingToken, "token_missing"},
		{ErrAmbiguousToken, "token_ambiguous"},
		{fmt.Errorf("x: %w", verifier.ErrWrongAudience), "token_wrong_audience"},
		{&Error{Code: "custom"}, "custom"},
		{fmt.Errorf("wrapped: %w", &Error{Code: "token_expired", Err: io.EOF}), "token_expired"},
		{&Error{Err: verifier.ErrExpired}, "token_expired"},
		{io.EOF, "token_rejected"},
	}
	for _, tt := range tests {
		if got := Code(tt.err); got != tt.want {
			t.Errorf("Code(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestDefaultErrorHandler(t *testing.T) {
	tests := []struct {
		e      *Error
		status int
		body   string
	}{
		{nil, 401, `{"error":"token_rejected","detail":"The access token was rejected."}`},
		{&Error{}, 401, `{"error":"token_rejected","detail":"The access token was rejected."}`},
		{&Error{Code: "token_expired", Status: 401}, 401, `{"error":"token_expired","detail":"The access token has expired."}`},
		{&Error{Code: "token_expired", Status: 200}, 401, `{"error":"token_expired","detail":"The access token has expired."}`},
		{&Error{Code: "my \"code\"", Status: 403, Err: errors.New(secret)}, 403, `{"error":"my \"code\"","detail":"The access token was rejected."}`},
	}
	for _, tt := range tests {
		w := httptest.NewRecorder()
		w.Header().Set("Content-Length", "99")
		DefaultErrorHandler(w, req("GET", "/"), tt.e)
		if w.Code != tt.status || w.Body.String() != tt.body+"\n" || w.Header().Get("Content-Length") != "" {
			t.Errorf("%#v: %d %q %v", tt.e, w.Code, w.Body, w.Header())
		}
	}
}

func TestNewErrors(t *testing.T) {
	v := &fakeVerifier{}
	tests := []struct {
		name string
		cfg  Config
	}{
		{"nil verifier", Config{}},
		{"negative max", Config{Verifier: v, MaxTokenLength: -1}},
		{"realm quote", Config{Verifier: v, Realm: `a"b`}},
		{"realm backslash", Config{Verifier: v, Realm: `a\b`}},
		{"realm control", Config{Verifier: v, Realm: "a\nb"}},
		{"realm non-ascii", Config{Verifier: v, Realm: "ré"}},
		{"nil source", Config{Verifier: v, Sources: []Source{nil}}},
		{"nil header pointer", Config{Verifier: v, Sources: []Source{(*HeaderSource)(nil)}}},
		{"nil cookie pointer", Config{Verifier: v, Sources: []Source{(*CookieSource)(nil)}}},
		{"nil query pointer", Config{Verifier: v, Sources: []Source{(*QuerySource)(nil)}}},
		{"nil ws pointer", Config{Verifier: v, Sources: []Source{(*WebSocketSource)(nil)}}},
		{"header name space", Config{Verifier: v, Sources: []Source{HeaderSource{Name: "X Token"}}}},
		{"header name colon", Config{Verifier: v, Sources: []Source{HeaderSource{Name: "X-Token:"}}}},
		{"header type space", Config{Verifier: v, Sources: []Source{HeaderSource{Scheme: "Bearer "}}}},
		{"cookie empty", Config{Verifier: v, Sources: []Source{CookieSource{}}}},
		{"cookie bad name", Config{Verifier: v, Sources: []Source{CookieSource{Name: "a=b"}}}},
		{"query empty", Config{Verifier: v, Sources: []Source{QuerySource{}}}},
		{"ws header bad", Config{Verifier: v, Sources: []Source{WebSocketSource{Header: "a b"}}}},
		{"ws prefix control", Config{Verifier: v, Sources: []Source{WebSocketSource{Prefix: "Bearer\t"}}}},
		{"duplicate", Config{Verifier: v, Sources: []Source{HeaderSource{}, HeaderSource{Name: "authorization", Scheme: "Bearer"}}}},
		{"duplicate pointer", Config{Verifier: v, Sources: []Source{CookieSource{Name: "c"}, &CookieSource{Name: "c"}}}},
	}
	if _, err := New(Config{Verifier: v, Sources: []Source{HeaderSource{}, CookieSource{Name: "a b"}}}); err == nil ||
		err.Error() != `httpauth: invalid configuration: Sources[1]: CookieSource.Name "a b" is not a valid cookie name` {
		t.Errorf("error text: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.cfg)
			if err == nil || m != nil {
				t.Fatalf("New = %v, %v", m, err)
			}
			var ce *ConfigError
			if !errors.Is(err, ErrInvalidConfig) || !errors.As(err, &ce) || ce.Field == "" {
				t.Errorf("%v is not a *ConfigError matching ErrInvalidConfig", err)
			}
		})
	}
	// Valid ones, including pointers and distinct sources on one header.
	for _, cfg := range []Config{
		{Verifier: v},
		{Verifier: v, Realm: "my realm!", MaxTokenLength: 1},
		{Verifier: v, Sources: []Source{&HeaderSource{}, &CookieSource{Name: "__Host-t"}, &QuerySource{Name: "a b"}, &WebSocketSource{}}},
		{Verifier: v, Sources: []Source{HeaderSource{}, HeaderSource{Scheme: "PASETO"}, WebSocketSource{Header: "Authorization", Query: "token", Prefix: "Bearer "}}},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

func TestNilHandlerPanics(t *testing.T) {
	m := mustNew(t, Config{Verifier: &fakeVerifier{}})
	for name, f := range map[string]func(http.Handler) http.Handler{"Require": m.Require, "Optional": m.Optional} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s(nil) did not panic", name)
				}
			}()
			f(nil)
		}()
	}
	var nilM *Middleware
	for name, f := range map[string]func(http.Handler) http.Handler{"Require": nilM.Require, "Optional": nilM.Optional} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("nil %s did not panic", name)
				}
			}()
			f(echo)
		}()
	}
}

func TestImplicitAndContext(t *testing.T) {
	f := &fakeVerifier{}
	type ctxKey struct{}
	m := mustNew(t, Config{Verifier: f, Implicit: func(r *http.Request) []byte { return []byte("tenant:" + r.Host) }})
	r := req("GET", "http://acme.example/", "Authorization: Bearer ok1")
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, "v"))
	w := httptest.NewRecorder()
	m.Require(echo).ServeHTTP(w, r)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if got := string(*f.lastImplicit.Load()); got != "tenant:acme.example" {
		t.Errorf("implicit %q", got)
	}
	if (*f.lastCtx.Load()).Value(ctxKey{}) != "v" {
		t.Error("verifier did not get the request context")
	}

	// Without Implicit the verifier gets nil.
	m = mustNew(t, Config{Verifier: f})
	m.Require(echo).ServeHTTP(httptest.NewRecorder(), req("GET", "/", "Authorization: Bearer ok1"))
	if got := *f.lastImplicit.Load(); got != nil {
		t.Errorf("implicit %q", got)
	}
}

func TestNilTokenFromVerifier(t *testing.T) {
	m := mustNew(t, Config{Verifier: verifyFunc(func(context.Context, string, []byte) (*verifier.Token, error) { return nil, nil })})
	w := httptest.NewRecorder()
	m.Require(echo).ServeHTTP(w, req("GET", "/", "Authorization: Bearer ok1"))
	checkErrorResponse(t, w, 401, "token_rejected")
}

func TestTokenFrom(t *testing.T) {
	//lint:ignore SA1012 TokenFrom must cope with a nil context.
	if tok, ok := TokenFrom(nil); ok || tok != nil {
		t.Error("nil context")
	}
	if tok, ok := TokenFrom(context.Background()); ok || tok != nil {
		t.Error("empty context")
	}
	ctx := context.WithValue(context.Background(), tokenKey{}, (*verifier.Token)(nil))
	if tok, ok := TokenFrom(ctx); ok || tok != nil {
		t.Error("nil token")
	}
	want := &verifier.Token{KeyID: "k"}
	ctx = context.WithValue(context.Background(), tokenKey{}, want)
	if tok, ok := TokenFrom(ctx); !ok || tok != want {
		t.Error("token")
	}
	if tok, ok := TokenFrom(NewContext(context.Background(), want)); !ok || tok != want {
		t.Error("NewContext: token not found")
	}
	if tok, ok := TokenFrom(NewContext(ctx, nil)); ok || tok != nil {
		t.Error("NewContext(ctx, nil) must hide the token of ctx")
	}
}

func TestAuthenticate(t *testing.T) {
	m := mustNew(t, Config{Verifier: &fakeVerifier{}})
	tok, err := m.Authenticate(req("GET", "/", "Authorization: Bearer ok1"))
	if err != nil || tok == nil || tok.KeyID != "ok1" {
		t.Fatalf("%v, %v", tok, err)
	}
	tok, err = m.Authenticate(req("GET", "/"))
	var e *Error
	if tok != nil || !errors.Is(err, ErrMissingToken) || !errors.As(err, &e) || e.Status != 401 {
		t.Fatalf("%v, %v", tok, err)
	}
	// A request without a URL (not one a server makes) does not panic.
	r := req("GET", "/")
	r.URL = nil
	m = mustNew(t, Config{Verifier: &fakeVerifier{}, Sources: []Source{QuerySource{Name: "t"}, WebSocketSource{}}})
	if _, err := m.Authenticate(r); !errors.Is(err, ErrMissingToken) {
		t.Fatal(err)
	}
}

// The middleware over a real server: headers survive the wire.
func TestServer(t *testing.T) {
	m := mustNew(t, Config{Verifier: &fakeVerifier{}, Realm: "api"})
	srv := httptest.NewServer(m.Require(echo))
	defer srv.Close()
	for _, tc := range []struct {
		auth   string
		status int
		body   string
	}{
		{"Bearer ok1", 200, "token:ok1"},
		{"", 401, `{"error":"token_missing","detail":"No access token was provided."}` + "\n"},
	} {
		r, _ := http.NewRequest("GET", srv.URL, nil)
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		resp, err := srv.Client().Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || string(b) != tc.body {
			t.Errorf("%q: %d %q", tc.auth, resp.StatusCode, b)
		}
		if tc.status == 401 && resp.Header.Get("Www-Authenticate") != `Bearer realm="api"` {
			t.Errorf("challenge %q", resp.Header.Get("Www-Authenticate"))
		}
	}
}

func TestWriteError(t *testing.T) {
	m := mustNew(t, Config{Verifier: &fakeVerifier{}, Realm: "r"})
	_, missing := m.Authenticate(req("GET", "/"))
	_, invalid := m.Authenticate(req("GET", "/", "Authorization: Bearer bad"))
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		www    string
	}{
		{"missing", missing, 401, "token_missing", `Bearer realm="r"`},
		{"invalid", invalid, 401, "token_malformed", `Bearer realm="r", error="invalid_token", error_description="The access token is malformed or of an unsupported kind."`},
		{"wrapped", fmt.Errorf("ws: %w", invalid), 401, "token_malformed", `Bearer realm="r", error="invalid_token", error_description="The access token is malformed or of an unsupported kind."`},
		{"verifier error", fmt.Errorf("%w: %s", verifier.ErrExpired, secret), 401, "token_expired", `Bearer realm="r", error="invalid_token", error_description="The access token has expired."`},
		{"key set", verifier.ErrKeySetUnavailable, 503, "key_set_unavailable", ""},
		{"nil", nil, 401, "token_rejected", `Bearer realm="r", error="invalid_token", error_description="The access token was rejected."`},
		{"made by hand", &Error{Code: "token_wrong_audience", Status: 401}, 401, "token_wrong_audience", `Bearer realm="r", error="invalid_token", error_description="The access token is not meant for this server."`},
		{"recoded", &Error{Code: "token_missing", Status: 401, Err: verifier.ErrExpired, class: classExpired}, 401, "token_missing", `Bearer realm="r"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			m.WriteError(w, req("GET", "/"), tt.err)
			checkErrorResponse(t, w, tt.status, tt.code)
			if got := w.Header().Get("WWW-Authenticate"); got != tt.www {
				t.Errorf("WWW-Authenticate %q, want %q", got, tt.www)
			}
		})
	}
	w := httptest.NewRecorder()
	m.WriteError(w, req("GET", "/"), &Error{Code: "custom", Status: 403})
	if w.Code != 403 || w.Header().Get("WWW-Authenticate") != "" || w.Body.String() != `{"error":"custom","detail":"The access token was rejected."}`+"\n" {
		t.Errorf("custom: %d %v %q", w.Code, w.Header(), w.Body)
	}
}

// A 503 carries Retry-After whoever writes the response: the middleware
// sets it before a custom ErrorHandler runs.
func TestRetryAfterCustomHandler(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"store down", fmt.Errorf("check: %w", store.ErrUnavailable), "1"},
		{"key set down", verifier.ErrKeySetUnavailable, "1"},
		{"expired", verifier.ErrExpired, ""},
		{"not fresh", ErrNotFresh, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustNew(t, Config{
				Verifier: verifyFunc(func(context.Context, string, []byte) (*verifier.Token, error) { return nil, tt.err }),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, e *Error) {
					w.WriteHeader(e.Status)
				},
			})
			w := httptest.NewRecorder()
			m.Require(echo).ServeHTTP(w, req("GET", "/", "Authorization: Bearer v4.public.x"))
			if got := w.Header().Get("Retry-After"); got != tt.want {
				t.Fatalf("Retry-After %q, want %q (status %d)", got, tt.want, w.Code)
			}
		})
	}
}
