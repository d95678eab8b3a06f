#!/bin/sh
# bench/metrics.sh - pixel segmentation metrics (TP/FP/FN/TN and Acc, DSC,
# MIoU, Prec, SE, SP, IoU, IoU_bg per patch) on 64x64 patches:
#   kernel:     the library on masks in memory (OpenMP, 2 threads) vs numpy
#               on the same masks in memory;
#   end to end: seg-metrics --no-surface reading a stream file vs numpy
#               reading the same masks from a raw file (np.fromfile).
# Target: >= 50,000 patches/s.  N=100000 by default (env N).
# Also times the surface metrics (HD95/ASSD/HD) end to end, for information.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BIN=${LP_BIN:-$top/bin}
TB=${LP_TESTBIN:-$top/build/rel/tests}
N=${N:-100000}
PY=/usr/bin/python3
tmp=$(mktemp -d "${TMPDIR:-/tmp}/lpbench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

now() { date +%s.%N; }
"$TB/test_metrics" mkbench "$tmp/b.lps" "$tmp/b.raw" "$N"
cat "$tmp/b.lps" "$tmp/b.raw" >/dev/null # page cache, for both sides

set -- $(OMP_NUM_THREADS=2 "$TB/test_metrics" bench "$tmp/b.raw" "$N")
k_s=$1 k_rate=$2 k_dsc=$3

t0=$(now)
"$BIN/seg-metrics" --no-surface --bootstrap 0 --json "$tmp/b.lps" >"$tmp/c.json"
t1=$(now)
e_s=$(echo "$t1 - $t0" | bc -l)
e_dsc=$(sed -n 's/.*"DSC": {"mean": \([^,]*\),.*/\1/p' "$tmp/c.json")

t0=$(now)
"$BIN/seg-metrics" --bootstrap 0 --json "$tmp/b.lps" >/dev/null
t1=$(now)
s_s=$(echo "$t1 - $t0" | bc -l)

set -- $("$PY" - "$tmp/b.raw" "$N" <<'EOF'
import sys, time
import numpy as np

def metrics(a):
    g, p = a[:, 0] != 0, a[:, 1] != 0
    tp = np.count_nonzero(g & p, axis=(1, 2))
    sg = np.count_nonzero(g, axis=(1, 2))
    sp = np.count_nonzero(p, axis=(1, 2))
    fp, fn = sp - tp, sg - tp
    tn = g.shape[1] * g.shape[2] - sg - sp + tp
    ok = (fp == 0) & (fn == 0)
    def r(num, den):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(den == 0, ok.astype(float), num / np.maximum(den, 1))
    iou, iou_bg = r(tp, tp + fp + fn), r(tn, tn + fp + fn)
    return [r(tp + tn, tp + tn + fp + fn), r(2 * tp, 2 * tp + fp + fn),
            (iou + iou_bg) / 2, r(tp, tp + fp), r(tp, tp + fn), r(tn, tn + fp),
            iou, iou_bg]

path, n = sys.argv[1], int(sys.argv[2])
t0 = time.perf_counter()
a = np.fromfile(path, np.uint8).reshape(n, 2, 64, 64)
t1 = time.perf_counter()
v = metrics(a)
t2 = time.perf_counter()
means = [x.mean() for x in v]
print("%.6f %.6f %.9f" % (t2 - t1, t2 - t0, means[1]))
EOF
)
p_k=$1 p_e=$2 p_dsc=$3

echo "pixel metrics, $N patches of 64x64 (2 cores)"
printf 'kernel:      lungpipe %8.0f patches/s   numpy %8.0f patches/s   ratio %.1fx\n' \
	"$k_rate" "$(echo "$N / $p_k" | bc -l)" "$(echo "$p_k / $k_s" | bc -l)"
printf 'end to end:  seg-metrics %5.0f patches/s   numpy %8.0f patches/s   ratio %.1fx\n' \
	"$(echo "$N / $e_s" | bc -l)" "$(echo "$N / $p_e" | bc -l)" "$(echo "$p_e / $e_s" | bc -l)"
printf 'with surface distances (HD95, ASSD, HD): %.0f patches/s\n' "$(echo "$N / $s_s" | bc -l)"
echo "mean DSC: kernel $k_dsc  seg-metrics $e_dsc  numpy $p_dsc"
ok=$(awk -v n="$N" -v e="$e_s" -v k="$k_rate" 'BEGIN{print (n / e >= 50000 && k >= 50000)}')
same=$(awk -v a="$k_dsc" -v b="$e_dsc" -v c="$p_dsc" \
	'BEGIN{d1 = a - c; d2 = b - c; print (d1 * d1 < 1e-16 && d2 * d2 < 1e-16)}')
[ "$same" = 1 ] || { echo "FAIL: results differ from the numpy peer"; exit 1; }
[ "$ok" = 1 ] && echo "target 50000 patches/s: met" || { echo "target 50000 patches/s: NOT met"; exit 1; }
