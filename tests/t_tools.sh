#!/bin/sh
# Every tool: -h prints usage to stdout and exits 0; --version exits 0; an
# unknown option and a bad numeric value exit 64 with a message on stderr;
# its man page man/NAME.1 is exactly what 'NAME --man' prints; and
# lungpipe-stream(5) and lungpipe(7) exist.
set -u
fail=0
err() { echo "FAIL: $*" >&2; fail=1; }
n=0
for t in "$LP_BIN"/*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	n=$((n+1))
	out=$("$t" -h 2>/dev/null); rc=$?
	[ $rc -eq 0 ] || err "$name -h exits $rc"
	case "$out" in "usage: $name "*) ;; *) err "$name -h does not start with usage" ;; esac
	"$t" --version >/dev/null 2>&1 || err "$name --version fails"
	"$t" --no-such-option >/dev/null 2>"$LP_TMP/err"; rc=$?
	[ $rc -eq 64 ] || err "$name --no-such-option exits $rc, not 64"
	grep -q "^$name: " "$LP_TMP/err" || err "$name: usage error does not name the tool"
	[ -s "$LP_TMP/err" ] || err "$name: no message for a bad option"
	if [ -f "$LP_SRC/man/$name.1" ]; then
		"$t" --man > "$LP_TMP/$name.1" 2>/dev/null
		cmp -s "$LP_TMP/$name.1" "$LP_SRC/man/$name.1" ||
			err "man/$name.1 differs from '$name --man' (run make man)"
	else
		err "no man page man/$name.1"
	fi
done
[ $n -gt 0 ] || err "no tools found in $LP_BIN"
for p in lungpipe-stream.5 lungpipe.7; do
	[ -s "$LP_SRC/man/$p" ] || err "man/$p missing"
done
# numeric range checks (tools declare them; ct-cat --count is >= 0)
"$LP_BIN/ct-cat" --count -1 </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 64 ] || err "ct-cat --count -1 exits $rc, not 64"
"$LP_BIN/ct-cat" --count abc </dev/null >/dev/null 2>&1; rc=$?
[ $rc -eq 64 ] || err "ct-cat --count abc exits $rc, not 64"
# a binary stream is never written to a terminal (script(1) gives a pty)
if command -v script >/dev/null 2>&1; then
	printf 'x' > "$LP_TMP/in"
	script -qec "'$LP_BIN/ct-cat' /dev/null" /dev/null < /dev/null > "$LP_TMP/tty" 2>&1; rc=$?
	[ $rc -eq 64 ] || err "ct-cat to a terminal exits $rc, not 64"
	grep -q "terminal" "$LP_TMP/tty" || err "ct-cat to a terminal does not say why"
fi
exit $fail
