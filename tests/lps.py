"""lps.py - an independent Python reader/writer of the lungpipe stream
(man/lungpipe-stream.5), used only by tests and benchmarks as an oracle."""
import struct
import zlib

import numpy as np

DT = {1: np.uint8, 2: np.int8, 3: np.uint16, 4: np.int16, 5: np.uint32,
      6: np.int32, 7: np.float32, 8: np.float64}
CODE = {np.dtype(v).str: k for k, v in DT.items()}


def write(path, frames, prov="lps.py 0: python\n"):
    """frames: list of dicts with dims, spacing, origin, dir, channels
    [(name, units, array, wmin, wmax)], meta [(k, v)]."""
    with open(path, "wb") as fp:
        p = prov.encode()
        head = struct.pack("<HHI", 1, 0, len(p)) + p
        fp.write(b"LUNGPIPE" + head + struct.pack("<I", zlib.crc32(head)))
        for f in frames:
            h = struct.pack("<3q", *f["dims"])
            h += struct.pack("<3d", *f["spacing"]) + struct.pack("<3d", *f["origin"])
            h += struct.pack("<9d", *f["dir"])
            h += struct.pack("<II", len(f["channels"]), len(f["meta"]))
            for name, units, arr, wmin, wmax in f["channels"]:
                code = CODE[np.dtype(arr.dtype).newbyteorder("<").str]
                h += struct.pack("<BBBB", code, len(name), len(units), 0)
                h += name.encode() + units.encode() + struct.pack("<dd", wmin, wmax)
            for k, v in f["meta"]:
                h += struct.pack("<II", len(k), len(v.encode())) + k.encode() + v.encode()
            crc = zlib.crc32(h)
            fp.write(b"FRAM" + struct.pack("<I", len(h)) + h)
            for _, _, arr, _, _ in f["channels"]:
                b = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
                crc = zlib.crc32(b, crc)
                fp.write(b)
            fp.write(b"FEND" + struct.pack("<I", crc))
        n = struct.pack("<Q", len(frames))
        fp.write(b"ENDS" + n + struct.pack("<I", zlib.crc32(n)))


def read(path):
    """Returns (provenance, frames); raises ValueError on any defect."""
    data = open(path, "rb").read()
    if data[:8] != b"LUNGPIPE":
        raise ValueError("bad magic")
    major, minor, plen = struct.unpack_from("<HHI", data, 8)
    prov = data[16:16 + plen].decode()
    (crc,) = struct.unpack_from("<I", data, 16 + plen)
    if crc != zlib.crc32(data[8:16 + plen]):
        raise ValueError("header crc")
    off = 20 + plen
    frames = []
    while True:
        tag = data[off:off + 4]
        if tag == b"ENDS":
            (n,) = struct.unpack_from("<Q", data, off + 4)
            if n != len(frames):
                raise ValueError("frame count")
            return prov, frames
        if tag != b"FRAM":
            raise ValueError("bad tag")
        (hl,) = struct.unpack_from("<I", data, off + 4)
        h = data[off + 8:off + 8 + hl]
        dims = struct.unpack_from("<3q", h, 0)
        sp = struct.unpack_from("<3d", h, 24)
        org = struct.unpack_from("<3d", h, 48)
        dr = struct.unpack_from("<9d", h, 72)
        nch, nm = struct.unpack_from("<II", h, 144)
        o, chans, meta = 152, [], []
        for _ in range(nch):
            code, nl, ul, _ = struct.unpack_from("<BBBB", h, o)
            o += 4
            name = h[o:o + nl].decode(); o += nl
            units = h[o:o + ul].decode(); o += ul
            wmin, wmax = struct.unpack_from("<dd", h, o); o += 16
            chans.append([name, units, code, wmin, wmax])
        for _ in range(nm):
            kl, vl = struct.unpack_from("<II", h, o); o += 8
            meta.append((h[o:o + kl].decode(), h[o + kl:o + kl + vl].decode()))
            o += kl + vl
        p = off + 8 + hl
        crc = zlib.crc32(h)
        out = []
        nvox = dims[0] * dims[1] * dims[2]
        for name, units, code, wmin, wmax in chans:
            dt = np.dtype(DT[code]).newbyteorder("<")
            nb = nvox * dt.itemsize
            b = data[p:p + nb]
            crc = zlib.crc32(b, crc)
            arr = np.frombuffer(b, dtype=dt).reshape(dims[2], dims[1], dims[0])
            out.append((name, units, arr, wmin, wmax))
            p += nb
        if data[p:p + 4] != b"FEND" or struct.unpack_from("<I", data, p + 4)[0] != crc:
            raise ValueError("frame crc")
        frames.append(dict(dims=dims, spacing=sp, origin=org, dir=dr,
                           channels=out, meta=meta))
        off = p + 8
