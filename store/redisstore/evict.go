package redisstore

// The per-owner bound shared by refresh families (CreateFamily, bounded by
// [Config.MaxFamiliesPerUser]) and remember-me series (CreateSeries,
// bounded by [Config.MaxSeriesPerUser]).
//
// # Two steps, every key in KEYS
//
// An owner's entries (a hash each, with the owner in one field) are listed
// in a sorted set, the owner's index, scored by the entries' expiry. A
// creation is two scripts at most:
//
//  1. The create script writes the entry and adds it to the index
//     (indexAddLua). When the index then holds more than the bound, it
//     answers with every other member of the index; otherwise the creation
//     is done (one round trip).
//  2. evictScript runs with those members' keys declared in KEYS. It drops
//     from the index the declared members whose entry is gone or belongs to
//     someone else (they do not count toward the bound), then, while the
//     index still holds more than the bound, deletes the declared entries
//     that expire soonest. A member added since step 1 (by a concurrent
//     creation) is not declared: it is skipped, never touched, and never
//     causes a rerun.
//
// No script builds a key name: every key either touches is in KEYS, so the
// scripts keep working wherever Redis Cluster puts the slot, and a
// creation never waits on another: it succeeds in step 1, whatever the
// others do, and step 2 runs once (no declare-and-rerun that concurrent
// creations could starve).
//
// # The invariant
//
// Eviction deletes only while the index holds more than the bound, so it
// never takes an owner below the bound. And once every creation for an
// owner has finished its step 2, the owner's index holds at most the
// bound. Proof sketch: let F be the index then, and c the creation, among
// those whose entry is in F, that ran its step 1 last (a step 1 adds the
// entry and lists the index atomically). Every other member of F was in
// the index at c's step 1, so c declared it, and was still there during
// c's step 2, as members of F are never removed. Had c's step 2 (or its
// step 1, if it listed nothing) ended with more than the bound in the
// index, it would have deleted them all, and |F| ≤ 1; otherwise the index
// then held F and at most the bound.
//
// While k creations for one owner are between their two steps, the owner
// may hold up to the bound plus k entries (each creation adds its own
// before evicting). A creation whose step 2 does not run or fails (store
// error, timeout, process killed in between) still reports success, as
// its entry is written; its surplus stays until the owner's next
// creation, whose step 2 declares and evicts it.

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// indexAddLua defines indexAdd(index, expiry, member, bound), the end of a
// create script: it adds member to the owner's index with its expiry (ms),
// makes the index expire with its latest member, and returns {1} when the
// index holds at most bound members, else {1, every other member...} for
// evictScript.
const indexAddLua = `
local function indexAdd(index, expiry, member, bound)
	redis.call('ZADD', index, expiry, member)
	local last = redis.call('ZRANGE', index, -1, -1, 'WITHSCORES')
	redis.call('PEXPIREAT', index, last[2])
	if redis.call('ZCARD', index) <= bound then
		return {1}
	end
	local r = {1}
	for _, m in ipairs(redis.call('ZRANGE', index, 0, -1)) do
		if m ~= member then
			r[#r + 1] = m
		end
	end
	return r
end
`

// evictScript: KEYS[1] an owner's index, KEYS[i+1] the entry (a hash) of
// the member ARGV[i+3]; ARGV[1] the bound, ARGV[2] the entry's field that
// names its owner, ARGV[3] the owner. Returns the number of entries
// deleted. See the comment at the top of this file: declared members whose entry is
// gone or another owner's leave the index; then, while the index holds
// more than the bound, the declared entries that expire soonest are
// deleted. Members not declared are not touched. Every key it touches is
// in KEYS.
var evictScript = redis.NewScript(`
local bound, field, owner = tonumber(ARGV[1]), ARGV[2], ARGV[3]
if redis.call('TYPE', KEYS[1]).ok ~= 'zset' then
	return 0
end
local n = redis.call('ZCARD', KEYS[1])
if n <= bound then
	return 0
end
local live = {}
for i = 4, #ARGV do
	local m, k = ARGV[i], KEYS[i - 2]
	if redis.call('ZSCORE', KEYS[1], m) then
		if redis.call('HGET', k, field) == owner then
			live[m] = k
		else
			redis.call('ZREM', KEYS[1], m)
			n = n - 1
		end
	end
end
local evicted = 0
if n > bound then
	for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
		if n <= bound then
			break
		end
		local k = live[m]
		if k then
			redis.call('DEL', k)
			redis.call('ZREM', KEYS[1], m)
			n = n - 1
			evicted = evicted + 1
		end
	end
end
return evicted
`)

// evict runs step 2 for the owner whose index is index: members are the
// other members step 1 listed, keyOf names their entries, field is the
// entry field holding the owner, bound the most entries per owner.
func (s *Store) evict(ctx context.Context, index, field, owner string, bound int, members []string, keyOf func(string) string) error {
	keys := make([]string, 1, 1+len(members))
	keys[0] = index
	args := make([]any, 3, 3+len(members))
	args[0], args[1], args[2] = bound, field, owner
	for _, m := range members {
		keys = append(keys, keyOf(m))
		args = append(args, m)
	}
	return s.write(ctx, index, func(c redis.Cmdable) error {
		return evictScript.Run(ctx, c, keys, args...).Err()
	})
}

// scriptReply reads a script's reply of the form {code, strings...}.
func scriptReply(v any) (code int64, more []string, err error) {
	r, ok := v.([]any)
	if !ok || len(r) == 0 {
		return 0, nil, fmt.Errorf("unexpected reply %T", v)
	}
	if code, ok = r[0].(int64); !ok {
		return 0, nil, fmt.Errorf("unexpected reply element %T", r[0])
	}
	more = make([]string, 0, len(r)-1)
	for _, x := range r[1:] {
		str, ok := x.(string)
		if !ok {
			return 0, nil, fmt.Errorf("unexpected reply element %T", x)
		}
		more = append(more, str)
	}
	return code, more, nil
}
