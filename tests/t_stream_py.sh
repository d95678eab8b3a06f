#!/bin/sh
# The stream format against an independent implementation (tests/lps.py):
# a stream written by Python passes through ct-cat unchanged, frame data,
# geometry, units, windows and unknown metadata keys included, and the
# provenance gains ct-cat's line.
set -eu
PY=/usr/bin/python3
$PY -c 'import numpy' 2>/dev/null || { echo "python3-numpy missing (make deps)" >&2; exit 77; }
cd "$LP_TMP"
PYTHONPATH=$LP_SRC/tests $PY - <<'PY'
import numpy as np, lps
rng = np.random.default_rng(7)
fr = []
for k in range(3):
    nz, ny, nx = 2 + k, 5, 7
    fr.append(dict(dims=(nx, ny, nz), spacing=(0.5, 0.6, 1.25 + k),
                   origin=(-1.5, 2.5, -3.5 * k), dir=(0, 1, 0, -1, 0, 0, 0, 0, 1),
                   channels=[("image", "window", rng.integers(0, 255, (nz, ny, nx)).astype(np.uint8), -1000.0, 400.0),
                             ("prob", "prob", rng.random((nz, ny, nx)).astype(np.float32), 0.0, 0.0),
                             ("feat", "feature", rng.random((nz, ny, nx)), 0.0, 0.0)],
                   meta=[("series_uid", "1.2.3"), ("zz.unknown-key", "kept %d" % k)]))
lps.write("in.lps", fr, prov="py-writer 1: made by python\n")
PY
"$LP_BIN/ct-cat" in.lps > mid.lps
"$LP_BIN/ct-cat" - < mid.lps > out.lps
PYTHONPATH=$LP_SRC/tests $PY - <<'PY'
import numpy as np, lps
p0, a = lps.read("in.lps")
p1, b = lps.read("out.lps")
assert p1.startswith(p0), p1
assert p1.count("ct-cat 0.1.0: ") == 2, p1
assert len(a) == len(b) == 3
for x, y in zip(a, b):
    for k in ("dims", "spacing", "origin", "dir", "meta"):
        assert x[k] == y[k], (k, x[k], y[k])
    for c, d in zip(x["channels"], y["channels"]):
        assert c[0] == d[0] and c[1] == d[1] and c[3:] == d[3:]
        assert c[2].dtype == d[2].dtype and np.array_equal(c[2], d[2])
print("ok")
PY
# frame selection
"$LP_BIN/ct-cat" --first 2 -n 1 in.lps > one.lps
PYTHONPATH=$LP_SRC/tests $PY -c "
import lps; p, f = lps.read('one.lps'); assert len(f) == 1 and f[0]['dims'] == (7, 5, 3), f[0]['dims']"
# a corrupt input leaves no output file and exits 65
head -c 300 in.lps > cut.lps
if "$LP_BIN/ct-cat" cut.lps -o never.lps 2>err; then exit 1; else rc=$?; fi
[ $rc -eq 65 ] && grep -q "cut.lps" err && [ ! -e never.lps ] && ! ls never.lps.tmp* 2>/dev/null
# a FIFO (like /dev/null) is written in place, never replaced by a rename
mkfifo fifo
cat fifo > via-fifo.lps &
"$LP_BIN/ct-cat" in.lps -o fifo
wait
[ -p fifo ] && "$LP_BIN/ct-cat" via-fifo.lps > /dev/null
# an output folder is refused with 73
if "$LP_BIN/ct-cat" in.lps -o . 2>err; then exit 1; else rc=$?; fi
[ $rc -eq 73 ]
