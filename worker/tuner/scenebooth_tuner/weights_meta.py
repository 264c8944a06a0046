"""The metadata a product's weights carry, read without torch (the spec parser runs before torch loads):
a LoRA artifact's safetensors header metadata, or a full-weights folder's `scenebooth.json`."""

from __future__ import annotations

import json
import struct
from pathlib import Path

FULL_WEIGHTS_META = "scenebooth.json"


def weights_meta(weights: Path) -> dict:
    """The metadata as stored ({} when there is none or it cannot be read: loading the weights reports that)."""
    try:
        if weights.is_dir():
            meta = json.loads((weights / FULL_WEIGHTS_META).read_text())
        else:
            with weights.open("rb") as f:
                (size,) = struct.unpack("<Q", f.read(8))  # safetensors: header length, then the JSON header
                meta = json.loads(f.read(min(size, 100_000_000))).get("__metadata__") or {}
    except (OSError, ValueError, struct.error, AttributeError):
        return {}
    return meta if isinstance(meta, dict) else {}
