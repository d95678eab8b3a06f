#!/bin/sh
# make demo: the pipeline on the bundled synthetic sample.
#   ct-phantom -> ct-info -> ct-resample | ct-hu-window | lung-mask | roi-crop
#   -> ct-info; lung-mask checked against the phantom's true lungs with
#   seg-metrics.  Output goes to demo-out/ (DEMO_OUT to change).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=${LP_BIN:-$top/bin}
out=${DEMO_OUT:-$top/demo-out}
rm -rf "$out"
mkdir -p "$out"
step() { printf '\n== %s\n' "$*" >&2; }

step "1. a synthetic LUNA16-like sample (ct-phantom, seed 1)"
"$B/ct-phantom" -o "$out/sample" -n 2 --seed 1 --lung
scans=$(ls "$out"/sample/*.mhd | grep -v -e '_gt.mhd' -e '_lung.mhd')
head -n 4 "$out/sample/annotations.csv"

step "2. what the first scan holds (ct-info)"
first=$(echo "$scans" | head -n 1)
"$B/ct-info" "$first"

step "3. ct-cat scans | ct-resample | ct-hu-window | lung-mask | roi-crop -a annotations.csv"
# shellcheck disable=SC2086
"$B/ct-cat" $scans | "$B/ct-resample" | "$B/ct-hu-window" | "$B/lung-mask" |
	"$B/roi-crop" -a "$out/sample/annotations.csv" -o "$out/rois.lps"
"$B/ct-info" -q --no-stats "$out/rois.lps" > "$out/rois.txt"
head -n 12 "$out/rois.txt"
echo "($(wc -l < "$out/rois.txt") lines in $out/rois.txt)"

step "4. lung-mask against the phantom's true lungs (seg-metrics)"
"$B/lung-mask" --keep-image "$first" -o "$out/lungs.lps"
"$B/seg-metrics" --gt "${first%.mhd}_lung.mhd" --pred "$out/lungs.lps" \
	--pred-channel lung --no-surface

step "5. still to come"
echo "nodule-seg and nodule-cls (the HR-MPF model) are not built yet;" \
	"the pipe above stops at roi-crop." >&2
