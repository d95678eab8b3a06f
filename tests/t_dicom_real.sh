#!/bin/sh
# DICOM reader on the shared real series (LIDC-IDRI-0001, GE, signed, with
# padding; CPTAC C3N-00247, Siemens, unsigned 12 bit): every voxel's HU and
# the geometry identical to the pydicom+numpy oracle; DCMTK-compressed
# copies (JPEG lossless SV1, JPEG-LS lossless, RLE) give identical HU, and a
# JPEG baseline (lossy 8 bit) copy decodes close to the original.
set -u
py=/usr/bin/python3
or="$LP_SRC/tests/dicom_oracle.py"
L="$LP_SHARED/lidc/LIDC-IDRI-0001"
C="$LP_SHARED/ct/cptac-C3N-00247-chest"
[ -d "$L" ] && [ -d "$C" ] || { echo "shared data ($LP_SHARED) absent: skip"; exit 77; }
$py -c 'import pydicom' 2>/dev/null || { echo "pydicom missing: skip"; exit 77; }
for t in dcmcjpeg dcmcjpls dcmcrle; do
	command -v $t >/dev/null || { echo "$t (dcmtk) missing: skip"; exit 77; }
done
T=$LP_TMP
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

for s in "$L" "$C"; do
	n=$(basename "$s")
	t0=$(date +%s.%N)
	"$LP_BIN/ct-cat" "$s" -o "$T/$n.lps" || { bad "$n: read failed"; continue; }
	echo "read $n in $(echo "$(date +%s.%N) - $t0" | bc) s"
	$py "$or" compare "$T/$n.lps" "$s" && ok "$n identical to the oracle" || bad "$n differs"
done

# compressed copies of 4 slices of each series
for s in "$L" "$C"; do
	n=$(basename "$s")
	mkdir -p "$T/$n/raw" "$T/$n/jl" "$T/$n/jls" "$T/$n/rle" "$T/$n/jb"
	# 4 slices adjacent in position (file names are not in position order)
	for f in $($py -c "
import glob, sys, pydicom
fs = glob.glob(sys.argv[1] + '/**/*.dcm', recursive=True)
z = sorted((float(pydicom.dcmread(f, stop_before_pixels=True, specific_tags=['ImagePositionPatient']).ImagePositionPatient[2]), f) for f in fs)
print(' '.join(f for _, f in z[40:44]))" "$s"); do
		b=$(basename "$f")
		cp "$f" "$T/$n/raw/$b"
		dcmcjpeg "$f" "$T/$n/jl/$b" && dcmcjpls "$f" "$T/$n/jls/$b" &&
		dcmcrle "$f" "$T/$n/rle/$b" && dcmcjpeg +eb "$f" "$T/$n/jb/$b" ||
			bad "compressing $f"
	done
	for v in raw jl jls rle jb; do
		"$LP_BIN/ct-cat" "$T/$n/$v" -o "$T/$n/$v.lps" 2>/dev/null || bad "$n/$v: read failed"
	done
	$py "$or" compare "$T/$n/raw.lps" "$T/$n/raw" >/dev/null && ok "$n/raw subset = oracle" || bad "$n/raw subset"
	for v in jl jls rle; do
		ts=$(dcmdump "$T/$n/$v/$b" | grep '(0002,0010)' | sed 's/.*=//; s/ .*//')
		$py "$or" same "$T/$n/raw.lps" "$T/$n/$v.lps" && ok "$n: $ts identical HU" || bad "$n: $ts differs"
	done
	$py - "$T/$n/raw.lps" "$T/$n/jb.lps" <<'PY' && ok "$n: JPEG baseline decodes close to the original" || bad "$n: JPEG baseline"
import os, sys
sys.path.insert(0, os.environ["LP_SRC"] + "/tests")
import lps, numpy as np
a = lps.read(sys.argv[1])[1][0]["channels"][0][2].astype(float)
b = lps.read(sys.argv[2])[1][0]["channels"][0][2].astype(float)
d = np.abs(a - b)
r = np.corrcoef(a.ravel(), b.ravel())[0, 1]
print("baseline: median |diff| %.1f HU, correlation %.4f" % (np.median(d), r))
sys.exit(0 if a.shape == b.shape and np.median(d) < 30 and r > 0.95 else 1)
PY
done
exit $fail
