#!/bin/sh
# Memory is bounded by the largest frame, never by the stream's length:
# 240 frames of 64x64x64 int16 (0.5 MiB each, 120 MiB in all) pass through
# ct-cat and ct-hu-window with a peak RSS far below the stream's size; and
# ct-resample's peak stays within input + output + a small constant.
set -eu
PY=/usr/bin/python3
$PY -c 'import numpy' 2>/dev/null || { echo "python3-numpy missing (make deps)" >&2; exit 77; }
if [ "${LP_SAN:-0}" = 1 ]; then
	echo "under sanitizers RSS includes shadow memory: peak-memory bounds not checked" >&2
	exit 77
fi
cd "$LP_TMP"
PYTHONPATH=$LP_SRC/tests $PY - <<'PY'
import numpy as np, lps
rng = np.random.default_rng(3)
fr = [dict(dims=(64, 64, 64), spacing=(1, 1, 1), origin=(0, 0, k * 64.0),
           dir=(1, 0, 0, 0, 1, 0, 0, 0, 1),
           channels=[("image", "HU", rng.integers(-1000, 400, (64, 64, 64)).astype(np.int16), 0.0, 0.0)],
           meta=[("n", str(k))]) for k in range(240)]
lps.write("many.lps", fr)
big = rng.integers(-1000, 400, (120, 256, 256)).astype(np.int16)
lps.write("big.lps", [dict(dims=(256, 256, 120), spacing=(0.7, 0.7, 2.5),
          origin=(0, 0, 0), dir=(1, 0, 0, 0, 1, 0, 0, 0, 1),
          channels=[("image", "HU", big, 0.0, 0.0)], meta=[])])
PY
# peak RSS in KiB of a shell command (its children included)
peak() {
	$PY -c 'import resource, subprocess, sys
subprocess.run(["sh", "-c", sys.argv[1]], check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$1"
}
base=$(peak "'$LP_BIN/ct-cat' --count 0 many.lps > /dev/null")
cat_kb=$(peak "'$LP_BIN/ct-cat' many.lps > out.lps")
win_kb=$(peak "'$LP_BIN/ct-hu-window' many.lps > win.lps")
stream_kb=$(($(stat -c %s many.lps) / 1024))
echo "stream $stream_kb KiB; peak RSS: start-up $base, ct-cat $cat_kb, ct-hu-window $win_kb KiB" >&2
[ $((cat_kb - base)) -lt 8192 ] || { echo "ct-cat grows with the stream" >&2; exit 1; }
[ $((win_kb - base)) -lt 8192 ] || { echo "ct-hu-window grows with the stream" >&2; exit 1; }
PYTHONPATH=$LP_SRC/tests $PY -c '
import lps, numpy as np
_, a = lps.read("many.lps"); _, b = lps.read("out.lps")
assert len(a) == len(b) == 240
assert all(np.array_equal(x["channels"][0][2], y["channels"][0][2]) for x, y in zip(a, b))'
# ct-resample: input 15 MiB (i16), output at 1 mm about 18.7 MiB (i16)
res_kb=$(peak "'$LP_BIN/ct-resample' big.lps > res.lps")
in_kb=$((256 * 256 * 120 * 2 / 1024))
out_kb=$(PYTHONPATH=$LP_SRC/tests $PY -c '
import lps; _, f = lps.read("res.lps"); d = f[0]["dims"]; print(d[0] * d[1] * d[2] * 2 // 1024)')
echo "ct-resample: input $in_kb KiB + output $out_kb KiB, peak RSS $res_kb KiB (start-up $base)" >&2
[ "$res_kb" -lt $((base + in_kb + out_kb + 16384)) ] || { echo "ct-resample uses more than input + output + 16 MiB" >&2; exit 1; }
