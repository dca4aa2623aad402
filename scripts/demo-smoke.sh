#!/usr/bin/env bash
# demo-smoke.sh: run the README's main job, `go run ./examples/demo`, on
# embedded defaults (in-memory stores, keys generated at start) and drive it
# with curl: the console page (login form, the signing key's row, the four
# key rings), an API token, /api/me, the published key set, a staged key
# rotation while serving (POST /admin/rotate publishes the next key at once:
# the key set lists it, the console shows it "next" and the old key still
# current, the old token verifies and new tokens are still signed by the old
# key until the next key's time, two minutes later by default), the rings as
# JSON, logout (the token is then refused), the metrics listener
# (-metrics-addr 127.0.0.1:0: GET /metrics answers JSON counting the smoke's
# requests by reason, and holds no token), and a clean shutdown.
# Prints "demo-smoke: OK". Needs Go and curl (installed with apt-get when
# missing). Works from any directory.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
tmp="$(mktemp -d)"
pid=""
cleanup() {
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "demo-smoke: FAIL: $*" >&2; [[ -f "$tmp/log" ]] && cat "$tmp/log" >&2; exit 1; }

command -v curl >/dev/null || (apt-get -o DPkg::Lock::Timeout=600 update && apt-get -o DPkg::Lock::Timeout=600 install -y curl)

(cd "$root" && go build -o "$tmp/demo" ./examples/demo)
"$tmp/demo" -addr 127.0.0.1:0 -metrics-addr 127.0.0.1:0 2>"$tmp/log" &
pid=$!
base=""
for _ in $(seq 100); do
	base="$(sed -n 's/.*listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$tmp/log")"
	[[ -n "$base" ]] && break
	sleep 0.1
done
[[ -n "$base" ]] || fail "the demo did not start"
metrics="$(sed -n 's/.*metrics on \(http:\/\/[0-9.:]*\/metrics\).*/\1/p' "$tmp/log")"
[[ "$metrics" == http://127.0.0.1:*/metrics ]] || fail "no loopback metrics listener in the log: $metrics"
echo "demo at $base, metrics at $metrics"

# req METHOD PATH [curl args...]: prints the body, then the status on its own line.
req() { local m="$1" p="$2"; shift 2; curl -sS -X "$m" -w '\n%{http_code}' "$@" "$base$p"; }
status() { tail -n 1; }
json() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

[[ "$(req GET /healthz | status)" == 200 ]] || fail "/healthz"
# (Bodies are read whole before grep -q: with pipefail, grep -q quitting
# early makes curl fail writing the rest.)
grep -q 'name="remember"' <<<"$(req GET /)" || fail "the login page has no remember-me box"

out="$(req POST /api/token -d '{"username":"test","password":"test"}')"
[[ "$(status <<<"$out")" == 200 ]] || fail "/api/token: $out"
access="$(head -n 1 <<<"$out" | json access_token)"
[[ "$access" == v4.public.* ]] || fail "access token: $access"
me="$(req GET /api/me -H "Authorization: Bearer $access")"
[[ "$(status <<<"$me")" == 200 ]] || fail "/api/me: $me"
kid1="$(head -n 1 <<<"$me" | json kid)"
echo "token signed by $kid1"

grep -q "$kid1" <<<"$(req GET /.well-known/paseto-keys)" || fail "key set does not list $kid1"
page="$(req GET /)"
grep -q "<tr class=\"key\" data-kid=\"$kid1\" data-state=\"current\">" <<<"$page" || fail "the console does not show $kid1 current"
for ring in access refresh session remember; do
	grep -q "data-ring=\"$ring\"" <<<"$page" || fail "the console does not show the $ring ring"
done
rot="$(req POST /admin/rotate)"
[[ "$(status <<<"$rot")" == 200 ]] || fail "/admin/rotate: $rot"
kid2="$(head -n 1 <<<"$rot" | json kid)"
[[ -n "$kid2" && "$kid2" != "$kid1" ]] || fail "rotation kept kid $kid1"
echo "rotated to $kid2"
keys="$(req GET /.well-known/paseto-keys)"
grep -q "$kid1" <<<"$keys" && grep -q "$kid2" <<<"$keys" || fail "key set after rotation: $keys"
page="$(req GET /)"
grep -q "data-kid=\"$kid2\" data-state=\"next\"" <<<"$page" && grep -q "data-kid=\"$kid1\" data-state=\"current\"" <<<"$page" ||
	fail "the console after rotation: $page"
[[ "$(req GET /api/me -H "Authorization: Bearer $access" | status)" == 200 ]] || fail "old token refused after rotation"
access2="$(req POST /api/token -d '{"username":"test","password":"test"}' | head -n 1 | json access_token)"
[[ "$(req GET /api/me -H "Authorization: Bearer $access2" | head -n 1 | json kid)" == "$kid1" ]] || fail "a token signed by the next key $kid2 before its time"
grep -q "\"id\":\"$kid2\",\"state\":\"next\"" <<<"$(req GET /api/keyring)" || fail "/api/keyring does not list $kid2 as next"

[[ "$(req POST /api/logout -H "Authorization: Bearer $access" | status)" == 200 ]] || fail "/api/logout"
[[ "$(req GET /api/me -H "Authorization: Bearer $access" | status)" == 401 ]] || fail "revoked token accepted"
[[ "$(req GET /api/me | status)" == 401 ]] || fail "/api/me without a token"

# The metrics: JSON on the metrics listener only, counting the requests above.
[[ "$(req GET /metrics | status)" == 404 ]] || fail "/metrics on the public listener"
m="$(curl -sS -D "$tmp/mhdr" "$metrics")"
grep -qi '^content-type: application/json' "$tmp/mhdr" || fail "/metrics is not JSON: $(cat "$tmp/mhdr")"
count() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" <<<"$m"; }
ok="$(count 'request\/httpauth\/ok')"
[[ -n "$ok" && "$ok" -ge 4 ]] || fail "/metrics: request/httpauth/ok is '$ok' after 4 good requests: $m"
[[ "$(count 'request\/httpauth\/token_missing')" == 1 ]] || fail "/metrics: no token_missing request: $m"
# The revoked token's request (token_rejected, or token_revoked where
# httpauth names it apart).
grep -Eq '"request/httpauth/token_(rejected|revoked)":1[,}]' <<<"$m" || fail "/metrics: no revoked request: $m"
for secret in "$access" "$access2" "test"; do
	grep -qF "$secret" <<<"$m" && fail "/metrics holds a token or the user name: $m"
done
echo "metrics: $m"

kill -INT "$pid"
wait "$pid" || fail "the demo did not shut down cleanly"
pid=""
echo "demo-smoke: OK"
