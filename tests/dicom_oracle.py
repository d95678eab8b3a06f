"""dicom_oracle.py - an independent DICOM series reader (pydicom + numpy),
used only by the tests as an oracle for libcore/dicom.cpp.

  dicom_oracle.py compare STREAM DIR [UID]
      read DIR with pydicom (the CT series with most slices, or UID), apply
      the documented rules (ct-resample(1), libcore/dicom.cpp) and compare
      with the first frame of the lungpipe stream STREAM: every voxel's HU
      exactly, geometry to 1e-6 mm.  Exit 0 if identical, 1 otherwise.
  dicom_oracle.py same STREAM_A STREAM_B
      the image channels and geometry of two streams are identical.
  dicom_oracle.py meta STREAM KEY
      print metadata KEY of the first frame (exit 1 if absent).
  dicom_oracle.py make DIR [key=value ...]
      write a small synthetic CT series (uncompressed, pydicom) for the
      reader's tests; keys: n rows cols dz uid modality shuffle=1 drop=I
      dup=I tilt=DEG oblique=1 nopixel=I corrupt=I mixed=I slope intercept
      pad=V (PixelPaddingValue, written into pixel (0,0) of every slice)
      junk=1 (a non-DICOM file) start=I (first file number).
  dicom_oracle.py makes < LINES
      the same for several series, one "DIR key=value ..." per line.

The pixel values are decoded here from the raw PixelData bytes with numpy
(BitsAllocated/BitsStored/HighBit/PixelRepresentation), not with pydicom's
pixel handlers, so only uncompressed transfer syntaxes are read.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lps  # noqa: E402


def load(d):
    import pydicom
    hdrs = []
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for n in sorted(files):
            try:
                ds = pydicom.dcmread(os.path.join(root, n))
            except pydicom.errors.InvalidDicomError:
                continue
            if "SeriesInstanceUID" in ds:
                hdrs.append(ds)
    return hdrs


def stored_values(ds):
    ba, bs = int(ds.BitsAllocated), int(ds.BitsStored)
    hb = int(getattr(ds, "HighBit", bs - 1))
    raw = np.frombuffer(ds.PixelData, dtype="<u2" if ba == 16 else "u1")
    raw = raw[: int(ds.Rows) * int(ds.Columns)].astype(np.int64)
    v = (raw >> (hb + 1 - bs)) & ((1 << bs) - 1)
    if int(ds.PixelRepresentation) == 1:
        v = np.where(v >= (1 << (bs - 1)), v - (1 << bs), v)
    return v.reshape(int(ds.Rows), int(ds.Columns)), bs, int(ds.PixelRepresentation)


def to_hu(ds):
    s, bs, rep = stored_values(ds)
    slope = float(getattr(ds, "RescaleSlope", 1))
    icpt = float(getattr(ds, "RescaleIntercept", 0))
    hu = s * slope + icpt
    hu = np.sign(hu) * np.floor(np.abs(hu) + 0.5)
    pad = hu <= -2048
    if "PixelPaddingValue" in ds:
        p = int(ds.PixelPaddingValue) & ((1 << bs) - 1)
        if rep == 1 and p >= (1 << (bs - 1)):
            p -= 1 << bs
        pad |= s == p
    hu = np.where(pad, -1000, np.minimum(hu, 32767))
    return hu.astype(np.int16)


def oracle(d, uid=None):
    hdrs = load(d)
    series = {}
    for ds in hdrs:
        series.setdefault(str(ds.SeriesInstanceUID), []).append(ds)
    if uid is None:
        ct = {k: v for k, v in series.items() if v[0].Modality == "CT"}
        uid = max(ct, key=lambda k: len(ct[k]))
    sl = series[uid]
    iop = np.array([float(x) for x in sl[0].ImageOrientationPatient])
    row, col = iop[:3], iop[3:]
    nrm = np.cross(row, col)
    nrm /= np.linalg.norm(nrm)
    pos = [np.array([float(x) for x in ds.ImagePositionPatient]) for ds in sl]
    order = np.argsort([p @ nrm for p in pos], kind="stable")
    sl = [sl[i] for i in order]
    pos = [pos[i] for i in order]
    dd = np.diff([p @ nrm for p in pos])
    vol = np.stack([to_hu(ds) for ds in sl])
    ps = [float(x) for x in sl[0].PixelSpacing]
    geo = dict(origin=pos[0], spacing=np.array([ps[1], ps[0], np.median(dd)]),
               dir=np.concatenate([row, col, nrm]))
    return vol, geo


def first_image(path):
    _, frames = lps.read(path)
    f = frames[0]
    ch = [c for c in f["channels"] if c[0] == "image"][0]
    return f, ch[2]


def compare(stream, d, uid=None):
    vol, geo = oracle(d, uid)
    f, img = first_image(stream)
    ok = True
    if img.shape != vol.shape:
        print("shape", img.shape, "oracle", vol.shape)
        return False
    diff = np.count_nonzero(img.astype(np.int32) != vol)
    if diff:
        print("%d voxels differ; first at %s" % (diff, np.argwhere(img != vol)[0]))
        ok = False
    for k in ("origin", "spacing", "dir"):
        err = np.max(np.abs(np.array(f[k]) - geo[k]))
        if err > 1e-6:
            print(k, f[k], "oracle", geo[k])
            ok = False
    print("oracle: %s voxels, HU %d..%d, origin %s spacing %s: %s" % (
        vol.shape, vol.min(), vol.max(), np.round(geo["origin"], 4),
        np.round(geo["spacing"], 6), "identical" if ok else "DIFFERENT"))
    return ok


def same(a, b):
    fa, ia = first_image(a)
    fb, ib = first_image(b)
    ok = ia.shape == ib.shape and np.array_equal(ia, ib)
    for k in ("origin", "spacing", "dir"):
        ok = ok and np.allclose(fa[k], fb[k], rtol=0, atol=1e-9)
    if not ok:
        n = np.count_nonzero(ia != ib) if ia.shape == ib.shape else -1
        print("streams differ (%d voxels)" % n)
    return ok


def make(d, kv):
    import random
    from pydicom.dataset import FileDataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    o = dict(n=6, rows=12, cols=16, dz=2.5, uid="1.2.826.0.1.3680043.99.1",
             modality="CT", shuffle=0, drop=-1, dup=-1, tilt=0.0, oblique=0,
             nopixel=-1, corrupt=-1, mixed=-1, slope=1.0, intercept=-1024.0,
             pad=None, junk=0, start=0)
    for a in kv:
        k, v = a.split("=", 1)
        o[k] = type(o[k])(v) if o[k] is not None and not isinstance(o[k], str) else v
    os.makedirs(d, exist_ok=True)
    if o["oblique"]:
        c, s_ = np.cos(0.3), np.sin(0.3)
        row, col = np.array([c, s_, 0.0]), np.array([0.0, 0.0, -1.0])
    else:
        row, col = np.array([1.0, 0, 0]), np.array([0, 1.0, 0])
    nrm = np.cross(row, col)
    names = list(range(o["n"]))
    if o["shuffle"]:
        random.Random(5).shuffle(names)
    tan = np.tan(np.radians(o["tilt"]))
    for k in range(o["n"]):
        if k == o["drop"]:
            continue
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
        meta.MediaStorageSOPInstanceUID = generate_uid()
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        path = os.path.join(d, "img%04d.dcm" % (names[k] + o["start"]))
        ds = FileDataset(path, {}, file_meta=meta, preamble=b"\0" * 128)
        ds.is_little_endian, ds.is_implicit_VR = True, False
        ds.SOPClassUID = meta.MediaStorageSOPClassUID
        ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
        ds.Modality = o["modality"]
        ds.SeriesInstanceUID = o["uid"]
        ds.StudyInstanceUID = "1.2.826.0.1.3680043.99"
        ds.PatientID = "SYNTH"
        ds.InstanceNumber = o["n"] - k  # deliberately reversed
        ipp = np.array([-10.0, -20.0, 30.0]) + k * o["dz"] * nrm + k * o["dz"] * tan * col
        ds.ImagePositionPatient = ["%.6f" % x for x in ipp]
        ds.ImageOrientationPatient = ["%.8f" % x for x in np.concatenate([row, col])]
        ds.PixelSpacing = ["0.75", "0.8"]
        ds.SliceThickness = str(o["dz"])
        ds.GantryDetectorTilt = str(o["tilt"])
        rows = o["rows"] + (2 if k == o["mixed"] else 0)
        ds.Rows, ds.Columns = rows, o["cols"]
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 16, 15
        ds.PixelRepresentation = 1
        ds.RescaleSlope, ds.RescaleIntercept = str(o["slope"]), str(o["intercept"])
        yy, xx = np.mgrid[:rows, :o["cols"]]
        px = (xx * 7 + yy * 13 + k * 101) % 2000 - 100
        if o["pad"] is not None:
            ds.PixelPaddingValue = int(o["pad"])
            px[0, 0] = int(o["pad"])
        if k != o["nopixel"]:
            ds.PixelData = px.astype("<i2").tobytes()
        ds.save_as(path, write_like_original=False)
        if k == o["dup"]:
            ds.SOPInstanceUID = generate_uid()
            ds.save_as(os.path.join(d, "dup%04d.dcm" % k), write_like_original=False)
        if k == o["corrupt"]:
            b = open(path, "rb").read()
            open(path, "wb").write(b[:len(b) - 200])
    if o["junk"]:
        open(os.path.join(d, "notes.txt"), "w").write("not DICOM\n")


def meta(path, key):
    _, frames = lps.read(path)
    for k, v in frames[0]["meta"]:
        if k == key:
            print(v)
            return True
    return False


if __name__ == "__main__":
    if len(sys.argv) == 2 and sys.argv[1] == "makes":
        for line in sys.stdin:  # one "DIR key=value ..." per line
            if line.split():
                make(line.split()[0], line.split()[1:])
        sys.exit(0)
    if len(sys.argv) >= 3 and sys.argv[1] == "make":
        make(sys.argv[2], sys.argv[3:])
        sys.exit(0)
    if len(sys.argv) == 4 and sys.argv[1] == "meta":
        sys.exit(0 if meta(sys.argv[2], sys.argv[3]) else 1)
    if len(sys.argv) >= 4 and sys.argv[1] == "compare":
        sys.exit(0 if compare(sys.argv[2], sys.argv[3],
                              sys.argv[4] if len(sys.argv) > 4 else None) else 1)
    if len(sys.argv) == 4 and sys.argv[1] == "same":
        sys.exit(0 if same(sys.argv[2], sys.argv[3]) else 1)
    sys.exit("usage: dicom_oracle.py compare STREAM DIR [UID] | same A B")
