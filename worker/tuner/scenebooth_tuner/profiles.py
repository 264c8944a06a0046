"""Model profiles: which weights, where they come from, and the numbers that depend on them.

Profiles are data. `tiny` differs from `sd21` only in where its folder comes from (built locally by
`tiny_models`) and in its sizes; every command loads both the same way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import TunerError

REPO_ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class Profile:
    name: str
    base: str  # Hugging Face repo id, or "tiny" for the locally built random models
    base_dirname: str  # a folder of this name under the models dir is used instead of the HF cache
    captioner: str
    captioner_dirname: str
    mode: str  # default training mode: "full" or "lora"
    resolution: int  # the model's working resolution
    image_size: int  # training photos in, PNGs out (resized when it differs from `resolution`)
    device: str  # "cpu" or "auto" (CUDA when present)
    dtype: str  # weights/autocast dtype on CUDA; CPU always computes in float32
    num_class_images: int  # prior-preservation images generated per class
    random_weights: bool
    cpu_threads: int  # torch intra-op threads; 0 = one per core


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="tiny",
            base="tiny",
            base_dirname="",
            captioner="tiny",
            captioner_dirname="",
            mode="lora",
            resolution=64,
            image_size=768,
            device="cpu",
            dtype="float32",
            num_class_images=4,
            random_weights=True,
            # Tiny ops gain little from threads, and spin-waiting threads stall badly on a busy machine.
            cpu_threads=1,
        ),
        Profile(
            name="sd21",
            base="stabilityai/stable-diffusion-2-1",
            base_dirname="stable-diffusion-2-1",
            captioner="Salesforce/blip2-opt-2.7b",
            captioner_dirname="blip2-opt-2.7b",
            mode="full",
            resolution=768,
            image_size=768,
            device="auto",
            dtype="bfloat16",
            num_class_images=100,
            random_weights=False,
            cpu_threads=0,
        ),
        Profile(
            name="sd21-lora",
            base="stabilityai/stable-diffusion-2-1",
            base_dirname="stable-diffusion-2-1",
            captioner="Salesforce/blip2-opt-2.7b",
            captioner_dirname="blip2-opt-2.7b",
            mode="lora",
            resolution=768,
            image_size=768,
            device="auto",
            dtype="bfloat16",
            num_class_images=100,
            random_weights=False,
            cpu_threads=0,
        ),
    )
}


def get_profile(name: object) -> Profile:
    if not isinstance(name, str) or name not in PROFILES:
        raise TunerError(
            "bad_spec", f"unknown profile {name!r}; expected one of {', '.join(PROFILES)}", field="profile"
        )
    return PROFILES[name]


def models_dir() -> Path:
    """SCENEBOOTH_MODELS_DIR, or the repository's data/models (as the Node config defaults it)."""
    raw = os.environ.get("SCENEBOOTH_MODELS_DIR", "").strip()
    return Path(raw).resolve() if raw else REPO_ROOT / "data" / "models"


def offline() -> bool:
    return any(
        os.environ.get(v, "").strip().lower() in ("1", "true", "yes") for v in ("SCENEBOOTH_OFFLINE", "HF_HUB_OFFLINE")
    )


def apply_offline_env() -> None:
    """SCENEBOOTH_OFFLINE=1 turns Hugging Face downloads off; call before huggingface_hub is imported."""
    if offline():
        os.environ["HF_HUB_OFFLINE"] = "1"


@dataclass(frozen=True)
class Source:
    """Where to load one model from: a local folder, or a repo id in the Hugging Face cache."""

    path: str
    local_files_only: bool


def base_source(profile: Profile) -> Source:
    if profile.base == "tiny":
        from .tiny_models import ensure_tiny_models

        return Source(str(ensure_tiny_models(models_dir())), True)
    local = models_dir() / profile.base_dirname
    if local.is_dir():
        return Source(str(local), True)
    return Source(profile.base, offline())


def captioner_source(profile: Profile) -> tuple[Source, str | None]:
    """(source, subfolder): the tiny captioner lives in the tiny folder's `captioner/`."""
    if profile.captioner == "tiny":
        return base_source(profile), "captioner"
    local = models_dir() / profile.captioner_dirname
    if local.is_dir():
        return Source(str(local), True), None
    return Source(profile.captioner, offline()), None
