package main

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pasetokit/pasetokit/internal/flasktest"
)

// TestFlaskSessionCarriesOver: a browser with the session cookie of the
// Flask original (Flask-PASETO-Extended's PasetoCookieSessionInterface,
// flask_paseto_extended/cookie_session.py: v4.local under the SECRET_KEY
// bytes, no footer, Flask's tagged JSON of the session) sees its user and
// count on GET /state and leaves with this server's cookie only.
func TestFlaskSessionCarriesOver(t *testing.T) {
	flaskSecret := []byte("super secret string") // the Flask-PASETO-Extended README's secret_key
	h, err := newHandler(nil, flaskSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c := newClient(t)
	u, _ := url.Parse(srv.URL)
	old := flasktest.SessionCookie(flaskSecret, `{"user":"alice","count":5}`)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "session", Value: old, Path: "/"}})

	st := getState(t, c, srv.URL)
	if st.User != "alice" || st.Count < 5 {
		t.Fatalf("after the port: %+v", st)
	}
	cs := c.Jar.Cookies(u)
	if len(cs) != 1 || cs[0].Name != "session" || cs[0].Value == old || strings.Count(cs[0].Value, ".") != 3 {
		t.Fatalf("want our cookie only, got %v", cs)
	}
	// The next request runs on our cookie alone.
	if st2 := getState(t, c, srv.URL); st2.User != "alice" || st2.Count != st.Count+1 {
		t.Fatalf("second request: %+v", st2)
	}
}

// TestFlaskSecretFileFlag runs the command with -flask-secret-file.
func TestFlaskSecretFileFlag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "cookie_session")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	file := filepath.Join(dir, "flask.key")
	os.WriteFile(file, []byte("super secret string"), 0o600)
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-flask-secret-file", filepath.Join(dir, "missing"))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "-flask-secret-file") {
		t.Fatalf("missing file: %v %s", err, out)
	}
	cmd = exec.Command(bin, "-addr", "127.0.0.1:0", "-flask-secret-file", file)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(pipe).ReadString('\n')
	if err != nil || !strings.Contains(line, "listening on") {
		t.Fatalf("did not start: %q %v", line, err)
	}
}
