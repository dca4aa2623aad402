package redisstore

// Remember-me series (store.RememberStore).
//
// # Representation
//
// A series is one Redis hash at Prefix+"rs:"+selector, with the fields
//
//	u   user id
//	v   current validator hash (raw bytes)
//	p   previous validator hash (raw bytes), absent when there is none
//	pu  end of the grace window of p, absent when zero
//	e   Expires, exact
//	x   Expires in Unix milliseconds rounded up (read by the Lua scripts)
//	c   Created, absent when zero
//	d   Device, absent when empty
//
// Times are stored exactly as "seconds.nanoseconds" since the Unix epoch
// (time.Unix(seconds, nanoseconds)), so that they read back Equal to what
// was written. The hash expires at Expires (PEXPIREAT x).
//
// The selectors of a user are a Redis set at Prefix+"ru:"+userID, whose
// expiry is the latest Expires of the series added to it. CreateSeries
// drops from it the selectors whose series have expired, so that the set of
// a user who keeps logging in does not grow without bound.
//
// # Atomicity
//
// CreateSeries, RotateSeries, DeleteSeries and DeleteUser are each one Lua
// script; GetSeries is one HGETALL. The scripts of CreateSeries,
// DeleteSeries and DeleteUser touch both the series and the user's set and
// build some of those key names inside the script, so they need all keys
// of a Store on one Redis node: they work with a single server (with or
// without replicas or Sentinel) but not with Redis Cluster, where they fail
// (as store.ErrUnavailable).

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/redis/go-redis/v9"
)

func (s *Store) seriesPrefix() string             { return s.prefix + "rs:" }
func (s *Store) userPrefix() string               { return s.prefix + "ru:" }
func (s *Store) seriesKey(selector string) string { return s.seriesPrefix() + selector }
func (s *Store) userKey(userID string) string     { return s.userPrefix() + userID }

// encodeTime returns t as "seconds.nanoseconds" since the Unix epoch, or ""
// for the zero time.
func encodeTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.Unix(), 10) + "." + fmt.Sprintf("%09d", t.Nanosecond())
}

// decodeTime reverses encodeTime; "" is the zero time. Times come back in
// UTC.
func decodeTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	sec, nsec, ok := strings.Cut(v, ".")
	if !ok {
		return time.Time{}, fmt.Errorf("malformed time %q", v)
	}
	si, err1 := strconv.ParseInt(sec, 10, 64)
	ni, err2 := strconv.ParseInt(nsec, 10, 64)
	if err1 != nil || err2 != nil || ni < 0 || ni >= 1e9 {
		return time.Time{}, fmt.Errorf("malformed time %q", v)
	}
	return time.Unix(si, ni).UTC(), nil
}

// expired reports whether a series that ends at expires is over at now, to
// the millisecond like the Redis expiry and the Lua scripts.
func expired(expiresMilli int64, now time.Time) bool {
	return expiresMilli <= now.UnixMilli()
}

// createScript: KEYS[1] series, KEYS[2] user set; ARGV[1] expiry (ms),
// ARGV[2] selector, ARGV[3] series key prefix, ARGV[4] now (ms), ARGV[5..]
// field/value pairs. Returns 0 when the selector is in use, 1 when created.
// A series that Redis still holds but that has expired by the Store's clock
// is replaced, as GetSeries reports it missing.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then
	local x = tonumber(redis.call('HGET', KEYS[1], 'x'))
	if not x or x > tonumber(ARGV[4]) then
		return 0
	end
	redis.call('DEL', KEYS[1])
end
for _, sel in ipairs(redis.call('SMEMBERS', KEYS[2])) do
	if redis.call('EXISTS', ARGV[3] .. sel) == 0 then
		redis.call('SREM', KEYS[2], sel)
	end
end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
local exp = tonumber(ARGV[1])
local ttl = redis.call('PTTL', KEYS[2])
if ttl < 0 then
	redis.call('PEXPIREAT', KEYS[2], exp)
else
	local t = redis.call('TIME')
	local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
	if now + ttl < exp then
		redis.call('PEXPIREAT', KEYS[2], exp)
	end
end
return 1
`)

// rotateScript: KEYS[1] series; ARGV[1] old hash, ARGV[2] new hash,
// ARGV[3] encoded grace end ("" for none), ARGV[4] now (ms). Returns -1 when
// the series is missing or expired, 0 when the current hash is not the old
// one, 1 when rotated.
var rotateScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'v', 'x')
if not r[1] then
	return -1
end
local x = tonumber(r[2])
if not x then
	return redis.error_reply('redisstore: malformed series')
end
if x <= tonumber(ARGV[4]) then
	return -1
end
if ARGV[1] == '' or r[1] ~= ARGV[1] then
	return 0
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'p', ARGV[1])
if ARGV[3] == '' then
	redis.call('HDEL', KEYS[1], 'pu')
else
	redis.call('HSET', KEYS[1], 'pu', ARGV[3])
end
return 1
`)

// deleteScript: KEYS[1] series; ARGV[1] user set key prefix, ARGV[2]
// selector.
var deleteScript = redis.NewScript(`
local u = redis.call('HGET', KEYS[1], 'u')
if not u then
	return 0
end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. u, ARGV[2])
return 1
`)

// deleteUserScript: KEYS[1] user set; ARGV[1] series key prefix, ARGV[2]
// user id. A series is deleted only if it still belongs to the user (the
// set may name an expired series whose selector was reused since).
var deleteUserScript = redis.NewScript(`
for _, sel in ipairs(redis.call('SMEMBERS', KEYS[1])) do
	local k = ARGV[1] .. sel
	if redis.call('HGET', k, 'u') == ARGV[2] then
		redis.call('DEL', k)
	end
end
redis.call('DEL', KEYS[1])
return 1
`)

// CreateSeries implements store.RememberStore. It returns an error for an
// empty selector, and one matching store.ErrSelectorInUse when a series
// with that selector has not expired. A series whose Expires is not after
// the current time is not stored (it would be gone at once) and
// CreateSeries returns nil.
func (s *Store) CreateSeries(ctx context.Context, sr store.Series) error {
	if sr.Selector == "" {
		return errors.New("redisstore: create series: empty selector")
	}
	x := ceilMilli(sr.Expires)
	now := s.now()
	if expired(x, now) {
		return nil
	}
	args := []any{x, sr.Selector, s.seriesPrefix(), now.UnixMilli(),
		"u", sr.UserID, "v", sr.ValidatorHash, "e", encodeTime(sr.Expires), "x", x}
	if len(sr.PrevHash) > 0 {
		args = append(args, "p", sr.PrevHash)
	}
	if !sr.PrevUntil.IsZero() {
		args = append(args, "pu", encodeTime(sr.PrevUntil))
	}
	if !sr.Created.IsZero() {
		args = append(args, "c", encodeTime(sr.Created))
	}
	if sr.Device != "" {
		args = append(args, "d", sr.Device)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	keys := []string{s.seriesKey(sr.Selector), s.userKey(sr.UserID)}
	n, err := createScript.Run(ctx, s.c, keys, args...).Int()
	if err != nil {
		return unavailable("create series", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: redisstore: %q", store.ErrSelectorInUse, sr.Selector)
	}
	return nil
}

// GetSeries implements store.RememberStore with one HGETALL. Times come
// back in UTC.
func (s *Store) GetSeries(ctx context.Context, selector string) (store.Series, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	m, err := s.c.HGetAll(ctx, s.seriesKey(selector)).Result()
	if err != nil {
		return store.Series{}, unavailable("get series", err)
	}
	if len(m) == 0 {
		return store.Series{}, store.ErrNotFound
	}
	sr, x, err := decodeSeries(selector, m)
	if err != nil {
		// Not written by this package: fail closed, as for Cutoff.
		return store.Series{}, fmt.Errorf("%w: redisstore: get series: %w", store.ErrUnavailable, err)
	}
	if expired(x, s.now()) {
		return store.Series{}, store.ErrNotFound
	}
	return sr, nil
}

func decodeSeries(selector string, m map[string]string) (store.Series, int64, error) {
	sr := store.Series{Selector: selector, UserID: m["u"], Device: m["d"]}
	v, okV := m["v"]
	_, okU := m["u"]
	if !okV || !okU {
		return store.Series{}, 0, errors.New("malformed series")
	}
	sr.ValidatorHash = []byte(v)
	if p := m["p"]; p != "" {
		sr.PrevHash = []byte(p)
	}
	x, err := strconv.ParseInt(m["x"], 10, 64)
	if err != nil {
		return store.Series{}, 0, errors.New("malformed series expiry")
	}
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"e", &sr.Expires}, {"pu", &sr.PrevUntil}, {"c", &sr.Created}} {
		if *f.dst, err = decodeTime(m[f.name]); err != nil {
			return store.Series{}, 0, err
		}
	}
	if sr.Expires.IsZero() {
		return store.Series{}, 0, errors.New("malformed series: no expiry")
	}
	return sr, x, nil
}

// RotateSeries implements store.RememberStore with one Lua
// compare-and-swap (a plain string comparison in Redis: the hashes are
// SHA-256 of secret validators, so its timing tells nothing useful). An
// empty oldHash never matches. A zero graceUntil clears PrevUntil.
func (s *Store) RotateSeries(ctx context.Context, selector string, oldHash, newHash []byte, graceUntil time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	n, err := rotateScript.Run(ctx, s.c, []string{s.seriesKey(selector)},
		oldHash, newHash, encodeTime(graceUntil), s.now().UnixMilli()).Int()
	if err != nil {
		return false, unavailable("rotate series", err)
	}
	switch n {
	case 1:
		return true, nil
	case 0:
		return false, nil
	default:
		return false, store.ErrNotFound
	}
}

// DeleteSeries implements store.RememberStore. Deleting a series that does
// not exist is not an error.
func (s *Store) DeleteSeries(ctx context.Context, selector string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := deleteScript.Run(ctx, s.c, []string{s.seriesKey(selector)}, s.userPrefix(), selector).Err()
	if err != nil {
		return unavailable("delete series", err)
	}
	return nil
}

// DeleteUser implements store.RememberStore. A user without series is not
// an error.
func (s *Store) DeleteUser(ctx context.Context, userID string) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err := deleteUserScript.Run(ctx, s.c, []string{s.userKey(userID)}, s.seriesPrefix(), userID).Err()
	if err != nil {
		return unavailable("delete user", err)
	}
	return nil
}

var _ store.RememberStore = (*Store)(nil)
