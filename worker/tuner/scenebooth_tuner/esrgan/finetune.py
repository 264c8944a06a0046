"""`python -m scenebooth_tuner esrgan-finetune`: L1 fine-tuning of UpscalerJS's pretrained ESRGAN on
product photos, exported to ONNX with the Node upscaler's contract (input `input`, output `output`,
NCHW RGB in [0, 1], any height and width) and a sidecar JSON the worker reads.

Only the L1 (pixel) loss: ESRGAN's perceptual loss needs VGG-19 ImageNet weights (not shipped, and
nothing here downloads weights), and its GAN term needs a discriminator trained alongside, which on a
few dozen photos mostly learns the photos; both trade PSNR/SSIM for texture. The UpscalerJS models
being fine-tuned already carry their GAN training, and a small learning rate on L1 adapts them to
the degradations of product photos without undoing it.
"""

from __future__ import annotations

import hashlib
import json
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from ..errors import TunerError
from ..progress import Progress
from .degrade import Degradation, degrade, load_hr, photo_files
from .graph import PACKAGES, KerasSR, load_pretrained, source_model_json

PARITY_TOLERANCE = 1e-4
PARITY_TILE = 24  # low-resolution pixels


@dataclass(frozen=True)
class FinetuneSpec:
    photos: list[Path]
    out: Path
    tier: str = "medium"
    scale: int = 4
    steps: int = 500
    lr: float = 1e-4
    batch: int = 4
    patch: int = 32  # low-resolution crop edge; the target is patch * scale
    long_side: int = 1024  # photos are shrunk to this before crops are cut
    seed: int = 0
    device: str = "auto"  # "auto" (CUDA when present), "cpu" or "cuda"


def _batch(
    photos: list[np.ndarray], spec: FinetuneSpec, rng: np.random.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    size = spec.patch * spec.scale
    lows, highs = [], []
    for _ in range(spec.batch):
        hr = photos[int(rng.integers(len(photos)))]
        y = int(rng.integers(0, (hr.shape[0] - size) // spec.scale + 1)) * spec.scale
        x = int(rng.integers(0, (hr.shape[1] - size) // spec.scale + 1)) * spec.scale
        crop = hr[y : y + size, x : x + size]
        crop = np.rot90(crop, int(rng.integers(4)))
        if rng.random() < 0.5:
            crop = crop[:, ::-1]
        crop = np.ascontiguousarray(crop)
        lows.append(degrade(crop, spec.scale, rng))
        highs.append(crop)
    to_tensor = lambda a: torch.from_numpy(np.stack(a)).permute(0, 3, 1, 2).float() / 255  # noqa: E731
    return to_tensor(lows), to_tensor(highs)


def export_onnx(model: KerasSR, path: Path, metadata: dict[str, str]) -> None:
    import onnx

    model.eval()
    example = torch.rand(1, 3, PARITY_TILE, PARITY_TILE)
    height, width = torch.export.Dim("height", min=8, max=4096), torch.export.Dim("width", min=8, max=4096)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.onnx")
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (example,),
            str(tmp),
            input_names=["input"],
            output_names=["output"],
            dynamic_shapes=({2: height, 3: width},),
            opset_version=18,
            dynamo=True,
            external_data=False,
            verbose=False,
        )
    proto = onnx.load(str(tmp))
    for key, value in metadata.items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.save(proto, str(tmp))
    tmp.replace(path)


def onnx_parity(model: KerasSR, path: Path, tile: np.ndarray) -> float:
    """Largest |PyTorch - onnxruntime| over one tile (NCHW float in [0, 1])."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (onnx_out,) = session.run(["output"], {"input": tile})
    with torch.no_grad():
        torch_out = model.eval()(torch.from_numpy(tile)).numpy()
    if onnx_out.shape != torch_out.shape:
        raise TunerError("internal", f"ONNX output {onnx_out.shape} != PyTorch {torch_out.shape}")
    return float(np.abs(onnx_out - torch_out).max())


def _package_version(tier: str) -> str:
    model_json = source_model_json(tier, 4)
    try:
        return json.loads((model_json.parents[2] / "package.json").read_text())["version"]
    except (OSError, KeyError, ValueError):
        return "?"


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_finetune(spec: FinetuneSpec, progress: Progress) -> dict:
    started = time.monotonic()
    if spec.steps < 0 or spec.batch < 1 or spec.patch < 8 or spec.lr < 0:
        raise TunerError("bad_spec", "steps >= 0, batch >= 1, patch >= 8 and lr >= 0 are required")
    torch.manual_seed(spec.seed)
    rng = np.random.default_rng(spec.seed)
    files = photo_files(spec.photos)
    photos = [load_hr(p, spec.long_side, spec.scale) for p in files]
    size = spec.patch * spec.scale
    photos = [p for p in photos if min(p.shape[:2]) >= size]
    if not photos:
        raise TunerError(
            "bad_input", f"no photo is at least {size} px on its short side (patch {spec.patch} x{spec.scale})"
        )

    device = torch.device(
        "cuda" if spec.device == "cuda" or (spec.device == "auto" and torch.cuda.is_available()) else "cpu"
    )
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TunerError("bad_spec", "device cuda was asked for, but CUDA is not available", field="device")
    model = load_pretrained(spec.tier, spec.scale)
    package, _ = PACKAGES[spec.tier]
    source = f"{package}@{_package_version(spec.tier)}/models/x{spec.scale}"
    tile = np.random.default_rng(spec.seed + 1).random((1, 3, PARITY_TILE, PARITY_TILE), dtype=np.float32)
    base_meta = {"source": source, "tier": spec.tier, "scale": str(spec.scale), "license": "MIT (UpscalerJS)"}

    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=spec.lr, betas=(0.9, 0.99))
    losses: list[float] = []
    model.train()
    progress.start("esrgan-finetune", spec.steps)
    for step in range(1, spec.steps + 1):
        low, high = (t.to(device) for t in _batch(photos, spec, rng))
        loss = torch.nn.functional.l1_loss(model(low), high)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        progress.step(step, loss=round(losses[-1], 5))

    model.cpu()
    meta = {**base_meta, "finetuned": "true", "steps": str(spec.steps), "lr": str(spec.lr), "loss": "l1"}
    export_onnx(model, spec.out, meta)
    parity = onnx_parity(model, spec.out, tile)
    if parity > PARITY_TOLERANCE:
        spec.out.unlink()
        raise TunerError("internal", f"the ONNX export differs from PyTorch by {parity:.2e} (> {PARITY_TOLERANCE})")
    sidecar = {
        "kind": "esrgan-finetuned",
        "tier": spec.tier,
        "scale": spec.scale,
        "source": source,
        "onnxSha256": _sha256(spec.out),
        "training": {
            **{k: v for k, v in asdict(spec).items() if k not in ("photos", "out", "tier", "scale")},
            "device": device.type,
            "photos": [str(p) for p in files],
            "loss": "l1",
            "degradation": asdict(Degradation()),
            "firstLoss": losses[0] if losses else None,
            "lastLoss": float(np.mean(losses[-10:])) if losses else None,
        },
        "parityMaxAbsDiff": parity,
    }
    Path(f"{spec.out}.json").write_text(json.dumps(sidecar, indent=2) + "\n")
    return {
        "command": "esrgan-finetune",
        "onnx": str(spec.out),
        "sidecar": f"{spec.out}.json",
        "tier": spec.tier,
        "scale": spec.scale,
        "photos": len(files),
        "steps": spec.steps,
        "losses": losses,
        "parityMaxAbsDiff": parity,
        "device": device.type,
        "elapsedS": round(time.monotonic() - started, 2),
    }
