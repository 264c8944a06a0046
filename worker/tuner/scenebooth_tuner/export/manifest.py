"""manifest.json: what the Node scorers need to load and trust an export."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import MANIFEST_FORMAT, MANIFEST_VERSION
from .models import ScoringModel


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_tokenizer(model: ScoringModel, out: Path) -> str:
    folder = out / f"{model.name}_tokenizer"
    model.tokenizer.save_pretrained(str(folder))
    if not (folder / "tokenizer.json").is_file():
        raise RuntimeError(f"{model.name}: the tokenizer did not write tokenizer.json")
    return f"{folder.name}/tokenizer.json"


def write_manifest(
    profile: str, models: dict[str, ScoringModel], graphs: dict[str, dict[str, str]], out: Path
) -> dict:
    entries: dict[str, dict] = {}
    for name, model in models.items():
        entry: dict = {"source": model.source, "files": dict(graphs[name]), "preprocess": model.preprocess}
        if model.tokenizer is not None:
            entry["files"]["tokenizer"] = save_tokenizer(model, out)
            entry["text"] = {
                **model.text,
                "padTokenId": model.tokenizer.pad_token_id,
            }
        entries[name] = entry
    # Every file the export wrote, including ONNX external-data files and tokenizer side files.
    files = {
        str(p.relative_to(out)): {"sha256": sha256(p), "bytes": p.stat().st_size}
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json" and "torch" not in p.relative_to(out).parts
    }
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "profile": profile,
        "models": entries,
        "files": files,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest
