// Package procs starts, stops, kills and restarts the processes a load run
// drives: demo processes (examples/demo, built with go build), Redis
// servers, and any other server that prints the address it listens on.
// Every process is a real OS process on 127.0.0.1; its standard error is
// kept, line by line, for checks and for failure reports.
//
// A fleet run (several demo processes on one Redis, resource servers
// following their key sets, one demo process killed and restarted, Redis
// restarted) is a list of these: each can be stopped (SIGTERM), killed
// (SIGKILL) and started again on the same address with the same flags.
package procs

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Process is one run of a child process. Its standard output and error are
// read line by line into its log.
type Process struct {
	Name string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // the exit status, once done is closed

	mu    sync.Mutex
	lines []string
	grew  chan struct{} // closed and replaced when a line arrives
}

// Start starts bin with args. name names the process in errors and logs.
func Start(name, bin string, args ...string) (*Process, error) {
	p := &Process{Name: name, done: make(chan struct{}), grew: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	dieWithParent(p.cmd)
	pr, pw := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = pw, pw
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	read := make(chan struct{})
	go func() {
		p.read(pr)
		close(read)
	}()
	go func() {
		p.err = p.cmd.Wait()
		pw.Close()
		<-read
		close(p.done)
	}()
	return p, nil
}

func (p *Process) read(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		p.mu.Lock()
		p.lines = append(p.lines, sc.Text())
		close(p.grew)
		p.grew = make(chan struct{})
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r) // after a line too long: keep the process unblocked
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Lines returns the lines logged so far.
func (p *Process) Lines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// Log returns the log so far, for a failure report.
func (p *Process) Log() string { return strings.Join(p.Lines(), "\n") }

// WaitLog waits until a line matches re and returns its submatches; it
// fails when the process exits first or timeout passes.
func (p *Process) WaitLog(re *regexp.Regexp, timeout time.Duration) ([]string, error) {
	deadline := time.After(timeout)
	seen := 0
	for {
		p.mu.Lock()
		lines, grew := p.lines[seen:], p.grew
		seen = len(p.lines)
		p.mu.Unlock()
		for _, l := range lines {
			if m := re.FindStringSubmatch(l); m != nil {
				return m, nil
			}
		}
		select {
		case <-grew:
		case <-p.done:
			return nil, fmt.Errorf("%s exited (%v) before logging %s:\n%s", p.Name, p.err, re, p.Log())
		case <-deadline:
			return nil, fmt.Errorf("%s did not log %s within %s:\n%s", p.Name, re, timeout, p.Log())
		}
	}
}

// Stop sends SIGTERM and waits for the exit; after timeout it kills the
// process and reports that. A process that has already exited is not an
// error.
func (p *Process) Stop(timeout time.Duration) error {
	return p.signal(syscall.SIGTERM, timeout)
}

// Kill sends SIGKILL (a crash: nothing is flushed) and waits for the exit.
func (p *Process) Kill() error { return p.signal(syscall.SIGKILL, 10*time.Second) }

func (p *Process) signal(sig syscall.Signal, timeout time.Duration) error {
	select {
	case <-p.done:
		return nil
	default:
	}
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("%s: %w", p.Name, err)
	}
	select {
	case <-p.done:
		var exit *exec.ExitError
		if sig == syscall.SIGKILL || p.err == nil || errors.As(p.err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == sig {
			return nil
		}
		return fmt.Errorf("%s: exit after %v: %v", p.Name, sig, p.err)
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not exit within %s of %v; killed", p.Name, timeout, sig)
	}
}

// FreePort returns a 127.0.0.1 port that was free a moment ago.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// GoBuild builds the main package pkg (a package path, resolved in the Go
// workspace of the current directory) into dir and returns the binary.
func GoBuild(ctx context.Context, pkg, dir string) (string, error) {
	bin := dir + "/" + pkg[strings.LastIndex(pkg, "/")+1:]
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return bin, nil
}
