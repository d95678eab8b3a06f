#!/bin/sh
# ct-resample and ct-hu-window as tools: MetaImage in/out against
# plastimatch (same grid, within 1 HU), streams with mask channels, DICOM
# folders, usage errors and exit codes, no partial output.
set -u
py=/usr/bin/python3
R="$LP_BIN/ct-resample"
W="$LP_BIN/ct-hu-window"
T=$LP_TMP
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }
code() { # code WANT cmd...: exit status WANT
	want=$1; shift
	"$@" >"$T/out" 2>"$T/err"; rc=$?
	[ $rc -eq "$want" ] && ok "exit $rc: $* $(head -c 160 "$T/err")" || bad "exit $rc want $want: $* $(cat "$T/err")"
}
export PYTHONPATH="$LP_SRC/tests"

# a 40x30x12 int16 volume at 0.7x0.7x2.5 and a two-channel stream
$py - "$T" <<'PY'
import sys, numpy as np, lps
d = sys.argv[1]
rng = np.random.default_rng(3)
z, y, x = np.mgrid[:12, :30, :40]
v = (np.sin(x / 5.0) * 300 + np.cos(y / 4.0) * 200 + z * 40 - 500
     + rng.normal(0, 30, x.shape)).astype(np.int16)
v.astype("<i2").tofile(d + "/v.raw")
open(d + "/v.mhd", "w").write(
    "ObjectType = Image\nNDims = 3\nBinaryData = True\n"
    "BinaryDataByteOrderMSB = False\nTransformMatrix = 1 0 0 0 1 0 0 0 1\n"
    "Offset = -20 10.5 -300\nElementSpacing = 0.7 0.7 2.5\n"
    "DimSize = 40 30 12\nElementType = MET_SHORT\nElementDataFile = v.raw\n")
m = ((x > 10) & (x < 30) & (y > 5)).astype(np.uint8) * 2
fr = dict(dims=(40, 30, 12), spacing=(0.7, 0.7, 2.5), origin=(-20, 10.5, -300),
          dir=(1, 0, 0, 0, 1, 0, 0, 0, 1),
          channels=[("image", "HU", v, 0.0, 0.0), ("lung", "mask", m, 0.0, 0.0)],
          meta=[("kind", "volume")])
lps.write(d + "/v.lps", [fr])
lps.write(d + "/two.lps", [fr, fr])
PY

code 0 "$R" "$T/v.mhd" -o "$T/ours.mhd"
grep -q "DimSize = 28 21 28" "$T/ours.mhd" && ok "grid 28x21x28 (floor((n-1)s/s')+1)" || bad "grid: $(grep DimSize "$T/ours.mhd")"
grep -q "Offset = -20 10.5 -300" "$T/ours.mhd" && ok "origin kept" || bad "origin: $(grep Offset "$T/ours.mhd")"
if command -v plastimatch >/dev/null 2>&1; then
	plastimatch resample --input "$T/v.mhd" --output "$T/pl.mhd" --spacing "1 1 1" \
		--interpolation linear >/dev/null 2>&1
	$py - "$T/ours.mhd" "$T/pl.mhd" <<'PY' && ok "agrees with plastimatch within 1 HU" || bad "plastimatch disagreement"
import sys, numpy as np
def rd(p):
    h = dict(l.split(" = ", 1) for l in open(p).read().splitlines())
    dims = [int(x) for x in h["DimSize"].split()]
    return np.fromfile(p[:-4] + ".raw", "<i2").reshape(dims[::-1]), h["Offset"].split()
a, oa = rd(sys.argv[1]); b, ob = rd(sys.argv[2])
print("dims", a.shape, b.shape, "max diff", np.abs(a.astype(int) - b).max() if a.shape == b.shape else "-")
sys.exit(0 if a.shape == b.shape and [float(x) for x in oa] == [float(x) for x in ob]
         and np.abs(a.astype(int) - b).max() <= 1 else 1)
PY
else
	echo "plastimatch not installed: comparison skipped"
fi

# streams: all channels together, masks nearest, stdout
"$R" --spacing 0.5,0.9,1.25 --interp cubic "$T/v.lps" > "$T/r.lps" && $py - "$T/r.lps" <<'PY' && ok "stream: both channels, mask labels kept" || bad "stream resample"
import sys, numpy as np, lps
f = lps.read(sys.argv[1])[1][0]
assert f["dims"] == (55, 23, 23), f["dims"]
assert f["spacing"] == (0.5, 0.9, 1.25)
names = [c[0] for c in f["channels"]]
assert names == ["image", "lung"], names
m = f["channels"][1][2]
assert set(np.unique(m)) == {0, 2}, np.unique(m)
assert f["channels"][1][1] == "mask" and f["channels"][0][2].dtype == np.int16
assert dict(f["meta"])["resample_interp"] == "cubic"
PY
"$R" "$T/v.lps" | "$R" --spacing 2 - -o "$T/r2.lps" && ok "pipe through two ct-resample" || bad "pipe"

# DICOM folders: warnings on stderr unless -q
$py "$LP_SRC/tests/dicom_oracle.py" make "$T/dcm" n=7 drop=3
"$R" "$T/dcm" -o "$T/d.lps" 2>"$T/err" && grep -q "missing slice" "$T/err" && ok "DICOM warning printed" || bad "DICOM warning: $(cat "$T/err")"
"$R" -q "$T/dcm" -o "$T/d.lps" 2>"$T/err" && [ ! -s "$T/err" ] && ok "-q quiet" || bad "-q"

# errors: usage 64, missing 66, bad data 65; no output left
code 64 "$R" --spacing 0 "$T/v.mhd" -o "$T/e1.lps"
code 64 "$R" --spacing 1,2 "$T/v.mhd" -o "$T/e1.lps"
code 64 "$R" --interp bspline "$T/v.mhd" -o "$T/e1.lps"
code 64 "$R" "$T/v.mhd" "$T/v.mhd"
code 66 "$R" "$T/nonexistent.mhd" -o "$T/e1.lps"
code 65 "$R" "$T/two.lps" -o "$T/e2.mhd"
code 64 "$R" --channel nope "$T/v.lps" -o "$T/e3.mhd"
ls "$T"/e1* "$T"/e2* "$T"/e3* >/dev/null 2>&1 && bad "partial output left" || ok "no partial output"
head -c 100 "$T/v.lps" > "$T/trunc.lps"
code 65 "$R" "$T/trunc.lps" -o "$T/e4.lps"
code 0 "$R" -h
"$R" --man | grep -q '^\.TH' && ok "--man" || bad "--man"

# ct-hu-window
"$W" "$T/v.lps" -o "$T/w.lps" && $py - "$T/w.lps" "$T/v.lps" <<'PY' && ok "window u8 [-1000,400], mask untouched" || bad "window"
import sys, numpy as np, lps
f = lps.read(sys.argv[1])[1][0]; g = lps.read(sys.argv[2])[1][0]
name, units, a, wmin, wmax = f["channels"][0]
hu = g["channels"][0][2].astype(float)
ref = np.floor(np.clip((hu + 1000) / 1400, 0, 1) * 255 + 0.5)
assert units == "window" and (wmin, wmax) == (-1000, 400) and a.dtype == np.uint8
assert np.array_equal(a, ref), np.abs(a - ref).max()
assert np.array_equal(f["channels"][1][2], g["channels"][1][2]) and f["channels"][1][1] == "mask"
assert dict(f["meta"])["hu_window"] == "-1000,400"
PY
code 65 "$W" "$T/w.lps" -o "$T/w2.lps"
grep -q "already windowed" "$T/err" && ok "refusal says why" || bad "refusal message"
[ -e "$T/w2.lps" ] && bad "partial window output"
code 0 "$W" --force --float --min -1350 --max 150 "$T/w.lps" -o "$T/w3.lps"
code 64 "$W" --min 400 --max -1000 "$T/v.lps" -o "$T/w4.lps"
code 64 "$W" --min abc "$T/v.lps"
"$W" --float "$T/v.mhd" | $py -c "
import sys, lps, numpy as np
open('$T/f.lps','wb').write(sys.stdin.buffer.read())
a = lps.read('$T/f.lps')[1][0]['channels'][0][2]
sys.exit(0 if a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1 else 1)" && ok "--float in [0,1]" || bad "--float"
exit $fail
