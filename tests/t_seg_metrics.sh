#!/bin/sh
# t_seg_metrics.sh - seg-metrics end to end: streams written by the
# test_metrics helper, every number checked against tests/metrics_oracle.py
# (numpy/scipy/sklearn), --gt/--pred MetaImage masks with hand-computed
# values, reports, options and malformed input.
set -u
S="$LP_BIN/seg-metrics"
H="$LP_TESTBIN/test_metrics"
ORACLE="$LP_SRC/tests/metrics_oracle.py"
T=${LP_TMP:-$(mktemp -d)}
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
have_py=0
/usr/bin/python3 -c 'import numpy, scipy.ndimage, sklearn.metrics' 2>/dev/null && have_py=1
n2=300 nb=200
[ "${LP_SAN:-0}" = 1 ] && n2=80 nb=60

# expect CODE DESCRIPTION CMD...: exit code and a one-line message (usage
# errors, 64, may add the framework's usage hint lines)
expect() {
	code=$1 what=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ $rc -ne "$code" ]; then bad "$what: exit $rc, want $code ($(cat "$T/err"))"
	elif [ "$code" -ne 0 ] && [ "$code" -ne 64 ] && [ "$lines" -ne 1 ]; then bad "$what: $lines lines on stderr"
	elif [ "$code" -ne 0 ] && ! head -n 1 "$T/err" | grep -q '^seg-metrics: '; then bad "$what: message"
	elif [ "$code" -ne 0 ] && [ -s "$T/out" ]; then bad "$what: output on error"
	else ok "$what (exit $rc: $(head -c 120 "$T/err"))"; fi
}

# 1. 2-D patches with gt/pred masks, every value against the oracle
"$H" mkstream "$T/p.lps" $n2 64 64 1 mask "$T/seg.bin" "$T/cls.bin" $nb 3 || bad "mkstream"
"$S" --json --per-patch --bootstrap $nb --seed 3 "$T/p.lps" >"$T/p.json" || bad "json run"
if [ $have_py = 1 ]; then
	/usr/bin/python3 "$ORACLE" check "$T/seg.bin" "$T/cls.bin" "$T/p.json" && ok "2-D stream matches oracle" || bad "2-D oracle"
fi
# 2. 3-D patches, prob channel thresholded, anisotropic spacing
"$H" mkstream "$T/q.lps" 30 24 20 10 prob "$T/seg3.bin" "$T/cls3.bin" 50 11 || bad "mkstream 3-D"
"$S" --json --per-patch --bootstrap 50 --seed 11 - <"$T/q.lps" >"$T/q.json" || bad "json run 3-D"
if [ $have_py = 1 ]; then
	/usr/bin/python3 "$ORACLE" check "$T/seg3.bin" "$T/cls3.bin" "$T/q.json" && ok "3-D prob stream matches oracle" || bad "3-D oracle"
fi

# 3. formats and options
"$S" "$T/p.lps" >"$T/txt" 2>/dev/null && grep -q '^  DSC ' "$T/txt" && grep -q 'Confusion matrix' "$T/txt" \
	&& ok "text tables" || bad "text tables"
"$S" --tsv --no-surface "$T/p.lps" >"$T/tsv" 2>/dev/null
grep -q "^# Segmentation" "$T/tsv" && ! grep -q "Surface" "$T/tsv" && grep -q "$(printf '^AUC\t')" "$T/tsv" \
	&& ok "tsv, --no-surface" || bad "tsv"
"$S" --bootstrap 100 --seed 5 --tsv "$T/p.lps" >"$T/s1" 2>/dev/null
"$S" --bootstrap 100 --seed 5 --tsv "$T/p.lps" >"$T/s2" 2>/dev/null
"$S" --bootstrap 100 --seed 6 --tsv "$T/p.lps" >"$T/s3" 2>/dev/null
cmp -s "$T/s1" "$T/s2" && ! cmp -s "$T/s1" "$T/s3" && ok "seeded bootstrap reproducible" || bad "seed"
"$S" -t 0.9 --tsv "$T/p.lps" 2>/dev/null | grep -q '^# Classification.*threshold 0.9' && ok "threshold" || bad "threshold"
"$S" -o "$T/o.tsv" --tsv "$T/p.lps" >"$T/o.out" 2>/dev/null && grep -q '^# Segmentation' "$T/o.tsv" && [ ! -s "$T/o.out" ] \
	&& ok "-o FILE" || bad "-o"

# 4. --gt/--pred MetaImage: 4x4 box vs the box shifted by one, spacing 0.5
"$H" mkmhd "$T/g.mhd" 10 10 1 0 && "$H" mkmhd "$T/r.mhd" 10 10 1 1 && "$H" mkmhd "$T/w.mhd" 12 10 1 0 || bad "mkmhd"
"$S" --tsv --bootstrap 0 --per-patch --gt "$T/g.mhd" --pred "$T/r.mhd" >"$T/m.tsv" || bad "gt/pred run"
awk -F'\t' '$1=="DSC"{d=$2} $1=="MIoU"{m=$2} $1=="HD95"{h=$2} $1=="ASSD"{a=$2}
	END{exit !(d==0.75 && h==0.5 && a==0.25 && (m-(0.6+80/88)/2)^2<1e-18)}' "$T/m.tsv" \
	&& ok "hand-computed box: DSC 0.75, HD95 0.5 mm, ASSD 0.25 mm" || { bad "box values"; cat "$T/m.tsv"; }
expect 65 "gt/pred dims differ" "$S" --gt "$T/g.mhd" --pred "$T/w.mhd"
grep -q "dimensions differ" "$T/err" || bad "dims message"

# 5. report
rm -rf "$T/rep"
"$S" --report "$T/rep" --montage 12 "$T/p.lps" >/dev/null 2>&1 || bad "report run"
for f in index.html montage.png roc.png pr.png roc.svg pr.svg; do
	[ -s "$T/rep/$f" ] || bad "report lacks $f"
done
for f in montage.png roc.png pr.png; do
	[ "$(head -c 8 "$T/rep/$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || bad "$f is not a PNG"
done
grep -q '</svg>' "$T/rep/roc.svg" && grep -q 'polyline' "$T/rep/pr.svg" && grep -q '<table>' "$T/rep/index.html" \
	&& grep -q 'montage.png' "$T/rep/index.html" && ok "report files" || bad "report content"
if [ $have_py = 1 ]; then
	/usr/bin/python3 - "$T/rep" <<'EOF' && ok "report parses (SVG XML, PNG sizes)" || bad "report parse"
import sys, struct, xml.dom.minidom
d = sys.argv[1]
for f in ("roc.svg", "pr.svg"):
    xml.dom.minidom.parse(d + "/" + f)
w, h = struct.unpack(">II", open(d + "/montage.png", "rb").read()[16:24])
assert w > 500 and h > 150, (w, h)
EOF
fi
ls "$T/rep" | grep -q tmp && bad "temporary files left in report"

# classification-only stream (what nodule-cls writes): 30 cases, the last
# one unlabelled-looking duplicate of case 29 (benign, prob 0.1*(28%7)=0)
"$H" mkbad clsonly "$T/cls.lps" || bad "mkbad clsonly"
"$S" --tsv --bootstrap 0 "$T/cls.lps" >"$T/c.tsv" 2>"$T/c.err" || bad "cls-only run: $(cat "$T/c.err")"
grep -q '^# Classification: 30 cases (10 malignant, 20 benign)' "$T/c.tsv" && ! grep -q Segmentation "$T/c.tsv" \
	&& grep -q "$(printf '^SE\t1\t')" "$T/c.tsv" && ok "classification-only stream" || { bad "cls-only"; cat "$T/c.tsv"; }

# 6. malformed input and usage: one line, documented exit code, no output
for k in nogt probonly gtonly nothing badprob; do
	"$H" mkbad $k "$T/bad_$k.lps" || bad "mkbad $k"
	expect 65 "stream $k" "$S" "$T/bad_$k.lps"
done
head -c 5000 "$T/p.lps" >"$T/trunc.lps"
expect 65 "truncated stream" "$S" "$T/trunc.lps"
printf 'hello\n' >"$T/junk.lps"
expect 65 "not a stream" "$S" "$T/junk.lps"
expect 66 "missing input" "$S" "$T/does-not-exist.lps"
expect 64 "--tsv with --json" "$S" --tsv --json "$T/p.lps"
expect 64 "--gt without --pred" "$S" --gt "$T/g.mhd"
expect 64 "threshold out of range" "$S" -t 1.5 "$T/p.lps"
expect 64 "negative bootstrap" "$S" --bootstrap -1 "$T/p.lps"
rm -f "$T/o2.tsv"
"$S" -o "$T/o2.tsv" "$T/bad_nogt.lps" 2>/dev/null
[ -e "$T/o2.tsv" ] && bad "output file left after an error"
ls "$T" | grep -q 'o2.tsv.tmp' && bad "temporary output left after an error"
"$S" -h >/dev/null && ok "-h" || bad "-h"
"$S" --man | grep -q '^.SH EXIT STATUS' && ok "--man" || bad "--man"

[ $have_py = 0 ] && [ $fail = 0 ] && { echo "checks without oracle passed; python3 numpy/scipy/sklearn missing" >&2; exit 77; }
exit $fail
