#!/bin/sh
# lidc-annot on real data: LIDC-IDRI-0001 (DICOM + 069.xml) gives the one
# nodule marked by all four readers (ratings 5,5,5,4), whose centre lies
# within 2 mm of the series' row in LUNA16's annotations.csv and whose
# diameter is within 10 % of LUNA16's; matching ROIs by SOP UID and by z
# agree; a LUNA16-style .mhd of the same series (written here by pydicom)
# gives the same nodule; the gt channel holds exactly the nodule's voxels,
# and they are exactly those of pylidc's rule (boolean_mask + consensus at
# 50 %) recomputed here with matplotlib; an XML of another series fails.
set -eu
PY=/usr/bin/python3
D=$LP_SHARED/lidc/LIDC-IDRI-0001
L=$LP_SHARED/luna16/annotations.csv
[ -d "$D" ] && [ -f "$L" ] || { echo "no $D or $L (LP_SHARED)" >&2; exit 77; }
$PY -c 'import numpy, pydicom' 2>/dev/null || { echo "python3 numpy/pydicom missing (make deps)" >&2; exit 77; }
A=$LP_BIN/lidc-annot
S=$(ls -d "$D"/*/*/ | head -n 1)
S=${S%/}
UID=$(basename "$S")
cd "$LP_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }

$A --csv dcm.csv -o dcm.lps "$S/069.xml" "$S" 2> err.txt || { cat err.txt >&2; fail "lidc-annot on the DICOM series"; }
$A --csv-only --csv z.csv --no-sop "$S/069.xml" "$S" 2>/dev/null || fail "--no-sop"
cmp dcm.csv z.csv >&2 || fail "matching by SOP UID and by z disagree"
# with every imageZposition wrong, the SOP UIDs alone still place the ROIs
sed 's|<imageZposition>[^<]*<|<imageZposition>999<|' "$S/069.xml" > noz.xml
$A --csv-only --csv sop.csv noz.xml "$S" 2>/dev/null || fail "SOP-only XML"
cmp dcm.csv sop.csv >&2 || fail "matching by SOP UID alone"
rc=0; $A --csv-only --csv nosop.csv --no-sop noz.xml "$S" 2> err.txt || rc=$?
[ $rc -eq 0 ] && [ "$(wc -l < nosop.csv)" -eq 1 ] || fail "--no-sop with wrong z finds nothing"
grep -q "matches no slice" err.txt || fail "--no-sop warnings"
# the XML of another series
sed 's|<SeriesInstanceUid>[^<]*<|<SeriesInstanceUid>1.2.3.4<|' "$S/069.xml" > other.xml
rc=0; $A --csv-only --csv o.csv other.xml "$S" 2> err.txt || rc=$?
[ $rc -eq 65 ] && [ ! -e o.csv ] || fail "XML of another series: exit $rc"
grep -q "^lidc-annot: other.xml: the reading is for series 1.2.3.4, but .* is series $UID" err.txt ||
	{ cat err.txt >&2; fail "XML of another series: message"; }

check() { # csv
	$PY - "$1" "$L" "$UID" <<'PY'
import csv, sys, math
rows = list(csv.DictReader(open(sys.argv[1])))
four = [r for r in rows if r["readers"] == "4"]
assert len(four) == 1, rows
r = four[0]
assert sorted(r["ratings"].split(";")) == ["4", "5", "5", "5"], r
assert r["label"] == "1" and r["seriesuid"] == sys.argv[3], r
luna = [l for l in csv.DictReader(open(sys.argv[2])) if l["seriesuid"] == sys.argv[3]]
assert len(luna) == 1
d = math.dist([float(r[k]) for k in ("coordX", "coordY", "coordZ")],
              [float(luna[0][k]) for k in ("coordX", "coordY", "coordZ")])
dd = float(r["diameter_mm"]) / float(luna[0]["diameter_mm"])
print("centre %.3f mm from LUNA16, diameter %.2f vs %.2f mm" %
      (d, float(r["diameter_mm"]), float(luna[0]["diameter_mm"])), file=sys.stderr)
assert d < 2.0, d
assert 0.9 < dd < 1.1, dd
PY
}
check dcm.csv || fail "DICOM: the four-reader nodule vs LUNA16"

PYTHONPATH=$LP_SRC/tests $PY - <<'PY' || fail "gt channel of the DICOM run"
import lps, numpy as np, csv
f = lps.read("dcm.lps")[1][0]
ch = {c[0]: c[2] for c in f["channels"]}
m = dict(f["meta"])
gt = ch["gt"]
assert ch["image"].dtype == np.int16 and gt.shape == ch["image"].shape
n = int(m["nodules"])
for k in range(1, n + 1):
    assert (gt == k).sum() == int(m["nodule.%d.voxels" % k]), k
# the centroid of the gt voxels of nodule 1, in world mm, is the CSV centre
z, y, x = np.nonzero(gt == 1)
ijk = np.array([x.mean(), y.mean(), z.mean()])
R = np.array(f["dir"]).reshape(3, 3)   # row a = direction of axis a
w = np.array(f["origin"]) + (ijk * np.array(f["spacing"])) @ R
row = next(csv.DictReader(open("dcm.csv")))
c = np.array([float(row[k]) for k in ("coordX", "coordY", "coordZ")])
assert np.abs(w - c).max() < 1e-3, (w, c)
# nodule HU: the consensus is mostly soft tissue
hu = ch["image"][gt == 1]
assert np.median(hu) > -300, np.median(hu)
PY

# --- oracle: pylidc's boolean_mask rule (matplotlib Path.contains_points on
# pixel centres, contour points removed, holes subtracted) and consensus
# (mean of the readings' masks >= 0.5) give exactly the gt voxels
if $PY -c 'import matplotlib.path' 2>/dev/null; then
PYTHONPATH=$LP_SRC/tests $PY - "$S/069.xml" <<'PY' || fail "gt vs pylidc's rule"
import sys, numpy as np, lps, xml.etree.ElementTree as ET
from matplotlib.path import Path
f = lps.read("dcm.lps")[1][0]
gt = [c for c in f["channels"] if c[0] == "gt"][0][2]
nz, ny, nx = gt.shape
oz, dz = f["origin"][2], f["spacing"][2]
ns = {"n": "http://www.nih.gov"}
jj, ii = np.mgrid[0:ny, 0:nx]
pts = np.c_[ii.ravel(), jj.ravel()]
def val(e, tag):
    return float(e.find("n:" + tag, ns).text)
masks = []
for s in ET.parse(sys.argv[1]).getroot().findall("n:readingSession", ns):
    for nod in s.findall("n:unblindedReadNodule", ns):
        rois = nod.findall("n:roi", ns)
        if max(len(r.findall("n:edgeMap", ns)) for r in rois) < 2:
            continue                     # < 3 mm: no contour
        m = np.zeros(gt.shape, bool)
        for inc_pass in (True, False):
            for r in rois:
                inc = r.find("n:inclusion", ns).text.strip() == "TRUE"
                if inc != inc_pass:
                    continue
                k = int(round((val(r, "imageZposition") - oz) / dz))
                C = np.array([[val(e, "xCoord"), val(e, "yCoord")]
                              for e in r.findall("n:edgeMap", ns)])
                if (C[0] != C[-1]).any():
                    C = np.vstack([C, C[:1]])
                lo, hi = C.min(0), C.max(0)
                sel = ((pts >= lo) & (pts <= hi)).all(1)
                inside = np.zeros(len(pts), bool)
                inside[sel] = Path(C, closed=True).contains_points(pts[sel])
                inside = inside.reshape(ny, nx)
                m[k] = (m[k] | inside) if inc else (m[k] & ~inside)
                ci = C.astype(int)
                m[k, ci[:, 1], ci[:, 0]] = False
        masks.append(m)
assert len(masks) == 4, len(masks)
cons = np.mean(masks, axis=0) >= 0.5
mine = gt == 1
print("pylidc rule: %d voxels, lidc-annot: %d, identical: %d" %
      (cons.sum(), mine.sum(), (cons == mine).all()), file=sys.stderr)
assert (cons == mine).all()
PY
else
	echo "matplotlib missing: the pylidc-rule oracle is not run" >&2
fi

# --- the same series as a LUNA16 .mhd (pydicom writes it) --------------------
$PY - "$S" "$UID" <<'PY' || fail "writing the .mhd with pydicom"
import sys, glob, numpy as np, pydicom
ds = [pydicom.dcmread(p) for p in glob.glob(sys.argv[1] + "/*.dcm")]
iop = np.array(ds[0].ImageOrientationPatient, float)
nrm = np.cross(iop[:3], iop[3:])
ds.sort(key=lambda d: float(np.dot(nrm, np.array(d.ImagePositionPatient, float))))
vol = np.stack([d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept) for d in ds])
p0 = np.array(ds[0].ImagePositionPatient, float)
dz = np.dot(nrm, np.array(ds[1].ImagePositionPatient, float) - p0)
ps = [float(v) for v in ds[0].PixelSpacing]
name = sys.argv[2]
open(name + ".mhd", "w").write(
    "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n"
    "TransformMatrix = %s\nOffset = %r %r %r\nElementSpacing = %r %r %r\n"
    "DimSize = %d %d %d\nElementType = MET_SHORT\nElementDataFile = %s.raw\n" %
    (" ".join("%g" % v for v in np.r_[iop[:3], iop[3:], nrm]), *p0, ps[1], ps[0], dz,
     vol.shape[2], vol.shape[1], vol.shape[0], name))
vol.astype("<i2").tofile(name + ".raw")
PY
$A --csv-only --csv mhd.csv "$S/069.xml" "$UID.mhd" 2>/dev/null || fail "lidc-annot on the .mhd"
check mhd.csv || fail ".mhd: the four-reader nodule vs LUNA16"
cmp dcm.csv mhd.csv >&2 || fail ".mhd and DICOM runs differ"
exit 0
