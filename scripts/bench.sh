#!/usr/bin/env bash
# bench.sh: the README's verification speed table ("Speed", first table
# under "Verification of a typical access token"), measured side by side.
#
#   scripts/bench.sh            # 10 interleaved rounds, about 4 minutes
#   ROUNDS=20 scripts/bench.sh  # more rounds on a noisy machine
#
# It builds two test binaries once (the bench module's
# BenchmarkVerifyAccessToken and httpauth's middleware benchmarks), then
# runs ROUNDS rounds; each round runs every benchmark once (-count=1),
# starting from a different one each round, so that drift on a shared
# machine hits both sides of every ratio alike. It prints, per benchmark,
# the median over the rounds of the CPU time per operation (cpu-ns/op: the
# process's user+system time, which other jobs on a shared machine inflate
# far less than wall time), of the wall time (ns/op) and of the allocations,
# and both ratios to raw crypto/ed25519.Verify + json.Unmarshal; then the
# httpauth middleware's own overhead (BenchmarkMiddleware minus
# BenchmarkVerifyOnly). On a quiet machine the two times agree. The raw output
# stays in $OUT (default: a new temporary directory) for benchstat, which
# runs last unless BENCHSTAT=0.
#
# Environment: ROUNDS (10), BENCHTIME (1s, go test's -benchtime),
# OUT (output directory), BENCHSTAT (1). Works from any directory.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
command -v go >/dev/null || export PATH="/usr/local/go/bin:$PATH"
cd "$root"

rounds="${ROUNDS:-10}"
benchtime="${BENCHTIME:-1s}"
out="${OUT:-$(mktemp -d)}"
mkdir -p "$out"
raw="$out/bench.txt"
: >"$raw"

go test -c -o "$out/bench.test" ./bench
go test -c -o "$out/httpauth.test" ./httpauth

subs=(raw golang-jwt go-paseto pasetokit-paseto pasetokit-verifier middleware)
n=${#subs[@]}
echo "go $(go env GOVERSION), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start; $rounds rounds, -benchtime=$benchtime; raw output: $raw" >&2
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < n; i++)); do
		s="${subs[$(((r + i) % n))]}"
		if [[ $s == middleware ]]; then
			(cd httpauth && "$out/httpauth.test" -test.run='^$' -test.bench='^Benchmark(VerifyOnly|Middleware)$' \
				-test.benchmem -test.count=1 -test.benchtime="$benchtime") >>"$raw"
		else
			(cd bench && "$out/bench.test" -test.run='^$' -test.bench="^BenchmarkVerifyAccessToken\$/^$s\$" \
				-test.benchmem -test.count=1 -test.benchtime="$benchtime") >>"$raw"
		fi
	done
	echo "round $((r + 1))/$rounds done, load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
done

# median NAME UNIT: the median over the rounds of the value reported in
# UNIT (ns/op, cpu-ns/op, allocs/op) by the benchmark whose name, without
# its -GOMAXPROCS suffix, is NAME.
median() {
	awk -v name="$1" -v unit="$2" '{ b = $1; sub(/-[0-9]+$/, "", b) }
		b == name { for (i = 3; i < NF; i++) if ($(i + 1) == unit) print $i }' "$raw" |
		sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print "NaN"; exit }
			if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

base="$(median BenchmarkVerifyAccessToken/raw cpu-ns/op)"
basewall="$(median BenchmarkVerifyAccessToken/raw ns/op)"
echo
echo "| v4.public access token, bytes to claims | CPU time | wall time | allocs | CPU / raw | wall / raw |"
echo "|---|---:|---:|---:|---:|---:|"
for s in raw golang-jwt go-paseto pasetokit-paseto pasetokit-verifier; do
	n="BenchmarkVerifyAccessToken/$s"
	awk -v s="$s" -v cpu="$(median "$n" cpu-ns/op)" -v wall="$(median "$n" ns/op)" \
		-v al="$(median "$n" allocs/op)" -v base="$base" -v basewall="$basewall" \
		'BEGIN { printf "| %s | %.1f µs | %.1f µs | %d | %.2f | %.2f |\n", s, cpu / 1000, wall / 1000, al, cpu / base, wall / basewall }'
done
echo "(medians of $rounds rounds; CPU time is the process's user+system time per operation, cpu-ns/op)"
mw="$(median BenchmarkMiddleware ns/op)"
vo="$(median BenchmarkVerifyOnly ns/op)"
mwa="$(median BenchmarkMiddleware allocs/op)"
awk -v mw="$mw" -v vo="$vo" -v a="$mwa" 'BEGIN {
	printf "\nhttpauth middleware overhead (BenchmarkMiddleware %.2f µs - BenchmarkVerifyOnly %.2f µs, wall): %.2f µs, %d allocs\n",
		mw / 1000, vo / 1000, (mw - vo) / 1000, a }'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"

if [[ ${BENCHSTAT:-1} != 0 ]]; then
	echo
	go run golang.org/x/perf/cmd/benchstat@latest "$raw" ||
		echo "(benchstat unavailable; the table above does not need it)" >&2
fi
