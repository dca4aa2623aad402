package procs

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Redis is a redis-server on 127.0.0.1 in a directory of its own, with an
// append-only file fsynced on every write, so that a restart, even after
// SIGKILL, keeps every acknowledged write. Start it again on the same port
// and directory with Start after Stop or Kill.
type Redis struct {
	*Process
	Bin, Dir string
	Port     int
}

// StartRedis starts redis-server (bin) in dir on a free port and waits until
// it answers PING. Keyspace notifications are on (Kg$hxe), as the demo's
// -redis-replica needs.
func StartRedis(bin, dir string) (*Redis, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	r := &Redis{Bin: bin, Dir: dir, Port: port, Process: &Process{Name: "redis-server"}}
	conf := fmt.Sprintf("bind 127.0.0.1\nport %d\ndir %s\nappendonly yes\nappendfsync always\nsave \"\"\nnotify-keyspace-events Kg$hxe\ndaemonize no\nlogfile \"\"\n", port, dir)
	if err := os.WriteFile(filepath.Join(dir, "redis.conf"), []byte(conf), 0o600); err != nil {
		return nil, err
	}
	if err := r.Start(); err != nil {
		return nil, err
	}
	return r, r.WaitReady(10 * time.Second)
}

// Addr is host:port, as the demo's -redis flag takes it.
func (r *Redis) Addr() string { return "127.0.0.1:" + strconv.Itoa(r.Port) }

// Start starts the server (again); it does not wait for it (WaitReady).
func (r *Redis) Start() error {
	p, err := Start(r.Name, r.Bin, filepath.Join(r.Dir, "redis.conf"))
	if err != nil {
		return err
	}
	r.Process = p
	return nil
}

// StopWith stops the server with SIGTERM (it writes and fsyncs what it has,
// then exits) or SIGKILL (a crash).
func (r *Redis) StopWith(sig syscall.Signal) error {
	if sig == syscall.SIGKILL {
		return r.Kill()
	}
	return r.Stop(10 * time.Second)
}

// WaitReady waits until the server answers PING, or it exits, or timeout
// passes.
func (r *Redis) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := ping(r.Addr())
		if err == nil {
			return nil
		}
		select {
		case <-r.Done():
			return fmt.Errorf("redis-server exited:\n%s", r.Log())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server not ready after %s: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ping sends one PING in RESP and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line != "+PONG\r\n" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}
