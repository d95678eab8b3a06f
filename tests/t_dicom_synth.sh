#!/bin/sh
# DICOM reader on small synthetic series written with pydicom
# (tests/dicom_oracle.py make): slice sort with shuffled file names and
# reversed InstanceNumber, oblique geometry, padding, and every documented
# warning and error with its exit code.
set -u
py=/usr/bin/python3
or="$LP_SRC/tests/dicom_oracle.py"
cat="$LP_BIN/ct-cat"
T=$LP_TMP
$py -c 'import pydicom' 2>/dev/null || { echo "pydicom missing: skip"; exit 77; }
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
# expect CODE DIR WORD [ct-cat args]: exit code and a word of the message
expect() {
	code=$1 dir=$2 word=$3; shift 3
	rm -f "$T/$dir.lps"
	"$cat" "$@" "$T/$dir" -o "$T/$dir.lps" 2>"$T/$dir.err"
	rc=$?
	if [ $rc -eq "$code" ] && { [ -z "$word" ] || grep -q -- "$word" "$T/$dir.err"; }; then
		ok "$dir: exit $rc: $(cat "$T/$dir.err")"
	else
		bad "$dir: exit $rc (want $code, '$word'): $(cat "$T/$dir.err")"
	fi
	[ "$code" -ne 0 ] && [ -e "$T/$dir.lps" ] && bad "$dir: output left behind"
	return 0
}
# warn DIR WORD: read fine, metadata "warnings" mentions WORD
warn() {
	if "$cat" "$T/$1" -o "$T/$1.lps" 2>"$T/$1.err" &&
	   w=$($py "$or" meta "$T/$1.lps" warnings) && echo "$w" | grep -q -- "$2"; then
		ok "$1: warning: $w"
	else
		bad "$1: no warning '$2'"
	fi
}
same_as_oracle() {
	"$cat" "$T/$1" -o "$T/$1.lps" && $py "$or" compare "$T/$1.lps" "$T/$1" \
		&& ok "$1: identical to the pydicom oracle" || bad "$1: differs from the oracle"
}
dims() { $py -c "
import sys; sys.path.insert(0, '$LP_SRC/tests'); import lps
print(*lps.read('$1')[1][0]['dims'])"; }

# every synthetic series, written in one python run
$py "$or" makes <<EOF || bad "making the series"
$T/shuffled shuffle=1 pad=-2000 junk=1
$T/oblique shuffle=1 oblique=1 n=7 dz=1.25
$T/scaled slope=0.5 intercept=-1000.25
$T/missing n=8 drop=4
$T/dup n=5 dup=2
$T/tilt tilt=12
$T/two/a n=5 uid=1.2.3.1
$T/two/b n=3 uid=1.2.3.2
$T/tie/a n=4 uid=1.2.3.1
$T/tie/b n=4 uid=1.2.3.2
$T/mr modality=MR
$T/nopix nopixel=3
$T/corrupt corrupt=2
$T/mixed mixed=1
EOF
mkdir -p "$T/empty/sub"

# sort, geometry, padding against the oracle
same_as_oracle shuffled
same_as_oracle oblique
same_as_oracle scaled
$py "$or" meta "$T/shuffled.lps" padding | grep -q "6 out-of-field" \
	&& ok "padding counted in metadata" || bad "padding metadata"

# warnings
warn missing "missing slice"
[ "$(dims "$T/missing.lps")" = "16 12 8" ] && ok "missing slice filled: 8 slices" \
	|| bad "missing: dims $(dims "$T/missing.lps")"
$py - "$T/missing.lps" "$T/missing" <<'PY' && ok "missing slice interpolated from its neighbours" || bad "interpolation"
import sys; sys.path.insert(0, sys.argv[0] and __import__('os').environ['LP_SRC'] + '/tests')
import lps, numpy as np
a = lps.read(sys.argv[1])[1][0]['channels'][0][2].astype(float)
mid = (a[3] + a[5]) / 2
ref = np.sign(mid) * np.floor(np.abs(mid) + 0.5)
sys.exit(0 if np.array_equal(a[4], ref) else 1)
PY
warn dup "duplicate slice position"
[ "$(dims "$T/dup.lps")" = "16 12 5" ] && ok "duplicate dropped" || bad "dup dims"
warn tilt "gantry tilt"
warn two "2 series"
$py "$or" meta "$T/two.lps" series_uid | grep -qx 1.2.3.1 && ok "largest CT series picked" || bad "series pick"

# errors
echo hello > "$T/empty/sub/readme.txt"
expect 66 empty "no DICOM files"
expect 66 nonexistent "nonexistent"
expect 64 tie "1.2.3.2"
expect 0 tie "" --series 1.2.3.2
expect 66 tie "no series 9.9" --series 9.9
expect 69 mr "no CT series"
expect 69 mr "only CT" --series 1.2.826.0.1.3680043.99.1
expect 65 nopix "no PixelData"
expect 65 corrupt "img0002.dcm"
expect 65 mixed "mixed image sizes"
exit $fail
