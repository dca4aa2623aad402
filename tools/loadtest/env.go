package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/pasetokit/pasetokit/tools/loadtest/internal/procs"
)

// env is what every mode uses: a temporary directory, the demo binary, and
// this program's own binary (which serves the bench's bare handler).
type env struct {
	dir     string
	demoBin string
	self    string
}

// newEnv builds the demo with go build unless demoBin names a binary.
func newEnv(demoBin string) (*env, error) {
	dir, err := os.MkdirTemp("", "loadtest-")
	if err != nil {
		return nil, err
	}
	e := &env{dir: dir, demoBin: demoBin}
	if e.self, err = os.Executable(); err != nil {
		return nil, err
	}
	if e.demoBin == "" {
		fmt.Printf("building %s\n", procs.DemoPackage)
		if e.demoBin, err = procs.GoBuild(context.Background(), procs.DemoPackage, dir); err != nil {
			e.close()
			return nil, err
		}
	}
	return e, nil
}

func (e *env) close() { os.RemoveAll(e.dir) }

// running is a demo process and the tokens its clients logged in with.
type running struct {
	demo  *procs.Demo
	setup *client // the client that logged in; the caller closes it
	toks  []token
}

// startDemo starts a demo process (cfg.Bin is filled in) and logs n
// clients in over setupConns connections. The caller stops r.demo and
// closes r.setup.
func (e *env) startDemo(name string, cfg procs.DemoConfig, n, setupConns int) (*running, error) {
	cfg.Bin = e.demoBin
	d, err := procs.StartDemo(name, cfg)
	if err != nil {
		return nil, err
	}
	r := &running{demo: d, setup: newClient(d.URL, setupConns)}
	if r.toks, err = r.setup.loginAll(n); err != nil {
		r.setup.close()
		_ = d.Kill()
		return nil, fmt.Errorf("%w\n%s", err, d.Log())
	}
	return r, nil
}

// rotationLine is what the demo logs on each POST /admin/rotate: expected
// in a soak.
var rotationLine = regexp.MustCompile(`rotation started: access-token key`)

// logFailure is a failure line for what a demo logged while serving, other
// than the lines matching expected (nil: none), or "".
func logFailure(d *procs.Demo, expected *regexp.Regexp) string {
	lines := d.LogLines(expected)
	if len(lines) == 0 {
		return ""
	}
	return fmt.Sprintf("%s logged %d lines, the first: %s", d.Name, len(lines), strings.Join(lines[:min(3, len(lines))], " | "))
}
