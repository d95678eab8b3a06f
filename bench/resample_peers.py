"""resample_peers.py - helpers for bench/resample.sh (benchmark only).

  resample_peers.py gen DIR        write DIR/in.mhd + in.raw: 512x512x300
                                   int16 CT-like volume, 0.7x0.7x2.5 mm
  resample_peers.py scipy IN OUT   scipy.ndimage.zoom(order=1) of a MET_SHORT
                                   .mhd to ~1 mm, saved as OUT (.mhd + .raw)
  resample_peers.py compare A B    A and B (.mhd) on their common grid away
                                   from the border (3 voxels): max |A-B| and
                                   share of voxels within 1 HU; exit 1 if the
                                   max exceeds 1 HU
"""
import os
import sys
import time

import numpy as np


def read_mhd(path):
    h = {}
    for line in open(path):
        k, _, v = line.partition("=")
        h[k.strip()] = v.strip()
    dims = [int(x) for x in h["DimSize"].split()]
    raw = os.path.join(os.path.dirname(path), h["ElementDataFile"])
    a = np.fromfile(raw, dtype="<i2").reshape(dims[::-1])
    sp = [float(x) for x in h["ElementSpacing"].split()]
    org = [float(x) for x in h.get("Offset", h.get("Origin", "0 0 0")).split()]
    return a, sp, org


def write_mhd(path, a, sp, org):
    raw = path[:-4] + ".raw"
    a.astype("<i2").tofile(raw)
    with open(path, "w") as f:
        f.write("ObjectType = Image\nNDims = 3\nBinaryData = True\n"
                "BinaryDataByteOrderMSB = False\n"
                "TransformMatrix = 1 0 0 0 1 0 0 0 1\n"
                "Offset = %g %g %g\nElementSpacing = %g %g %g\n"
                "DimSize = %d %d %d\nElementType = MET_SHORT\n"
                "ElementDataFile = %s\n" % (*org, *sp, *a.shape[::-1],
                                           os.path.basename(raw)))


def gen(d):
    rng = np.random.default_rng(1)
    nz, ny, nx = 300, 512, 512
    z, y, x = np.ogrid[:nz, :ny, :nx]
    body = ((x - 256) / 230.0) ** 2 + ((y - 256) / 170.0) ** 2 < 1
    lung = (((x - 160) / 80.0) ** 2 + ((y - 240) / 110.0) ** 2 < 1) | \
           (((x - 352) / 80.0) ** 2 + ((y - 240) / 110.0) ** 2 < 1)
    v = np.full((nz, ny, nx), -1000, np.int16)
    v[:, body[0]] = 40
    v[:, lung[0]] = -850
    for _ in range(60):  # nodules and vessels: blobs
        cz, cy, cx = rng.integers(20, nz - 20), rng.integers(150, 350), rng.integers(100, 420)
        r = rng.uniform(3, 12)
        sl = np.s_[max(cz - 6, 0):cz + 6, cy - 14:cy + 14, cx - 14:cx + 14]
        zz, yy, xx = np.ogrid[sl]
        m = ((zz - cz) * 2.5) ** 2 + ((yy - cy) * 0.7) ** 2 + ((xx - cx) * 0.7) ** 2 < r * r
        v[sl][m] = 60
    v += rng.normal(0, 20, v.shape).astype(np.int16)
    write_mhd(os.path.join(d, "in.mhd"), v, [0.703125, 0.703125, 2.5],
              [-180.0, -180.0, -350.0])


def scipy_zoom(src, dst):
    from scipy import ndimage
    t0 = time.time()
    a, sp, org = read_mhd(src)
    f = [s / 1.0 for s in sp[::-1]]
    out = ndimage.zoom(a, f, order=1)
    write_mhd(dst, out, [1, 1, 1], org)
    print("scipy zoom: %s -> %s in %.2f s" % (a.shape, out.shape, time.time() - t0),
          file=sys.stderr)


def compare(pa, pb):
    a, _, oa = read_mhd(pa)
    b, _, ob = read_mhd(pb)
    if oa != ob:
        print("origins differ: %s %s" % (oa, ob))
    n = [min(p, q) for p, q in zip(a.shape, b.shape)]
    e = 3
    sa = a[e:n[0] - e, e:n[1] - e, e:n[2] - e].astype(np.int32)
    sb = b[e:n[0] - e, e:n[1] - e, e:n[2] - e].astype(np.int32)
    d = np.abs(sa - sb)
    print("agreement: dims %s vs %s; interior %s voxels: max |diff| %d HU, "
          "%.4f%% within 1 HU, %.2f%% identical" % (
              list(a.shape[::-1]), list(b.shape[::-1]), list(sa.shape[::-1]),
              d.max(), 100.0 * np.mean(d <= 1), 100.0 * np.mean(d == 0)))
    return d.max() <= 1


if __name__ == "__main__":
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "gen":
        gen(sys.argv[2])
    elif cmd == "scipy":
        scipy_zoom(sys.argv[2], sys.argv[3])
    elif cmd == "compare":
        sys.exit(0 if compare(sys.argv[2], sys.argv[3]) else 1)
    else:
        sys.exit(__doc__)
