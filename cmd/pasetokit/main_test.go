package main

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pasetokit/pasetokit/paserk"
	"github.com/pasetokit/pasetokit/paseto"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)

// setClock makes now return tm until the test ends.
func setClock(t *testing.T, tm time.Time) {
	t.Helper()
	old := now
	now = func() time.Time { return tm }
	t.Cleanup(func() { now = old })
}

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command with stdin and returns its exit status and
// output.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

// mustRun runs the command and fails the test unless it succeeds.
func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	r := runCLI(t, stdin, args...)
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("pasetokit %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// expectFail checks the exit status and that stderr is exactly one line
// starting with prefix (usage errors may be followed by a usage text), and
// that stderr holds none of the secrets.
func expectFail(t *testing.T, r result, code int, prefix string, secrets ...string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q, want nothing", r.stdout)
	}
	first, rest, _ := strings.Cut(r.stderr, "\n")
	if !strings.HasPrefix(first, prefix) {
		t.Errorf("stderr first line %q, want prefix %q", first, prefix)
	}
	if code == 1 && rest != "" {
		t.Errorf("stderr has more than one line: %q", r.stderr)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(r.stderr, s) {
			t.Errorf("stderr %q contains secret %q", r.stderr, s)
		}
	}
}

// keys is the parsed output of keygen.
type keys map[string]string

func keygen(t *testing.T, mode string) keys {
	t.Helper()
	out := mustRun(t, "", "keygen", mode)
	k := keys{}
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("keygen line %q is not name: value", line)
		}
		k[name] = value
	}
	return k
}

// issuer returns the key that issues tokens and the one that verifies them.
func (k keys) issuer() string {
	if k["local"] != "" {
		return k["local"]
	}
	return k["secret"]
}

func (k keys) verifier() string {
	if k["local"] != "" {
		return k["local"]
	}
	return k["public"]
}

// body returns the base64 data of a PASERK: what must never be printed.
func body(paserkKey string) string {
	i := strings.LastIndexByte(paserkKey, '.')
	return paserkKey[i+1:]
}

var modes = []string{"v4.local", "v4.public", "v3.local", "v3.public", "v2.local", "v2.public"}

func TestKeygen(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			v := mode[1:2]
			local := strings.HasSuffix(mode, ".local")

			// Plain output: name: value lines in a fixed order.
			out := mustRun(t, "", "keygen", mode)
			var names []string
			vals := map[string]string{}
			for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				n, val, _ := strings.Cut(line, ": ")
				names = append(names, n)
				vals[n] = val
			}
			want := []string{"secret", "public", "sid", "pid"}
			if local {
				want = []string{"local", "lid"}
			}
			if strings.Join(names, ",") != strings.Join(want, ",") {
				t.Fatalf("names %v, want %v", names, want)
			}
			for _, n := range want {
				if !strings.HasPrefix(vals[n], "k"+v+"."+n+".") {
					t.Errorf("%s = %q, want prefix k%s.%s.", n, vals[n], v, n)
				}
			}
			checkIDs(t, vals)

			// JSON output: exactly the same names, in the same order.
			out = mustRun(t, "", "keygen", "--json", mode)
			if !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n") != 1 {
				t.Errorf("--json output %q is not one line", out)
			}
			if !strings.HasPrefix(out, `{"`+want[0]+`": "k`+v+".") {
				t.Errorf("--json output %q does not start with %q", out, want[0])
			}
			dec := json.NewDecoder(strings.NewReader(out))
			tok, _ := dec.Token()
			if tok != json.Delim('{') {
				t.Fatalf("--json output %q is not an object", out)
			}
			got := map[string]string{}
			var order []string
			for dec.More() {
				n, _ := dec.Token()
				var val string
				if err := dec.Decode(&val); err != nil {
					t.Fatal(err)
				}
				order = append(order, n.(string))
				got[n.(string)] = val
			}
			if strings.Join(order, ",") != strings.Join(want, ",") {
				t.Errorf("--json keys %v, want %v", order, want)
			}
			checkIDs(t, got)

			// Flags may follow the argument.
			if r := runCLI(t, "", "keygen", mode, "--json"); r.code != 0 || !strings.HasPrefix(r.stdout, "{") {
				t.Errorf("keygen %s --json: exit %d, stdout %q", mode, r.code, r.stdout)
			}
		})
	}
}

// checkIDs checks that the keys parse and that the ids are theirs.
func checkIDs(t *testing.T, vals map[string]string) {
	t.Helper()
	if vals["local"] != "" {
		k, err := paserk.Parse(vals["local"])
		if err != nil {
			t.Fatal(err)
		}
		if id, _ := paserk.ID(k); id != vals["lid"] {
			t.Errorf("lid %q, want %q", vals["lid"], id)
		}
		return
	}
	sk, err := paserk.Parse(vals["secret"])
	if err != nil {
		t.Fatal(err)
	}
	pk, err := paserk.Parse(vals["public"])
	if err != nil {
		t.Fatal(err)
	}
	if !sk.(*paseto.SecretKey).Public().Equal(pk.(*paseto.PublicKey)) {
		t.Error("public key is not the public half of the secret key")
	}
	if id, _ := paserk.ID(sk); id != vals["sid"] {
		t.Errorf("sid %q, want %q", vals["sid"], id)
	}
	if id, _ := paserk.ID(pk); id != vals["pid"] {
		t.Errorf("pid %q, want %q", vals["pid"], id)
	}
}

func TestRoundTrip(t *testing.T) {
	setClock(t, t0)
	const claims = `{"sub":"alice","role":"admin","n":123456789012345678901234567890,"h":"<&>\u00e9"}`
	const wantPrefix = `{"sub":"alice","role":"admin","n":123456789012345678901234567890,"h":"<&>\u00e9",`
	const wantTimes = `"iat":"2030-01-02T03:04:05Z","exp":"2030-01-02T04:04:05Z"}`

	for _, mode := range modes {
		k := keygen(t, mode)
		v2 := strings.HasPrefix(mode, "v2")
		idName := "pid"
		if k["local"] != "" {
			idName = "lid"
		}
		kid := k[idName]
		cases := []struct {
			name        string
			issue       []string
			stdin       string
			verify      []string
			wantPayload string
			wantFooter  string
			skipV2      bool
			kid         bool // the default footer; the other cases give --no-kid
		}{
			{name: "plain", stdin: claims, wantPayload: wantPrefix + wantTimes},
			{name: "pretty input", stdin: "{\n  \"sub\": \"alice\",\n  \"n\": 1.50\n}\n",
				wantPayload: `{"sub":"alice","n":1.50,` + wantTimes},
			{name: "empty object", stdin: "{}", wantPayload: "{" + wantTimes},
			{name: "footer", issue: []string{"--footer", "plain footer"}, stdin: claims,
				wantPayload: wantPrefix + wantTimes, wantFooter: "plain footer"},
			{name: "implicit", issue: []string{"--implicit", "tenant-42"}, verify: []string{"--implicit", "tenant-42"},
				stdin: claims, wantPayload: wantPrefix + wantTimes, skipV2: true},
			{name: "kid", kid: true, stdin: claims,
				wantPayload: wantPrefix + wantTimes, wantFooter: `{"kid":"` + kid + `"}`},
			{name: "kid and footer", kid: true, issue: []string{"--footer", `{ "app": "x" }`}, stdin: claims,
				wantPayload: wantPrefix + wantTimes, wantFooter: `{"app":"x","kid":"` + kid + `"}`},
			{name: "exp", issue: []string{"--lifetime", "15m"}, stdin: `{"sub":"alice"}`,
				wantPayload: `{"sub":"alice","iat":"2030-01-02T03:04:05Z","exp":"2030-01-02T03:19:05Z"}`},
			{name: "raw", issue: []string{"--raw"}, stdin: " {\"sub\":\"alice\", \"n\":1e3}\n",
				wantPayload: `{"sub":"alice", "n":1e3}`},
			{name: "raw with times", issue: []string{"--raw"},
				stdin:       `{"exp":"2030-01-02T03:05:00+01:00","iat":"2030-01-01T00:00:00.5Z"}`,
				verify:      []string{"--no-time-check"},
				wantPayload: `{"exp":"2030-01-02T03:05:00+01:00","iat":"2030-01-01T00:00:00.5Z"}`},
			{name: "flags after arguments", stdin: claims, verify: []string{"--implicit", ""},
				wantPayload: wantPrefix + wantTimes},
		}
		for _, c := range cases {
			if c.skipV2 && v2 {
				continue
			}
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				issue := c.issue
				if !c.kid {
					issue = append([]string{"--no-kid"}, issue...)
				}
				token := mustRun(t, c.stdin, append([]string{"issue", "--key", k.issuer()}, issue...)...)
				if !strings.HasSuffix(token, "\n") || strings.Count(token, "\n") != 1 {
					t.Fatalf("issue output %q is not one line", token)
				}
				token = strings.TrimSuffix(token, "\n")
				if !strings.HasPrefix(token, mode+".") {
					t.Fatalf("token %q does not start with %s.", token, mode)
				}

				// Token as argument, flags before it.
				out := mustRun(t, "", append(append([]string{"verify", "--key", k.verifier()}, c.verify...), token)...)
				if out != c.wantPayload+"\n" {
					t.Errorf("verify: %q\nwant      %q", out, c.wantPayload+"\n")
				}
				// Token on stdin with white space, --json.
				out = mustRun(t, "\n  "+token+" \r\n", append([]string{"verify", "--json", "--key", k.verifier()}, c.verify...)...)
				footerJSON, _ := json.Marshal(c.wantFooter)
				var compact bytes.Buffer
				json.Compact(&compact, []byte(c.wantPayload))
				want := `{"payload": ` + compact.String() + `, "footer": ` + string(footerJSON) + "}\n"
				if strings.Contains(c.wantFooter, "<") {
					t.Fatal("test footers must not need HTML escaping")
				}
				if out != want {
					t.Errorf("verify --json: %q\nwant               %q", out, want)
				}
				// Flags after the token.
				out = mustRun(t, "", append([]string{"verify", token, "--key", k.verifier()}, c.verify...)...)
				if out != c.wantPayload+"\n" {
					t.Errorf("verify TOKEN --key: %q", out)
				}
				// A secret key verifies too, with its public half.
				if k["secret"] != "" {
					out = mustRun(t, "", append([]string{"verify", "--key", k["secret"], token}, c.verify...)...)
					if out != c.wantPayload+"\n" {
						t.Errorf("verify with secret key: %q", out)
					}
				}
				// The footer is what inspect shows too.
				ins := mustRun(t, "", "inspect", token)
				if c.wantFooter != "" && !strings.Contains(ins, "footer: "+c.wantFooter+"\n") {
					t.Errorf("inspect does not show footer %q:\n%s", c.wantFooter, ins)
				}
			})
		}
	}
}

func TestIssueKidIsFooterKeyID(t *testing.T) {
	for _, mode := range []string{"v4.public", "v3.local"} {
		k := keygen(t, mode)
		token := strings.TrimSpace(mustRun(t, `{}`, "issue", "--key", k.issuer()))
		u, err := paseto.Unverified(token)
		if err != nil {
			t.Fatal(err)
		}
		kid, err := paseto.FooterKeyID(u.UnverifiedFooter)
		if err != nil {
			t.Fatal(err)
		}
		want := k["pid"]
		if k["local"] != "" {
			want = k["lid"]
		}
		if kid != want {
			t.Errorf("%s: kid %q, want %q", mode, kid, want)
		}
	}
}

func TestIssueErrors(t *testing.T) {
	setClock(t, t0)
	pub := keygen(t, "v4.public")
	loc := keygen(t, "v4.local")
	v2 := keygen(t, "v2.public")
	v2l := keygen(t, "v2.local")
	const secretClaim = "s3cr3t-claim-value"
	secrets := []string{pub["secret"], body(pub["secret"]), loc["local"], body(loc["local"]),
		v2["secret"], body(v2["secret"]), v2l["local"], body(v2l["local"]), secretClaim}

	cases := []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{"public key", []string{"--key", pub["public"]}, `{"sub":"` + secretClaim + `"}`, 1,
			"pasetokit: rejected: wrong key: cannot issue with a public key"},
		{"v2 public with implicit", []string{"--key", v2["secret"], "--implicit", "x"}, `{}`, 2,
			"pasetokit: --implicit cannot be used with a v2 key"},
		{"v2 local with implicit", []string{"--key", v2l["local"], "--implicit", "x"}, `{}`, 2,
			"pasetokit: --implicit cannot be used with a v2 key"},
		{"duplicate keys", []string{"--key", loc["local"]}, `{"sub":"a","sub":"` + secretClaim + `"}`, 1,
			"pasetokit: rejected: invalid claims"},
		{"duplicate keys differing in case", []string{"--key", loc["local"]}, `{"role":"a","ROLE":"` + secretClaim + `"}`, 1,
			"pasetokit: rejected: invalid claims"},
		{"duplicate keys with --raw", []string{"--raw", "--key", pub["secret"]}, `{"a":1,"a":2}`, 1,
			"pasetokit: rejected: invalid claims"},
		{"array", []string{"--key", loc["local"]}, `["` + secretClaim + `"]`, 1, "pasetokit: rejected: invalid claims"},
		{"string", []string{"--key", loc["local"]}, `"` + secretClaim + `"`, 1, "pasetokit: rejected: invalid claims"},
		{"null", []string{"--key", loc["local"]}, `null`, 1, "pasetokit: rejected: invalid claims"},
		{"empty stdin", []string{"--key", loc["local"]}, ``, 1, "pasetokit: rejected: invalid claims"},
		{"not JSON", []string{"--key", loc["local"]}, `{"sub":` + secretClaim, 1, "pasetokit: rejected: invalid claims"},
		{"two objects", []string{"--key", loc["local"]}, `{}{}`, 1, "pasetokit: rejected: invalid claims"},
		{"raw array", []string{"--raw", "--key", loc["local"]}, `[1]`, 1, "pasetokit: rejected: invalid claims"},
		{"registered claim of wrong type", []string{"--key", loc["local"]}, `{"nbf":12345}`, 1,
			"pasetokit: rejected: invalid claims"},
		{"raw bad exp", []string{"--raw", "--key", loc["local"]}, `{"exp":"` + secretClaim + `"}`, 1,
			"pasetokit: rejected: invalid claims"},
		{"has iat", []string{"--key", loc["local"]}, `{"iat":"2030-01-01T00:00:00Z"}`, 2,
			"pasetokit: the claims on stdin already have an iat or exp"},
		{"has exp", []string{"--key", pub["secret"]}, `{"sub":"x","exp":"2030-01-01T00:00:00Z"}`, 2,
			"pasetokit: the claims on stdin already have an iat or exp"},
		// A registered claim name in another case is never a valid payload.
		{"has EXP", []string{"--key", pub["secret"]}, `{"EXP":"` + secretClaim + `"}`, 1,
			"pasetokit: rejected: invalid claims"},
		{"raw and exp", []string{"--raw", "--lifetime", "1h", "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --raw and --lifetime cannot be used together"},
		{"zero exp", []string{"--lifetime", "0s", "--key", loc["local"]}, `{}`, 2, "pasetokit: --lifetime must be positive"},
		{"negative exp", []string{"--lifetime", "-1h", "--key", loc["local"]}, `{}`, 2, "pasetokit: --lifetime must be positive"},
		{"bad exp", []string{"--lifetime", "soon", "--key", loc["local"]}, `{}`, 2, "pasetokit: invalid value"},
		{"kid and non-JSON footer", []string{"--footer", "plain", "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --footer must be a flat JSON object"},
		{"kid and nested footer", []string{"--footer", `{"a":{"b":1}}`, "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --footer must be a flat JSON object"},
		{"kid and footer with kid", []string{"--footer", `{"kid":"k4.lid.x"}`, "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --footer already has a kid"},
		{"kid and footer with KID", []string{"--footer", `{"KID":"x"}`, "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --footer must be a flat JSON object"},
		{"footer with a key as kid", []string{"--no-kid", "--footer", `{"kid":"` + loc["local"] + `"}`, "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --footer holds a PASERK key as kid"},
		{"footer too long", []string{"--footer", strings.Repeat("f", paseto.DefaultMaxFooterLength+1), "--key", loc["local"]}, `{}`, 2,
			"pasetokit: --footer is longer than"},
		{"payload too long for a token", []string{"--key", loc["local"]}, `{"a":"` + strings.Repeat("x", 70000) + `"}`, 1,
			"pasetokit: rejected: token too long"},
		{"stdin too large", []string{"--key", loc["local"]}, `{"a":"` + strings.Repeat("x", maxClaims) + `"}`, 1,
			"pasetokit: rejected: invalid claims: stdin is larger than"},
		{"missing key", nil, `{}`, 2, "pasetokit: missing --key"},
		{"empty key", []string{"--key", ""}, `{}`, 2, "pasetokit: missing --key"},
		{"invalid key", []string{"--key", "k4.local.AAAA"}, `{}`, 1, "pasetokit: rejected: invalid key"},
		{"key id as key", []string{"--key", loc["lid"]}, `{}`, 1, "pasetokit: rejected: invalid key"},
		{"k1 key", []string{"--key", "k1.local.AAAA"}, `{}`, 1, "pasetokit: rejected: invalid key"},
		{"not a key", []string{"--key", "hello"}, `{}`, 1, "pasetokit: rejected: invalid key"},
		{"version flag mismatch", []string{"--version", "v2", "--key", loc["local"]}, `{}`, 1,
			"pasetokit: rejected: wrong key: the key is v4 but --version is v2"},
		{"extra argument", []string{"--key", loc["local"], "extra"}, `{}`, 2, "pasetokit: too many arguments"},
		{"unknown flag", []string{"--key", loc["local"], "--bogus"}, `{}`, 2, "pasetokit: flag provided but not defined: -bogus"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, c.stdin, append([]string{"issue"}, c.args...)...)
			expectFail(t, r, c.code, c.stderr, secrets...)
			if strings.HasPrefix(c.stderr, "pasetokit: missing") && !strings.Contains(r.stderr, "usage: pasetokit issue") {
				t.Errorf("usage error without usage: %q", r.stderr)
			}
		})
	}
}

// tamper changes one character in the middle of the token body.
func tamper(token string) string {
	i := strings.Index(token, ".") + 1
	i = strings.Index(token[i:], ".") + i + 1 + 10
	b := []byte(token)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestVerifyErrors(t *testing.T) {
	setClock(t, t0)
	pub := keygen(t, "v4.public")
	pub2 := keygen(t, "v4.public")
	loc := keygen(t, "v4.local")
	loc2 := keygen(t, "v4.local")
	v3pub := keygen(t, "v3.public")
	v2loc := keygen(t, "v2.local")
	const secretClaim = "s3cr3t-claim-value"
	claims := `{"sub":"` + secretClaim + `"}`
	secrets := []string{pub["secret"], body(pub["secret"]), loc["local"], body(loc["local"]),
		loc2["local"], body(loc2["local"]), v3pub["secret"], body(v3pub["secret"]), v2loc["local"], body(v2loc["local"]), secretClaim}

	pubTok := strings.TrimSpace(mustRun(t, claims, "issue", "--key", pub["secret"], "--lifetime", "10m", "--no-kid", "--footer", "f-"+secretClaim))
	locTok := strings.TrimSpace(mustRun(t, claims, "issue", "--key", loc["local"], "--lifetime", "10m", "--implicit", "imp"))
	v2Tok := strings.TrimSpace(mustRun(t, claims, "issue", "--key", v2loc["local"]))
	nbfTok := strings.TrimSpace(mustRun(t, `{"nbf":"2030-01-02T04:00:00Z"}`, "issue", "--raw", "--key", pub["secret"]))
	sk, _ := paserk.Parse(pub["secret"])
	arrTok, _ := paseto.Sign(sk.(*paseto.SecretKey), []byte(`["`+secretClaim+`"]`), nil, nil)
	dupTok, _ := paseto.Sign(sk.(*paseto.SecretKey), []byte(`{"sub":"a","sub":"`+secretClaim+`"}`), nil, nil)
	badExpTok, _ := paseto.Sign(sk.(*paseto.SecretKey), []byte(`{"exp":1234567890}`), nil, nil)

	cases := []struct {
		name   string
		clock  time.Time
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{"expired", t0.Add(11 * time.Minute), []string{"--key", pub["public"], pubTok}, "", 1, "pasetokit: rejected: expired"},
		{"expired exactly at exp", t0.Add(10*time.Minute - 600), []string{"--key", pub["public"], pubTok}, "", 1, "pasetokit: rejected: expired"},
		{"expired local", t0.Add(time.Hour), []string{"--key", loc["local"], "--implicit", "imp", locTok}, "", 1, "pasetokit: rejected: expired"},
		{"issued in the future", t0.Add(-time.Minute), []string{"--key", pub["public"], pubTok}, "", 1, "pasetokit: rejected: issued in the future"},
		{"not yet valid", t0, []string{"--key", pub["public"], nbfTok}, "", 1, "pasetokit: rejected: not yet valid"},
		{"tampered public", t0, []string{"--key", pub["public"], tamper(pubTok)}, "", 1, "pasetokit: rejected: invalid signature"},
		{"tampered local", t0, []string{"--key", loc["local"], "--implicit", "imp", tamper(locTok)}, "", 1, "pasetokit: rejected: authentication failed"},
		{"other public key", t0, []string{"--key", pub2["public"], pubTok}, "", 1, "pasetokit: rejected: invalid signature"},
		{"other local key", t0, []string{"--key", loc2["local"], "--implicit", "imp", locTok}, "", 1, "pasetokit: rejected: authentication failed"},
		{"wrong implicit", t0, []string{"--key", loc["local"], "--implicit", "other", locTok}, "", 1, "pasetokit: rejected: authentication failed"},
		{"missing implicit", t0, []string{"--key", loc["local"], locTok}, "", 1, "pasetokit: rejected: authentication failed"},
		{"implicit on public", t0, []string{"--key", pub["public"], "--implicit", "x", pubTok}, "", 1, "pasetokit: rejected: invalid signature"},
		{"local key for public token", t0, []string{"--key", loc["local"], pubTok}, "", 1, "pasetokit: rejected: wrong key"},
		{"public key for local token", t0, []string{"--key", pub["public"], locTok}, "", 1, "pasetokit: rejected: wrong key"},
		{"v3 key for v4 token", t0, []string{"--key", v3pub["public"], pubTok}, "", 1, "pasetokit: rejected: wrong key"},
		{"v4 key for v2 token", t0, []string{"--key", loc["local"], v2Tok}, "", 1, "pasetokit: rejected: wrong key"},
		{"v2 with implicit", t0, []string{"--key", v2loc["local"], "--implicit", "x", v2Tok}, "", 2, "pasetokit: --implicit cannot be used with a v2 key"},
		{"malformed", t0, []string{"--key", pub["public"], "v4.public.!!!"}, "", 1, "pasetokit: rejected: malformed token"},
		{"malformed garbage", t0, []string{"--key", pub["public"], secretClaim}, "", 1, "pasetokit: rejected: malformed token"},
		{"empty footer", t0, []string{"--key", pub["public"], pubTok[:strings.LastIndex(pubTok, ".")+1]}, "", 1, "pasetokit: rejected: malformed token"},
		{"empty stdin", t0, []string{"--key", pub["public"]}, " \n", 1, "pasetokit: rejected: malformed token"},
		{"too long", t0, []string{"--key", pub["public"], "v4.public." + strings.Repeat("A", paseto.DefaultMaxTokenLength)}, "", 1, "pasetokit: rejected: token too long"},
		{"too long on stdin", t0, []string{"--key", pub["public"]}, "v4.public." + strings.Repeat("A", maxTokenInput), 1, "pasetokit: rejected: token too long"},
		{"v1", t0, []string{"--key", pub["public"], "v1.public.AAAA"}, "", 1, "pasetokit: rejected: unsupported version"},
		{"array payload", t0, []string{"--key", pub["public"], arrTok}, "", 1, "pasetokit: rejected: invalid claims"},
		{"duplicate keys in payload", t0, []string{"--key", pub["public"], dupTok}, "", 1, "pasetokit: rejected: invalid claims"},
		{"exp of wrong type", t0, []string{"--no-time-check", "--key", pub["public"], badExpTok}, "", 1, "pasetokit: rejected: invalid claims"},
		{"invalid key", t0, []string{"--key", "k4.public.AAAA", pubTok}, "", 1, "pasetokit: rejected: invalid key"},
		{"missing key", t0, []string{pubTok}, "", 2, "pasetokit: missing --key"},
		{"two tokens", t0, []string{"--key", pub["public"], pubTok, pubTok}, "", 2, "pasetokit: too many arguments"},
		{"unknown flag", t0, []string{"--key", pub["public"], "--leeway", "5s", pubTok}, "", 2, "pasetokit: flag provided but not defined: -leeway"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setClock(t, c.clock)
			r := runCLI(t, c.stdin, append([]string{"verify"}, c.args...)...)
			expectFail(t, r, c.code, c.stderr, secrets...)
			if c.code == 1 && strings.Contains(r.stderr, "f-"+secretClaim) {
				t.Errorf("stderr %q holds the footer", r.stderr)
			}
		})
	}

	// --no-time-check accepts what the clock rejects.
	for _, tc := range []struct {
		clock time.Time
		tok   string
	}{{t0.Add(time.Hour), pubTok}, {t0.Add(-time.Hour), pubTok}, {t0, nbfTok}} {
		setClock(t, tc.clock)
		if out := mustRun(t, "", "verify", "--no-time-check", "--key", pub["public"], tc.tok); !strings.HasPrefix(out, "{") {
			t.Errorf("--no-time-check: %q", out)
		}
	}
	// Just before exp and just at iat the token is valid: no leeway is needed.
	for _, c := range []time.Time{t0.Add(10*time.Minute - time.Second), t0.Truncate(time.Second)} {
		setClock(t, c)
		mustRun(t, "", "verify", "--key", pub["public"], pubTok)
	}
}

func TestInspect(t *testing.T) {
	setClock(t, t0)
	pub := keygen(t, "v4.public")
	loc := keygen(t, "v3.local")
	pubTok := strings.TrimSpace(mustRun(t, `{"sub":"alice"}`, "issue", "--key", pub["secret"]))
	locTok := strings.TrimSpace(mustRun(t, `{"sub":"hidden-subject"}`, "issue", "--no-kid", "--key", loc["local"]))

	out := mustRun(t, "", "inspect", pubTok)
	want := "version: v4\npurpose: public\n" +
		`footer: {"kid":"` + pub["pid"] + `"}` + "\n" +
		"kid: " + pub["pid"] + "\n" +
		`payload (UNVERIFIED: signature not checked): {"sub":"alice","iat":"2030-01-02T03:04:05Z","exp":"2030-01-02T04:04:05Z"}` + "\n" +
		"note: nothing above is verified\n"
	if out != want {
		t.Errorf("inspect public:\n%s\nwant:\n%s", out, want)
	}

	// From stdin; a local token's payload stays hidden.
	out = mustRun(t, locTok+"\n", "inspect")
	if !strings.HasPrefix(out, "version: v3\npurpose: local\nfooter: (none)\npayload: (encrypted") {
		t.Errorf("inspect local:\n%s", out)
	}
	if strings.Contains(out, "hidden-subject") {
		t.Error("inspect printed an encrypted payload")
	}

	// A tampered public token is still inspected: nothing is verified.
	if r := runCLI(t, "", "inspect", tamper(pubTok)); r.code != 0 || !strings.Contains(r.stdout, "UNVERIFIED") {
		t.Errorf("inspect tampered: exit %d, %q", r.code, r.stdout)
	}

	// Control characters are quoted, not sent to the terminal.
	sk, _ := paserk.Parse(pub["secret"])
	evil, _ := paseto.Sign(sk.(*paseto.SecretKey), []byte("{\"a\":\"\x1b[2J\"}"), []byte("x\x1b]0;pwned\x07\ny"), nil)
	out = mustRun(t, "", "inspect", evil)
	if strings.ContainsAny(out, "\x1b\x07") {
		t.Errorf("inspect printed control characters: %q", out)
	}
	if !strings.Contains(out, `footer: "x\x1b]0;pwned\a\ny"`) {
		t.Errorf("inspect footer not quoted: %q", out)
	}
	// A footer whose kid holds a key is flagged.
	keyFooter, _ := paseto.Sign(sk.(*paseto.SecretKey), []byte(`{}`), []byte(`{"kid":"`+loc["local"]+`"}`), nil)
	if out := mustRun(t, "", "inspect", keyFooter); !strings.Contains(out, "warning: the footer's kid holds a key") {
		t.Errorf("inspect does not warn about a key in the footer: %q", out)
	}

	for _, c := range []struct {
		name   string
		args   []string
		stdin  string
		code   int
		stderr string
	}{
		{"malformed", []string{"v4.public.%%%"}, "", 1, "pasetokit: rejected: malformed token"},
		{"short body", []string{"v4.public.AAAA"}, "", 1, "pasetokit: rejected: malformed token"},
		{"v1", []string{"v1.local.AAAA"}, "", 1, "pasetokit: rejected: unsupported version"},
		{"empty stdin", nil, "", 1, "pasetokit: rejected: malformed token"},
		{"two tokens", []string{pubTok, pubTok}, "", 2, "pasetokit: too many arguments"},
		{"flag", []string{"--key", "x", pubTok}, "", 2, "pasetokit: flag provided but not defined: -key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectFail(t, runCLI(t, c.stdin, append([]string{"inspect"}, c.args...)...), c.code, c.stderr)
		})
	}
}

func TestPaserkCommands(t *testing.T) {
	dir := t.TempDir()
	for _, mode := range modes {
		t.Run(mode, func(t *testing.T) {
			k := keygen(t, mode)
			if k["local"] != "" {
				if got := mustRun(t, "", "paserk", "id", k["local"]); got != k["lid"]+"\n" {
					t.Errorf("id: %q, want %q", got, k["lid"])
				}
				r := runCLI(t, "", "paserk", "to-pem", k["local"])
				expectFail(t, r, 1, "pasetokit: rejected: wrong key: a local key has no PEM form", k["local"], body(k["local"]))
				r = runCLI(t, "", "paserk", "public", k["local"])
				expectFail(t, r, 1, "pasetokit: rejected: wrong key: want a secret key", k["local"], body(k["local"]))
				return
			}
			if got := mustRun(t, "", "paserk", "id", k["secret"]); got != k["sid"]+"\n" {
				t.Errorf("id secret: %q, want %q", got, k["sid"])
			}
			if got := mustRun(t, "", "paserk", "id", k["public"]); got != k["pid"]+"\n" {
				t.Errorf("id public: %q, want %q", got, k["pid"])
			}
			if got := mustRun(t, "", "paserk", "public", k["secret"]); got != k["public"]+"\n" {
				t.Errorf("public: %q, want %q", got, k["public"])
			}
			expectFail(t, runCLI(t, "", "paserk", "public", k["public"]), 1, "pasetokit: rejected: wrong key")

			// to-pem and back through from-pem.
			version := "--version=" + mode[:2]
			for _, name := range []string{"secret", "public"} {
				p := mustRun(t, "", "paserk", "to-pem", k[name])
				wantType := "PRIVATE KEY"
				if name == "public" {
					wantType = "PUBLIC KEY"
				}
				block, rest := pem.Decode([]byte(p))
				if block == nil || block.Type != wantType || len(rest) != 0 {
					t.Fatalf("to-pem %s: %q", name, p)
				}
				file := filepath.Join(dir, mode+"."+name+".pem")
				if err := os.WriteFile(file, []byte(p), 0o600); err != nil {
					t.Fatal(err)
				}
				args := []string{"paserk", "from-pem", "@" + file}
				if mode[:2] != "v3" {
					args = append(args, version)
				}
				if got := mustRun(t, "", args...); got != k[name]+"\n" {
					t.Errorf("from-pem %s: %q, want %q", name, got, k[name])
				}
				// A key file can hold a PASERK too, with white space around.
				pf := filepath.Join(dir, mode+"."+name+".paserk")
				os.WriteFile(pf, []byte("\n "+k[name]+"\n\n"), 0o600)
				if got := mustRun(t, "", "paserk", "id", "@"+pf); got != k[map[string]string{"secret": "sid", "public": "pid"}[name]]+"\n" {
					t.Errorf("id @file: %q", got)
				}
				expectFail(t, runCLI(t, "", "paserk", "from-pem", "@"+pf), 1, "pasetokit: rejected: invalid key: not a PEM key", k["secret"])
			}
		})
	}

	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no subcommand", nil, 2, "pasetokit: missing paserk subcommand"},
		{"unknown subcommand", []string{"seal"}, 2, `pasetokit: unknown paserk subcommand "seal"`},
		{"missing key", []string{"id"}, 2, "pasetokit: missing argument"},
		{"two keys", []string{"id", "a", "b"}, 2, "pasetokit: too many arguments"},
		{"bad version", []string{"from-pem", "--version", "v3", "@x"}, 2, `pasetokit: invalid value "v3" for flag -version`},
		{"missing file", []string{"from-pem", "@" + filepath.Join(dir, "nope.pem")}, 1, "pasetokit: reading key file:"},
		{"empty file name", []string{"id", "@"}, 2, "pasetokit: missing file name after @"},
		{"invalid key", []string{"id", "k4.secret.AAAA"}, 1, "pasetokit: rejected: invalid key"},
		{"wrapped key", []string{"id", "k4.local-wrap.pie.AAAA"}, 1, "pasetokit: rejected: invalid key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			expectFail(t, runCLI(t, "", append([]string{"paserk"}, c.args...)...), c.code, c.stderr)
		})
	}
	if r := runCLI(t, "", "paserk", "help"); r.code != 0 || !strings.Contains(r.stdout, "from-pem") {
		t.Errorf("paserk help: exit %d, %q", r.code, r.stdout)
	}
}

// writePEM writes a PEM block to a new file in dir and returns "@" + its
// name.
func writePEM(t *testing.T, dir, name, typ string, der []byte) string {
	t.Helper()
	file := filepath.Join(dir, name)
	// Surrounding white space is ignored.
	data := append([]byte("\n"), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})...)
	if err := os.WriteFile(file, append(data, "\n\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	return "@" + file
}

func TestPEMKeys(t *testing.T) {
	setClock(t, t0)
	dir := t.TempDir()

	// Ed25519: PKCS#8 private key and PKIX public key.
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(edPriv)
	edSecretFile := writePEM(t, dir, "ed.pem", "PRIVATE KEY", der)
	der, _ = x509.MarshalPKIXPublicKey(edPub)
	edPublicFile := writePEM(t, dir, "ed.pub.pem", "PUBLIC KEY", der)

	// P-384: PKCS#8 and SEC1 private keys, PKIX public key.
	ecPriv, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	der, _ = x509.MarshalPKCS8PrivateKey(ecPriv)
	ecPKCS8File := writePEM(t, dir, "ec.pem", "PRIVATE KEY", der)
	der, _ = x509.MarshalECPrivateKey(ecPriv)
	ecSEC1File := writePEM(t, dir, "ec.sec1.pem", "EC PRIVATE KEY", der)
	der, _ = x509.MarshalPKIXPublicKey(&ecPriv.PublicKey)
	ecPublicFile := writePEM(t, dir, "ec.pub.pem", "PUBLIC KEY", der)

	// P-256 is not a PASETO key.
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ = x509.MarshalPKCS8PrivateKey(p256)
	p256File := writePEM(t, dir, "p256.pem", "PRIVATE KEY", der)
	der, _ = x509.MarshalECPrivateKey(p256)
	p256SEC1File := writePEM(t, dir, "p256.sec1.pem", "EC PRIVATE KEY", der)

	// The PASERKs the PEM files must convert to.
	v4sk, _ := paseto.NewSecretKeyFromSeed(paseto.V4, edPriv.Seed())
	v2sk, _ := paseto.NewSecretKeyFromSeed(paseto.V2, edPriv.Seed())
	ecBytes, _ := ecPriv.Bytes()
	v3sk, _ := paseto.NewSecretKey(paseto.V3, ecBytes)
	enc := func(k paseto.Key) string { s, _ := paserk.Encode(k); return s }

	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"ed25519 default v4", []string{edSecretFile}, enc(v4sk)},
		{"ed25519 v4", []string{"--version", "v4", edSecretFile}, enc(v4sk)},
		{"ed25519 v2", []string{edSecretFile, "--version", "v2"}, enc(v2sk)},
		{"ed25519 public v2", []string{"--version=v2", edPublicFile}, enc(v2sk.Public())},
		{"ed25519 public default v4", []string{edPublicFile}, enc(v4sk.Public())},
		{"p384 pkcs8", []string{ecPKCS8File}, enc(v3sk)},
		{"p384 sec1", []string{ecSEC1File}, enc(v3sk)},
		{"p384 public", []string{ecPublicFile}, enc(v3sk.Public())},
	} {
		t.Run("from-pem/"+c.name, func(t *testing.T) {
			if got := mustRun(t, "", append([]string{"paserk", "from-pem"}, c.args...)...); got != c.want+"\n" {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}

	// Round trips with PEM keys: the token header shows the version.
	for _, c := range []struct {
		name           string
		issue, verify  []string
		wantHeader     string
		verifyWithPASE string
	}{
		{"ed25519 v4", []string{"--key", edSecretFile}, []string{"--key", edPublicFile}, "v4.public.", enc(v4sk.Public())},
		{"ed25519 v2", []string{"--key", edSecretFile, "--version", "v2"}, []string{"--key", edPublicFile, "--version", "v2"}, "v2.public.", enc(v2sk.Public())},
		{"p384 pkcs8", []string{"--key", ecPKCS8File, "--implicit", "i"}, []string{"--key", ecPublicFile, "--implicit", "i"}, "v3.public.", enc(v3sk.Public())},
		{"p384 sec1", []string{"--key", ecSEC1File}, []string{"--key", ecSEC1File}, "v3.public.", enc(v3sk.Public())},
	} {
		t.Run("roundtrip/"+c.name, func(t *testing.T) {
			token := strings.TrimSpace(mustRun(t, `{"sub":"pem"}`, append([]string{"issue"}, c.issue...)...))
			if !strings.HasPrefix(token, c.wantHeader) {
				t.Fatalf("token %q, want header %s", token, c.wantHeader)
			}
			want := `{"sub":"pem","iat":"2030-01-02T03:04:05Z","exp":"2030-01-02T04:04:05Z"}` + "\n"
			if got := mustRun(t, "", append(append([]string{"verify"}, c.verify...), token)...); got != want {
				t.Errorf("verify: %q", got)
			}
			vargs := []string{"verify", "--key", c.verifyWithPASE, token}
			if len(c.issue) > 2 && c.issue[2] == "--implicit" {
				vargs = append(vargs, "--implicit", "i")
			}
			if got := mustRun(t, "", vargs...); got != want {
				t.Errorf("verify with PASERK: %q", got)
			}
		})
	}

	// An Ed25519 PEM key read as v4 does not verify v2 tokens.
	v2tok := strings.TrimSpace(mustRun(t, `{}`, "issue", "--version", "v2", "--key", edSecretFile))
	expectFail(t, runCLI(t, "", "verify", "--key", edPublicFile, v2tok), 1, "pasetokit: rejected: wrong key")

	// to-pem of a PEM key gives back PKCS#8 / PKIX.
	if got := mustRun(t, "", "paserk", "to-pem", ecSEC1File); !strings.HasPrefix(got, "-----BEGIN PRIVATE KEY-----\n") {
		t.Errorf("to-pem of SEC1: %q", got)
	}

	// Failures.
	big := filepath.Join(dir, "big.pem")
	os.WriteFile(big, bytes.Repeat([]byte("A"), maxKeyFile+1), 0o600)
	garbage := writePEM(t, dir, "garbage.pem", "PRIVATE KEY", []byte("not DER"))
	cert := writePEM(t, dir, "cert.pem", "CERTIFICATE", []byte("x"))
	two := filepath.Join(dir, "two.pem")
	a, _ := os.ReadFile(edSecretFile[1:])
	b, _ := os.ReadFile(ecPKCS8File[1:])
	os.WriteFile(two, append(a, b...), 0o600)
	edSecretPEM := strings.TrimSpace(string(a))
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"p384 with --version", []string{"paserk", "from-pem", "--version", "v4", ecPKCS8File}, 1,
			"pasetokit: rejected: wrong key: the key is v3 but --version is v4"},
		{"p384 public with --version", []string{"paserk", "from-pem", "--version", "v2", ecPublicFile}, 1,
			"pasetokit: rejected: wrong key: the key is v3 but --version is v2"},
		{"--version v3", []string{"paserk", "from-pem", "--version", "v3", ecPKCS8File}, 2, `pasetokit: invalid value "v3" for flag -version`},
		{"p256 pkcs8", []string{"paserk", "from-pem", p256File}, 1, "pasetokit: rejected: invalid key"},
		{"p256 sec1", []string{"paserk", "from-pem", p256SEC1File}, 1, "pasetokit: rejected: invalid key"},
		{"file too large", []string{"paserk", "from-pem", "@" + big}, 1, "pasetokit: rejected: invalid key: key file larger than"},
		{"not DER", []string{"paserk", "from-pem", garbage}, 1, "pasetokit: rejected: invalid key: not a valid Ed25519 or P-384 PEM key"},
		{"certificate", []string{"paserk", "from-pem", cert}, 1, "pasetokit: rejected: invalid key: not a valid Ed25519 or P-384 PEM key"},
		{"two PEM blocks", []string{"paserk", "from-pem", "@" + two}, 1, "pasetokit: rejected: invalid key"},
		{"PEM public key to issue", []string{"issue", "--key", edPublicFile}, 1, "pasetokit: rejected: wrong key: cannot issue with a public key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, `{}`, c.args...)
			expectFail(t, r, c.code, c.stderr, edSecretPEM, body(enc(v4sk)), body(enc(v3sk)))
		})
	}
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"no arguments", nil, 2, "pasetokit: missing command"},
		{"unknown command", []string{"sign"}, 2, `pasetokit: unknown command "sign"`},
		{"unknown flag before command", []string{"--verbose"}, 2, `pasetokit: unknown command "--verbose"`},
		{"keygen without mode", []string{"keygen"}, 2, "pasetokit: missing argument"},
		{"keygen bad mode", []string{"keygen", "v1.local"}, 2, `pasetokit: unknown key type "v1.local"`},
		{"keygen bad purpose", []string{"keygen", "v4.secret"}, 2, `pasetokit: unknown key type "v4.secret"`},
		{"keygen two modes", []string{"keygen", "v4.local", "v4.public"}, 2, "pasetokit: too many arguments"},
		{"keygen unknown flag", []string{"keygen", "--pem", "v4.local"}, 2, "pasetokit: flag provided but not defined: -pem"},
		{"missing key", []string{"verify", "v4.public.x"}, 2, "pasetokit: missing --key"},
		{"flag without value", []string{"verify", "--key"}, 2, "pasetokit: flag needs an argument: -key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", c.args...)
			expectFail(t, r, c.code, c.stderr)
			if !strings.Contains(r.stderr, "usage: pasetokit") {
				t.Errorf("no usage on stderr: %q", r.stderr)
			}
		})
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"help", "issue"}, {"issue", "-h"}, {"verify", "--help"},
		{"keygen", "-h"}, {"inspect", "-h"}, {"paserk", "-h"}, {"paserk", "to-pem", "-h"}} {
		r := runCLI(t, "", args...)
		if r.code != 0 || r.stderr != "" || !strings.HasPrefix(r.stdout, "usage: pasetokit") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := runCLI(t, "", "help"); !strings.Contains(r.stdout, "paserk from-pem") || !strings.Contains(r.stdout, "Exit status") {
		t.Errorf("help is incomplete: %q", r.stdout)
	}
	if r := runCLI(t, "", "issue", "-h"); !strings.Contains(r.stdout, "-no-kid") || !strings.Contains(r.stdout, "-raw") {
		t.Errorf("issue -h does not list the flags: %q", r.stdout)
	}
	// "--" ends the flags, unless it is the value of a flag.
	k := keygen(t, "v4.local")
	tok := strings.TrimSpace(mustRun(t, `{}`, "issue", "--key", k["local"]))
	mustRun(t, "", "verify", "--key", k["local"], "--", tok)
	tok = strings.TrimSpace(mustRun(t, `{}`, "issue", "--implicit", "--", "--key", k["local"]))
	mustRun(t, "", "verify", "--implicit", "--", tok, "--key", k["local"])
	expectFail(t, runCLI(t, "", "verify", "--key", k["local"], "--", tok, "--implicit", "--"), 2, "pasetokit: too many arguments")

	// A key given where it does not belong is not echoed.
	for _, args := range [][]string{
		{k["local"]},
		{"keygen", k["local"]},
		{"issue", "--lifetime", k["local"]},
		{"verify", "--version=" + k["local"], "--key", k["local"]},
		{"paserk", k["local"]},
	} {
		r := runCLI(t, "", args...)
		expectFail(t, r, 2, "pasetokit: ", k["local"], body(k["local"]))
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteError(t *testing.T) {
	var errb bytes.Buffer
	if code := run([]string{"keygen", "v4.local"}, strings.NewReader(""), failingWriter{}, &errb); code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	if !strings.HasPrefix(errb.String(), "pasetokit: ") || strings.Contains(errb.String(), "k4.local.") {
		t.Errorf("stderr %q", errb.String())
	}
}

// TestBinary builds the command and runs a round trip through os/exec, to
// check main's wiring of arguments, streams and exit statuses.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pasetokit")
	build := exec.Command(goTool, "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	exe := func(stdin string, args ...string) (int, string, string) {
		cmd := exec.Command(bin, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return code, out.String(), errb.String()
	}

	code, out, _ := exe("", "keygen", "--json", "v4.public")
	if code != 0 {
		t.Fatalf("keygen: exit %d", code)
	}
	var k struct{ Secret, Public, Sid, Pid string }
	if err := json.Unmarshal([]byte(out), &k); err != nil {
		t.Fatal(err)
	}
	skFile := filepath.Join(dir, "secret.paserk")
	os.WriteFile(skFile, []byte(k.Secret+"\n"), 0o600)

	code, token, errs := exe(`{"sub":"alice","role":"admin"}`, "issue", "--key", "@"+skFile)
	if code != 0 {
		t.Fatalf("issue: exit %d, %s", code, errs)
	}
	code, out, errs = exe(token, "verify", "--key", k.Public)
	if code != 0 || !strings.HasPrefix(out, `{"sub":"alice","role":"admin","iat":"`) {
		t.Fatalf("verify: exit %d, %q, %s", code, out, errs)
	}
	code, out, _ = exe("", "inspect", strings.TrimSpace(token))
	if code != 0 || !strings.Contains(out, "kid: "+k.Pid) {
		t.Errorf("inspect: exit %d, %q", code, out)
	}
	code, out, errs = exe("", "verify", "--key", k.Public, tamper(strings.TrimSpace(token)))
	if code != 1 || out != "" || errs != "pasetokit: rejected: invalid signature\n" {
		t.Errorf("tampered: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, _, errs = exe("", "frobnicate"); code != 2 || !strings.HasPrefix(errs, `pasetokit: unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
	if code, out, _ = exe("", "help"); code != 0 || !strings.HasPrefix(out, "usage:") {
		t.Errorf("help: exit %d", code)
	}
}
