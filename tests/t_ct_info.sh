#!/bin/sh
# ct-info against independent writers: MetaImage files written by numpy
# (.mhd MSB + rotated, .zraw, .mha) and a stream written by tests/lps.py are
# reported with the right geometry, dtypes and statistics (numpy computes
# them too); --json is valid JSON with strings escaped; '-' reads a stream
# and prints text only; folders list their .mhd files; bad inputs give
# one-line messages and the documented exit codes, the others still reported.
set -eu
PY=/usr/bin/python3
$PY -c 'import numpy' 2>/dev/null || { echo "python3-numpy missing (make deps)" >&2; exit 77; }
I=$LP_BIN/ct-info
cd "$LP_TMP"
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- MetaImage written by numpy ---------------------------------------------
PYTHONPATH=$LP_SRC/tests $PY - <<'PY'
import numpy as np, zlib, lps
rng = np.random.default_rng(3)
a = rng.integers(-1024, 3072, (6, 5, 7)).astype(np.int16)   # z, y, x
np.save("a.npy", a)
def hdr(extra, etype, datafile):
    return ("ObjectType = Image\nNDims = 3\nBinaryData = True\n" + extra +
            "TransformMatrix = 0 1 0 -1 0 0 0 0 1\nOffset = -10.5 20.25 -300\n"
            "ElementSpacing = 0.7 0.8 2.5\nDimSize = 7 5 6\n"
            "ElementType = %s\nElementDataFile = %s\n" % (etype, datafile))
open("msb.mhd", "w").write(hdr("BinaryDataByteOrderMSB = True\n", "MET_SHORT", "msb.raw"))
a.astype(">i2").tofile("msb.raw")
z = zlib.compress(a.astype("<i2").tobytes())
open("z.mhd", "w").write(hdr("CompressedData = True\nCompressedDataSize = %d\n" % len(z),
                             "MET_SHORT", "z.zraw"))
open("z.zraw", "wb").write(z)
f = (rng.random((6, 5, 7)) * 2 - 1).astype("<f4")
np.save("f.npy", f)
open("f.mha", "wb").write(hdr("", "MET_FLOAT", "LOCAL").encode() + f.tobytes())
# a stream with two frames, odd metadata text and a provenance
fr = []
for k in range(2):
    fr.append(dict(dims=(4, 3, 2), spacing=(1.0, 1.0, 2.0 + k), origin=(0.0, 0.0, -5.0 * k),
                   dir=(1, 0, 0, 0, 1, 0, 0, 0, 1),
                   channels=[("image", "window", np.arange(24, dtype=np.uint8).reshape(2, 3, 4) * (k + 1), -1000.0, 400.0),
                             ("prob", "prob", np.full((2, 3, 4), 0.25, np.float32), 0.0, 0.0)],
                   meta=[("nodule_id", "n%d" % k), ("zz.odd", 'q"uote\\back\nline\ttab \u00e9\u4e2d')]))
lps.write("s.lps", fr, prov="py-writer 1: made by python\nsecond 2: line\n")
PY

$I --json msb.mhd z.mhd f.mha > out.json || fail "ct-info --json on good files"
$PY - <<'PY' || fail "json check of MetaImage files"
import json, numpy as np
objs = [json.loads(l) for l in open("out.json")]
assert len(objs) == 3, len(objs)
a = np.load("a.npy"); f = np.load("f.npy")
for o, arr, dt in ((objs[0], a, "i16"), (objs[1], a, "i16"), (objs[2], f, "f32")):
    assert o["kind"] == "file" and o["format"] == "mhd" and "error" not in o, o
    assert len(o["frames"]) == 1
    fr = o["frames"][0]
    assert fr["dims"] == [7, 5, 6], fr["dims"]
    assert fr["spacing"] == [0.7, 0.8, 2.5] and fr["origin"] == [-10.5, 20.25, -300]
    assert fr["direction"] == [0, 1, 0, -1, 0, 0, 0, 0, 1]
    (c,) = fr["channels"]
    assert c["name"] == "image" and c["dtype"] == dt, c
    x = arr.astype(np.float64)
    assert c["min"] == x.min() and c["max"] == x.max(), c
    assert abs(c["mean"] - x.mean()) < 1e-9 * max(1, abs(x.mean())), (c["mean"], x.mean())
    assert abs(c["std"] - x.std()) < 1e-9 * x.std(), (c["std"], x.std())
    assert c["nonzero"] == int((arr != 0).sum()) and c["nan"] == 0
assert objs[0]["frames"][0]["channels"][0]["units"] == "HU"
assert objs[0]["frames"][0]["meta"]["source_file"] == "msb.mhd"
print("mhd ok")
PY

# text report: aligned key: value lines
$I msb.mhd > out.txt || fail "text report"
grep -q '^  dims: *7 x 5 x 6 (210 voxels)$' out.txt || fail "dims line: $(cat out.txt)"
grep -q '^  spacing: *0.7 0.8 2.5 mm$' out.txt || fail "spacing line"
grep -q '^  direction: *0 1 0, -1 0 0, 0 0 1$' out.txt || fail "direction line"
grep -q '^  channel image: i16, HU, range \[' out.txt || fail "channel line"
$I --no-stats msb.mhd | grep -q 'range' && fail "--no-stats still scans"
[ "$($I -q z.mhd | grep -c '^frame 0: 7x5x6')" -eq 1 ] || fail "-q line"

# --- a stream on stdin ------------------------------------------------------
$I --json - < s.lps > s.json || fail "ct-info --json -"
$PY - <<'PY' || fail "json check of the stream"
import json
(o,) = [json.loads(l) for l in open("s.json")]
assert o["input"] == "-" and o["format"] == "stream", o
assert o["provenance"] == ["py-writer 1: made by python", "second 2: line"], o["provenance"]
assert [f["index"] for f in o["frames"]] == [0, 1]
f1 = o["frames"][1]
assert f1["spacing"] == [1, 1, 3] and f1["origin"] == [0, 0, -5]
img, prob = f1["channels"]
assert img["dtype"] == "u8" and img["units"] == "window" and img["window"] == [-1000, 400]
assert img["min"] == 0 and img["max"] == 46 and img["mean"] == 23 and img["nonzero"] == 23
assert prob["dtype"] == "f32" and prob["min"] == prob["max"] == 0.25 and prob["std"] == 0
assert f1["meta"]["nodule_id"] == "n1"
assert f1["meta"]["zz.odd"] == 'q"uote\\back\nline\ttab \u00e9\u4e2d', f1["meta"]["zz.odd"]
print("stream ok")
PY
$I - < s.lps > s.txt || fail "ct-info - (text)"
grep -q '^provenance: *py-writer 1: made by python$' s.txt || fail "provenance line"
grep -q '^frames: *2$' s.txt || fail "frame count"
grep -q LUNGPIPE s.txt && fail "stream data passed on to stdout"
grep -q '^ *zz.odd = q"uote\\\\back\\nline\\ttab ' s.txt || fail "meta text escaping: $(grep zz.odd s.txt)"
grep -q '^  origin: *0 0 0 mm$' s.txt || fail "origin -0"
# through ct-cat: the stream records ct-cat's command line
if [ -x "$LP_BIN/ct-cat" ]; then
	"$LP_BIN/ct-cat" z.mhd | $I - > cat.txt || fail "ct-cat | ct-info -"
	grep -q '^provenance: *ct-cat .*z.mhd' cat.txt || fail "ct-cat provenance"
	grep -q 'source_file = z.mhd' cat.txt || fail "source_file meta"
fi

# --- folders ----------------------------------------------------------------
mkdir -p dir && cp msb.mhd msb.raw dir/ && printf 'NDims = 3\n' > dir/broken.mhd
$I --json dir > dir.json || fail "folder with .mhd files: exit $?"
$PY -c '
import json; o = json.load(open("dir.json"))
m = o["mhd_files"]
assert o["kind"] == "folder" and [x["file"] for x in m] == ["broken.mhd", "msb.mhd"], m
assert m[1]["dims"] == [7, 5, 6] and m[1]["dtype"] == "i16" and "error" in m[0]' || fail "folder listing"

# --- errors: one-line messages naming the file, codes, others still reported
printf 'NDims = 3\nDimSize = 7 5 6\nElementType = MET_SHORT\nElementDataFile = gone.raw\n' > noraw.mhd
printf 'NDims = 3\nDimSize = 7 5 0\nElementType = MET_SHORT\nElementDataFile = msb.raw\n' > dim0.mhd
printf 'NDims = 3\nDimSize = 7 5 6\nElementType = MET_LONG_LONG\nElementDataFile = msb.raw\n' > type.mhd
printf 'NDims = 3\nDimSize = 7 5 5\nElementType = MET_SHORT\nElementDataFile = msb.raw\n' > long.mhd
check_err() { # expected-code file pattern
	if $I "$2" > /dev/null 2> err; then fail "$2 accepted"; else rc=$?; fi
	[ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1: $(cat err)"
	[ "$(wc -l < err)" -eq 1 ] || fail "$2: not one line: $(cat err)"
	grep -q "^ct-info: .*$3" err || fail "$2: message: $(cat err)"
}
check_err 66 missing.mhd "missing.mhd"
check_err 66 noraw.mhd "noraw.mhd.*gone.raw"
check_err 65 dim0.mhd "dim0.mhd.*DimSize"
check_err 69 type.mhd "type.mhd.*MET_LONG_LONG"
check_err 65 long.mhd "long.mhd.*too long"
head -c 200 s.lps > cut.lps
check_err 65 cut.lps "cut.lps"
printf 'not a volume\n' > x.txt
check_err 65 x.txt "x.txt"
# several inputs: good ones still reported, the first failure's code returned
if $I --json noraw.mhd msb.mhd dim0.mhd > multi.json 2> err; then fail "multi accepted"; else rc=$?; fi
[ $rc -eq 66 ] || fail "multi: exit $rc"
[ "$(wc -l < err)" -eq 2 ] || fail "multi: stderr $(cat err)"
$PY -c '
import json; o = [json.loads(l) for l in open("multi.json")]
assert [x.get("error", {}).get("code") for x in o] == [66, None, 65], o
assert o[1]["frames"][0]["dims"] == [7, 5, 6]' || fail "multi json"
# bad usage
if $I --bogus msb.mhd > /dev/null 2>&1; then fail "--bogus accepted"; else [ $? -eq 64 ] || fail "--bogus exit"; fi

# --- a DICOM folder (real data, when present) ---
D=$LP_SHARED/lidc/LIDC-IDRI-0001
if [ -d "$D" ]; then
	if $I --json --no-stats "$D" > dcm.json 2> err; then
		$PY -c '
import json; o = json.load(open("dcm.json"))
assert o["kind"] == "folder" and len(o["series"]) >= 1, o.get("series")
assert any(s["modality"] == "CT" and s["nfiles"] == 133 for s in o["series"]), o["series"]
assert o["frames"][0]["dims"] == [512, 512, 133], o["frames"][0]["dims"]' || fail "DICOM folder"
	else
		fail "DICOM folder: $(cat err)"
	fi
else
	echo "note: $D absent: the DICOM folder check did not run" >&2
fi
echo ok
