"""Prior-preservation class images: the base model's own pictures of "a <class>", one set per base model,
class and sampler settings (class_sets.py; sd21 and sd21-lora share theirs), reused by every product of
that class: on a host through its cache folder, across the fleet through the worker's blob store."""

from __future__ import annotations

from pathlib import Path

from .class_sets import FIRST_SEED, GUIDANCE, STEPS, class_image_dir, class_image_names
from .images import save_png
from .models import Diffusion
from .profiles import Profile
from .progress import Progress
from .prompts import class_prompt
from .runtime import Runtime
from .sampling import make_pipeline, render

__all__ = ["class_image_dir", "ensure_class_images"]


def ensure_class_images(
    diffusion: Diffusion,
    rt: Runtime,
    profile: Profile,
    class_noun: str,
    count: int,
    cache_root: Path,
    progress: Progress,
    batch_size: int,
) -> tuple[list[Path], int]:
    """`count` class image paths and how many of them were generated now (the missing ones, `batch_size` per
    call). Image i uses seed FIRST_SEED + i, so a set filled by several jobs or hosts is the same as one filled
    at once."""
    folder = class_image_dir(cache_root, profile, class_noun)
    paths = [folder / name for name in class_image_names(count)]
    missing = [i for i, p in enumerate(paths) if not p.is_file()]
    progress.start("class_images", -(-len(missing) // batch_size) * STEPS)
    if not missing:
        return paths, 0
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
        [FIRST_SEED + i for i in missing],
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
            {"prompt": prompt, "seed": FIRST_SEED + i, "steps": STEPS, "guidance_scale": GUIDANCE},
        )
    return paths, len(missing)
