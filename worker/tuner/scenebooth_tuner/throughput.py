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

Exact mode (issue #19: the product's own pixels, the scene painted around them) samples each image as a
tuned image is (the same UNet steps with CFG and the VAE decode; the blend is an elementwise mix per step)
and VAE-encodes each scene's layer once:

    seconds per exact image = image_s x sample_steps / 25 + scenes x vae_encode_s / images

The fast lane (no weights: the base model) has no captions, class images or training, so a product is
loads x load_s + scenes x vae_encode_s + images x image_s x sample_steps / 25; on tuned weights, the
tuning of the tuned ladder's last row comes on top.
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
    scenes: int = 6  # exact mode encodes one layer per scene
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
    vae_encode_s: float  # exact mode: VAE-encoding one layer at the model's resolution


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


def per_exact_product(name: str, recipe: Recipe, timings: Timings, tuning_s: float = 0.0, loads: int = 0) -> dict:
    """Seconds per exact-mode product, by part, and per image. `tuning_s`: the product's tuning (0 for the
    fast lane, which samples the base model)."""
    image_s = timings.image_s * recipe.sample_steps / MEASURED_SAMPLE_STEPS
    parts = {
        "load": loads * timings.load_s,
        "tuning": tuning_s,
        "layer_encode": recipe.scenes * timings.vae_encode_s,
        "generate": recipe.images * image_s,
    }
    total = sum(parts.values())
    return {
        "name": name,
        "seconds": {k: round(v, 2) for k, v in parts.items()},
        "s_per_image": round(image_s + parts["layer_encode"] / recipe.images, 4),
        "total_s": round(total, 2),
        "products_per_gpu_hour": round(3600 / total, 1) if total > 0 else None,
        "reaches_goal": total > 0 and 3600 / total >= GOAL,
        "inputs": {"recipe": asdict(recipe), "timings": asdict(timings), "loads": loads, "tuning_s": tuning_s},
    }


def exact_rows(tuned: dict[str, Timings], ladders: dict[str, list[dict]], recipe: Recipe | None = None) -> list[dict]:
    """Exact mode on one card: the fast lane (the base model with resident models, as the tuned ladder
    runs it; its sampling is the same in every profile), then each profile's tuned weights, their tuning
    taken from the profile's last ladder row (`ladders`: profile -> per_product rows)."""
    recipe = recipe or Recipe()
    base = next(iter(tuned.values()))
    rows = [
        per_exact_product("fast lane: exact product on the base model, no tuning", recipe, base),
        per_exact_product("fast lane at 20 sampling steps", replace(recipe, sample_steps=20), base),
    ]
    for profile, timings in tuned.items():
        last = ladders[profile][-1]
        tuning_s = round(last["total_s"] - last["seconds"]["generate"], 2)
        last_recipe = Recipe(**last["inputs"]["recipe"])
        rows.append(
            per_exact_product(
                f"{profile}: exact scenes on tuned weights (tuned as its last row)", last_recipe, timings, tuning_s
            )
        )
    return rows


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
    """Markdown: one row per scenario, seconds by part (and per image, for exact-mode rows)."""
    parts = list(rows[0]["seconds"]) if rows else []
    per_image = bool(rows) and "s_per_image" in rows[0]
    extra = ["s / image"] if per_image else []
    head = "| scenario | " + " | ".join(parts + extra) + " | s / product | products / GPU-hour | ≥ 60 |"
    lines = [head, "|---|" + "---:|" * (len(parts) + len(extra) + 2) + "---|"]
    for row in rows:
        cells = [f"{row['seconds'][p]:.1f}" for p in parts] + ([f"{row['s_per_image']:.4f}"] if per_image else [])
        pph = row["products_per_gpu_hour"]
        lines.append(
            f"| {row['name']} | "
            + " | ".join(cells)
            + f" | {row['total_s']:.1f} | {pph} | {'yes' if row['reaches_goal'] else 'no'} |"
        )
    return "\n".join(lines) + "\n"
