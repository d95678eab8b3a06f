#!/bin/sh
# bench/lungmask.sh - lung-mask on a 1 mm whole-chest volume with 2 threads
# against the issue's target (< 1 s), and a scipy.ndimage equivalent as the
# peer (threshold, 3-D components without the outside air, the two largest,
# per-slice closing with a 10 mm disk and hole filling; no airway removal),
# in the same run.  Volume: LIDC-IDRI-0001 resampled to 1 mm (360 x 360 x
# 331), or a ct-phantom scan at 1 mm when $LP_SHARED is absent.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${LP_BIN:-$top/bin}
SH=${LP_SHARED:-$top/../shared/data}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lpbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

dir=$(ls -d "$SH"/lidc/LIDC-IDRI-0001/*/*/ 2>/dev/null | head -n 1 || true)
if [ -n "$dir" ] && "$BIN/ct-resample" -q -s 1,1,1 "$dir" -o "$tmp/v.mhd" 2>/dev/null; then
	src="LIDC-IDRI-0001 resampled to 1 mm"
else
	"$BIN/ct-phantom" -q -o "$tmp/ph" --size 360 --spacing 1,1,1 --slices 300 --seed 1
	mv "$tmp"/ph/*[0-9].mhd "$tmp/v.mhd"
	sed -i "s|ElementDataFile = .*|ElementDataFile = $(ls "$tmp"/ph/*[0-9].raw)|" "$tmp/v.mhd"
	src="ct-phantom scan at 1 mm"
fi
dims=$("$BIN/ct-info" "$tmp/v.mhd" | sed -n 's/.*dims: *\(.*\) (.*/\1/p')
echo "volume: $src, $dims voxels"

best=999 cpu=0
for i in 1 2 3 4 5; do
	OMP_NUM_THREADS=2 "$BIN/lung-mask" -v "$tmp/v.mhd" -o "$tmp/m.lps" 2>"$tmp/log"
	t=$(sed -n 's/.*, \([0-9.]*\) s (cpu \([0-9.]*\) s).*/\1 \2/p' "$tmp/log")
	set -- $t
	if awk -v a="$1" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$1 cpu=$2; fi
done
sed 's/^/  /' "$tmp/log"
echo "lung-mask, 2 threads: best of 5 $best s wall ($cpu s cpu); target < 1 s:" \
	"$(awk -v a="$best" 'BEGIN { print (a < 1 ? "met" : "NOT met") }')"
load=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo "?")
echo "  (machine load average $load: wall times include waiting for a core)"

# the peer: scipy.ndimage
if ! /usr/bin/python3 -c "import scipy.ndimage" 2>/dev/null; then
	echo "peer: scipy not available, no ratio"
	exit 0
fi
peer=$(OMP_NUM_THREADS=2 /usr/bin/python3 - "$tmp/v.mhd" <<'EOF'
import re, sys, time, os
import numpy as np
from scipy import ndimage as ndi
p = sys.argv[1]
h = open(p).read()
dim = [int(v) for v in re.search(r"DimSize = (.*)", h).group(1).split()]
sp = [float(v) for v in re.search(r"ElementSpacing = (.*)", h).group(1).split()]
f = re.search(r"ElementDataFile = (\S+)", h).group(1)
f = f if f.startswith("/") else os.path.join(os.path.dirname(p), f)
v = np.fromfile(f, dtype=np.int16).reshape(dim[::-1])
t0 = time.perf_counter()
air = v < -320
lab, n = ndi.label(air)
sl = ndi.find_objects(lab)
keep = []
for i, s in enumerate(sl):
    if s is None:
        continue
    if s[1].start == 0 or s[2].start == 0 or s[1].stop == dim[1] or s[2].stop == dim[0]:
        continue
    keep.append(i + 1)
sizes = ndi.sum(air, lab, keep) if keep else []
order = [keep[i] for i in np.argsort(sizes)[::-1][:2]]
m = np.isin(lab, order)
r = 10.0
ry, rx = int(r / sp[1]), int(r / sp[0])
yy, xx = np.mgrid[-ry:ry + 1, -rx:rx + 1]
disk = (yy * sp[1]) ** 2 + (xx * sp[0]) ** 2 <= r * r
for z in range(m.shape[0]):
    if m[z].any():
        c = ndi.binary_closing(np.pad(m[z], ry + 1), structure=disk)
        m[z] = ndi.binary_fill_holes(c[ry + 1:-ry - 1, rx + 1:-rx - 1])
t = time.perf_counter() - t0
print("%.3f %.1f" % (t, m.sum() * sp[0] * sp[1] * sp[2] / 1000))
EOF
)
set -- $peer
echo "peer scipy.ndimage equivalent: $1 s (lungs $2 ml)"
echo "ratio peer/lung-mask: $(awk -v a="$1" -v b="$best" 'BEGIN { printf "%.1f", a / b }')x"
