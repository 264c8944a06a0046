"""The product segmenter the Node dataset check runs on busy backgrounds: one ONNX graph,
input_image [1, 3, 1024, 1024] (ImageNet-normalised RGB) -> output_image [1, 1, 1024, 1024] (logits;
the caller applies the sigmoid), BiRefNet's names and shapes.

real: BiRefNet (ZhengPeng7/BiRefNet, MIT licence on its model card) at a given revision, loaded with
      its own remote code. BiRefNet's deformable convolutions (torchvision's deform_conv2d) have no
      standard ONNX operator in the exporters this project pins; the export is attempted with the
      legacy TorchScript exporter and fails with `export_failed` if it cannot be written.
tiny: a random stand-in with the same names and shapes (two convolutions), for tests; its mattes
      mean nothing.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch
from torch import nn

from .errors import ExportError
from .manifest import sha256

SIDE = 1024
INPUT = "input_image"
OUTPUT = "output_image"
OPSET = 17
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
REAL_REPO = "ZhengPeng7/BiRefNet"
REAL_LICENSE = "MIT"


class TinySegmenter(nn.Module):
    """Random weights: a strided convolution and a full-size upsample, so a 1024 px run stays cheap."""

    def __init__(self, seed: int):
        super().__init__()
        torch.manual_seed(seed)
        self.down = nn.Conv2d(3, 4, kernel_size=3, stride=8, padding=1)
        self.head = nn.Conv2d(4, 1, kernel_size=3, padding=1)
        self.up = nn.Upsample(scale_factor=8, mode="bilinear", align_corners=False)

    def forward(self, input_image):
        return self.up(self.head(torch.relu(self.down(input_image))))


class BiRefNetLogits(nn.Module):
    """BiRefNet returns its side outputs; the last one is the full-size matte's logits."""

    def __init__(self, birefnet):
        super().__init__()
        self.birefnet = birefnet

    def forward(self, input_image):
        return self.birefnet(input_image)[-1]


def real_segmenter(repo: str, revision: str) -> nn.Module:
    from transformers import AutoModelForImageSegmentation

    from ..profiles import warn_if_unpinned

    warn_if_unpinned(repo, revision)
    try:
        model = AutoModelForImageSegmentation.from_pretrained(repo, revision=revision, trust_remote_code=True)
    except Exception as e:  # offline, a missing revision, or BiRefNet's remote code failing to import
        raise ExportError("model_missing", f"cannot load {repo} at {revision}: {type(e).__name__}: {e}") from e
    return BiRefNetLogits(model.eval())


def export_segmenter(profile: str, out: Path, seed: int = 0, repo: str = REAL_REPO, revision: str = "main") -> dict:
    """Writes segmenter.onnx and segmenter.json (names, shapes, normalisation, source, licence, sha256) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    module = TinySegmenter(seed).eval() if profile == "tiny" else real_segmenter(repo, revision)
    graph = out / "segmenter.onnx"
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (torch.zeros(1, 3, SIDE, SIDE),),
                str(graph),
                input_names=[INPUT],
                output_names=[OUTPUT],
                opset_version=OPSET,
                dynamo=False,
            )
    except Exception as e:  # the exporter raises many kinds; one line says which model failed
        graph.unlink(missing_ok=True)
        raise ExportError("export_failed", f"{profile} segmenter: {type(e).__name__}: {e}") from e
    manifest = {
        "profile": profile,
        "standIn": profile == "tiny",
        "source": f"random (seed {seed})" if profile == "tiny" else repo,
        "revision": None if profile == "tiny" else revision,
        "license": None if profile == "tiny" else REAL_LICENSE,
        "file": graph.name,
        "sha256": sha256(graph),
        "input": INPUT,
        "output": OUTPUT,
        "side": SIDE,
        "outputIs": "logits",
        **IMAGENET,
    }
    (out / "segmenter.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
