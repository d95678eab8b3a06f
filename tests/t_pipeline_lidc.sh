#!/bin/sh
# t_pipeline_lidc.sh - issue 4 end to end on real data: lidc-annot on
# LIDC-IDRI-0001, then ct-resample | ct-hu-window | lung-mask | roi-crop
# gives patches with the nodule at their centre and its gt mask, and
# ct-info - shows them.  Skipped when $LP_SHARED or a tool is missing.
set -u
B=$LP_BIN T=$LP_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { grep -c "$@" || true; }

for t in lidc-annot ct-resample ct-hu-window lung-mask roi-crop ct-info; do
	[ -x "$B/$t" ] || { echo "tool $t is not built" >&2; exit 77; }
done
dir=$(ls -d "$LP_SHARED"/lidc/LIDC-IDRI-0001/*/*/ 2>/dev/null | head -n 1)
ann="$LP_SHARED/luna16/annotations.csv"
if [ -z "$dir" ] || [ ! -f "$dir/069.xml" ] || [ ! -f "$ann" ]; then
	echo "LIDC-IDRI-0001 or LUNA16 annotations not in $LP_SHARED" >&2
	exit 77
fi
uid=1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192

# the pipe of the issue, shown by ct-info
"$B/lidc-annot" -q --csv "$T/lidc.csv" "$dir/069.xml" "$dir" >"$T/gt.lps" 2>"$T/err"
rc=$?
if [ $rc -eq 69 ]; then
	echo "DICOM reading unavailable: $(cat "$T/err")" >&2
	exit 77
fi
[ $rc -eq 0 ] || fail "lidc-annot: $(cat "$T/err")"
"$B/ct-resample" -s 1,1,1 "$T/gt.lps" |
	"$B/ct-hu-window" | "$B/lung-mask" |
	tee "$T/vol.lps" | "$B/roi-crop" | "$B/ct-info" - >"$T/info" ||
	fail "the pipeline failed"
cat "$T/info"
[ "$(count 'dims: *64 x 64 x 1' "$T/info")" -eq 1 ] || fail "one 64x64 patch expected"
grep -q "channel image: u8, window" "$T/info" || fail "windowed image channel"
grep -q "channel lung: u8, mask" "$T/info" || fail "lung channel"
grep -q "channel gt: *u8, mask, range \[0, 1\]" "$T/info" || fail "gt channel"
grep -q "series_uid = $uid" "$T/info" || fail "series"
grep -q "malignancy_ratings = 5,5,5,4" "$T/info" || fail "ratings"
grep -q "label = malignant" "$T/info" || fail "label"
grep -q "kind = patch" "$T/info" || fail "kind"
# its gt mask: a 23 mm nodule covers a good part of the 64 mm patch
gtn=$(sed -n 's/.*channel gt:.*nonzero \([0-9]*\).*/\1/p' "$T/info")
[ "${gtn:-0}" -gt 200 ] || fail "gt mask of the nodule has $gtn voxels"

# the nodule at the centre: the centre voxel is on the gt and lung masks
"$B/roi-crop" -s 1 "$T/vol.lps" | "$B/ct-info" - >"$T/c"
grep "channel gt:" "$T/c" | grep -q "nonzero 1" || fail "centre voxel not on the gt mask"
grep "channel lung:" "$T/c" | grep -q "nonzero 1" || fail "centre voxel not in the lung mask"

# the same nodule from lidc-annot's CSV and from LUNA16's annotations.csv
"$B/roi-crop" -a "$T/lidc.csv" "$T/vol.lps" | "$B/ct-info" - >"$T/l"
grep -q "patch_center_voxel = $(sed -n 's/.*patch_center_voxel = //p' "$T/info")" "$T/l" ||
	fail "CSV and gt centres differ"
"$B/roi-crop" -q -a "$ann" "$T/vol.lps" | "$B/ct-info" - >"$T/a"
[ "$(count 'dims: *64 x 64 x 1' "$T/a")" -eq 1 ] || fail "LUNA16 row: one patch"
p1=$(sed -n 's/.*patch_center_voxel = //p' "$T/info")
p2=$(sed -n 's/.*patch_center_voxel = //p' "$T/a")
echo "gt centre voxel $p1, LUNA16 centre voxel $p2"
echo "$p1 $p2" | awk '{ split($1, a, ","); split($2, b, ",")
	d = 0; for (i = 1; i <= 3; i++) d += (a[i] - b[i]) ^ 2
	exit !(d <= 9) }' || fail "LUNA16 and LIDC centres more than 3 voxels apart"

# training patches: every slice of the gt mask, six-fold augmented
"$B/roi-crop" --all-slices --augment "$T/vol.lps" | "$B/ct-info" - >"$T/t"
n=$(count 'dims:' "$T/t")
nz=$(grep "channel gt:" "$T/t" | count -v 'nonzero 0$')
echo "--all-slices --augment: $n patches"
[ "$n" -ge 60 ] && [ $((n % 6)) -eq 0 ] || fail "--all-slices --augment gave $n patches"
[ "$(grep 'channel gt:' "$T/t" | count 'range \[0, 0\]')" -eq 0 ] ||
	fail "a training patch without gt voxels"
[ "$nz" -eq "$n" ] || fail "gt voxel counts"
exit 0
