#!/bin/sh
# t_lung_mask.sh - lung-mask on synthetic chest phantoms (against their true
# lung masks and nodule positions), on windowed input, on bad input, and on
# the real scans in $LP_SHARED (skipped when absent).
set -u
B=$LP_BIN T=$LP_TMP
fail() { echo "FAIL: $*" >&2; exit 1; }

# -- usage and errors --------------------------------------------------------
"$B/lung-mask" -h | grep -q "right lung" || fail "-h"
"$B/lung-mask" --close 99 x 2>/dev/null; [ $? -eq 64 ] || fail "--close range"
"$B/lung-mask" /nonexistent.mhd -o "$T/x.lps" 2>"$T/err"
[ $? -eq 66 ] || fail "missing input: exit 66 expected"
[ ! -e "$T/x.lps" ] || fail "output left after an error"

# a volume without air inside a body: 0 HU everywhere -> 65, no output
printf 'ObjectType = Image\nNDims = 3\nDimSize = 64 64 16\nElementSpacing = 1 1 2\nElementType = MET_SHORT\nElementDataFile = z.raw\n' >"$T/z.mhd"
head -c $((64 * 64 * 16 * 2)) /dev/zero >"$T/z.raw"
"$B/lung-mask" "$T/z.mhd" -o "$T/z.lps" 2>"$T/err"
[ $? -eq 65 ] || fail "no lungs: exit 65 expected"
grep -q "no lungs found" "$T/err" || fail "no lungs: message: $(cat "$T/err")"
[ ! -e "$T/z.lps" ] || fail "output left after no lungs"

[ -x "$B/ct-phantom" ] || { echo "ct-phantom is not built" >&2; exit 77; }

# -- synthetic phantoms with true lung masks --------------------------------
nph=2; [ "${LP_SAN:-0}" = 1 ] && nph=1  # fewer scans under sanitizers
"$B/ct-phantom" -q -o "$T/ph" -n $nph --size 128 --slices 64 --seed 5 \
	--nodules 6,6 --lung || fail "ct-phantom"
n=0
for img in "$T"/ph/*[0-9].mhd; do
	uid=$(basename "$img" .mhd)
	"$B/lung-mask" -v -n pred "$img" -o "$T/m.lps" 2>"$T/log" ||
		fail "lung-mask on $uid: $(cat "$T/log")"
	ml=$(sed -n 's/.*lungs \([0-9.]*\) ml.*/\1/p' "$T/log")
	echo "phantom $uid: lungs $ml ml"
	awk -v v="$ml" 'BEGIN { exit !(v > 500 && v < 9000) }' ||
		fail "phantom lung volume $ml ml"
	# Dice against the phantom's own lung mask
	if [ -x "$B/seg-metrics" ]; then
		dsc=$("$B/seg-metrics" --gt "$T/ph/${uid}_lung.mhd" \
			--pred "$T/m.lps" --json |
			sed -n 's/.*"DSC": {"mean": \([0-9.e-]*\).*/\1/p')
		[ -n "$dsc" ] || fail "seg-metrics --json gave no DSC"
		echo "phantom $uid: Dice with the true lung mask $dsc"
		awk -v v="$dsc" 'BEGIN { exit !(v >= 0.95) }' ||
			fail "Dice $dsc < 0.95"
	fi
	# every nodule centre is in the mask, in the right lung (1) when
	# x < 0 (LPS), else the left (2); juxtapleural nodules at a convex
	# corner of the lung may miss by a voxel: for them the mask must
	# reach the 3x3x3 voxels around the centre
	jp=$(awk -F, -v u="$uid" '$1 == u && $10 == "juxtapleural" { printf "%s ", $11 }' \
		"$T/ph/annotations.csv")
	"$B/roi-crop" -q -s 1 -a "$T/ph/annotations.csv" "$T/m.lps" |
		"$B/ct-info" - >"$T/info" || fail "roi-crop"
	"$B/roi-crop" -q -s 3 -d 3 -a "$T/ph/annotations.csv" "$T/m.lps" |
		"$B/ct-info" - >"$T/info3" || fail "roi-crop -s 3"
	rows=$(grep -c "^$uid," "$T/ph/annotations.csv")
	awk -v rows="$rows" -v jp=" $jp" '
		FNR == 1 { f++ }
		/channel pred:/ { v = $6; sub(/\[/, "", v); sub(/,/, "", v)
			nz = $NF }
		/nodule_id =/ { id = $3 }
		/center_world =/ && f == 1 { split($3, c, ","); n++
			want = c[1] < 0 ? 1 : 2
			if (v != want) miss[id] = c[1] " lung " v }
		/center_world =/ && f == 2 { near[id] = nz > 0 }
		END { if (n != rows) { print n " patches for " rows " rows"; exit 1 }
		      for (id in miss) {
			if (index(jp, " " id " ") && near[id]) {
				print "juxtapleural nodule " id " misses by a voxel"; continue }
			print "nodule " id " at x=" miss[id]; bad++ }
		      exit bad > 0 }' "$T/info" "$T/info3" ||
		fail "nodule centres outside the mask ($uid)"
	n=$((n + rows))
done
echo "phantom nodule centres inside the mask: $n"

# -- windowed input, --keep-image -------------------------------------------
img=$(ls "$T"/ph/*[0-9].mhd | head -n 1)
"$B/lung-mask" -v "$img" -o "$T/hu.lps" 2>"$T/log1" || fail "HU run"
"$B/ct-hu-window" "$img" | "$B/lung-mask" -v -o "$T/w.lps" 2>"$T/log2" ||
	fail "windowed run"
a=$(sed -n 's/.*lungs \([0-9.]*\) ml.*/\1/p' "$T/log1")
b=$(sed -n 's/.*lungs \([0-9.]*\) ml.*/\1/p' "$T/log2")
echo "HU input $a ml, windowed input $b ml"
awk -v a="$a" -v b="$b" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 0.01 * a) }' ||
	fail "windowed input gives $b ml, HU $a ml"
# outside the lungs the windowed image is 0 (= -1000 HU), the HU image
# -1000: the means drop to near those values
mean() { awk '{ for (i = 1; i < NF; i++) if ($i == "mean") print $(i + 1) + 0 }'; }
m=$("$B/ct-info" "$T/w.lps" | grep "channel image: u8, window" | mean)
"$B/ct-info" "$T/w.lps" | grep -q "channel image: u8, window.*range \[0," ||
	fail "windowed background is not 0"
m0=$("$B/ct-info" "$img" | grep "channel image: i16, HU" | mean)
m1=$("$B/ct-info" "$T/hu.lps" | grep "channel image: i16, HU" | mean)
echo "image means: input $m0 HU, masked $m1 HU, masked windowed $m"
awk -v m="$m" -v a="$m0" -v b="$m1" 'BEGIN { exit !(m < 10 && a > -800 && b < -900) }' ||
	fail "background not set outside the lungs"
# --keep-image leaves the image as it was
"$B/lung-mask" -k "$img" -o "$T/k.lps" || fail "--keep-image"
s1=$("$B/ct-info" "$img" | grep "channel image")
s2=$("$B/ct-info" "$T/k.lps" | grep "channel image")
[ "$s1" = "$s2" ] || fail "--keep-image changed the image: $s1 / $s2"
# a frame that has the mask channel already
"$B/lung-mask" "$T/k.lps" -o "$T/kk.lps" 2>"$T/err"
[ $? -eq 65 ] || fail "second lung channel: exit 65 expected"
grep -q "frame 1" "$T/err" || fail "message names the frame: $(cat "$T/err")"

# -- real scans -------------------------------------------------------------
lidc=$(ls -d "$LP_SHARED"/lidc/LIDC-IDRI-0001/*/*/ 2>/dev/null | head -n 1)
cptac="$LP_SHARED/ct/cptac-C3N-00247-chest"
ann="$LP_SHARED/luna16/annotations.csv"
if [ -z "$lidc" ] || [ ! -d "$cptac" ] || [ ! -f "$ann" ]; then
	echo "real-data checks skipped: $LP_SHARED lacks LIDC-IDRI-0001, CPTAC or LUNA16" >&2
	exit 77
fi
for scan in "$lidc" "$cptac"; do
	"$B/lung-mask" -v "$scan" -o "$T/real.lps" 2>"$T/log"
	rc=$?
	if [ $rc -eq 69 ]; then
		echo "real-data checks skipped: DICOM reading unavailable: $(cat "$T/log")" >&2
		exit 77
	fi
	[ $rc -eq 0 ] || fail "lung-mask on $scan: $(cat "$T/log")"
	ml=$(sed -n 's/.*lungs \([0-9.]*\) ml.*/\1/p' "$T/log")
	echo "$(basename "$scan"): $(sed 's/^lung-mask: frame 1: //' "$T/log")"
	awk -v v="$ml" 'BEGIN { exit !(v > 1500 && v < 9000) }' ||
		fail "implausible lung volume $ml ml for $scan"
	[ "$scan" = "$lidc" ] || continue
	# every LUNA16 nodule of this series lies inside the mask
	uid=1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192
	rows=$(grep -c "^$uid," "$ann")
	"$B/roi-crop" -q -s 1 -a "$ann" "$T/real.lps" | "$B/ct-info" - >"$T/info"
	inside=$(grep "channel lung:" "$T/info" | grep -c "nonzero 1")
	echo "LIDC-IDRI-0001: $inside of $rows LUNA16 nodule centres inside the mask"
	[ "$rows" -ge 1 ] && [ "$inside" -eq "$rows" ] ||
		fail "LUNA16 nodules outside the lung mask"
done
exit 0
