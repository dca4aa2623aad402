package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pasetokit/pasetokit/keyring"
	"github.com/redis/go-redis/v9"
)

// DefaultKeyringName is the ring name of a [Keyring] whose
// [KeyringConfig.Name] is empty.
const DefaultKeyringName = "default"

// KeyringConfig configures [NewKeyring]. The zero value is ready to use
// for one ring per Redis database.
type KeyringConfig struct {
	// Prefix starts the name of the Redis key, as [Config.Prefix] does
	// for a [Store]. Empty means [DefaultPrefix].
	Prefix string
	// Name tells apart the rings that share a Redis database: one per
	// key family (token signing keys, session keys, ...). Rings of the
	// processes of one fleet use the same Name; a ring of another key
	// family under the same Name is refused by [keyring.New]. Empty means
	// [DefaultKeyringName]. It may not contain '{' or '}' (it is the
	// key's Redis Cluster hash tag) and is at most 200 bytes.
	Name string
	// Timeout bounds each Load and CompareAndSwap, on top of the caller's
	// context. Zero means [DefaultTimeout]; negative is an error. As for
	// a Store, the client must be created with ContextTimeoutEnabled.
	Timeout time.Duration
	// NoEvictionCheck skips the maxmemory-policy check, as
	// [Config.NoEvictionCheck] does for a Store: only for servers that
	// hide CONFIG and whose real policy is noeviction.
	NoEvictionCheck bool
}

// Keyring is a [keyring.Backend] in Redis: the [keyring.Ring] values of
// every process that uses the same Redis, Prefix and Name share one ring
// of keys and rotate it once for all of them.
//
// The ring's state is one Redis hash, Prefix+"keyring:{"+Name+"}", with
// two fields: "version" (decimal) and "data" (the serialized state, whose
// secret keys the ring has wrapped: a ring refuses a Keyring without
// keyring.Config.WrappingKey or Password, so Redis never holds a plaintext
// key). The key has no expiry. Its name carries Name as a hash tag, and
// both operations are single Lua scripts that name their one key in KEYS,
// so the backend works unchanged on Redis Cluster.
//
// CompareAndSwap is a script that replaces the hash only when its version
// field equals the old version, and never replaces a value that is not a
// ring state hash. Load is a script too: it checks the value's type and
// bounds the size of the data ([keyring.MaxStateSize]) before sending it.
//
// Before its first Load or CompareAndSwap, a Keyring checks the servers
// as [New] does for a Store, and refuses with a [*ConfigError] a server
// that may evict keys (maxmemory-policy other than noeviction, matching
// [ErrEvictionPolicy]; or one that hides CONFIG, unless
// KeyringConfig.NoEvictionCheck is set) and a plain client connected to a
// replica or a Cluster node: [keyring.New] then fails at start-up. The
// checks run again until they pass once, so a ring can be built while
// Redis is down no more than a Store can be used then.
//
// Errors reaching Redis match [store.ErrUnavailable]: a [keyring.Ring]
// then keeps its last good copy (see [keyring.ErrStale]). Stored state
// that is not a ring state (another type, missing fields, an unreadable
// version, oversized data) is a *[keyring.StateError]. After Redis loses
// the ring (a restart without persistence, a failover to a replica that
// missed the last write, a server whose eviction policy was changed after
// the check),
// the first ring to reach it stores its last good copy again, and the
// other rings read that copy: no process keeps or stores keys the others
// do not have.
//
// How soon a process sees a change another one made (a rotation, a key
// published or dropped) is bounded by its ring's
// keyring.Config.SyncInterval plus one round trip: [keyring.Ring.Run]
// reloads the state that often. With the default SyncInterval of one
// second, the time from one process's rotation to another process's
// snapshot showing it measured 1.0 s (median) and at most 1.35 s over
// five runs (three processes on one two-core machine with a load average
// of 15, race detector on; TestKeyringFleetProcesses, which fails above
// 2 s): the excess over one second is scheduling delay. Changes the
// schedule makes (a next key becoming current) need no propagation: every
// process switches at the planned time.
type Keyring struct {
	c       redis.UniversalClient
	key     string
	timeout time.Duration
	check   *serverCheck
}

var _ keyring.Backend = (*Keyring)(nil)

// maxKeyringName bounds [KeyringConfig.Name].
const maxKeyringName = 200

// NewKeyring returns a Keyring that uses client, which the caller keeps
// and closes. It does not contact Redis (the server checks run before the
// first Load, see [Keyring]), so it succeeds while Redis is down. Every
// error is a [*ConfigError] matching [ErrInvalidConfig], including a
// client that reads from replicas ([ErrReplicaReads]).
func NewKeyring(client redis.UniversalClient, cfg KeyringConfig) (*Keyring, error) {
	switch {
	case client == nil:
		return nil, configError("client", errors.New("nil client"))
	case cfg.Timeout < 0:
		return nil, configError("Timeout", fmt.Errorf("negative: %v", cfg.Timeout))
	case strings.ContainsAny(cfg.Name, "{}"):
		return nil, configError("Name", errors.New("contains '{' or '}'"))
	case len(cfg.Name) > maxKeyringName:
		return nil, configError("Name", fmt.Errorf("longer than %d bytes", maxKeyringName))
	}
	if err := checkClient(client); err != nil {
		return nil, err
	}
	k := &Keyring{c: client, timeout: cfg.Timeout, check: newServerCheck(client, cfg.NoEvictionCheck)}
	if k.timeout == 0 {
		k.timeout = DefaultTimeout
	}
	prefix, name := cfg.Prefix, cfg.Name
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if name == "" {
		name = DefaultKeyringName
	}
	k.key = prefix + "keyring:{" + name + "}"
	return k, nil
}

// Key returns the name of the Redis key holding the ring's state.
func (k *Keyring) Key() string { return k.key }

// String returns "redis <key>", the name a [keyring.StateError] gives the
// backend.
func (k *Keyring) String() string { return "redis " + k.key }

// loadScript returns {0} when the key does not exist, {1} when it is not
// a hash of the two fields, {2} when the data is larger than ARGV[1]
// bytes, and {3, version, data} otherwise.
var loadScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then return {0} end
if t ~= 'hash' or redis.call('HLEN', KEYS[1]) ~= 2 then return {1} end
if redis.call('HSTRLEN', KEYS[1], 'data') > tonumber(ARGV[1]) then return {2} end
local r = redis.call('HMGET', KEYS[1], 'version', 'data')
if not r[1] or not r[2] then return {1} end
return {3, r[1], r[2]}
`)

// casScript stores version ARGV[2] and data ARGV[3] if the stored version
// is ARGV[1] ("0": no key). It returns 1 when it stored, 0 for another
// version, and -1, storing nothing, when the key holds anything but ring
// state it can read: a hash of exactly a canonical version and data of at
// most ARGV[5] bytes that decodes as a JSON object of format ARGV[4]
// recording the same version.
var casScript = redis.NewScript(`
local t = redis.call('TYPE', KEYS[1])['ok']
if t == 'none' then
	if ARGV[1] ~= '0' then return 0 end
else
	if t ~= 'hash' or redis.call('HLEN', KEYS[1]) ~= 2 then return -1 end
	if redis.call('HSTRLEN', KEYS[1], 'data') > tonumber(ARGV[5]) then return -1 end
	local r = redis.call('HMGET', KEYS[1], 'version', 'data')
	local v, data = r[1], r[2]
	if not v or not data or not string.match(v, '^[1-9][0-9]*$') then return -1 end
	local ok, d = pcall(cjson.decode, data)
	if not ok or type(d) ~= 'table' or d['format'] ~= tonumber(ARGV[4]) or d['version'] ~= tonumber(v) then
		return -1
	end
	if v ~= ARGV[1] then return 0 end
end
redis.call('HSET', KEYS[1], 'version', ARGV[2], 'data', ARGV[3])
return 1
`)

// corrupt is a *keyring.StateError naming this backend.
func (k *Keyring) corrupt(err error) error {
	var se *keyring.StateError
	if errors.As(err, &se) {
		if se.Backend == "" {
			se.Backend = k.String()
		}
		return err
	}
	return &keyring.StateError{Backend: k.String(), Err: err}
}

// Load implements [keyring.Backend]: it returns the stored version and
// data, or the zero Record when the key does not exist.
func (k *Keyring) Load(ctx context.Context) (keyring.Record, error) {
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	if err := k.check.ready(ctx); err != nil {
		return keyring.Record{}, err
	}
	res, err := loadScript.Run(ctx, k.c, []string{k.key}, keyring.MaxStateSize).Slice()
	if err != nil {
		return keyring.Record{}, unavailable("keyring load", err)
	}
	code, _ := int64At(res, 0)
	switch {
	case code == 0 && len(res) == 1:
		return keyring.Record{}, nil
	case code == 1:
		return keyring.Record{}, k.corrupt(errors.New("not a hash of version and data"))
	case code == 2:
		return keyring.Record{}, k.corrupt(fmt.Errorf("data over %d bytes", keyring.MaxStateSize))
	case code != 3 || len(res) != 3:
		return keyring.Record{}, unavailable("keyring load", errors.New("unexpected reply"))
	}
	vs, ok1 := res[1].(string)
	data, ok2 := res[2].(string)
	if !ok1 || !ok2 {
		return keyring.Record{}, unavailable("keyring load", errors.New("unexpected reply"))
	}
	v, err := parseVersion(vs)
	if err != nil {
		return keyring.Record{}, k.corrupt(err)
	}
	dv, err := keyring.ParseStateVersion([]byte(data))
	if err != nil {
		return keyring.Record{}, k.corrupt(err)
	}
	if dv != v {
		return keyring.Record{}, k.corrupt(fmt.Errorf("stored as version %d but says %d", v, dv))
	}
	return keyring.Record{Version: v, Data: []byte(data)}, nil
}

// CompareAndSwap implements [keyring.Backend] with one Lua script: it
// stores rec if the stored version is old (zero: no key), and otherwise
// returns [keyring.ErrConflict]. A key holding something other than ring
// state is never replaced: the error is a *[keyring.StateError].
func (k *Keyring) CompareAndSwap(ctx context.Context, old uint64, rec keyring.Record) error {
	if rec.Version != old+1 {
		return fmt.Errorf("redisstore: keyring: record version %d after %d", rec.Version, old)
	}
	if v, err := keyring.ParseStateVersion(rec.Data); err != nil || v != rec.Version {
		return fmt.Errorf("redisstore: keyring: record data does not say version %d", rec.Version)
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	if err := k.check.ready(ctx); err != nil {
		return err
	}
	n, err := casScript.Run(ctx, k.c, []string{k.key},
		strconv.FormatUint(old, 10), strconv.FormatUint(rec.Version, 10), rec.Data,
		keyring.FormatVersion, keyring.MaxStateSize).Int64()
	if err != nil {
		return unavailable("keyring compare-and-swap", err)
	}
	switch n {
	case 1:
		return nil
	case 0:
		return keyring.ErrConflict
	case -1:
		return k.corrupt(errors.New("the key holds something other than ring state; not replaced"))
	}
	return unavailable("keyring compare-and-swap", errors.New("unexpected reply"))
}

// parseVersion reads a stored version: a positive decimal without leading
// zeros, as CompareAndSwap writes it.
func parseVersion(s string) (uint64, error) {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil || v == 0 || strconv.FormatUint(v, 10) != s {
		return 0, errors.New("unreadable version field")
	}
	return v, nil
}

// int64At returns res[i] as an int64.
func int64At(res []any, i int) (int64, bool) {
	if i >= len(res) {
		return 0, false
	}
	n, ok := res[i].(int64)
	return n, ok
}
