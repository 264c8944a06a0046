"""Prior-preservation class images: the base model's own pictures of "a <class>", cached per class and base
model (sd21 and sd21-lora share theirs) and reused by every product of that class."""

from __future__ import annotations

import re
from pathlib import Path

from .images import save_png
from .models import Diffusion
from .profiles import Profile
from .progress import Progress
from .prompts import class_prompt
from .runtime import Runtime
from .sampling import make_pipeline, render

STEPS = 25
GUIDANCE = 7.5


def cache_key(profile: Profile) -> str:
    if profile.base == "tiny":
        from .tiny_models import TINY_VERSION

        return f"tiny-v{TINY_VERSION}"
    return Path(profile.base).name


def class_image_dir(cache_root: Path, profile: Profile, class_noun: str) -> Path:
    return cache_root / "class-images" / cache_key(profile) / re.sub(r"[^a-z0-9]+", "-", class_noun)


def ensure_class_images(
    diffusion: Diffusion,
    rt: Runtime,
    profile: Profile,
    class_noun: str,
    count: int,
    cache_root: Path,
    progress: Progress,
    batch_size: int = 4,
) -> list[Path]:
    """Return `count` class image paths, generating those missing (image i uses seed i, so a cache filled
    by several jobs is the same as one filled at once)."""
    folder = class_image_dir(cache_root, profile, class_noun)
    paths = [folder / f"{i:04d}.png" for i in range(count)]
    missing = [i for i, p in enumerate(paths) if not p.is_file()]
    progress.start("class_images", -(-len(missing) // batch_size) * STEPS)
    if not missing:
        return paths
    prompt = class_prompt(class_noun)
    done = 0

    def on_step():
        nonlocal done
        done += 1
        progress.step(done)

    for j, image in render(
        make_pipeline(diffusion),
        rt,
        [prompt] * len(missing),
        missing,
        resolution=profile.resolution,
        steps=STEPS,
        guidance_scale=GUIDANCE,
        batch_size=batch_size,
        on_step=on_step,
    ):
        i = missing[j]
        save_png(
            image,
            paths[i],
            profile.resolution,
            {"prompt": prompt, "seed": i, "steps": STEPS, "guidance_scale": GUIDANCE},
        )
    return paths
