"""Model architectures as committed config files: `sd21` is Stable Diffusion 2.1 (768-v) as in its
unet/vae/text_encoder config.json files, used to build randomly initialised models of the real shapes
(the GPU bench, the real-architecture tests)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

PARTS = ("unet", "vae", "text_encoder")


@cache
def _load(name: str, part: str) -> str:
    return resources.files(__package__).joinpath(name, f"{part}.json").read_text()


def config(name: str, part: str) -> dict:
    """A fresh dict each call (callers may edit it, e.g. to shrink a test model)."""
    if part not in PARTS:
        raise ValueError(f"unknown part {part!r}; known: {', '.join(PARTS)}")
    return json.loads(_load(name, part))
