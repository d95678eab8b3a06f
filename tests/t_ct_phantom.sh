#!/bin/sh
# ct-phantom: usage and range checks, byte-for-byte reproducibility (also
# across thread counts), annotations.csv agrees with the masks and the
# image (Python oracle), stream output read by ct-info, --background on a
# synthetic scan and on the real CPTAC series (skipped when absent), no
# partial output on failure.
set -u
P=$LP_BIN/ct-phantom
T=$LP_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
PY=/usr/bin/python3
SMALL="--size 160 --slices 48 --spacing 0,0,2.5 --diameter 5,30"

$P -h >/dev/null || fail "-h"
$P --man | grep -q '^\.TH' || fail "--man"
for bad in "-o $T/x -n 0" "-o $T/x -n 10001" "-o $T/x --label-noise 1.5" \
	"-o $T/x --nodules 5,2" "-o $T/x --size 8" "-o $T/x --diameter 2,10" \
	"-n 2" "-o $T/x --seed -1" "-o $T/x --spacing 0.7,0.7,nan"; do
	# shellcheck disable=SC2086
	$P $bad 2>/dev/null
	rc=$?
	[ $rc -eq 64 ] || fail "'$bad' exit $rc, want 64"
done
[ ! -e "$T/x" ] || fail "bad usage left $T/x"

# The UID of scan K of a run, from its progress lines ("ct-phantom: K/N UID: ...").
uid() { sed -n "s|^ct-phantom: $2/[0-9]* \([0-9.]*\): .*|\1|p" "$T/$1.log"; }

# Reproducible: same seed -> same bytes (1 and 2 threads); other seed differs.
OMP_NUM_THREADS=2 $P -o "$T/a" $SMALL -n 2 --seed 5 --nodules 3,5 2>"$T/a.log" || fail run a
OMP_NUM_THREADS=1 $P -q -o "$T/b" $SMALL -n 2 --seed 5 --nodules 3,5 || fail run b
$P -o "$T/c" $SMALL -n 1 --seed 6 --nodules 3,5 2>"$T/c.log" || fail run c
n=$(ls "$T/a" | wc -l)
[ "$n" -eq 9 ] || fail "want 9 files in a, got $n"
for f in "$T"/a/*; do
	cmp -s "$f" "$T/b/$(basename "$f")" || fail "differs: $(basename "$f")"
done
cmp -s "$T/a/$(uid a 1).raw" "$T/c/$(uid c 1).raw" && fail "seeds 5 and 6 equal"
[ "$(uid a 1)" != "$(uid c 1)" ] || fail "seeds 5 and 6 give the same UID"
# scan 2 of -n 2 is the same as scan 2 of -n 3
$P -o "$T/d" $SMALL -n 3 --seed 5 --nodules 3,5 2>"$T/d.log" || fail run d
[ "$(uid a 2)" = "$(uid d 2)" ] || fail "UID of scan 2 depends on -n"
cmp -s "$T/a/$(uid a 2).raw" "$T/d/$(uid d 2).raw" || fail "scan 2 depends on -n"

# The CSV against the masks and the image.
$PY - "$T/a" <<'EOF' || fail "oracle"
import sys, csv, numpy as np
d = sys.argv[1]
def mhd(p):
    h = dict(l.split(' = ', 1) for l in open(p).read().splitlines())
    dims = [int(x) for x in h['DimSize'].split()]
    t = {'MET_SHORT': '<i2', 'MET_UCHAR': 'u1'}[h['ElementType']]
    a = np.fromfile(d + '/' + h['ElementDataFile'], t).reshape(dims[::-1])
    return a, np.array([float(x) for x in h['ElementSpacing'].split()]), \
        np.array([float(x) for x in h['Offset'].split()])
rows = list(csv.DictReader(open(d + '/annotations.csv')))
assert rows, "no nodules"
assert list(rows[0])[:5] == ['seriesuid', 'coordX', 'coordY', 'coordZ', 'diameter_mm']
for r in rows:
    img, sp, org = mhd(d + '/' + r['seriesuid'] + '.mhd')
    gt, _, _ = mhd(d + '/' + r['seriesuid'] + '_gt.mhd')
    k = int(r['nodule_id'])
    m = gt == k
    assert m.any(), "empty mask %d" % k
    c = np.array([float(r['coordX']), float(r['coordY']), float(r['coordZ'])])
    zyx = np.argwhere(m).mean(0)
    cw = org + sp * zyx[::-1]
    assert np.abs(cw - c).max() < 0.6 * max(sp), (cw, c)
    dia = float(r['diameter_mm'])
    deq = 2 * (3 * m.sum() * sp.prod() / (4 * np.pi)) ** (1 / 3)
    assert 0.6 * dia < deq < 1.5 * dia + sp[2], (dia, deq)
    rt = [int(x) for x in r['malignancy_ratings'].split(';')]
    assert len(rt) == 4 and all(1 <= x <= 5 for x in rt)
    mean = sum(rt) / 4
    assert abs(mean - float(r['malignancy_mean'])) < 0.01 and mean != 3
    assert r['label'] == ('malignant' if mean > 3 else 'benign')
    assert r['kind'] in ('solid', 'part-solid', 'ground-glass', 'calcified')
    assert r['attachment'] in ('isolated', 'juxtavascular', 'juxtapleural')
    # coarse test grids: most mask voxels are partial-volume edges
    hu, top = img[m].mean(), img[m].max()
    if r['kind'] == 'ground-glass':
        assert -850 < hu < -100, hu
    else:
        assert top > -300, (r['kind'], top)
    if r['kind'] == 'calcified' and dia > 8:
        assert top > 150, top
    # around the nodule (a 4 mm shell, same slices): mostly lung
    zz, yy, xx = np.nonzero(m)
    sl = img[zz.min():zz.max() + 1]
    g = gt[zz.min():zz.max() + 1]
    cy, cx = yy.mean(), xx.mean()
    Y, X = np.mgrid[0:img.shape[1], 0:img.shape[2]]
    rr = np.hypot((Y - cy) * sp[1], (X - cx) * sp[0])
    ring = (rr > dia / 2 + 2) & (rr < dia / 2 + 6)
    vals = sl[:, ring]
    frac = ((vals < -500) & (vals > -1100)).mean()
    assert frac > 0.3, (r['nodule_id'], r['attachment'], frac)
print("oracle ok:", len(rows), "nodules")
EOF

# Label noise 1 reverses every label and changes nothing else.
$P -o "$T/e" $SMALL --seed 5 --nodules 3,5 --label-noise 1 2>"$T/e.log" || fail run e
cmp -s "$T/a/$(uid a 1).raw" "$T/e/$(uid e 1).raw" || fail "label noise changed image"
$PY - "$T/a/annotations.csv" "$T/e/annotations.csv" "$(uid a 1)" <<'EOF' || fail "label noise"
import sys, csv
a = [r for r in csv.DictReader(open(sys.argv[1])) if r['seriesuid'] == sys.argv[3]]
b = list(csv.DictReader(open(sys.argv[2])))
assert len(a) == len(b) > 0
for x, y in zip(a, b):
    assert x['label'] != y['label'] and y['label_flipped'] == '1'
EOF

# Stream output, read back by ct-info.
if [ -x "$LP_BIN/ct-info" ]; then
	$P -q -o - $SMALL --seed 5 --nodules 3,5 > "$T/s.lps" || fail stream
	"$LP_BIN/ct-info" "$T/s.lps" > "$T/info.txt" 2>&1 || fail "ct-info stream"
	grep -q "160" "$T/info.txt" || fail "ct-info: no dims"
	grep -q "nodule.1.center_world" "$T/info.txt" || fail "ct-info: no nodule"
	grep -q "$(uid a 1)" "$T/info.txt" || fail "ct-info: uid"
	"$LP_BIN/ct-info" "$T/a/$(uid a 1).mhd" \
		> "$T/info2.txt" 2>&1 || fail "ct-info mhd"
	grep -q "160" "$T/info2.txt" || fail "ct-info mhd dims"
else
	echo "ct-info not built: stream read-back not checked" >&2
fi

# --background on a synthetic scan without nodules.
$P -o "$T/bg" --size 128 --slices 32 --seed 8 --nodules 0,0 2>"$T/bg.log" || fail "bg"
[ "$(wc -l < "$T/bg/annotations.csv")" -eq 1 ] || fail "bg has nodules"
$P -o "$T/ins" --background "$T/bg/$(uid bg 1).mhd" \
	--seed 3 --nodules 3,3 2>"$T/ins.log" || fail "insert"
n=$(($(wc -l < "$T/ins/annotations.csv") - 1))
[ "$n" -ge 2 ] || fail "insert: $n nodules"
cmp -s "$T/bg/$(uid bg 1).raw" "$T/ins/$(uid ins 1).raw" && fail "insert changed nothing"

# A background that does not exist: exit 66, no output folder content.
$P -q -o "$T/none" --background "$T/nope.mhd" 2>/dev/null
rc=$?
[ $rc -eq 66 ] || fail "missing background exit $rc"
[ ! -e "$T/none/annotations.csv" ] || fail "partial output"
# An output that cannot be created: 73, nothing left behind.
$P -q -o /proc/lp_no_such_dir $SMALL 2>/dev/null
rc=$?
[ $rc -eq 73 ] || fail "uncreatable output exit $rc"

# The real CPTAC series (DICOM), when present.
CPTAC=${LP_SHARED:-}/ct/cptac-C3N-00247-chest
if [ -d "$CPTAC" ]; then
	if $P -q -o "$T/real" --background "$CPTAC" --seed 4 --nodules 4,4 \
		2> "$T/real.err"; then
		n=$(($(wc -l < "$T/real/annotations.csv") - 1))
		[ "$n" -ge 3 ] || fail "CPTAC: only $n nodules placed"
	else
		grep -qi "dicom\|unsupported" "$T/real.err" ||
			fail "CPTAC: $(cat "$T/real.err")"
		echo "CPTAC insertion skipped: DICOM input unavailable" >&2
	fi
else
	echo "LP_SHARED data absent: CPTAC insertion not checked" >&2
fi
echo "ct-phantom ok"
