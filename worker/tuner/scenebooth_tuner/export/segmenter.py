"""The product segmenter the Node dataset check runs on busy backgrounds: one ONNX graph,
input_image [1, 3, 1024, 1024] (ImageNet-normalised RGB) -> output_image [1, 1, 1024, 1024] (logits;
the caller applies the sigmoid), BiRefNet's names and shapes.

real: BiRefNet (ZhengPeng7/BiRefNet, MIT licence on its model card) at a given revision: its files
      are downloaded at that commit and its own remote code is built with its config and loaded with
      model.safetensors. The model is built directly rather than through
      `AutoModelForImageSegmentation.from_pretrained`, which in transformers 5 builds models on the
      meta device and expects `post_init()` to have run: BiRefNet's __init__ reads tensor values and
      never calls it. Its code imports torchvision (deformable convolutions), timm, kornia and einops:
      the tuner's `segmenter` extra. Its deformable convolutions are written as standard ONNX
      operators (./deform_conv.py).
tiny: a random stand-in with the same names and shapes (two convolutions), for tests; its mattes
      mean nothing.

Every export checks its graph against the PyTorch module on a probe image: a matte more than
PARITY_ALPHA away fails the export.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import torch
from torch import nn

from . import deform_conv
from .errors import ExportError
from .manifest import sha256

SIDE = 1024
INPUT = "input_image"
OUTPUT = "output_image"
OPSET = 17
IMAGENET = {"mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}
REAL_REPO = "ZhengPeng7/BiRefNet"
REAL_LICENSE = "MIT"
REAL_WEIGHTS = "model.safetensors"
REAL_TASK = "AutoModelForImageSegmentation"
# What BiRefNet's remote code imports beyond the tuner's own dependencies (worker/tuner/pyproject.toml).
SEGMENTER_EXTRA = "pip install -e 'worker/tuner[segmenter]' (torchvision, timm, kornia, einops)"
# Largest |graph - torch| allowed on the matte's alpha (0-1): one 8-bit grey level.
PARITY_ALPHA = 1 / 255


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
    from huggingface_hub import snapshot_download
    from safetensors.torch import load_file

    from ..profiles import warn_if_unpinned

    warn_if_unpinned(repo, revision)
    try:
        folder = Path(snapshot_download(repo, revision=revision, allow_patterns=["*.py", "*.json", REAL_WEIGHTS]))
    except Exception as e:  # offline, an unknown repository or revision
        raise ExportError("model_missing", f"cannot load {repo} at {revision}: {type(e).__name__}: {_line(e)}") from e
    try:
        from transformers import AutoConfig
        from transformers.dynamic_module_utils import get_class_from_dynamic_module

        config = AutoConfig.from_pretrained(str(folder), trust_remote_code=True)
        model_class = get_class_from_dynamic_module(config.auto_map[REAL_TASK], str(folder))
        model = model_class(config=config)
    except ImportError as e:
        raise ExportError(
            "model_missing", f"{repo}'s code cannot be imported ({_line(e)}): install its packages: {SEGMENTER_EXTRA}"
        ) from e
    except Exception as e:  # a repository without BiRefNet's auto_map, or code that fails to run
        raise ExportError("model_missing", f"cannot build {repo} at {revision}: {type(e).__name__}: {_line(e)}") from e
    weights = folder / REAL_WEIGHTS
    if not weights.is_file():
        raise ExportError("model_missing", f"{repo} at {revision} has no {REAL_WEIGHTS}")
    try:
        model.load_state_dict(load_file(str(weights)), strict=True)
    except Exception as e:  # weights of another architecture or version than the code
        raise ExportError(
            "model_missing", f"{repo} at {revision}: {REAL_WEIGHTS} does not fit its code: {_line(e)}"
        ) from e
    return BiRefNetLogits(model.eval())


def _line(e: Exception) -> str:
    return str(e).strip().split("\n")[0]


def parity(module: nn.Module, graph: Path) -> dict:
    """The graph against the module on a seeded probe image: the largest differences in logits and in alpha."""
    import onnxruntime as ort

    probe = torch.randn(1, 3, SIDE, SIDE, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        want = module(probe)
    (got,) = ort.InferenceSession(str(graph), providers=["CPUExecutionProvider"]).run([OUTPUT], {INPUT: probe.numpy()})
    got = torch.from_numpy(got)
    if got.shape != want.shape:
        raise ExportError("export_failed", f"the graph's output is {list(got.shape)}, the model's {list(want.shape)}")
    return {
        "maxLogitDiff": float((got - want).abs().max()),
        "maxAlphaDiff": float((torch.sigmoid(got) - torch.sigmoid(want)).abs().max()),
    }


def export_segmenter(profile: str, out: Path, seed: int = 0, repo: str = REAL_REPO, revision: str = "main") -> dict:
    """Writes segmenter.onnx and segmenter.json (names, shapes, normalisation, source, licence, sha256) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    module = TinySegmenter(seed).eval() if profile == "tiny" else real_segmenter(repo, revision)
    graph = out / "segmenter.onnx"
    deform_conv.register(OPSET)
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
    check = parity(module, graph)
    if not check["maxAlphaDiff"] <= PARITY_ALPHA:
        graph.unlink(missing_ok=True)
        raise ExportError(
            "export_failed",
            f"{profile} segmenter: the ONNX graph's matte differs from PyTorch's by up to "
            f"{check['maxAlphaDiff']:.4f} (more than {PARITY_ALPHA:.4f})",
        )
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
        "parity": check,
    }
    (out / "segmenter.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
