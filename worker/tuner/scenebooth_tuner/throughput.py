"""Products per GPU-hour: the time one product takes on a GPU, from measured step and image times and the
recipe's counts. A pure model (no torch): `bench` feeds it its own measurements; the committed GPU tables
feed it figures measured elsewhere (bench/gpu-inputs/*.json), each input named with where it came from.

Per product, in GPU seconds:

    loads x load_s                                  tuner processes that load the model (0 when resident)
  + caption_s                                       BLIP-2 captions of the photos
  + class_image_share x num_class_images x class_image_s
                                                    1 = the product makes its class's set, 0 = a cache hit
  + te_steps x te_step_s + (unet_steps - te_steps) x unet_step_s
  + checkpoints x checkpoint_s                      the blocking part of each checkpoint write
  + images x image_s x sample_steps / 25            image_s: one image, 25 DPM-Solver++ steps, at the batch

products per GPU-hour = 3600 / that.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

GOAL = 60.0  # products per GPU-hour (issue #16)
MEASURED_SAMPLE_STEPS = 25  # image_s is measured at this many sampling steps


@dataclass(frozen=True)
class Recipe:
    """The counts that multiply the measured times (profiles.py, lib/pipeline/tuning-settings.ts, lib/scenes.ts)."""

    unet_steps: int = 1500
    te_steps: int = 200
    num_class_images: int = 100
    images: int = 24  # a request's images: the app's default 6 scenes x 4 images
    sample_steps: int = 25
    checkpoint_every: int = 250


@dataclass(frozen=True)
class Timings:
    """Seconds, for one profile's mode on one card."""

    unet_step_s: float  # a UNet-only training step (text embeddings cached)
    te_step_s: float  # a step of the text-encoder phase
    image_s: float  # one generated image at `gen_batch`, 25 steps with CFG, VAE decode included
    class_image_s: float  # one class image (same sampler and steps), PNG written
    load_s: float  # loading the model in a tuner process
    caption_s: float  # captioning one product's photos
    checkpoint_s: float  # the GPU's wait for one checkpoint
    gen_batch: int


@dataclass(frozen=True)
class Scenario:
    name: str
    recipe: Recipe
    timings: Timings
    loads: int = 2  # train and generate are separate tuner processes
    class_image_share: float = 1.0


def per_product(s: Scenario) -> dict:
    """Seconds per product, by part, and the products per GPU-hour they make."""
    r, t = s.recipe, s.timings
    checkpoints = max(0, math.ceil(r.unet_steps / r.checkpoint_every) - 1)  # none at the last step
    parts = {
        "load": s.loads * t.load_s,
        "caption": t.caption_s,
        "class_images": s.class_image_share * r.num_class_images * t.class_image_s,
        "train_te_phase": r.te_steps * t.te_step_s,
        "train_unet_only": (r.unet_steps - r.te_steps) * t.unet_step_s,
        "checkpoints": checkpoints * t.checkpoint_s,
        "generate": r.images * t.image_s * r.sample_steps / MEASURED_SAMPLE_STEPS,
    }
    total = sum(parts.values())
    return {
        "name": s.name,
        "seconds": {k: round(v, 2) for k, v in parts.items()},
        "total_s": round(total, 2),
        "products_per_gpu_hour": round(3600 / total, 1) if total > 0 else None,
        "reaches_goal": total > 0 and 3600 / total >= GOAL,
        "inputs": {
            "recipe": asdict(r),
            "timings": asdict(t),
            "loads": s.loads,
            "class_image_share": s.class_image_share,
        },
    }


def scenarios(profile: str, as_built: Timings, tuned: Timings, recipe: Recipe | None = None) -> list[Scenario]:
    """The same ladder for every card: the recipe as the tuner ran it before issue #16, then one change at a
    time. `as_built`: eager timings at generation batch 4, checkpoints with the optimizer's state; `tuned`: the
    best measured switches and batch, checkpoints as the tuner writes them now."""
    recipe = recipe or Recipe()
    fast = replace(recipe, unet_steps=400, te_steps=100)
    return [
        Scenario(f"{profile}: recipe as built (the product makes its class images, 2 model loads)", recipe, as_built),
        Scenario(f"{profile}: + fleet class-image cache", recipe, as_built, class_image_share=0.0),
        Scenario(f"{profile}: + resident models (no load per job)", recipe, as_built, loads=0, class_image_share=0.0),
        # torch.compile costs about a minute per process: it pays only once the models stay resident.
        Scenario(f"{profile}: + tuned switches and generation batch", recipe, tuned, loads=0, class_image_share=0.0),
        Scenario(
            f"{profile}: + 400 UNet / 100 TE steps (quality to be checked with npm run eval)",
            fast,
            tuned,
            loads=0,
            class_image_share=0.0,
        ),
        Scenario(
            f"{profile}: + 20 sampling steps (the paper's setting for simple subjects)",
            replace(fast, sample_steps=20),
            tuned,
            loads=0,
            class_image_share=0.0,
        ),
    ]


def table(rows: list[dict]) -> str:
    """Markdown: one row per scenario, seconds by part."""
    parts = list(rows[0]["seconds"]) if rows else []
    head = "| scenario | " + " | ".join(parts) + " | s / product | products / GPU-hour | ≥ 60 |"
    lines = [head, "|---|" + "---:|" * (len(parts) + 2) + "---|"]
    for row in rows:
        cells = [f"{row['seconds'][p]:.1f}" for p in parts]
        pph = row["products_per_gpu_hour"]
        lines.append(
            f"| {row['name']} | "
            + " | ".join(cells)
            + f" | {row['total_s']:.1f} | {pph} | {'yes' if row['reaches_goal'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"
