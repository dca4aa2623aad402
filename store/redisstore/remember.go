package redisstore

// Remember-me series (store.RememberStore).
//
// # Representation
//
// A series is one Redis hash at Prefix+"rs:"+selector (on Redis Cluster,
// with a hash tag: see Atomicity), with the fields
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
// The selectors of a user are a Redis sorted set at Prefix+"ru:"+userID
// (hash-tagged on Cluster),
// each scored by the x of its series, and the key expires with the latest
// of them. A selector leaves the set only with its series, or once its
// series is gone from Redis or belongs to another user (a reused
// selector): never by a process's clock, which may run ahead of another
// process that still accepts the series, so that DeleteUser finds every
// series any process accepts. When a user has more than
// [Config.MaxSeriesPerUser] selectors after a creation, a second script
// (evict.go, shared with refresh families) drops such stale selectors
// (they do not count toward the bound) and deletes the series that expire
// soonest (series expired by the Store's clock but still in Redis go
// first): once no creation for the user is in progress, the user's set
// holds at most the bound, and no script visits more than the bound plus
// the creations running concurrently. (Versions before the bound kept a
// plain set here; CreateSeries converts such a set on first use, and
// DeleteSeries and DeleteUser read either.)
//
// # Atomicity
//
// CreateSeries, RotateSeries, DeleteSeries and DeleteUser are each one Lua
// script, and every key a script touches is passed in KEYS: no script
// builds a key name. CreateSeries runs a second script when the user is
// over the bound (the eviction above). CreateSeries, DeleteSeries and
// DeleteUser run theirs again when the first run finds that the caller's
// guess was wrong (of the owner of an existing series, or of the members
// of a user's index that is a plain set, or of a user's selectors); such a
// run changes nothing. GetSeries is one HGETALL. A creation touches the
// series, the user's index and, when it replaces an expired series of
// another user, that user's index, so all remember-me keys of a Store
// must share one slot on Redis Cluster. On a single server (with or
// without replicas or Sentinel) they do. On Redis
// Cluster (or a redis.Ring), the remember-me keys carry the hash tag
// {Prefix}, right after the prefix (Prefix+"{"+Prefix+"}rs:"+selector and
// Prefix+"{"+Prefix+"}ru:"+userID), so that they share one slot; a Prefix
// that already holds '{' is used as it is, and New refuses it when its
// hash tag would split them.

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

func (s *Store) seriesPrefix() string             { return s.rmPrefix + "rs:" }
func (s *Store) userPrefix() string               { return s.rmPrefix + "ru:" }
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

// createScript: KEYS[1] series, KEYS[2] user index, then KEYS[3] the
// index of ARGV[6] when ARGV[6] is not "", then the series keys of the m
// selectors ARGV[8..7+m]; ARGV[1] expiry (ms), ARGV[2] selector, ARGV[3]
// now (ms), ARGV[4] user id, ARGV[5] the most series per user, ARGV[6] the
// caller's guess of the user a series already at KEYS[1] belongs to ("":
// none), ARGV[7] m, ARGV[8..7+m] the caller's guess of the members of a
// user index that is still an earlier version's plain set, ARGV[8+m..]
// field/value pairs. Every key it touches is in KEYS. Replies:
//
//	{0}                  the selector is in use
//	{1}                  created
//	{1, selectors...}    created, and the user is over the bound: the
//	                     caller runs evictScript with those declared
//	{-1, user}           nothing done: a series to replace belongs to
//	                     that user, whose index must be declared
//	{-2, selectors...}   nothing done: the user index is a plain set with
//	                     these members, which must be declared
//
// A series that Redis still holds but that has expired by the Store's
// clock is replaced, as GetSeries reports it missing, and dropped from its
// owner's index. A plain set of an earlier version is converted to a
// sorted set, keeping only the selectors whose series exists and belongs
// to the user. The index is pruned of the selectors whose score (their
// series' expiry) is before Redis's own clock (TIME): Redis has expired
// those series. The caller's clock prunes nothing, so a selector stays in
// the index, where DeleteUser finds it, as long as its series exists;
// selectors whose series is gone otherwise (deleted, or evicted from
// Redis) or belongs to another user are dropped by evictScript, and do not
// count toward the bound.
var createScript = redis.NewScript(indexAddLua + `
local now, user, prev, m = tonumber(ARGV[3]), ARGV[4], ARGV[6], tonumber(ARGV[7])
local kb = 2
if prev ~= '' then
	kb = 3
end
local replace, owner = false, nil
if redis.call('EXISTS', KEYS[1]) == 1 then
	local r = redis.call('HMGET', KEYS[1], 'x', 'u')
	local x = tonumber(r[1])
	if not x or x > now then
		return {0}
	end
	replace, owner = true, r[2]
	if owner and owner ~= user and owner ~= prev then
		return {-1, owner}
	end
end
local legacy = redis.call('TYPE', KEYS[2]).ok == 'set'
if legacy then
	local sels = redis.call('SMEMBERS', KEYS[2])
	local declared = {}
	for i = 1, m do
		declared[ARGV[7 + i]] = true
	end
	local same = #sels == m
	for _, sel in ipairs(sels) do
		if not declared[sel] then
			same = false
		end
	end
	if not same then
		local r = {-2}
		for _, sel in ipairs(sels) do
			r[#r + 1] = sel
		end
		return r
	end
end
if replace then
	redis.call('DEL', KEYS[1])
	if owner then
		local ok = KEYS[2]
		if owner ~= user then
			ok = KEYS[3]
		end
		if redis.call('TYPE', ok).ok == 'zset' then
			redis.call('ZREM', ok, ARGV[2])
		end
	end
end
if legacy then
	redis.call('DEL', KEYS[2])
	for i = 1, m do
		local r = redis.call('HMGET', KEYS[kb + i], 'x', 'u')
		local x = tonumber(r[1])
		if x and r[2] == user then
			redis.call('ZADD', KEYS[2], x, ARGV[7 + i])
		end
	end
end
local t = redis.call('TIME')
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', string.format('(%d', t[1] * 1000 + math.floor(t[2] / 1000)))
redis.call('HSET', KEYS[1], unpack(ARGV, 8 + m))
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return indexAdd(KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[5]))
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

// deleteScript: KEYS[1] series, KEYS[2] the index of the user the caller
// believes owns it; ARGV[1] selector, ARGV[2] that user. Returns {0} when
// the series does not exist, {1} when deleted, and {-1, owner} without
// touching anything when the series belongs to another user: the caller
// runs it again with that user's index declared. Every key it touches is
// in KEYS (and, on Cluster, in one slot).
var deleteScript = redis.NewScript(`
local u = redis.call('HGET', KEYS[1], 'u')
if not u then
	return {0}
end
if u ~= ARGV[2] then
	return {-1, u}
end
redis.call('DEL', KEYS[1])
if redis.call('TYPE', KEYS[2]).ok == 'set' then
	redis.call('SREM', KEYS[2], ARGV[1])
else
	redis.call('ZREM', KEYS[2], ARGV[1])
end
return {1}
`)

// deleteUserScript: KEYS[1] user index, KEYS[i+1] the series key of
// ARGV[i+1] (the selectors the caller believes the index holds); ARGV[1]
// user id. When the index holds exactly the declared selectors, every one
// of their series that still belongs to the user is deleted, and so is the
// index: {1}. Otherwise nothing is touched and the reply is {-1,
// selectors...}, the index's current members: the caller runs it again
// with those declared. Every member is visited, whatever its score: no
// clock decides which series are over, so a series that the caller's
// clock takes for expired but another process still accepts is deleted
// too. A series is deleted only if it still belongs to the user (the index
// may name an expired series whose selector was reused since). The index
// holds at most [Config.MaxSeriesPerUser] selectors, or an earlier version's
// plain set not converted yet. Every key it touches is in KEYS.
var deleteUserScript = redis.NewScript(`
local sels
if redis.call('TYPE', KEYS[1]).ok == 'set' then
	sels = redis.call('SMEMBERS', KEYS[1])
else
	sels = redis.call('ZRANGE', KEYS[1], 0, -1)
end
local declared = {}
for i = 2, #ARGV do
	declared[ARGV[i]] = i
end
local same = #sels == #ARGV - 1
if same then
	for _, sel in ipairs(sels) do
		if not declared[sel] then
			same = false
			break
		end
	end
end
if not same then
	local r = {-1}
	for _, sel in ipairs(sels) do
		r[#r + 1] = sel
	end
	return r
end
for _, sel in ipairs(sels) do
	local k = KEYS[declared[sel]]
	if redis.call('HGET', k, 'u') == ARGV[1] then
		redis.call('DEL', k)
	end
end
redis.call('DEL', KEYS[1])
return {1}
`)

// retryReply reads the reply of deleteScript or deleteUserScript: done
// reports whether the script finished, and more holds the strings that
// follow a -1.
func retryReply(v any) (done bool, more []string, err error) {
	code, more, err := scriptReply(v)
	if err != nil {
		return false, nil, err
	}
	if code != -1 {
		return true, nil, nil
	}
	return false, more, nil
}

// CreateSeries implements store.RememberStore. It returns an error for an
// empty selector, and one matching store.ErrSelectorInUse when a series
// with that selector has not expired. A series whose Expires is not after
// the current time is not stored (it would be gone at once) and
// CreateSeries returns nil. When the user then has more than
// [Config.MaxSeriesPerUser] series in Redis, a second script deletes the
// ones that expire soonest (see evict.go for the bound kept under
// concurrent creations); series that Redis no longer holds do not count.
func (s *Store) CreateSeries(ctx context.Context, sr store.Series) (rerr error) {
	defer s.track(ctx, &rerr)
	if sr.Selector == "" {
		return errors.New("redisstore: create series: empty selector")
	}
	x := ceilMilli(sr.Expires)
	now := s.now()
	if expired(x, now) {
		return nil
	}
	fields := []any{"u", sr.UserID, "v", sr.ValidatorHash, "e", encodeTime(sr.Expires), "x", x}
	if len(sr.PrevHash) > 0 {
		fields = append(fields, "p", sr.PrevHash)
	}
	if !sr.PrevUntil.IsZero() {
		fields = append(fields, "pu", encodeTime(sr.PrevUntil))
	}
	if !sr.Created.IsZero() {
		fields = append(fields, "c", encodeTime(sr.Created))
	}
	if sr.Device != "" {
		fields = append(fields, "d", sr.Device)
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	sk, uk := s.seriesKey(sr.Selector), s.userKey(sr.UserID)
	// Guesses, which the script corrects when wrong (nothing done then):
	// the previous owner of the selector (none) and the members of an
	// earlier version's plain-set index (none).
	var prev string
	var legacy []string
	for {
		keys := []string{sk, uk}
		if prev != "" {
			keys = append(keys, s.userKey(prev))
		}
		args := make([]any, 0, 7+len(legacy)+len(fields))
		args = append(args, x, sr.Selector, now.UnixMilli(), sr.UserID, s.perUser, prev, len(legacy))
		for _, sel := range legacy {
			keys = append(keys, s.seriesKey(sel))
			args = append(args, sel)
		}
		args = append(args, fields...)
		var code int64
		var more []string
		err := s.write(ctx, sk, func(c redis.Cmdable) error {
			v, err := createScript.Run(ctx, c, keys, args...).Result()
			if err == nil {
				code, more, err = scriptReply(v)
			}
			return err
		})
		if err != nil {
			return unavailable("create series", err)
		}
		switch {
		case code == 0:
			// The selector is a secret half of a cookie: never in the message.
			return fmt.Errorf("%w: redisstore: create series", store.ErrSelectorInUse)
		case code == -1 && len(more) == 1:
			prev = more[0]
		case code == -2:
			legacy = more
		case code == 1:
			if len(more) > 0 {
				// The series is written: a failed eviction leaves the user
				// over the bound until the next creation, and is not the
				// caller's error.
				_ = s.evict(ctx, uk, "u", sr.UserID, s.perUser, more, s.seriesKey)
			}
			return nil
		default:
			return fmt.Errorf("%w: redisstore: create series: unexpected reply %d", store.ErrUnavailable, code)
		}
	}
}

// GetSeries implements store.RememberStore with one HGETALL. Times come
// back in UTC.
func (s *Store) GetSeries(ctx context.Context, selector string) (_ store.Series, rerr error) {
	defer s.track(ctx, &rerr)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return store.Series{}, err
	}
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
func (s *Store) RotateSeries(ctx context.Context, selector string, oldHash, newHash []byte, graceUntil time.Time) (_ bool, rerr error) {
	defer s.track(ctx, &rerr)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	k := s.seriesKey(selector)
	var n int
	err := s.write(ctx, k, func(c redis.Cmdable) (err error) {
		n, err = rotateScript.Run(ctx, c, []string{k},
			oldHash, newHash, encodeTime(graceUntil), s.now().UnixMilli()).Int()
		return err
	})
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
func (s *Store) DeleteSeries(ctx context.Context, selector string) (rerr error) {
	defer s.track(ctx, &rerr)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	k := s.seriesKey(selector)
	owner := "" // a guess: the script names the real owner when wrong
	for {
		var done bool
		var more []string
		err := s.write(ctx, k, func(c redis.Cmdable) error {
			v, err := deleteScript.Run(ctx, c, []string{k, s.userKey(owner)}, selector, owner).Result()
			if err == nil {
				done, more, err = retryReply(v)
			}
			return err
		})
		if err != nil {
			return unavailable("delete series", err)
		}
		if done || len(more) != 1 {
			return nil
		}
		owner = more[0]
	}
}

// DeleteUser implements store.RememberStore. A user without series is not
// an error.
func (s *Store) DeleteUser(ctx context.Context, userID string) (rerr error) {
	defer s.track(ctx, &rerr)
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	k := s.userKey(userID)
	var sels []string // a guess: the script names the real members when wrong
	for {
		keys := make([]string, 1, 1+len(sels))
		keys[0] = k
		args := make([]any, 1, 1+len(sels))
		args[0] = userID
		for _, sel := range sels {
			keys = append(keys, s.seriesKey(sel))
			args = append(args, sel)
		}
		var done bool
		err := s.write(ctx, k, func(c redis.Cmdable) error {
			v, err := deleteUserScript.Run(ctx, c, keys, args...).Result()
			if err == nil {
				done, sels, err = retryReply(v)
			}
			return err
		})
		if err != nil {
			return unavailable("delete user", err)
		}
		if done {
			return nil
		}
	}
}

// MaxSeriesPerUser returns the bound on the remember-me series of one user
// ([Config.MaxSeriesPerUser], or store.DefaultMaxSeriesPerUser).
func (s *Store) MaxSeriesPerUser() int { return s.perUser }

var _ store.RememberStore = (*Store)(nil)
