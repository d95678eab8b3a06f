#!/bin/sh
# lidc-annot on a synthetic .mhd scan and XML readings: the CSV rows (centre,
# readers, ratings, label) and the stream (image + gt channel, per-nodule
# metadata, read back by the independent tests/lps.py) are what the geometry
# says; the label rules and options change them as documented; malformed
# XML, a reading of another series and bad usage give one-line errors with
# the documented exit codes and leave no output file; a bad ROI is skipped
# with a warning and nothing else is lost (--strict makes it an error).
set -eu
PY=/usr/bin/python3
$PY -c 'import numpy' 2>/dev/null || { echo "python3-numpy missing (make deps)" >&2; exit 77; }
A=$LP_BIN/lidc-annot
cd "$LP_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- a 40x40x12 scan named after its series UID ------------------------------
cat > 1.2.3.mhd <<'EOF'
ObjectType = Image
NDims = 3
BinaryData = True
BinaryDataByteOrderMSB = False
TransformMatrix = 1 0 0 0 1 0 0 0 1
Offset = -100 -50 -150
ElementSpacing = 0.5 0.5 2.5
DimSize = 40 40 12
ElementType = MET_SHORT
ElementDataFile = scan.raw
EOF
head -c $((40 * 40 * 12 * 2)) /dev/zero > scan.raw
sed 's/^Offset.*/Offset = -100 -50 -150/' 1.2.3.mhd > 9.9.9.mhd

# --- readings: A seen by 3 readers (shifted squares), B by reader 3 ----------
square() { # z x0 y0 size
	echo "<roi><imageZposition>$1 </imageZposition><imageSOP_UID>u$1</imageSOP_UID><inclusion>TRUE</inclusion>"
	for p in "$2 $3" "$(($2 + $4)) $3" "$(($2 + $4)) $(($3 + $4))" "$2 $(($3 + $4))"; do
		set -- $p
		echo "<edgeMap><xCoord>$1</xCoord><yCoord>$2</yCoord></edgeMap>"
	done
	echo "</roi>"
}
nodule() { # id malignancy x0 y0 size z...
	id=$1 mal=$2 x=$3 y=$4 s=$5
	shift 5
	echo "<unblindedReadNodule><noduleID>$id</noduleID><characteristics><malignancy>$mal</malignancy></characteristics>"
	for z in "$@"; do square "$z" "$x" "$y" "$s"; done
	echo "</unblindedReadNodule>"
}
{
	echo '<?xml version="1.0" encoding="UTF-8"?>'
	echo '<LidcReadMessage uid="x" xmlns="http://www.nih.gov">'
	echo '<ResponseHeader><SeriesInstanceUid>1.2.3</SeriesInstanceUid></ResponseHeader>'
	echo '<readingSession><servicingRadiologistID>r1</servicingRadiologistID>'
	nodule A1 5 10 10 10 -140 -137.5 -135
	echo '<unblindedReadNodule><noduleID>tiny</noduleID><roi><imageZposition>-145</imageZposition><inclusion>TRUE</inclusion><edgeMap><xCoord>5</xCoord><yCoord>5</yCoord></edgeMap></roi></unblindedReadNodule>'
	echo '<nonNodule><nonNoduleID>nn</nonNoduleID><imageZposition>-130</imageZposition><locus><xCoord>30</xCoord><yCoord>4</yCoord></locus></nonNodule>'
	echo '</readingSession><readingSession><servicingRadiologistID>r2</servicingRadiologistID>'
	nodule A2 4 11 10 10 -140 -137.5 -135
	echo '</readingSession><readingSession><servicingRadiologistID>r3</servicingRadiologistID>'
	nodule A3 2 12 10 10 -140 -137.5 -135
	nodule B3 3 28 28 6 -125
	echo '</readingSession></LidcReadMessage>'
} > r.xml

$A --csv r.csv -o r.lps r.xml 1.2.3.mhd 2> err.txt || { cat err.txt >&2; fail "good run"; }
[ ! -s err.txt ] || { cat err.txt >&2; fail "warnings on a clean XML"; }
cat > want.csv <<'EOF'
seriesuid,coordX,coordY,coordZ,diameter_mm,nodule_id,readers,ratings,malignancy_mean,label
1.2.3,-92.000000,-42.500000,-137.500000,D,1,3,5;4;2,3.6667,1
1.2.3,-84.500000,-34.500000,-125.000000,D,2,1,3,3.0000,-1
EOF
sed 's/,[0-9.]*,\([12]\),\([13]\),/,D,\1,\2,/' r.csv > got.csv
diff want.csv got.csv >&2 || fail "CSV rows"

PYTHONPATH=$LP_SRC/tests $PY - <<'PY' || fail "stream content"
import lps, numpy as np
prov, frames = lps.read("r.lps")
assert len(frames) == 1
f = frames[0]
ch = {c[0]: c for c in f["channels"]}
assert ch["image"][2].dtype == np.int16 and ch["image"][2].shape == (12, 40, 40)
name, units, gt, _, _ = ch["gt"]
assert units == "mask" and gt.dtype == np.uint8
# nodule 1: >= 2 of 3 readers: x 12..20, y 11..19, slices 4..6
want = np.zeros((12, 40, 40), np.uint8)
want[4:7, 11:20, 12:21] = 1
want[10, 29:34, 29:34] = 2          # B: z -125 is slice 10
assert (gt == want).all(), (np.argwhere(gt != want)[:5])
m = dict(f["meta"])
assert m["series_uid"] == "1.2.3" and m["nodules"] == "2", m
assert m["nodule.1.malignancy_ratings"] == "5,4,2" and m["nodule.1.label"] == "malignant"
assert m["nodule.1.readings"] == "1:A1;2:A2;3:A3", m["nodule.1.readings"]
assert m["nodule.2.label"] == "excluded" and m["nodule.2.readers"] == "1"
assert m["nodule.1.center_voxel"] == "16.000,15.000,5.000"
assert m["lidc_small_nodules"] == "1" and m["lidc_non_nodules"] == "1"
assert m["non_nodule.1.center_world"] == "-85.0000,-48.0000,-130.0000"
assert abs(float(m["nodule.1.volume_mm3"]) - 243 * 0.625) < 1e-3
assert "lidc-annot" in prov
PY

# --- options ------------------------------------------------------------------
$A --csv-only --csv - --label-rule strict r.xml 1.2.3.mhd > s.csv || fail "--label-rule strict"
[ "$(sed -n 2p s.csv | cut -d, -f10)" = "-1" ] || fail "strict: mean 3.67 is excluded"
$A --csv-only --csv - --min-readers 2 r.xml 1.2.3.mhd > m.csv || fail "--min-readers"
[ "$(wc -l < m.csv)" -eq 2 ] || fail "--min-readers 2 keeps one nodule"
$A --csv-only --csv - --level 1 r.xml 1.2.3.mhd > l.csv || fail "--level 1"
[ "$(sed -n 2p l.csv | cut -d, -f2)" = "-92.000000" ] || fail "--level 1 centre"
$A --binary -o b.lps r.xml 1.2.3.mhd || fail "--binary"
PYTHONPATH=$LP_SRC/tests $PY -c '
import lps
f = lps.read("b.lps")[1][0]
gt = [c for c in f["channels"] if c[0] == "gt"][0][2]
assert gt.max() == 1 and (gt == 1).sum() == 243 + 25, (gt.max(), (gt == 1).sum())
' || fail "--binary values"
$A --csv-only --csv - --edge inside r.xml 1.2.3.mhd > e.csv || fail "--edge inside"
cmp -s e.csv r.csv && fail "--edge inside changes the diameters"

# a stream on the same grid works like the .mhd
if [ -x "$LP_BIN/ct-cat" ]; then
	"$LP_BIN/ct-cat" 1.2.3.mhd > scan.lps || fail "ct-cat"
	$A --csv-only --csv st.csv r.xml scan.lps || fail "stream input"
	cmp -s st.csv r.csv || fail "stream input gives other rows"
fi

# a FIFO (like /dev/null or /dev/stdout) is written in place, not replaced
mkfifo fifo
cat fifo > fifo.out &
$A --csv-only --csv fifo r.xml 1.2.3.mhd || fail "--csv FIFO"
wait
[ -p fifo ] || fail "the FIFO was replaced"
cmp -s fifo.out r.csv || fail "CSV through a FIFO"
rm fifo

# --- usage ----------------------------------------------------------------------
$A -h | grep -q "XML SERIES" || fail "-h"
$A --man | grep -q '^\.TH LIDC-ANNOT' || fail "--man"
rc=0; $A r.xml 2>/dev/null || rc=$?; [ $rc -eq 64 ] || fail "one argument: $rc"
rc=0; $A --csv-only r.xml 1.2.3.mhd 2>/dev/null || rc=$?; [ $rc -eq 64 ] || fail "--csv-only alone: $rc"
rc=0; $A --level 0 --csv-only --csv x.csv r.xml 1.2.3.mhd 2>/dev/null || rc=$?; [ $rc -eq 64 ] || fail "--level 0: $rc"
rc=0; $A --label-rule mode --csv-only --csv x.csv r.xml 1.2.3.mhd 2>/dev/null || rc=$?; [ $rc -eq 64 ] || fail "bad rule: $rc"
rc=0; $A --csv - r.xml 1.2.3.mhd >/dev/null 2>&1 || rc=$?; [ $rc -eq 64 ] || fail "csv and stream on stdout: $rc"
[ ! -e x.csv ] || fail "output after a usage error"

# --- errors: one line naming the file, exit code, no output left ----------------
expect() { # code pattern xml series [options]
	code=$1 pat=$2 xml=$3 ser=$4
	shift 4
	rc=0
	$A "$@" --csv bad.csv -o bad.lps "$xml" "$ser" 2> err.txt >/dev/null || rc=$?
	[ $rc -eq "$code" ] || { cat err.txt >&2; fail "$xml: exit $rc, want $code"; }
	[ "$(wc -l < err.txt)" -eq 1 ] || { cat err.txt >&2; fail "$xml: not one line"; }
	grep -q "^lidc-annot: .*$pat" err.txt || { cat err.txt >&2; fail "$xml: message"; }
	[ ! -e bad.csv ] && [ ! -e bad.lps ] || fail "$xml: output left behind"
	[ -z "$(ls | grep -E 'tmp|bad\.')" ] || { ls >&2; fail "$xml: temporary left"; }
}
head -c 2000 r.xml > trunc.xml
expect 65 "trunc.xml:[0-9]*: malformed XML" trunc.xml 1.2.3.mhd
: > empty.xml
expect 65 "empty.xml:.*malformed XML" empty.xml 1.2.3.mhd
echo '<html><body>not LIDC</body></html>' > html.xml
expect 65 "html.xml:.*not a LIDC-IDRI reading" html.xml 1.2.3.mhd
expect 65 "r.xml: the reading is for series 1.2.3, but 9.9.9.mhd is series 9.9.9" r.xml 9.9.9.mhd
expect 66 "missing.xml" missing.xml 1.2.3.mhd
expect 66 "none.mhd" r.xml none.mhd

# --- a bad ROI is skipped, nothing else is lost ---------------------------------
# reader 2's first ROI gets a bad number, reader 3's nodule B loses a yCoord
sed -e '0,/<xCoord>11</s//<xCoord>1x</' \
    -e '0,/<yCoord>34<\/yCoord>/s///' r.xml > badroi.xml
cmp -s badroi.xml r.xml && fail "sed did not change the XML"
$A --csv-only --csv br.csv badroi.xml 1.2.3.mhd 2> err.txt || { cat err.txt >&2; fail "bad ROI is not fatal"; }
grep -q "warning: badroi.xml:[0-9]*: nodule 'A2' of reader 2: ROI skipped (line [0-9]*: bad xCoord '1x')" err.txt ||
	{ cat err.txt >&2; fail "bad xCoord warning"; }
grep -q "nodule 'B3' of reader 3: ROI skipped (.*without xCoord or yCoord" err.txt ||
	{ cat err.txt >&2; fail "missing yCoord warning"; }
grep -q "nodule 'B3' of reader 3 has no valid ROI" err.txt || fail "B3 without ROI"
[ "$(wc -l < br.csv)" -eq 2 ] || fail "nodule A kept"
[ "$(sed -n 2p br.csv | cut -d, -f7,8)" = "3,5;4;2" ] || fail "A still has 3 readers"
expect 65 "badroi.xml:[0-9]*: nodule 'A2'.*bad xCoord.*(--strict)" badroi.xml 1.2.3.mhd --strict

# a ROI off the volume (z) and one outside the image are skipped
sed -e 's/<imageZposition>-125 /<imageZposition>-500 /' r.xml > offz.xml
$A --csv-only --csv - offz.xml 1.2.3.mhd 2> err.txt > oz.csv || fail "ROI off the volume"
grep -q "matches no slice" err.txt || fail "off-volume warning"
[ "$(wc -l < oz.csv)" -eq 2 ] || fail "off-volume nodule dropped, A kept"
exit 0
