package redisstore

// Refresh families (store.Store's CreateFamily, RotateFamily, RevokeFamily)
// and Check.
//
// # Representation
//
// A family is one Redis hash at Prefix+"f:"+family with the fields
//
//	c   the current token
//	p   the previous token, absent before the first rotation
//	r   the end of p's retry window, Unix milliseconds (0: none)
//	x   the family's expiry, Unix milliseconds (PEXPIREAT x)
//	o   the owner
//
// The families of an owner are a sorted set at Prefix+"fu:"+owner, each
// scored by its x; the key expires with the latest of them. A rotation
// updates the family in place: refreshing adds no key. CreateFamily drops
// the owner's families that are over (by the Store's clock: such a family
// is refused by every method), and, when the owner then has more than
// [Config.MaxFamiliesPerUser], a second script drops those gone from Redis
// and deletes the ones that expire soonest (evict.go, shared with
// remember-me): once no creation for the owner is in progress, no owner
// holds more than the bound, and no script visits more than the bound
// plus the creations running concurrently.
//
// # Atomicity and Cluster
//
// Each method is one Lua script (CreateFamily two when it evicts), and
// every key a script touches is passed in KEYS. A family and its owner's
// index must be in one Cluster slot: callers group their keys ("{g}…", as
// package authtoken does per subject), and on a sharded client a family
// whose key is in another slot than its owner's is refused with
// [ErrInvalidConfig]. The families CreateFamily evicts were created with
// the same owner, so they are in that slot too. Check runs one script when
// its keys share a slot (always on a single server), and otherwise one
// pipeline.

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pasetokit/pasetokit/store"
	"github.com/redis/go-redis/v9"
)

func (s *Store) familyKey(family string) string { return s.prefix + "f:" + family }
func (s *Store) ownerKey(owner string) string   { return s.prefix + "fu:" + owner }

// createFamilyScript: KEYS[1] family, KEYS[2] owner index; ARGV[1] token,
// ARGV[2] expiry (ms), ARGV[3] the most families per owner, ARGV[4] the
// family (member of the index), ARGV[5] now (ms), ARGV[6] owner. Returns
// {0} when the family is live already, {1} when created, and {1,
// families...} when created and the owner's index is over the bound: the
// caller runs evictScript with those families declared (evict.go). The
// index is pruned of the families that are over by the Store's clock.
// Every key it touches is in KEYS.
var createFamilyScript = redis.NewScript(indexAddLua + `
local now = tonumber(ARGV[5])
local x = tonumber(redis.call('HGET', KEYS[1], 'x'))
if x and x > now then
	return {0}
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'c', ARGV[1], 'r', '0', 'x', ARGV[2], 'o', ARGV[6])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return indexAdd(KEYS[2], ARGV[2], ARGV[4], tonumber(ARGV[3]))
`)

// rotateFamilyScript: KEYS[1] family, KEYS[2] owner index; ARGV[1] from,
// ARGV[2] to, ARGV[3] end of the retry window (ms), ARGV[4] expiry (ms),
// ARGV[5] now (ms), ARGV[6] the family (member of the index), ARGV[7]
// owner. Returns the store.Rotation.
var rotateFamilyScript = redis.NewScript(`
local r = redis.call('HMGET', KEYS[1], 'c', 'p', 'r', 'x', 'o')
local now = tonumber(ARGV[5])
local x = tonumber(r[4])
if not r[1] or r[5] ~= ARGV[7] or not x or x <= now then
	return 4
end
if r[1] == ARGV[1] then
	local nx = tonumber(ARGV[4])
	if nx < x then
		nx = x
	end
	redis.call('HSET', KEYS[1], 'c', ARGV[2], 'p', ARGV[1], 'r', ARGV[3], 'x', nx)
	redis.call('PEXPIREAT', KEYS[1], nx)
	if nx > x and redis.call('ZSCORE', KEYS[2], ARGV[6]) then
		redis.call('ZADD', KEYS[2], nx, ARGV[6])
		local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
		redis.call('PEXPIREAT', KEYS[2], last[2])
	end
	return 1
end
if r[2] == ARGV[1] and r[1] == ARGV[2] and now < tonumber(r[3] or '0') then
	return 2
end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[6])
return 3
`)

// revokeFamilyScript: KEYS[1] family, KEYS[2] owner index; ARGV[1] the
// family (member of the index), ARGV[2] owner.
var revokeFamilyScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'o') == ARGV[2] then
	redis.call('DEL', KEYS[1])
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`)

// checkScript: KEYS[1..ARGV[1]] revocation keys, then the family when
// ARGV[2] is "1", then the cutoff when ARGV[3] is "1"; ARGV[4] now (ms).
// Returns {revoked (0 or 1), cutoff value or ""}.
var checkScript = redis.NewScript(`
local n = tonumber(ARGV[1])
local revoked = 0
if n > 0 and redis.call('EXISTS', unpack(KEYS, 1, n)) > 0 then
	revoked = 1
end
local i = n + 1
if ARGV[2] == '1' then
	if revoked == 0 then
		local x = tonumber(redis.call('HGET', KEYS[i], 'x'))
		if not x or x <= tonumber(ARGV[4]) then
			revoked = 1
		end
	end
	i = i + 1
end
local cut = ''
if ARGV[3] == '1' then
	cut = redis.call('GET', KEYS[i]) or ''
end
return {revoked, cut}
`)

// sameSlot reports whether the keys, on a sharded client, are in one slot
// (always true on a single server).
func (s *Store) sameSlot(keys ...string) bool {
	if !sharded(s.c) || len(keys) < 2 {
		return true
	}
	slot := keySlot(keys[0])
	for _, k := range keys[1:] {
		if keySlot(k) != slot {
			return false
		}
	}
	return true
}

func errSlots(op string) error {
	return fmt.Errorf("%w: redisstore: %s: the family and its owner are in different Redis Cluster slots: group their keys (\"{g}…\")", ErrInvalidConfig, op)
}

// CreateFamily implements store.Store with one script, and a second one
// when the owner is then over [Config.MaxFamiliesPerUser]: it deletes the
// owner's families that expire soonest (see evict.go for the bound kept
// under concurrent creations). A family that is live already is an error
// matching store.ErrFamilyInUse.
func (s *Store) CreateFamily(ctx context.Context, owner, family, token string, until time.Time) error {
	now := s.now()
	if !now.Before(until) {
		return nil
	}
	fk, ok := s.familyKey(family), s.ownerKey(owner)
	if !s.sameSlot(fk, ok) {
		return errSlots("create family")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	var code int64
	var others []string
	err := s.write(ctx, fk, func(c redis.Cmdable) error {
		v, err := createFamilyScript.Run(ctx, c, []string{fk, ok},
			token, ceilMilli(until), s.famPerUser, family, now.UnixMilli(), owner).Result()
		if err == nil {
			code, others, err = scriptReply(v)
		}
		return err
	})
	if err != nil {
		return unavailable("create family", err)
	}
	if code == 0 {
		return fmt.Errorf("%w: redisstore: create family", store.ErrFamilyInUse)
	}
	if len(others) > 0 {
		// The family is written: a failed eviction leaves the owner over
		// the bound until the next creation, and is not the caller's error.
		_ = s.evict(ctx, ok, "o", owner, s.famPerUser, others, s.familyKey)
	}
	return nil
}

// RotateFamily implements store.Store with one script (a compare-and-swap
// in Redis).
func (s *Store) RotateFamily(ctx context.Context, owner, family, from, to string, retryUntil, until time.Time) (store.Rotation, error) {
	fk, ok := s.familyKey(family), s.ownerKey(owner)
	if !s.sameSlot(fk, ok) {
		return 0, errSlots("rotate family")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	var r int64
	if !retryUntil.IsZero() {
		r = ceilMilli(retryUntil)
	}
	var n int
	err := s.write(ctx, fk, func(c redis.Cmdable) (err error) {
		n, err = rotateFamilyScript.Run(ctx, c, []string{fk, ok},
			from, to, r, ceilMilli(until), s.now().UnixMilli(), family, owner).Int()
		return err
	})
	if err != nil {
		return 0, unavailable("rotate family", err)
	}
	if n < int(store.FamilyRotated) || n > int(store.FamilyGone) {
		return 0, fmt.Errorf("%w: redisstore: rotate family: unexpected reply %d", store.ErrUnavailable, n)
	}
	return store.Rotation(n), nil
}

// RevokeFamily implements store.Store with one script.
func (s *Store) RevokeFamily(ctx context.Context, owner, family string) error {
	fk, ok := s.familyKey(family), s.ownerKey(owner)
	if !s.sameSlot(fk, ok) {
		return errSlots("revoke family")
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return err
	}
	err := s.write(ctx, fk, func(c redis.Cmdable) error {
		return revokeFamilyScript.Run(ctx, c, []string{fk, ok}, family, owner).Err()
	})
	if err != nil {
		return unavailable("revoke family", err)
	}
	return nil
}

// Check implements store.Store: one script, one round trip, when every key
// is in one slot (always on a single server; on Cluster when the caller
// groups them, as package authtoken does), else one pipeline. A Check of
// nothing does not contact Redis.
func (s *Store) Check(ctx context.Context, q store.Check) (store.Status, error) {
	if len(q.Keys) == 0 && q.Family == "" && q.Cutoff == "" {
		return store.Status{}, nil
	}
	keys := make([]string, 0, len(q.Keys)+2)
	for _, k := range q.Keys {
		keys = append(keys, s.markKey(k))
	}
	fam, cut := "0", "0"
	if q.Family != "" {
		keys = append(keys, s.familyKey(q.Family))
		fam = "1"
	}
	if q.Cutoff != "" {
		keys = append(keys, s.cutoffKey(q.Cutoff))
		cut = "1"
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.ready(ctx); err != nil {
		return store.Status{}, err
	}
	now := s.now().UnixMilli()
	if !s.sameSlot(keys...) {
		return s.checkPipelined(ctx, q, keys, now)
	}
	v, err := checkScript.Run(ctx, s.c, keys, len(q.Keys), fam, cut, now).Slice()
	if err != nil {
		return store.Status{}, unavailable("check", err)
	}
	if len(v) != 2 {
		return store.Status{}, fmt.Errorf("%w: redisstore: check: unexpected reply", store.ErrUnavailable)
	}
	revoked, _ := v[0].(int64)
	st := store.Status{Revoked: revoked != 0}
	if c, _ := v[1].(string); c != "" {
		if st.Cutoff, err = parseCutoff(c); err != nil {
			return store.Status{}, err
		}
	}
	return st, nil
}

// checkPipelined is Check for keys in several Cluster slots: one command
// per key, in one pipeline (go-redis sends it to each node concerned).
func (s *Store) checkPipelined(ctx context.Context, q store.Check, keys []string, now int64) (store.Status, error) {
	marks := make([]*redis.IntCmd, len(q.Keys))
	var famCmd, cutCmd *redis.StringCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range q.Keys {
			marks[i] = p.Exists(ctx, keys[i])
		}
		i := len(q.Keys)
		if q.Family != "" {
			famCmd = p.HGet(ctx, keys[i], "x")
			i++
		}
		if q.Cutoff != "" {
			cutCmd = p.Get(ctx, keys[i])
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return store.Status{}, unavailable("check", err)
	}
	var st store.Status
	for _, m := range marks {
		if err := m.Err(); err != nil {
			return store.Status{}, unavailable("check", err)
		}
		if m.Val() > 0 {
			st.Revoked = true
		}
	}
	for _, c := range []*redis.StringCmd{famCmd, cutCmd} {
		if c != nil && c.Err() != nil && !errors.Is(c.Err(), redis.Nil) {
			return store.Status{}, unavailable("check", c.Err())
		}
	}
	if famCmd != nil {
		x, err := strconv.ParseInt(famCmd.Val(), 10, 64)
		if err != nil || x <= now {
			st.Revoked = true
		}
	}
	if cutCmd != nil && cutCmd.Val() != "" {
		if st.Cutoff, err = parseCutoff(cutCmd.Val()); err != nil {
			return store.Status{}, err
		}
	}
	return st, nil
}

// MaxFamiliesPerUser returns the bound on the live refresh families of one
// owner ([Config.MaxFamiliesPerUser], or store.DefaultMaxFamiliesPerUser).
func (s *Store) MaxFamiliesPerUser() int { return s.famPerUser }
