#!/bin/sh
# Test runner: runs every unit-test program ($LP_TESTBIN/test_*) and every
# shell test (tests/t_*.sh), prints one line per test and a closing line
# "N passed, N failed, N skipped".  A test exits 0 (pass), 77 (skip, with
# its reason on stderr) or anything else (fail).
# Environment for the tests: LP_BIN (tools), LP_TESTBIN, LP_SHARED (real data,
# may be absent), LP_SRC (source tree), LP_TMP (a scratch folder per test),
# LP_SAN=1 under sanitizers.  LP_TESTS="pattern" runs a subset.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
: "${LP_BIN:=$top/bin}" "${LP_TESTBIN:=$top/build/rel/tests}"
: "${LP_SHARED:=$top/../shared/data}"
LP_SRC=$top
export LP_BIN LP_TESTBIN LP_SHARED LP_SRC
pass=0 fail=0 skip=0 failed=""
scratch=$(mktemp -d "${TMPDIR:-/tmp}/lptest.XXXXXX")
trap 'rm -rf "$scratch"' EXIT INT TERM
run_one() {
	name=$1; shift
	case "$name" in ${LP_TESTS:-*}) ;; *) return ;; esac
	LP_TMP="$scratch/$name"; mkdir -p "$LP_TMP"; export LP_TMP
	t0=$(date +%s.%N)
	"$@" >"$LP_TMP.log" 2>&1 </dev/null
	rc=$?
	dt=$(echo "$(date +%s.%N) - $t0" | bc 2>/dev/null || echo "?")
	if [ $rc -eq 0 ]; then
		pass=$((pass+1)); printf 'PASS %-28s %6.2fs\n' "$name" "$dt"
	elif [ $rc -eq 77 ]; then
		skip=$((skip+1)); printf 'SKIP %-28s (%s)\n' "$name" "$(tail -n 1 "$LP_TMP.log")"
	else
		fail=$((fail+1)); failed="$failed $name"
		printf 'FAIL %-28s exit %d\n' "$name" $rc
		sed 's/^/    | /' "$LP_TMP.log" | tail -n 40
	fi
}
for t in "$LP_TESTBIN"/test_*; do
	[ -x "$t" ] || continue
	run_one "$(basename "$t")" "$t"
done
for t in "$top"/tests/t_*.sh; do
	[ -f "$t" ] || continue
	run_one "$(basename "$t" .sh)" sh "$t"
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] && [ $pass -gt 0 ]
