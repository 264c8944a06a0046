"""Which prior-preservation class-image set a job uses, and where it lives (no torch: the worker asks for it
with `python -m scenebooth_tuner class-set` before training, to fetch the set from the fleet's blob store).

A set is named by everything that decides its pictures: the base model and its revision, the class noun,
the resolution and the sampler's settings. Image i is drawn with seed i, so a set is a sequence that any
count reads a prefix of: the count is not part of the name, and a job that needs 100 reuses the 4 an
earlier job made. The name is the set's path both under a host's cache folder and under the blob store's
global `class-images/` prefix (lib/storage/keys.ts).
"""

from __future__ import annotations

import re
from pathlib import Path

from .profiles import Profile

STEPS = 25
GUIDANCE = 7.5
FIRST_SEED = 0  # image i uses seed FIRST_SEED + i
SCHEDULER = "dpmpp"  # DPMSolverMultistepScheduler (sampling.py)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.") or "x"


def base_revision(profile: Profile) -> tuple[str, str]:
    if profile.base == "tiny":
        from .tiny_models import TINY_VERSION

        return "tiny", f"v{TINY_VERSION}"
    return profile.base, profile.base_revision


def class_set(profile: Profile, class_noun: str) -> str:
    """`<base>/<revision>/<class>/<settings>`, each part a valid blob-key part."""
    base, revision = base_revision(profile)
    settings = f"{profile.resolution}px-{SCHEDULER}{STEPS}-cfg{GUIDANCE:g}-seed{FIRST_SEED}"
    return "/".join((_slug(base.replace("/", "--")), _slug(revision), _slug(class_noun), settings))


def class_image_dir(cache_root: Path, profile: Profile, class_noun: str) -> Path:
    return cache_root / "class-images" / class_set(profile, class_noun)


def class_image_names(count: int) -> list[str]:
    return [f"{i:04d}.png" for i in range(count)]
