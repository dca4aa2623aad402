package app

// This file holds the demo's metrics endpoint: the event counts of package
// observe, served on a listener of their own that only loopback clients can
// reach, never on the public mux.

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// ErrMetricsNotLoopback is returned by [ListenMetrics] for an address that
// is not a loopback one.
var ErrMetricsNotLoopback = errors.New("app: the metrics address must be a loopback address (127.0.0.1, [::1] or localhost)")

// ListenMetrics listens on addr for the metrics endpoint. It refuses any
// address that is not loopback before listening: an empty host (all
// interfaces), a public or private IP, and any host name but localhost
// (which may resolve anywhere). It checks the address it got as well, in
// case localhost resolves to something else.
func ListenMetrics(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("app: metrics address: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, ErrMetricsNotLoopback
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		ln.Close()
		return nil, ErrMetricsNotLoopback
	}
	return ln, nil
}

// MetricsServer returns the server of the metrics endpoint: GET (or HEAD)
// /metrics answers with counts (an observe.Counts: JSON of the events by
// kind, component and reason, and the key sets' staleness), other methods
// 405; every other path is 404.
func MetricsServer(counts http.Handler) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("/metrics", counts) // observe.Counts allows GET and HEAD only
	mux.HandleFunc("/", notFound)
	return &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
}
