#!/bin/sh
# bench/ops.sh - libnet convolution benchmark: GFLOP/s per HR-MPF conv shape
# (batch 16) beside OpenBLAS sgemm at the same GEMM shape, and overall
# against the FMA peak; once with 1 thread and once with all cores.
# Builds bench/ops.c against the build's libnet.a.
# Usage: sh bench/ops.sh [reps]   (B=build/rel by default)
set -e
top=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-$top/build/rel}
case "$B" in /*) ;; *) B=$top/$B ;; esac
[ -f "$B/libnet.a" ] && [ -f "$B/libcore.a" ] ||
	make -C "$top" -s "$B/libnet.a" "$B/libcore.a" B="$B" >/dev/null
exe=$(mktemp "${TMPDIR:-/tmp}/lnbench.XXXXXX")
trap 'rm -f "$exe"' EXIT INT TERM
cc -std=gnu11 -O2 -march=x86-64-v3 -fopenmp -I"$top/libnet" -I"$top/libcore" \
	"$top/bench/ops.c" "$B/libnet.a" "$B/libcore.a" -lopenblas -lz -lm \
	-fopenmp -pthread -o "$exe"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
OMP_NUM_THREADS=1 "$exe" "${1:-5}"
echo
OMP_NUM_THREADS=$(nproc) "$exe" "${1:-5}"
