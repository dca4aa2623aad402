#!/usr/bin/env bash
# demo-smoke.sh: run the README's main job, `go run ./examples/demo`, on
# embedded defaults (in-memory stores, keys generated at start) and drive it
# with curl: the console page (login form, the signing key's row, the four
# key rings), an API token, /api/me, the published key set, a staged key
# rotation while serving (POST /admin/rotate publishes the next key at once:
# the key set lists it, the console shows it "next" and the old key still
# current, the old token verifies and new tokens are still signed by the old
# key until the next key's time, two minutes later by default), the rings as
# JSON, logout (the token is then refused), and a clean shutdown.
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
"$tmp/demo" -addr 127.0.0.1:0 2>"$tmp/log" &
pid=$!
base=""
for _ in $(seq 100); do
	base="$(sed -n 's/.*listening on \(http:\/\/[0-9.:]*\).*/\1/p' "$tmp/log")"
	[[ -n "$base" ]] && break
	sleep 0.1
done
[[ -n "$base" ]] || fail "the demo did not start"
echo "demo at $base"

# req METHOD PATH [curl args...]: prints the body, then the status on its own line.
req() { local m="$1" p="$2"; shift 2; curl -sS -X "$m" -w '\n%{http_code}' "$@" "$base$p"; }
status() { tail -n 1; }
json() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

[[ "$(req GET /healthz | status)" == 200 ]] || fail "/healthz"
req GET / | grep -q 'name="remember"' || fail "the login page has no remember-me box"

out="$(req POST /api/token -d '{"username":"test","password":"test"}')"
[[ "$(status <<<"$out")" == 200 ]] || fail "/api/token: $out"
access="$(head -n 1 <<<"$out" | json access_token)"
[[ "$access" == v4.public.* ]] || fail "access token: $access"
me="$(req GET /api/me -H "Authorization: Bearer $access")"
[[ "$(status <<<"$me")" == 200 ]] || fail "/api/me: $me"
kid1="$(head -n 1 <<<"$me" | json kid)"
echo "token signed by $kid1"

req GET /.well-known/paseto-keys | grep -q "$kid1" || fail "key set does not list $kid1"
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
req GET /api/keyring | grep -q "\"id\":\"$kid2\",\"state\":\"next\"" || fail "/api/keyring does not list $kid2 as next"

[[ "$(req POST /api/logout -H "Authorization: Bearer $access" | status)" == 200 ]] || fail "/api/logout"
[[ "$(req GET /api/me -H "Authorization: Bearer $access" | status)" == 401 ]] || fail "revoked token accepted"

kill -INT "$pid"
wait "$pid" || fail "the demo did not shut down cleanly"
pid=""
echo "demo-smoke: OK"
