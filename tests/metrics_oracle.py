#!/usr/bin/python3
"""Independent oracle for the metrics tests (tests/test_edt.c,
tests/test_metrics.c).  Test-only; never used at run time.

  metrics_oracle.py edt IN OUT   scipy.ndimage.distance_transform_edt
  metrics_oracle.py seg IN OUT   numpy pixel metrics + MONAI-style surface
                                 distances with scipy (binary_erosion, EDT)
  metrics_oracle.py cls IN OUT   sklearn.metrics + a bootstrap replaying the
                                 C splitmix64 draws
  metrics_oracle.py check SEG CLS JSON
                                 compare seg-metrics --json --per-patch
                                 output with the oracle on the same cases

Binary inputs are little-endian, written by the C tests:
  edt:  repeated { i32 nx ny nz; f64 sx sy sz; u8 seed[n] }
  seg:  repeated { i32 nx ny nz; f64 sx sy sz; u8 gt[n]; u8 pred[n] }
  cls:  repeated { i32 n; f64 thr; i32 nboot; u64 seed; f64 score[n]; u8 label[n] }
Outputs: edt -> raw f64 distances, case after case; seg/cls -> text lines
"name v1 v2 ..." (%.17g), each case starting with "case K".
"""
import struct
import sys

import numpy as np
from scipy import ndimage

M64 = (1 << 64) - 1


def read_cases(path, kind):
    data = open(path, "rb").read()
    off = 0
    while off < len(data):
        if kind in ("edt", "seg"):
            nx, ny, nz = struct.unpack_from("<3i", data, off)
            off += 12
            sx, sy, sz = struct.unpack_from("<3d", data, off)
            off += 24
            n = nx * ny * nz
            arrs = []
            for _ in range(1 if kind == "edt" else 2):
                a = np.frombuffer(data, np.uint8, n, off).reshape(nz, ny, nx)
                arrs.append(a)
                off += n
            yield (nx, ny, nz), (sz, sy, sx), arrs
        else:
            (n,) = struct.unpack_from("<i", data, off)
            thr, nboot, seed = struct.unpack_from("<diQ", data, off + 4)
            off += 4 + 8 + 4 + 8
            score = np.frombuffer(data, "<f8", n, off)
            off += 8 * n
            label = np.frombuffer(data, np.uint8, n, off)
            off += n
            yield n, thr, nboot, seed, score, label


def squeeze(a, sp):
    """Drop axes of length 1 (as the C code does)."""
    keep = [k for k in range(a.ndim) if a.shape[k] > 1]
    if not keep:
        keep = [0]
    return a.reshape([a.shape[k] for k in keep]), [sp[k] for k in keep]


def do_edt(inp, out):
    with open(out, "wb") as f:
        for _, sp, (seed,) in read_cases(inp, "edt"):
            s, ssp = squeeze(seed, sp)
            d = ndimage.distance_transform_edt(s == 0, sampling=ssp)
            f.write(np.ascontiguousarray(d, "<f8").tobytes())


def fmt(*v):
    return " ".join("%.17g" % float(x) for x in v)


def pixel_metrics(gt, pr):
    g, p = gt != 0, pr != 0
    tp = int(np.sum(g & p))
    fp = int(np.sum(~g & p))
    fn = int(np.sum(g & ~p))
    tn = int(np.sum(~g & ~p))
    ok = fp == 0 and fn == 0

    def r(a, b):
        return (1.0 if ok else 0.0) if b == 0 else a / b

    iou, iou_bg = r(tp, tp + fp + fn), r(tn, tn + fp + fn)
    return (tp, fp, fn, tn), [
        r(tp + tn, tp + tn + fp + fn), r(2 * tp, 2 * tp + fp + fn),
        (iou + iou_bg) / 2, r(tp, tp + fp), r(tp, tp + fn), r(tn, tn + fp),
        iou, iou_bg]


def surface(m):
    """MONAI get_mask_edges: m XOR binary_erosion(m) (cross structure,
    border_value 0)."""
    m = m != 0
    return m ^ ndimage.binary_erosion(m)


def surface_metrics(gt, pr, sp):
    g, gsp = squeeze(gt, sp)
    p, _ = squeeze(pr, sp)
    if not g.any() and not p.any():
        return [0.0, 0.0, 0.0]
    if not g.any() or not p.any():
        return [float("nan")] * 3
    sg, spr = surface(g), surface(p)
    d_gp = ndimage.distance_transform_edt(~spr, sampling=gsp)[sg]
    d_pg = ndimage.distance_transform_edt(~sg, sampling=gsp)[spr]
    hd95 = max(np.percentile(d_gp, 95), np.percentile(d_pg, 95))
    allv = np.concatenate([d_gp, d_pg])
    return [hd95, allv.mean(), allv.max()]


def do_seg(inp, out):
    with open(out, "w") as f:
        for k, (_, sp, (gt, pr)) in enumerate(read_cases(inp, "seg")):
            cnt, v = pixel_metrics(gt, pr)
            f.write("case %d\n" % k)
            f.write("counts %s\n" % fmt(*cnt))
            f.write("pixel %s\n" % fmt(*v))
            f.write("surface %s\n" % fmt(*surface_metrics(gt, pr, sp)))


class SplitMix:
    def __init__(self, seed):
        self.s = seed & M64

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & M64
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def index(self, n):
        return ((self.next() >> 32) * n) >> 32


def cls_point(score, label, thr, fast=False):
    """Point metrics; fast (bootstrap resamples): confusion counts with
    numpy instead of sklearn's slower helpers, AUC/AP still sklearn."""
    from sklearn import metrics as skm
    y = label.astype(int)
    yp = (score >= thr).astype(int)
    if fast:
        tp = int(np.sum((y == 1) & (yp == 1)))
        fp = int(np.sum((y == 0) & (yp == 1)))
        fn = int(np.sum((y == 1) & (yp == 0)))
        tn = int(np.sum((y == 0) & (yp == 0)))
    else:
        tn, fp, fn, tp = skm.confusion_matrix(y, yp, labels=[0, 1]).ravel()
    nan = float("nan")

    def d(a, b):
        return nan if b == 0 else a / b

    v = [(tp + tn) / len(y) if fast else skm.accuracy_score(y, yp), d(tp, tp + fn), d(tn, tn + fp),
         d(tp, tp + fp), d(2 * tp, 2 * tp + fp + fn)]
    if tp + fn > 0 and tp + fn < len(y):
        # the point value, checked through sklearn's public functions
        v.append(skm.roc_auc_score(y, score))
    else:
        v.append(nan)
    v.append(skm.average_precision_score(y, score) if tp + fn > 0 else nan)
    if tp + fp > 0 and not fast:
        assert abs(v[4] - skm.f1_score(y, yp)) < 1e-12
        assert abs(v[3] - skm.precision_score(y, yp)) < 1e-12
    return (tp, fp, fn, tn), v


def do_cls(inp, out):
    from sklearn import metrics as skm
    with open(out, "w") as f:
        for k, (n, thr, nboot, seed, score, label) in \
                enumerate(read_cases(inp, "cls")):
            cm, v = cls_point(score, label, thr)
            f.write("case %d\n" % k)
            f.write("cm %s\n" % fmt(*cm))
            f.write("point %s\n" % fmt(*v))
            y = label.astype(int)
            if 0 < y.sum() < n:
                fpr, tpr, th = skm.roc_curve(y, score, drop_intermediate=False)
                f.write("roc_x %s\nroc_y %s\n" % (fmt(*fpr), fmt(*tpr)))
            if y.sum() > 0:
                pr, rc, th = skm.precision_recall_curve(y, score)
                f.write("pr_x %s\npr_y %s\n" % (fmt(*rc[::-1][1:]),
                                                fmt(*pr[::-1][1:])))
            if nboot > 0:
                rng = SplitMix(seed)
                vals = [[] for _ in range(7)]
                for _ in range(nboot):
                    idx = np.array([rng.index(n) for _ in range(n)])
                    _, bv = cls_point(score[idx], label[idx], thr, True)
                    for j in range(7):
                        if not np.isnan(bv[j]):
                            vals[j].append(bv[j])
                lo = [np.percentile(x, 2.5) if x else float("nan") for x in vals]
                hi = [np.percentile(x, 97.5) if x else float("nan") for x in vals]
                f.write("ci_lo %s\nci_hi %s\n" % (fmt(*lo), fmt(*hi)))
                f.write("ci_n %s\n" % fmt(*[len(x) for x in vals]))


def close(a, b, tol=1e-9):
    if a is None or b is None:
        return (a is None or np.isnan(a)) and (b is None or np.isnan(b))
    if np.isnan(a) or np.isnan(b):
        return np.isnan(a) and np.isnan(b)
    return abs(a - b) <= tol * (1 + abs(b))


class Checker:
    def __init__(self):
        self.bad = 0
        self.n = 0

    def eq(self, what, got, want, tol=1e-9):
        self.n += 1
        if not close(got, want, tol):
            self.bad += 1
            if self.bad <= 20:
                print("MISMATCH %s: seg-metrics %r, oracle %r" % (what, got, want))


SEG_NAMES = ["Acc", "DSC", "MIoU", "Prec", "SE", "SP", "IoU", "IoU_bg"]
SURF_NAMES = ["HD95", "ASSD", "HD"]
CLS_NAMES = ["Acc", "SE", "SP", "Prec", "F1", "AUC", "AP"]


def check_seg(ck, seg_path, js):
    rows, surf, tot = [], [], np.zeros(4, np.int64)
    for _, sp, (gt, pr) in read_cases(seg_path, "seg"):
        cnt, v = pixel_metrics(gt, pr)
        tot += cnt
        rows.append(v)
        surf.append(surface_metrics(gt, pr, sp))
    rows, surf = np.array(rows), np.array(surf)
    seg = js["segmentation"]
    ck.eq("patches", seg["patches"], len(rows))
    _, pooled = pixel_metrics_from(tot)
    for j, name in enumerate(SEG_NAMES):
        m = seg["metrics"][name]
        ck.eq(name + " mean", m["mean"], rows[:, j].mean())
        ck.eq(name + " sd", m["sd"], rows[:, j].std(ddof=1))
        ck.eq(name + " pooled", m["pooled"], pooled[j])
    ok = ~np.isnan(surf[:, 0])
    sm = seg.get("surface_mm")
    if sm is not None:
        ck.eq("surface n", sm["n"], ok.sum())
        ck.eq("surface left out", sm["left_out"], (~ok).sum())
        for j, name in enumerate(SURF_NAMES):
            ck.eq(name + " mean", sm[name]["mean"], surf[ok, j].mean())
            ck.eq(name + " sd", sm[name]["sd"], surf[ok, j].std(ddof=1))
    for i, p in enumerate(seg.get("per_patch", [])):
        for j, name in enumerate(SEG_NAMES):
            ck.eq("patch %d %s" % (i, name), p[name], rows[i, j])
        for j, name in enumerate(SURF_NAMES):
            if name in p:
                ck.eq("patch %d %s" % (i, name), p[name], surf[i, j])


def pixel_metrics_from(cnt):
    tp, fp, fn, tn = (int(x) for x in cnt)
    g = np.array([1] * (tp + fn) + [0] * (fp + tn), np.uint8)
    p = np.array([1] * tp + [0] * fn + [1] * fp + [0] * tn, np.uint8)
    return pixel_metrics(g, p)


def check_cls(ck, cls_path, js):
    (n, thr, nboot, seed, score, label), = list(read_cases(cls_path, "cls"))
    c = js["classification"]
    cm, v = cls_point(score, label, thr)
    ck.eq("cases", c["cases"], n)
    for key, want in zip(("tp", "fp", "fn", "tn"), cm):
        ck.eq("confusion " + key, c["confusion"][key], want)
    for j, name in enumerate(CLS_NAMES):
        ck.eq(name, c["metrics"][name]["value"], v[j], 1e-12)
    if nboot > 0 and "bootstrap" in c:
        ck.eq("resamples", c["bootstrap"]["resamples"], nboot)
        rng = SplitMix(seed)
        vals = [[] for _ in range(7)]
        for _ in range(nboot):
            idx = np.array([rng.index(n) for _ in range(n)])
            _, bv = cls_point(score[idx], label[idx], thr, True)
            for j in range(7):
                if not np.isnan(bv[j]):
                    vals[j].append(bv[j])
        for j, name in enumerate(CLS_NAMES):
            m = c["metrics"][name]
            ck.eq(name + " ci_low", m["ci_low"], np.percentile(vals[j], 2.5))
            ck.eq(name + " ci_high", m["ci_high"], np.percentile(vals[j], 97.5))
            ck.eq(name + " ci_n", m["ci_n"], len(vals[j]))


def do_check(seg_path, cls_path, json_path):
    import json
    js = json.load(open(json_path))
    ck = Checker()
    check_seg(ck, seg_path, js)
    check_cls(ck, cls_path, js)
    print("oracle check: %d values compared, %d mismatches" % (ck.n, ck.bad))
    return 1 if ck.bad or ck.n == 0 else 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "check":
        return do_check(*sys.argv[2:5])
    if len(sys.argv) != 4 or sys.argv[1] not in ("edt", "seg", "cls"):
        sys.stderr.write(__doc__)
        return 64
    {"edt": do_edt, "seg": do_seg, "cls": do_cls}[sys.argv[1]](
        sys.argv[2], sys.argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main())
