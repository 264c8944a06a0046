"""A FAKE `ZhengPeng7/BiRefNet` on the fake hub (tests/fake_hub.py): the repository's shape (config.json
with `auto_map` to remote code, BiRefNet_config.py, birefnet.py, model.safetensors) around the tiny model
in tests/fake_birefnet/, with random weights. No real weights exist on the test hosts; this proves the
production path (download at a pinned commit, remote code, deformable convolutions, ONNX, manifest).

`python tests/fake_birefnet_hub.py OUT [pinned|main|missing]` serves it, runs the real segmenter export
into OUT against it and exits with the export's status (the Node test opens what it writes).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from deform_reference import torchvision_loads
from fake_hub import FakeHub, FakeRepo

REPO = "fake-org/BiRefNet"
HERE = Path(__file__).resolve().parent
CODE = HERE / "fake_birefnet"
CONFIG = {
    "_name_or_path": "ZhengPeng7/BiRefNet",
    "architectures": ["BiRefNet"],
    "auto_map": {
        "AutoConfig": "BiRefNet_config.BiRefNetConfig",
        "AutoModelForImageSegmentation": "birefnet.BiRefNet",
    },
    "bb_pretrained": False,
    "model_type": "SegformerForSemanticSegmentation",
    "torch_dtype": "float32",
}

# Seeded random weights; offsets of a few pixels so the deformable convolution really deforms.
_MAKE_WEIGHTS = """
import sys, torch
from safetensors.torch import save_file
from fake_birefnet.birefnet import BiRefNet
torch.manual_seed(int(sys.argv[2]))
model = BiRefNet()
for name, p in model.named_parameters():
    torch.nn.init.normal_(p, std=0.3 if "offset" in name else 0.2)
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, sys.argv[1])
"""


def python_path() -> str:
    """What a subprocess needs on PYTHONPATH: the tests folder, and the torchvision stand-in where the real one does not load."""
    paths = [str(HERE)] + ([] if torchvision_loads() else [str(HERE / "stand_ins")])
    return os.pathsep.join(paths + [p for p in [os.environ.get("PYTHONPATH")] if p])


def make_repo(folder: Path, seed: int = 0) -> FakeRepo:
    weights = folder / "model.safetensors"
    subprocess.run(
        [sys.executable, "-c", _MAKE_WEIGHTS, str(weights), str(seed)],
        check=True,
        env={**os.environ, "PYTHONPATH": python_path()},
        timeout=120,
    )
    files = {
        "config.json": json.dumps(CONFIG, indent=2).encode(),
        "BiRefNet_config.py": (CODE / "BiRefNet_config.py").read_bytes(),
        "birefnet.py": (CODE / "birefnet.py").read_bytes(),
        "model.safetensors": weights.read_bytes(),
        "README.md": b"---\nlicense: mit\n---\n# fake BiRefNet\n",
    }
    return FakeRepo(files=files, lfs={"model.safetensors"})


def export_env(hub: FakeHub, home: Path, stand_in: bool = True) -> dict:
    """Downloads on (the test session turns them off), the fake hub as HF_ENDPOINT, a fresh HF_HOME."""
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "SCENEBOOTH_OFFLINE")
    }
    return {
        **base,
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(home),
        "PYTHONPATH": python_path() if stand_in else str(HERE),
        "TQDM_DISABLE": "1",
    }


def run_export(hub: FakeHub, out: Path, revision: str, home: Path, stand_in: bool = True):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "scenebooth_tuner.export",
            "segmenter",
            "--profile",
            "real",
            "--repo",
            REPO,
            "--revision",
            revision,
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=export_env(hub, home, stand_in),
    )


def main(argv: list[str]) -> int:
    out, which = Path(argv[0]), (argv[1] if len(argv) > 1 else "pinned")
    work = out.parent / f"{out.name}.hub"
    work.mkdir(parents=True, exist_ok=True)
    hub = FakeHub({REPO: make_repo(work)}).start()
    try:
        revision = {"pinned": hub.repos[REPO].commit, "main": "main", "missing": "0" * 40}[which]
        result = run_export(hub, out, revision, work / "hf-home")
    finally:
        hub.stop()
    sys.stdout.write(result.stdout)
    sys.stderr.write(result.stderr)
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
