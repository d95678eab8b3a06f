#!/usr/bin/python3
"""gen_golden_net.py - PyTorch golden tensors for libnet's tests.

Run: /usr/bin/python3 tests/gen_golden_net.py tests/golden/net
Writes ops.bin (each op on random inputs: output and every gradient for an
upstream gradient dy) and train.bin (a small conv/BN/deconv network, the
loss over 5 steps of AdaBelief, RMSProp, Adam and SGD with momentum).

File format (little-endian): b"LNGOLD01", then records: u32 name length,
name, u32 ndim, i32 dims[ndim], float32 data.  Only a test oracle.
"""
import struct
import sys

import torch
import torch.nn.functional as F

torch.manual_seed(20210601)
torch.set_default_dtype(torch.float64)  # exact reference; stored as float32


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(b"LNGOLD01")

    def put(self, name, t):
        t = torch.as_tensor(t).detach().to(torch.float32).contiguous()
        b = name.encode()
        self.f.write(struct.pack("<I", len(b)) + b)
        self.f.write(struct.pack("<I", t.dim()))
        self.f.write(struct.pack("<%di" % t.dim(), *t.shape))
        self.f.write(t.numpy().astype("<f4").tobytes())

    def close(self):
        self.f.close()


def rnd(*shape, lo=-1.0, hi=1.0):
    # values exactly representable in float32
    return (torch.rand(tuple(shape)) * (hi - lo) + lo).float().double()


def leaf(*shape, **kw):
    return rnd(*shape, **kw).requires_grad_(True)


def run(w, name, fn, **inputs):
    """fn(**inputs) -> output; writes inputs, output, dy and the gradients."""
    for k, v in inputs.items():
        w.put("%s/%s" % (name, k), v)
    y = fn(**inputs)
    dy = rnd(*y.shape)
    w.put(name + "/y", y)
    w.put(name + "/dy", dy)
    keys = [k for k, v in inputs.items() if v.requires_grad]
    gs = torch.autograd.grad(y, [inputs[k] for k in keys], dy)
    for k, g in zip(keys, gs):
        w.put("%s/d%s" % (name, k), g)


def dupsample_ref(x, scale):
    """DUpsampling rearrangement, Tian et al. 2019 (reference code)."""
    N, C, H, W = x.size()
    xp = x.permute(0, 2, 3, 1)
    xp = xp.contiguous().view((N, H, W * scale, int(C / scale)))
    xp = xp.permute(0, 2, 1, 3)
    xp = xp.contiguous().view((N, W * scale, H * scale, int(C / (scale * scale))))
    return xp.permute(0, 3, 2, 1)


def boundary_ref(p, g):
    """L_b as in libnet: B = p - min(p, 4-neighbours); per-sample ratio."""
    def bnd(t):
        big = 1e30
        pd = F.pad(t, (1, 1, 1, 1), value=big)
        c = pd[:, :, 1:-1, 1:-1]
        st = torch.stack([c, pd[:, :, :-2, 1:-1], pd[:, :, 2:, 1:-1],
                          pd[:, :, 1:-1, :-2], pd[:, :, 1:-1, 2:]])
        return t - st.min(dim=0).values
    bp, bg = bnd(p), bnd(g)
    num = (bp - bg).abs().sum(dim=(1, 2, 3))
    den = bp.sum(dim=(1, 2, 3)) + bg.sum(dim=(1, 2, 3)) + 1e-6
    return (num / den).mean()


def ops(w):
    run(w, "conv3", lambda x, wt, b: F.conv2d(x, wt, b, 1, 1),
        x=leaf(2, 3, 7, 6), wt=leaf(4, 3, 3, 3), b=leaf(4))
    run(w, "conv4s2", lambda x, wt: F.conv2d(x, wt, None, 2, 1),
        x=leaf(2, 3, 8, 8), wt=leaf(5, 3, 4, 4))
    run(w, "conv3s2p0", lambda x, wt, b: F.conv2d(x, wt, b, 2, 0),
        x=leaf(2, 2, 7, 9), wt=leaf(3, 2, 3, 3), b=leaf(3))
    run(w, "conv1", lambda x, wt, b: F.conv2d(x, wt, b),
        x=leaf(3, 8, 4, 4), wt=leaf(6, 8, 1, 1), b=leaf(6))
    # cin >= 8 takes the channels-last (im2row) forward path in libnet
    run(w, "conv3c16", lambda x, wt, b: F.conv2d(x, wt, b, 1, 1),
        x=leaf(2, 16, 6, 5), wt=leaf(8, 16, 3, 3), b=leaf(8))
    run(w, "conv3c12s2", lambda x, wt: F.conv2d(x, wt, None, 2, 1),
        x=leaf(3, 12, 7, 7), wt=leaf(6, 12, 3, 3))
    run(w, "deconv", lambda x, wt, b: F.conv_transpose2d(x, wt, b, 2, 1),
        x=leaf(2, 4, 4, 5), wt=leaf(4, 3, 4, 4), b=leaf(3))
    # cout >= 8: channels-last deconv path
    run(w, "deconv8", lambda x, wt, b: F.conv_transpose2d(x, wt, b, 2, 1),
        x=leaf(3, 5, 3, 4), wt=leaf(5, 8, 4, 4), b=leaf(8))
    rm, rv = rnd(3), rnd(3, lo=0.5, hi=1.5)
    w.put("bn/rm0", rm)
    w.put("bn/rv0", rv)
    rm1, rv1 = rm.clone(), rv.clone()
    run(w, "bn", lambda x, g, b: F.batch_norm(x, rm1, rv1, g, b, True, 0.1, 1e-5),
        x=leaf(4, 3, 5, 5, lo=-1, hi=3), g=leaf(3, lo=0.5, hi=1.5), b=leaf(3))
    w.put("bn/rm1", rm1)
    w.put("bn/rv1", rv1)
    run(w, "bneval", lambda x, g, b: F.batch_norm(x, rm, rv, g, b, False, 0.1, 1e-5),
        x=leaf(4, 3, 5, 5), g=leaf(3, lo=0.5, hi=1.5), b=leaf(3))
    w.put("bneval/rm", rm)
    w.put("bneval/rv", rv)
    run(w, "relu", lambda x: F.relu(x), x=leaf(2, 3, 4, 5))
    run(w, "up2", lambda x: F.interpolate(x, scale_factor=2, mode="bilinear",
                                          align_corners=False),
        x=leaf(2, 3, 4, 5))
    run(w, "upsz", lambda x: F.interpolate(x, size=(7, 3), mode="bilinear",
                                           align_corners=False),
        x=leaf(2, 2, 5, 6))
    run(w, "concat", lambda a, b: torch.cat([a, b], 1),
        a=leaf(2, 2, 3, 3), b=leaf(2, 3, 3, 3))
    run(w, "avgpool", lambda x: F.adaptive_avg_pool2d(x, 1), x=leaf(2, 3, 4, 5))
    run(w, "linear", lambda x, wt, b: F.linear(x, wt, b),
        x=leaf(4, 6), wt=leaf(3, 6), b=leaf(3))
    run(w, "dups", lambda x: dupsample_ref(x, 4), x=leaf(2, 2 * 16, 3, 4))
    run(w, "softmax", lambda x: F.softmax(x, 1), x=leaf(2, 3, 4, 4, lo=-3, hi=3))
    lab = torch.randint(0, 3, (2, 4, 5))
    w.put("cepix/lab", lab)
    run(w, "cepix", lambda x: F.cross_entropy(x, lab), x=leaf(2, 3, 4, 5, lo=-3, hi=3))
    lab = torch.randint(0, 2, (6,))
    w.put("cesamp/lab", lab)
    run(w, "cesamp", lambda x: F.cross_entropy(x, lab), x=leaf(6, 2, lo=-3, hi=3))
    g = (rnd(2, 1, 8, 8) > 0).double()
    g[:, :, 0, :] = 0
    w.put("bnd/g", g)
    run(w, "bnd", lambda p: boundary_ref(p, g), p=leaf(2, 1, 8, 8, lo=0.01, hi=0.99))
    run(w, "wgan", lambda r, f: -r.mean() + f.mean(),
        r=leaf(4, 1, 4, 4), f=leaf(4, 1, 4, 4))


class Net(torch.nn.Module):
    # Convolutions followed by batch norm have no bias: the bias gradient is
    # exactly 0 there, so its rounding noise would be amplified by the
    # adaptive optimizers and make the comparison meaningless.
    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 4, 3, 1, 1, bias=False)
        self.b1 = torch.nn.BatchNorm2d(4)
        self.c2 = torch.nn.Conv2d(4, 8, 4, 2, 1, bias=False)
        self.b2 = torch.nn.BatchNorm2d(8)
        self.d1 = torch.nn.ConvTranspose2d(8, 4, 4, 2, 1)
        self.c3 = torch.nn.Conv2d(4, 2, 1)

    def forward(self, x):
        x = F.relu(self.b1(self.c1(x)))
        x = F.relu(self.b2(self.c2(x)))
        x = F.relu(self.d1(x))
        return self.c3(x)


def adabelief_step(params, state, lr, b1, b2, eps):
    """AdaBelief (Zhuang et al. 2020) as adabelief-pytorch 0.2, rectify off."""
    for p in params:
        st = state.setdefault(p, {"t": 0, "m": torch.zeros_like(p),
                                  "s": torch.zeros_like(p)})
        st["t"] += 1
        t, g = st["t"], p.grad
        st["m"] = b1 * st["m"] + (1 - b1) * g
        st["s"] = b2 * st["s"] + (1 - b2) * (g - st["m"]) ** 2 + eps
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        denom = st["s"].sqrt() / bc2 ** 0.5 + eps
        with torch.no_grad():
            p -= lr / bc1 * st["m"] / denom


def train(w):
    # Own seed: adding op cases above must not change the network.
    torch.manual_seed(20210602)
    net = Net()
    x = rnd(4, 1, 8, 8)
    lab = torch.randint(0, 2, (4, 8, 8))
    w.put("train/x", x)
    w.put("train/lab", lab)
    init = {k: v.clone() for k, v in net.state_dict().items()}
    for k, v in init.items():
        if "num_batches" not in k:
            w.put("train/init/" + k, v)
    for opt in ["adabelief", "rmsprop", "adam", "sgd"]:
        net.load_state_dict(init)
        ps = list(net.parameters())
        state = {}
        if opt == "rmsprop":
            # The paper's critic uses lr 0.002; 5e-4 here because RMSProp's
            # first steps are 10*lr*sign(g) whatever |g| is, and with big
            # steps a float32-vs-float64 rounding difference flips a ReLU
            # somewhere and the trajectories part (seen with 0.002).
            o = torch.optim.RMSprop(ps, lr=5e-4, alpha=0.99, eps=1e-8)
        elif opt == "adam":
            o = torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8)
        elif opt == "sgd":
            o = torch.optim.SGD(ps, lr=0.05, momentum=0.9)
        losses = []
        for _ in range(5):
            for p in ps:
                p.grad = None
            loss = F.cross_entropy(net(x), lab)
            loss.backward()
            losses.append(loss.item())
            if opt == "adabelief":
                adabelief_step(ps, state, 1e-2, 0.5, 0.999, 1e-6)
            else:
                o.step()
        w.put("train/%s/loss" % opt, torch.tensor(losses))
        for k, v in net.state_dict().items():
            if "num_batches" not in k:
                w.put("train/%s/final/%s" % (opt, k), v)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/golden/net"
    w = Writer(out + "/ops.bin")
    ops(w)
    w.close()
    w = Writer(out + "/train.bin")
    train(w)
    w.close()


if __name__ == "__main__":
    main()
