package main

import (
	"net/http"
	"time"
)

// op is the kind of a request of the redis mode.
type op uint8

const (
	opMe        op = iota // GET /api/me with a token never logged out
	opRevokedMe           // GET /api/me with a token whose logout answered 200
	opLogout              // POST /api/logout with a token never logged out
	opLogin               // POST /api/token
	numOps
)

var opNames = [numOps]string{"/api/me (valid)", "/api/me (revoked)", "/api/logout", "/api/token"}

// rec is one request: when it was sent, when its answer was read, and the
// status (0 for a transport error).
type rec struct {
	start, end time.Time
	op         op
	status     int
}

// phases are the instants that delimit the redis mode's windows, read on
// the monotonic clock of this process.
type phases struct {
	stopBegin     time.Time // the stop signal sent to Redis
	stopConfirmed time.Time // the Redis process has exited
	restartBegin  time.Time // the new Redis process is being started
	recoveredAt   time.Time // the start of the last request answered 503 after the restart began (or the restart itself)
}

// Windows of the redis mode. A request is judged by the window it lies in
// entirely; one that straddles a boundary is in "transition".
const (
	winUp         = "up"         // ended before Redis was told to stop
	winDown       = "down"       // started after Redis had exited, ended before the restart began
	winRecovered  = "recovered"  // started after the last 503 that followed the restart
	winTransition = "transition" // anything else
)

var windows = []string{winUp, winDown, winTransition, winRecovered}

func (p phases) window(r rec) string {
	switch {
	case r.end.Before(p.stopBegin):
		return winUp
	case r.start.After(p.stopConfirmed) && r.end.Before(p.restartBegin):
		return winDown
	case r.start.After(p.recoveredAt) && r.start.After(p.restartBegin):
		return winRecovered
	default:
		return winTransition
	}
}

// allowedStatus reports whether status is a correct answer to a request of
// kind o in window win. With Redis up, valid tokens get 200 and revoked
// ones 401; with Redis down, anything that needs the store gets 503 (fail
// closed); across a boundary either is fine, but a revoked token never gets
// 200, a valid one never 401, and nothing gets a 500 or a transport error.
// POST /api/token needs no store: 200 always, 503 tolerated without Redis.
func allowedStatus(o op, win string, status int) bool {
	want := http.StatusOK
	if o == opRevokedMe {
		want = http.StatusUnauthorized
	}
	switch win {
	case winUp, winRecovered:
		return status == want
	case winDown:
		if o == opLogin {
			return status == http.StatusOK || status == http.StatusServiceUnavailable
		}
		return status == http.StatusServiceUnavailable
	default:
		return status == want || status == http.StatusServiceUnavailable
	}
}
