package procs

import (
	"regexp"
	"testing"
	"time"
)

func TestProcessLogStopKill(t *testing.T) {
	for _, tc := range []struct {
		name string
		stop func(*Process) error
	}{
		{"SIGTERM", func(p *Process) error { return p.Stop(5 * time.Second) }},
		{"SIGKILL", (*Process).Kill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Start("sh", "/bin/sh", "-c", `echo "listening on http://127.0.0.1:1234" >&2; echo out; exec sleep 60`)
			if err != nil {
				t.Fatal(err)
			}
			m, err := p.WaitLog(listening, 5*time.Second)
			if err != nil || m[1] != "http://127.0.0.1:1234" {
				t.Fatalf("WaitLog: %v %v", m, err)
			}
			if _, err := p.WaitLog(regexp.MustCompile(`^out$`), 5*time.Second); err != nil {
				t.Fatalf("stdout not in the log: %v", err)
			}
			if err := tc.stop(p); err != nil {
				t.Fatal(err)
			}
			select {
			case <-p.Done():
			default:
				t.Fatal("not done after stop")
			}
			if err := tc.stop(p); err != nil {
				t.Fatalf("stopping an exited process: %v", err)
			}
		})
	}
}

func TestWaitLogExit(t *testing.T) {
	p, err := Start("sh", "/bin/sh", "-c", "echo nope >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.WaitLog(listening, 5*time.Second); err == nil {
		t.Fatal("WaitLog succeeded for a process that exited")
	}
}
