package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRingCommands(t *testing.T) {
	setClock(t, t0)
	dir := t.TempDir()
	wrap := keygen(t, "v4.local")["local"]
	wrapFile := filepath.Join(dir, "wrap.paserk")
	if err := os.WriteFile(wrapFile, []byte(wrap+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "ring.json")
	flags := []string{"--file", file, "--wrap-key", "@" + wrapFile, "--retain-for", "2h", "--rotate-every", "24h", "--publish-ahead", "1h"}
	ring := func(sub string, extra ...string) result {
		return runCLI(t, "", append(append([]string{"ring", sub}, flags...), extra...)...)
	}

	// list and rotate need the file.
	expectFail(t, ring("list"), 1, "pasetokit: ")
	out := mustRun(t, "", append([]string{"ring", "init"}, flags...)...)
	if !strings.HasPrefix(out, "created "+file+": current key k4.pid.") {
		t.Fatalf("init: %q", out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "k4.secret.") || strings.Contains(string(data), body(wrap)) {
		t.Fatal("the ring file holds a plaintext key")
	}
	expectFail(t, ring("init"), 1, "pasetokit: rejected: ring exists")

	out = mustRun(t, "", append([]string{"ring", "list"}, flags...)...)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], " current published=2030-01-02T03:04:05Z") ||
		lines[1] != "next rotation: 2030-01-03T03:04:05Z" {
		t.Fatalf("list:\n%s", out)
	}

	out = mustRun(t, "", append([]string{"ring", "rotate"}, flags...)...)
	if !strings.HasPrefix(out, "next key k4.pid.") || !strings.HasSuffix(out, " becomes current at 2030-01-02T04:04:05Z\n") {
		t.Fatalf("rotate: %q", out)
	}
	next := strings.Fields(out)[2]
	out = mustRun(t, "", append([]string{"ring", "list"}, flags...)...)
	if !strings.HasPrefix(out, next+" next ") || !strings.Contains(out, "\nnext rotation: 2030-01-02T04:04:05Z\n") {
		t.Fatalf("list after rotate:\n%s", out)
	}

	// An hour later the next key is current; the old one is retired.
	setClock(t, t0.Add(time.Hour))
	out = mustRun(t, "", append([]string{"ring", "list"}, flags...)...)
	lines = strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], next+" current ") || !strings.Contains(lines[1], " retired ") {
		t.Fatalf("list an hour later:\n%s", out)
	}

	// Another wrapping key cannot read the file, and leaves it alone.
	other := keygen(t, "v4.local")["local"]
	r := runCLI(t, "", "ring", "list", "--file", file, "--wrap-key", other, "--retain-for", "2h", "--rotate-every", "24h", "--publish-ahead", "1h")
	expectFail(t, r, 1, "pasetokit: rejected: wrong wrapping key or password", body(other), body(wrap))
	if after, _ := os.ReadFile(file); len(after) == 0 {
		t.Fatal("the file was emptied")
	}

	// Usage errors.
	expectFail(t, runCLI(t, "", "ring"), 2, "pasetokit: missing ring command")
	expectFail(t, runCLI(t, "", "ring", "spin"), 2, `pasetokit: unknown ring command "spin"`)
	expectFail(t, runCLI(t, "", "ring", "list", "--retain-for", "1h", "--wrap-key", wrap), 2, "pasetokit: --file is required", body(wrap))
	expectFail(t, runCLI(t, "", "ring", "list", "--file", file, "--wrap-key", wrap), 2, "pasetokit: --retain-for is required", body(wrap))
	t.Setenv(ringPasswordEnv, "")
	expectFail(t, runCLI(t, "", "ring", "list", "--file", file, "--retain-for", "2h"), 2, "pasetokit: give --wrap-key")
	expectFail(t, runCLI(t, "", "ring", "init", "--file", filepath.Join(dir, "x.json"), "--wrap-key", wrap, "--retain-for", "1h", "--rotate-every", "1h", "--publish-ahead", "2h"), 2,
		"pasetokit: keyring: invalid configuration: Policy.PublishAhead", body(wrap))
	// A secret key is not a wrapping key.
	sk := keygen(t, "v4.public")["secret"]
	expectFail(t, runCLI(t, "", "ring", "init", "--file", filepath.Join(dir, "y.json"), "--wrap-key", sk, "--retain-for", "1h"), 1,
		"pasetokit: rejected: wrong key", body(sk))
}

// A ring of local keys with a password from the environment.
func TestRingPassword(t *testing.T) {
	setClock(t, t0)
	file := filepath.Join(t.TempDir(), "cookies.json")
	t.Setenv(ringPasswordEnv, "correct horse battery staple")
	out := mustRun(t, "", "ring", "init", "--file", file, "--purpose", "local", "--retain-for", "720h")
	if !strings.Contains(out, "current key k4.lid.") {
		t.Fatalf("init: %q", out)
	}
	t.Setenv(ringPasswordEnv, "wrong")
	expectFail(t, runCLI(t, "", "ring", "list", "--file", file, "--purpose", "local", "--retain-for", "720h"), 1,
		"pasetokit: rejected: wrong wrapping key or password", "correct horse")
}
