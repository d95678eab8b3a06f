#!/bin/sh
# t_roi_crop.sh - roi-crop on synthetic phantoms: gt and CSV nodules,
# --all-slices, --depth, --augment, --jitter, border padding, and CSV
# errors (bad rows, unknown series, a nodule outside the volume, --strict).
set -u
B=$LP_BIN T=$LP_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }
count() { grep -c "$@" || true; }

"$B/roi-crop" -h | grep -q "annotations" || fail "-h"
"$B/roi-crop" --size 0 x 2>/dev/null; [ $? -eq 64 ] || fail "--size range"
"$B/roi-crop" -a /nonexistent.csv x 2>/dev/null; [ $? -eq 66 ] || fail "missing CSV"
[ -x "$B/ct-phantom" ] || { echo "ct-phantom is not built" >&2; exit 77; }

"$B/ct-phantom" -q -o "$T/ph.lps" --stream --size 128 --slices 64 --seed 5 \
	--nodules 4,4 -n 2 || fail "ct-phantom --stream"
"$B/ct-phantom" -q -o "$T/ph" --size 128 --slices 64 --seed 5 \
	--nodules 4,4 -n 2 || fail "ct-phantom"
csv="$T/ph/annotations.csv"
nrows=$(($(wc -l <"$csv") - 1))
[ "$nrows" -eq 8 ] || fail "phantom CSV has $nrows rows"

# -- gt nodules: one 64x64 patch each, nodule at the centre, its metadata ----
"$B/roi-crop" "$T/ph.lps" -o "$T/g.lps" || fail "gt mode"
"$B/ct-info" "$T/g.lps" >"$T/i"
[ "$(count 'dims: *64 x 64 x 1' "$T/i")" -eq 8 ] || fail "gt mode: 8 patches of 64x64x1"
[ "$(count 'kind = patch' "$T/i")" -eq 8 ] || fail "kind=patch"
for k in series_uid nodule_id center_world center_voxel diameter_mm \
	malignancy_ratings label source_slice; do
	[ "$(count " $k = " "$T/i")" -eq 8 ] || fail "metadata $k missing"
done
grep -q "nodule\.1\." "$T/i" && fail "volume's nodule.* metadata copied"
"$B/roi-crop" -s 1 "$T/ph.lps" | "$B/ct-info" - >"$T/i1"
[ "$(grep 'channel gt:' "$T/i1" | count 'nonzero 1')" -eq 8 ] ||
	fail "gt mode: a nodule centre is not on its gt mask"

# -- CSV nodules, matched by file stem (UID.mhd) ---------------------------
: >"$T/c"
for img in "$T"/ph/*[0-9].mhd; do
	"$B/roi-crop" -a "$csv" -q "$img" -o "$T/c.lps" || fail "CSV mode on $img"
	"$B/ct-info" "$T/c.lps" >>"$T/c"
done
[ "$(count 'dims: *64 x 64 x 1' "$T/c")" -eq 8 ] || fail "CSV mode: 8 patches"
# the same centres as in the stream's gt metadata (same world centres)
a=$(grep "center_world" "$T/i" | sort | md5sum)
b=$(grep "center_world" "$T/c" | sort | md5sum)
[ "$a" = "$b" ] || fail "CSV and gt centres differ"

# -- --all-slices: every slice of each gt mask, from gt or from the CSV -------
"$B/roi-crop" --all-slices "$T/ph.lps" | "$B/ct-info" - >"$T/a"
na=$(count 'dims:' "$T/a")
[ "$na" -gt 8 ] || fail "--all-slices gave $na patches"
[ "$(grep 'channel gt:' "$T/a" | count 'nonzero 0')" -eq 0 ] &&
	[ "$(grep 'channel gt:' "$T/a" | count -v 'range \[0, 0\]')" -eq "$na" ] ||
	fail "--all-slices: a patch without its nodule's mask"
nc=$("$B/roi-crop" -q --all-slices -a "$csv" "$T/ph.lps" | "$B/ct-info" - | count 'dims:')
[ "$nc" -eq "$na" ] || fail "--all-slices: CSV+gt gives $nc patches, gt $na"
echo "--all-slices: $na patches for 8 nodules"

# -- --depth, --size ------------------------------------------------------
"$B/roi-crop" -d 3 -s 32 "$T/ph.lps" | "$B/ct-info" - | grep -q 'dims: *32 x 32 x 3' ||
	fail "--depth 3 --size 32"

# -- --augment: six transforms of the same voxels (odd size: same window) ----
"$B/roi-crop" --augment -s 63 "$T/ph.lps" | "$B/ct-info" - >"$T/au"
[ "$(count 'dims:' "$T/au")" -eq 48 ] || fail "--augment: 48 patches expected"
for g in identity flip_x flip_y rot90 rot180 transpose; do
	[ "$(count "augment = $g\$" "$T/au")" -eq 8 ] || fail "augment $g"
done
# per nodule, the six patches have the same image statistics
awk 'function chk() { k = u "/" id; if (k in st && st[k] != s) bad++
                    st[k] = s; m++ }
     /^frame [0-9]+:/ { if (n++) chk() }
     /channel image:/ { s = $0; sub(/.*range/, "", s) }
     /nodule_id =/ { id = $NF } /series_uid =/ { u = $NF }
     END { chk(); exit !(bad == 0 && m == 48) }' "$T/au" ||
	fail "--augment changed the voxel values"

# -- --jitter: reproducible with --seed, bounded ------------------------------
"$B/roi-crop" --jitter 5 --seed 7 "$T/ph.lps" >"$T/j1.lps" || fail "--jitter"
"$B/roi-crop" --jitter 5 --seed 7 "$T/ph.lps" >"$T/j2.lps"
"$B/roi-crop" --jitter 5 --seed 8 "$T/ph.lps" >"$T/j3.lps"
cmp -s "$T/j1.lps" "$T/j2.lps" || fail "--jitter with the same seed differs"
cmp -s "$T/j1.lps" "$T/j3.lps" && fail "--jitter ignores --seed"
"$B/ct-info" "$T/j1.lps" | awk '/jitter_mm =/ { split($3, d, ",")
	for (i = 1; i <= 2; i++) { if (d[i] < -5 || d[i] > 5) bad++; if (d[i] != 0) nz++ } n++ }
	END { exit !(n == 8 && nz > 0 && bad == 0) }' || fail "--jitter offsets"

# -- errors: bad rows, unknown series, outside the volume, border padding ----
img=$(ls "$T"/ph/*[0-9].mhd | head -n 1)
uid=$(basename "$img" .mhd)
org=$("$B/ct-info" "$img" | sed -n 's/.*origin: *\([-0-9.e]*\) \([-0-9.e]*\) \([-0-9.e]*\) mm.*/\1,\2,\3/p')
{
	head -n 1 "$csv"
	grep "^$uid," "$csv" | head -n 2
	echo "$uid,abc,1,2,5,1;1;1;1,1,benign,solid,isolated,90,smooth,0.1,0"
	echo "$uid,1,2"
	echo "9.9.9,1,2,3,5,1;1;1;1,1,benign,solid,isolated,91,smooth,0.1,0"
	echo "$uid,1,2,99999,5,1;1;1;1,1,benign,solid,isolated,92,smooth,0.1,0"
	echo "$uid,$org,5,1;1;1;1,1,benign,solid,isolated,93,smooth,0.1,0"
} >"$T/bad.csv"
"$B/roi-crop" -a "$T/bad.csv" "$img" -o "$T/b.lps" 2>"$T/err" ||
	fail "bad rows must not fail without --strict: $(cat "$T/err")"
cat "$T/err"
grep -q "bad.csv:4: column 'coordX': bad number 'abc'" "$T/err" || fail "bad number message"
grep -q "bad.csv:5: 3 fields" "$T/err" || fail "short row message"
grep -q "nodule 92 (.*bad.csv:7) .* outside the volume" "$T/err" || fail "outside message"
grep -q "1 of 5 rows (1 series) name a series that is not in the input" "$T/err" ||
	fail "unknown series message"
"$B/ct-info" "$T/b.lps" >"$T/bi"
[ "$(count 'dims:' "$T/bi")" -eq 3 ] || fail "the good rows' patches are missing"
# the nodule at the corner voxel: 3/4 of its patch is padding (-1000 HU;
# the exact values are checked in test_roi)
awk '/channel image:/ { for (i = 1; i < NF; i++) if ($i == "mean") m = $(i + 1) + 0 }
     /nodule_id = 93/ { ok = m > -1003 && m < -997 } END { exit !ok }' "$T/bi" ||
	fail "padding at the border"
"$B/roi-crop" --strict -a "$T/bad.csv" "$img" -o "$T/s.lps" 2>/dev/null
[ $? -eq 65 ] || fail "--strict: exit 65 expected"
[ ! -e "$T/s.lps" ] || fail "--strict left an output file"
# required column missing
printf 'seriesuid,coordX,coordY\n%s,1,2\n' "$uid" >"$T/nocol.csv"
"$B/roi-crop" -a "$T/nocol.csv" "$img" -o "$T/n.lps" 2>"$T/err"
[ $? -eq 65 ] && grep -q "no column 'coordZ'" "$T/err" || fail "missing column"
# a frame without gt and no CSV: warning, no patches, exit 0
"$B/roi-crop" "$img" -o "$T/e.lps" 2>"$T/err" || fail "no gt: exit 0 expected"
grep -q "no gt channel" "$T/err" || fail "no gt message"
exit 0
