"""A Keras functional super-resolution model (UpscalerJS's TF.js "layers-model") as a PyTorch module.

The module is built from the model.json topology, layer by layer, as worker/upscale/convert.ts builds
the ONNX graph: Conv2D (HWIO kernels become OIHW), Concatenate on channels, Add, Activation,
MultiplyBeta, PixelShuffle<N>x (depth-to-space in TF's DCR order) and nearest UpSampling2D. Each
Conv2D becomes a parameter named after its Keras layer, and its kernel and bias are read from the
weight shards by the manifest names `<layer>/kernel` and `<layer>/bias`: the mapping is by name, so
nothing depends on the order of layers or shards. Input and output are RGB in [0, 1] whatever range
the TF.js model works in, like the converted ONNX models.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import TunerError
from ..profiles import REPO_ROOT

# The npm packages and the pixel range each TF.js model works in (worker/upscale/models.ts holds the
# same table for the Node converter; the Node-vs-PyTorch parity test fails if the two disagree).
PACKAGES: dict[str, tuple[str, int]] = {
    "thick": ("@upscalerjs/esrgan-thick", 1),
    "medium": ("@upscalerjs/esrgan-medium", 255),
}
SCALES = (2, 3, 4, 8)


def source_model_json(tier: str, scale: int, node_modules: Path | None = None) -> Path:
    if tier not in PACKAGES:
        raise TunerError("bad_spec", f"ESRGAN tier must be one of {', '.join(PACKAGES)}, got {tier!r}", field="tier")
    if scale not in SCALES:
        raise TunerError("bad_spec", f"ESRGAN scale must be one of {SCALES}, got {scale}", field="scale")
    root = node_modules or REPO_ROOT / "node_modules"
    path = root / PACKAGES[tier][0] / "models" / f"x{scale}" / "model.json"
    if not path.is_file():
        raise TunerError("model_missing", f"{path} not found: run npm install")
    return path


def depth_to_space_dcr(x: torch.Tensor, block: int) -> torch.Tensor:
    """tf.depthToSpace on NCHW: output (h*b+i, w*b+j, c) takes input channel (i*b+j)*C + c."""
    n, c, h, w = x.shape
    out_c = c // (block * block)
    x = x.reshape(n, block, block, out_c, h, w).permute(0, 3, 4, 1, 5, 2)
    return x.reshape(n, out_c, h * block, w * block)


def _read_weights(model_json: Path, manifest: list[dict]) -> dict[str, np.ndarray]:
    weights: dict[str, np.ndarray] = {}
    for group in manifest:
        buffer = b"".join((model_json.parent / p).read_bytes() for p in group["paths"])
        offset = 0
        for spec in group["weights"]:
            if spec["dtype"] != "float32" or spec.get("quantization"):
                raise TunerError("bad_input", f"{model_json}: weight {spec['name']} is not plain float32")
            count = int(np.prod(spec["shape"])) if spec["shape"] else 1
            weights[spec["name"]] = np.frombuffer(buffer, "<f4", count, offset).reshape(spec["shape"]).copy()
            offset += count * 4
        if offset != len(buffer):
            raise TunerError("bad_input", f"{model_json}: weight shards do not match the manifest")
    return weights


class KerasSR(nn.Module):
    """The layers of one TF.js super-resolution model, run in topological (file) order."""

    def __init__(self, model_json: Path, value_range: int) -> None:
        super().__init__()
        data = json.loads(model_json.read_text())
        config = data["modelTopology"]["model_config"]["config"]
        self.value_range = float(value_range)
        self.layers: list[dict] = config["layers"]
        self.output_name = config["output_layers"][0][0]
        self.convs = nn.ModuleDict()
        weights = _read_weights(model_json, data["weightsManifest"])
        used: set[str] = set()
        for layer in self.layers:
            cls, cfg = layer["class_name"], layer["config"]
            if cls == "Conv2D":
                kernel = weights[f"{cfg['name']}/kernel"]
                kh, kw, cin, cout = kernel.shape
                if cfg.get("strides", [1, 1]) != [1, 1] or cfg.get("dilation_rate", [1, 1]) != [1, 1]:
                    raise TunerError("bad_input", f"{layer['name']}: strided or dilated convolution")
                if cfg["padding"] == "same" and kh % 2 and kw % 2:
                    padding = (kh // 2, kw // 2)
                elif cfg["padding"] == "valid":
                    padding = (0, 0)
                else:
                    raise TunerError("bad_input", f"{layer['name']}: {cfg['padding']} padding of a {kh}x{kw} kernel")
                conv = nn.Conv2d(cin, cout, (kh, kw), padding=padding, bias=cfg.get("use_bias", True))
                with torch.no_grad():
                    conv.weight.copy_(torch.from_numpy(kernel).permute(3, 2, 0, 1))
                    if conv.bias is not None:
                        conv.bias.copy_(torch.from_numpy(weights[f"{cfg['name']}/bias"]))
                        used.add(f"{cfg['name']}/bias")
                used.add(f"{cfg['name']}/kernel")
                self.convs[self._key(layer["name"])] = conv
            elif cls not in ("InputLayer", "Concatenate", "Add", "Activation", "MultiplyBeta", "UpSampling2D"):
                if not cls.startswith("PixelShuffle"):
                    raise TunerError("bad_input", f"layer {layer['name']}: {cls} is not supported")
        unused = set(weights) - used
        if unused:
            raise TunerError("bad_input", f"{model_json}: weights no layer uses: {sorted(unused)[:5]}")

    @staticmethod
    def _key(name: str) -> str:
        return name.replace(".", "_")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        tensors: dict[str, torch.Tensor] = {}
        for layer in self.layers:
            cls, cfg, name = layer["class_name"], layer["config"], layer["name"]
            inputs = [tensors[i[0]] for i in layer["inbound_nodes"][0]] if layer["inbound_nodes"] else []
            if cls == "InputLayer":
                out = x * self.value_range
            elif cls == "Conv2D":
                out = self.convs[self._key(name)](inputs[0])
                out = _activation(out, cfg.get("activation", "linear"), name)
            elif cls == "Activation":
                out = _activation(inputs[0], cfg["activation"], name)
            elif cls == "Concatenate":
                out = torch.cat(inputs, dim=1)
            elif cls == "Add":
                out = inputs[0]
                for other in inputs[1:]:
                    out = out + other
            elif cls == "MultiplyBeta":
                out = inputs[0] * float(cfg.get("beta", 0.2))
            elif cls == "UpSampling2D":
                out = F.interpolate(inputs[0], scale_factor=tuple(cfg["size"]), mode="nearest")
            else:  # PixelShuffle<N>x
                out = depth_to_space_dcr(inputs[0], int(cfg.get("scale") or cls[len("PixelShuffle") : -1]))
            tensors[name] = out
        return tensors[self.output_name] / self.value_range


def _activation(x: torch.Tensor, kind: str, name: str) -> torch.Tensor:
    if kind == "linear":
        return x
    if kind == "relu":
        return torch.relu(x)
    if kind == "sigmoid":
        return torch.sigmoid(x)
    if kind == "tanh":
        return torch.tanh(x)
    raise TunerError("bad_input", f"activation {kind} is not supported ({name})")


def load_pretrained(tier: str, scale: int, node_modules: Path | None = None) -> KerasSR:
    return KerasSR(source_model_json(tier, scale, node_modules), PACKAGES[tier][1])
