"""Shared fixtures: an offline environment with a per-session models folder (the tiny profile's random
weights are built there once), synthetic 768x768 product photos, and a CLI runner that parses the
JSON-lines protocol."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

# Never download anything in tests; set before any Hugging Face import.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["SCENEBOOTH_OFFLINE"] = "1"


@pytest.fixture(scope="session", autouse=True)
def models_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("models")
    os.environ["SCENEBOOTH_MODELS_DIR"] = str(path)
    return path


def make_photo(path: Path, seed: int, size: int = 768, detailed: bool = False) -> Path:
    """A 'product' (a coloured box with a darker band) on a plain background; `detailed` adds a
    high-frequency pattern over the product."""
    rng = np.random.default_rng(seed)
    img = np.empty((size, size, 3), np.uint8)
    img[:] = rng.integers(150, 255, 3)
    top, left = size // 4 + int(rng.integers(-40, 40)), size // 4 + int(rng.integers(-40, 40))
    img[top : top + size // 2, left : left + size // 2] = rng.integers(0, 150, 3)
    img[top + size // 4 : top + size // 4 + 30, left : left + size // 2] = rng.integers(0, 80, 3)
    if detailed:
        yy, xx = np.mgrid[0 : size // 2, 0 : size // 2]
        stripes = ((xx // 3 + yy // 5) % 2 * 90).astype(np.uint8)[..., None]
        img[top : top + size // 2, left : left + size // 2] += stripes
    Image.fromarray(img).save(path)
    return path


LAYER_EDGE = 8  # make_layer's soft edge, in pixels


def make_layer(path: Path, size: int = 768, mode: str = "RGBA", fmt: str = "PNG") -> Path:
    """An exact-mode layer: a striped 'product' box, opaque inside a soft edge, on a transparent canvas whose
    RGB is random (what a PNG keeps under alpha 0 is arbitrary)."""
    rng = np.random.default_rng(3)
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., :3] = rng.integers(0, 256, (size, size, 3))
    lo, hi = size // 4, 3 * size // 4
    yy, xx = np.mgrid[lo:hi, lo:hi]
    rgba[lo:hi, lo:hi, :3] = np.stack([(xx // 6 % 2) * 200 + 30, (yy // 9 % 2) * 150 + 60, xx * 0 + 90], -1)
    inset = np.minimum(np.minimum(yy - lo, hi - 1 - yy), np.minimum(xx - lo, hi - 1 - xx))
    rgba[lo:hi, lo:hi, 3] = np.clip((inset + 1) * 255 // LAYER_EDGE, 0, 255)
    Image.fromarray(rgba, "RGBA").convert(mode).save(path, format=fmt)
    return path


@pytest.fixture(scope="session")
def photos(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("photos")
    return [make_photo(folder / f"photo{i}.png", seed=i) for i in range(4)]


@dataclass
class Run:
    returncode: int
    events: list[dict]
    stderr: str = ""
    lines: list[str] = field(default_factory=list)

    @property
    def last(self) -> dict:
        return self.events[-1]

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.events if e["event"] == kind]


def parse_events(text: str) -> tuple[list[dict], list[str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    return [json.loads(line) for line in lines], lines  # every stdout line must be JSON


def write_spec(path: Path, spec: dict) -> Path:
    path.write_text(json.dumps(spec))
    return path


def run_cli(command: str, spec: dict | None, tmp_path: Path, env: dict | None = None, timeout: float = 240) -> Run:
    args = [sys.executable, "-m", "scenebooth_tuner", command]
    if spec is not None:
        args += ["--spec", str(write_spec(tmp_path / f"{command}-spec.json", spec))]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})})
    events, lines = parse_events(proc.stdout)
    return Run(proc.returncode, events, proc.stderr, lines)


class Capture:
    """A Progress stream for in-process runs: collects the events."""

    def __init__(self) -> None:
        self.buffer = io.StringIO()

    def write(self, text: str) -> int:
        return self.buffer.write(text)

    def flush(self) -> None:
        pass

    @property
    def events(self) -> list[dict]:
        return parse_events(self.buffer.getvalue())[0]
