#!/usr/bin/env python3
"""colab-ts U-Nets in PyTorch.

`colab-ts export --run RUN --out DIR` writes DIR/model.safetensors (the state_dict of nnU-Net v2's
PlainConvUNet, by key) and DIR/architecture.json (nnU-Net's arch_kwargs, patch_size, and what
colab-ts predicts with). This script builds the matching PyTorch module from architecture.json
and loads the weights with load_state_dict(strict=True):

    python3 colab_unet.py forward --weights DIR/model.safetensors --architecture DIR/architecture.json \
        --input x.safetensors --out logits.safetensors     # x: tensor "x" [N, C, D, H, W]
    python3 colab_unet.py init --architecture DIR/architecture.json --seed 0 --out w.safetensors
        # PyTorch-initialised weights (norm affine and biases drawn too), for colab-ts import
    python3 colab_unet.py from-nnunet --model nnUNet_results/Dataset003_Liver/nnUNetTrainer__nnUNetPlans__3d_fullres \
        --configuration 3d_fullres --fold 0 --out DIR   # an nnU-Net v2 model, for colab-ts import

As a library: `read_safetensors`, `write_safetensors`, `ColabUNet(arch)`, `load(weights, arch)`.
The safetensors reader and writer are pure Python (8-byte little-endian header length, JSON
header, raw little-endian bytes), so the `safetensors` package is not needed; where it is
installed, `safetensors.torch.load_file(path)` reads the same files.

ColabUNet has PlainConvUNet's parameter names (encoder.stages.S.0.convs.C.conv/norm,
decoder.transpconvs.K, decoder.stages.K.convs.C, decoder.seg_layers.K) and computes the same
function (conv with bias and "same" padding -> InstanceNorm3d(eps 1e-5, affine) -> LeakyReLU(0.01),
strided first conv per stage, transposed-conv up-sampling, concat [up, skip], 1x1x1 head). It
leaves out PlainConvUNet's aliases (all_modules.*, decoder.encoder.*) and, without deep
supervision, the unused low-resolution seg_layers, so the exported file loads strictly.
Into dynamic_network_architectures' PlainConvUNet itself the file loads with strict=False;
`load_into_plain_conv_unet` checks that only those aliases and unused heads are missing.
"""
import argparse
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64, "I32": torch.int32, "U8": torch.uint8, "I64": torch.int64, "F16": torch.float16}
NAMES = {v: k for k, v in DTYPES.items()}


def read_safetensors(path):
    """(dict name -> tensor, metadata dict) of a safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {}) or {}
    data = raw[8 + n:]
    out = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        dt = DTYPES[e["dtype"]]
        if end == b:
            out[name] = torch.empty(e["shape"], dtype=dt)
        else:
            out[name] = torch.frombuffer(bytearray(data[b:end]), dtype=dt).reshape(e["shape"])
    return out, meta


def write_safetensors(path, tensors, metadata=None):
    """Writes a dict name -> tensor as safetensors (the buffer indexed without holes)."""
    header = {}
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    blobs, at = [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().cpu().numpy().tobytes()
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [at, at + len(b)]}
        blobs.append(b)
        at += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


class ConvNormNonlin(nn.Module):
    """nnU-Net's ConvDropoutNormReLU without dropout: conv -> instance norm -> leaky ReLU."""

    def __init__(self, cin, cout, kernel, stride):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, kernel, stride, [(k - 1) // 2 for k in kernel], bias=True)
        self.norm = nn.InstanceNorm3d(cout, eps=1e-5, affine=True)

    def forward(self, x):
        return F.leaky_relu(self.norm(self.conv(x)), 0.01)


class StackedConvBlocks(nn.Module):
    def __init__(self, n, cin, cout, kernel, stride):
        super().__init__()
        self.convs = nn.Sequential(*[ConvNormNonlin(cin if j == 0 else cout, cout, kernel, stride if j == 0 else [1, 1, 1]) for j in range(n)])

    def forward(self, x):
        return self.convs(x)


def _triple(v):
    v = list(v)
    return [1] + v if len(v) == 2 else v


class Encoder(nn.Module):
    def __init__(self, a, cin):
        super().__init__()
        f, k, s = a["features_per_stage"], a["kernel_sizes"], a["strides"]
        self.stages = nn.ModuleList([nn.Sequential(StackedConvBlocks(a["n_conv_per_stage"][i], cin if i == 0 else f[i - 1], f[i], _triple(k[i]), _triple(s[i]))) for i in range(a["n_stages"])])

    def forward(self, x):
        skips = []
        for st in self.stages:
            x = st(x)
            skips.append(x)
        return skips


class Decoder(nn.Module):
    def __init__(self, a, num_classes, deep_supervision):
        super().__init__()
        n, f, k, s = a["n_stages"], a["features_per_stage"], a["kernel_sizes"], a["strides"]
        self.deep_supervision = deep_supervision
        self.transpconvs = nn.ModuleList()
        self.stages = nn.ModuleList()
        for i in range(1, n):
            below, skip = f[-i], f[-(i + 1)]
            st = _triple(s[-i])
            self.transpconvs.append(nn.ConvTranspose3d(below, skip, st, st, bias=True))
            self.stages.append(StackedConvBlocks(a["n_conv_per_stage_decoder"][i - 1], 2 * skip, skip, _triple(k[-(i + 1)]), [1, 1, 1]))
        used = range(n - 1) if deep_supervision else [n - 2]
        # A ModuleDict keyed "K" gives PlainConvUNet's names decoder.seg_layers.K.* for the heads that exist.
        self.seg_layers = nn.ModuleDict({str(j): nn.Conv3d(f[-(j + 2)], num_classes, 1, 1, 0, bias=True) for j in used})

    def forward(self, skips):
        x = skips[-1]
        outs = []
        for i, (up, st) in enumerate(zip(self.transpconvs, self.stages)):
            x = st(torch.cat([up(x), skips[-(i + 2)]], 1))
            if str(i) in self.seg_layers:
                outs.append(self.seg_layers[str(i)](x))
        outs = outs[::-1]
        return outs if self.deep_supervision else outs[0]


class ColabUNet(nn.Module):
    """The PyTorch module of an architecture.json (PlainConvUNet's structure and parameter names)."""

    def __init__(self, arch):
        super().__init__()
        a = arch["arch_kwargs"]
        self.encoder = Encoder(a, arch["input_channels"])
        self.decoder = Decoder(a, arch["num_classes"], bool(arch.get("deep_supervision", False)))

    def forward(self, x):
        return self.decoder(self.encoder(x))


def load(weights, arch):
    """The module of `arch` (a dict or a path) with the weights of a safetensors file, loaded strictly."""
    if isinstance(arch, str):
        with open(arch) as f:
            arch = json.load(f)
    m = ColabUNet(arch)
    sd, _ = read_safetensors(weights)
    m.load_state_dict(sd, strict=True)
    return m.eval()


def load_into_plain_conv_unet(weights, arch):
    """dynamic_network_architectures' PlainConvUNet (when installed) with the exported weights."""
    import pydoc
    from dynamic_network_architectures.architectures.unet import PlainConvUNet

    with open(arch) as f:
        arch = json.load(f)
    kw = dict(arch["arch_kwargs"])
    for k in arch.get("_kw_requires_import", []):
        if kw.get(k) is not None:
            kw[k] = pydoc.locate(kw[k])
    net = PlainConvUNet(input_channels=arch["input_channels"], num_classes=arch["num_classes"], deep_supervision=arch["deep_supervision"], **kw)
    sd, _ = read_safetensors(weights)
    r = net.load_state_dict(sd, strict=False)
    n = kw["n_stages"]
    allowed = lambda k: ".all_modules." in k or k.startswith("decoder.encoder.") or (k.startswith("decoder.seg_layers.") and not arch["deep_supervision"] and not k.startswith(f"decoder.seg_layers.{n - 2}."))
    bad = [k for k in r.missing_keys if not allowed(k)] + list(r.unexpected_keys)
    if bad:
        raise KeyError(f"keys that do not match PlainConvUNet: {bad}")
    return net.eval()


def from_nnunet(model_dir, out_dir, configuration="3d_fullres", fold="0", checkpoint="checkpoint_final.pth"):
    """An nnU-Net v2 trained model folder (plans.json, dataset.json, fold_F/CHECKPOINT) as the pair
    `colab-ts import` reads: OUT/model.safetensors (network_weights, float32) and OUT/architecture.json."""
    import os

    with open(os.path.join(model_dir, "plans.json")) as f:
        plans = json.load(f)
    with open(os.path.join(model_dir, "dataset.json")) as f:
        ds = json.load(f)
    conf = plans["configurations"][configuration]
    while "inherits_from" in conf and "architecture" not in conf:
        conf = {**plans["configurations"][conf.pop("inherits_from")], **conf}
    arch = conf["architecture"]
    labels = {k: v for k, v in ds["labels"].items() if isinstance(v, int)}
    channels = ds.get("channel_names", ds.get("modality", {"0": ""}))
    ck = torch.load(os.path.join(model_dir, f"fold_{fold}", checkpoint), map_location="cpu")
    weights = {k: v.float().contiguous() for k, v in ck["network_weights"].items()}
    num_classes = weights[f"decoder.seg_layers.{arch['arch_kwargs']['n_stages'] - 2}.weight"].shape[0]
    ct = all(str(c).upper() == "CT" for c in channels.values())
    props = plans.get("foreground_intensity_properties_per_channel", {}).get("0")
    norm = {"kind": "ct", "stats": {"mean": props["mean"], "std": props["std"], "lower": props["percentile_00_5"], "upper": props["percentile_99_5"]}} if ct and props else {"kind": "zscore"}
    out = {
        "format": "colab-ts-unet/1",
        "network_class_name": arch["network_class_name"],
        "arch_kwargs": arch["arch_kwargs"],
        "_kw_requires_import": arch.get("_kw_requires_import", []),
        "input_channels": len(channels),
        "num_classes": num_classes,
        "deep_supervision": False,
        "patch_size": conf["patch_size"],
        "colab_ts": {"method": "baseline", "t": 2, "classes": max(labels.values()) + 1, "labels": labels, "normalization": norm, "spacing": conf.get("spacing", [1, 1, 1])},
    }
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(os.path.join(out_dir, "model.safetensors"), weights, {"format": "pt"})
    with open(os.path.join(out_dir, "architecture.json"), "w") as f:
        json.dump(out, f, indent=2)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    fw = sub.add_parser("forward", help="logits of the tensor x of --input")
    fw.add_argument("--weights", required=True)
    fw.add_argument("--architecture", required=True)
    fw.add_argument("--input", required=True)
    fw.add_argument("--out", required=True)
    it = sub.add_parser("init", help="PyTorch-initialised weights for an architecture")
    it.add_argument("--architecture", required=True)
    it.add_argument("--seed", type=int, default=0)
    it.add_argument("--out", required=True)
    nn_ = sub.add_parser("from-nnunet", help="convert an nnU-Net v2 trained model folder for colab-ts import")
    nn_.add_argument("--model", required=True, help="nnUNet_results/DatasetX/TRAINER__PLANS__CONFIG")
    nn_.add_argument("--configuration", default="3d_fullres")
    nn_.add_argument("--fold", default="0")
    nn_.add_argument("--checkpoint", default="checkpoint_final.pth")
    nn_.add_argument("--out", required=True)
    args = p.parse_args(argv)
    if args.cmd == "from-nnunet":
        a = from_nnunet(args.model, args.out, args.configuration, args.fold, args.checkpoint)
        print(json.dumps({"num_classes": a["num_classes"], "patch_size": a["patch_size"]}))
        return 0
    torch.set_num_threads(1)
    if args.cmd == "forward":
        m = load(args.weights, args.architecture)
        x, _ = read_safetensors(args.input)
        with torch.no_grad():
            y = m(x["x"].float())
        y = y if torch.is_tensor(y) else y[0]  # deep supervision: the full-resolution output
        write_safetensors(args.out, {"logits": y})
        print(json.dumps({"parameters": sum(t.numel() for t in m.state_dict().values()), "logits": list(y.shape)}))
    else:
        with open(args.architecture) as f:
            arch = json.load(f)
        torch.manual_seed(args.seed)
        m = ColabUNet(arch)
        with torch.no_grad():
            # PyTorch's default init leaves norm weight 1 and bias 0: draw them, so every tensor's mapping is tested.
            for name, t in m.named_parameters():
                if ".norm." in name or name.endswith(".bias"):
                    t.copy_(torch.randn_like(t) * 0.1 + (1.0 if name.endswith("norm.weight") else 0.0))
        write_safetensors(args.out, m.state_dict(), {"format": "pt"})
        print(json.dumps({"tensors": len(m.state_dict())}))


if __name__ == "__main__":
    sys.exit(main())
