"""`generate`: base model + a product's weights -> scene PNGs (DPM-Solver++, CFG), seed and prompt recorded.

A scene with a layer is drawn in exact mode: the product's own pixels kept (blended latents while sampling,
the layer pasted over the decoded image), the scene painted around them; with no weights, by the base model."""

from __future__ import annotations

import json
import time
from pathlib import Path

from .errors import TunerError
from .images import load_layer, paste_layer, save_png
from .models import Diffusion, load_diffusion
from .profiles import Profile
from .progress import Progress
from .prompts import exact_prompt, scene_kind, scene_prompt
from .runtime import Runtime, generation_batch, retry_on_oom, runtime_for, set_threads
from .sampling import encode_product, make_pipeline, render
from .spec import GenerateResult, GenerateSpec
from .weights_meta import FULL_WEIGHTS_META


def load_product(spec: GenerateSpec, rt: Runtime) -> tuple[Diffusion, str]:
    """The base model with the product's weights applied; returns it and the weights' kind."""
    from .lora import apply_artifact

    if spec.weights is None:
        return load_diffusion(spec.profile, rt), "base"
    if spec.weights.is_dir():
        meta_path = spec.weights / FULL_WEIGHTS_META
        if not meta_path.is_file():
            raise TunerError(
                "bad_input", f"weights: {str(spec.weights)!r} has no {FULL_WEIGHTS_META}", field="weights"
            )
        check_weights_meta(json.loads(meta_path.read_text()), spec)
        return load_diffusion(spec.profile, rt, tuned_dir=spec.weights), "full"
    diffusion = load_diffusion(spec.profile, rt)
    meta = apply_artifact(spec.weights, diffusion, spec.class_noun, spec.identifier)
    check_weights_meta(meta, spec)
    return diffusion, "lora"


def check_weights_meta(meta: dict, spec: GenerateSpec) -> None:
    if meta.get("base") != spec.profile.base:
        raise TunerError(
            "bad_spec",
            f"the weights were trained on {meta.get('base')!r}, "
            f"profile {spec.profile.name!r} uses {spec.profile.base!r}",
            field="profile",
        )
    if meta.get("identifier") != spec.identifier:
        raise TunerError(
            "bad_spec",
            f"identifier {spec.identifier!r} does not match the weights' {meta.get('identifier')!r}",
            field="identifier",
        )


def plan(spec: GenerateSpec) -> list[dict]:
    """One entry per image: scene j's image k uses seed `seed + k` (the same seeds for every scene, so
    scenes are compared on equal noise)."""
    items = []
    for j, ((scene, index), layer) in enumerate(zip(spec.prompts, spec.scene_layers, strict=True)):
        if not spec.product:
            prompt = " ".join(scene.split())
        elif layer is None:
            prompt = scene_prompt(scene, spec.class_noun, spec.identifier)
        else:
            prompt = exact_prompt(scene, spec.class_noun, spec.identifier, tuned=spec.weights is not None)
        for k in range(spec.num_images):
            item = {
                "path": str(spec.output_dir / f"{j:02d}-{k:02d}.png"),
                "prompt": prompt,
                "scene": scene,
                "scene_index": index,
                "scene_kind": scene_kind(index) if index is not None else "custom",
                "seed": spec.seed + k,
                "mode": "tuned" if layer is None else "exact",
            }
            if layer is not None:
                item["layer"] = str(layer)
            items.append(item)
    return items


def _generate(spec: GenerateSpec, rt: Runtime, progress: Progress, batch_size: int) -> tuple[list[dict], str]:
    progress.start("load", 1)
    diffusion, kind = load_product(spec, rt)
    progress.step(1)
    items = plan(spec)
    profile: Profile = spec.profile
    batches = -(-len(items) // batch_size)
    progress.start("generate", batches * spec.steps)
    done = 0

    def on_step():
        nonlocal done
        done += 1
        progress.step(done)

    params = {
        "steps": spec.steps,
        "guidance_scale": spec.guidance_scale,
        "negative_prompt": spec.negative_prompt,
        "scheduler": "DPMSolverMultistepScheduler",
        "profile": profile.name,
        "weights": kind,
    }
    pipe = make_pipeline(diffusion)
    # Each scene's layer: read and VAE-encoded once, shared by the scene's images.
    layers = {str(path): load_layer(path) for path in spec.scene_layers if path is not None}
    products = {path: encode_product(pipe, rt, layer, profile.resolution) for path, layer in layers.items()}
    for i, image in render(
        pipe,
        rt,
        [it["prompt"] for it in items],
        [it["seed"] for it in items],
        resolution=profile.resolution,
        steps=spec.steps,
        guidance_scale=spec.guidance_scale,
        negative_prompt=spec.negative_prompt,
        batch_size=batch_size,
        on_step=on_step,
        products=[products.get(it.get("layer", "")) for it in items],
    ):
        item = items[i]
        if item["mode"] == "exact":
            image = paste_layer(image, layers[item["layer"]])
        meta = {**params, "prompt": item["prompt"], "seed": item["seed"], "mode": item["mode"]}
        save_png(image, Path(item["path"]), profile.image_size, meta)
    return items, kind


def run_generate(spec: GenerateSpec, progress: Progress) -> GenerateResult:
    started = time.monotonic()
    set_threads(spec.profile)
    rt = runtime_for(spec.profile, spec.device)
    spec.output_dir.mkdir(parents=True, exist_ok=True)
    # Every image of the request (scenes x images) in ceil(n / batch) calls.
    wanted = spec.batch_size or generation_batch(spec.profile, rt)
    smaller = max(1, wanted // 2)
    items, kind, batch_size = retry_on_oom(
        lambda batch_size: (*_generate(spec, rt, progress, batch_size), batch_size),
        wanted,
        smaller if wanted > 1 else None,
        progress,
        f"out of memory; retrying with batch size {smaller}",
    )
    result: GenerateResult = {
        "command": "generate",
        "profile": spec.profile.name,
        "random_weights": spec.profile.random_weights,
        "weights": str(spec.weights) if spec.weights else None,
        "weights_kind": kind,
        "class_noun": spec.class_noun,
        "identifier": spec.identifier,
        "steps": spec.steps,
        "guidance_scale": spec.guidance_scale,
        "negative_prompt": spec.negative_prompt,
        "scheduler": "DPMSolverMultistepScheduler",
        "size": spec.profile.image_size,
        "model_resolution": spec.profile.resolution,
        "batch_size": batch_size,
        "device": str(rt.device),
        "images": items,
        "elapsed_s": round(time.monotonic() - started, 2),
    }
    if spec.profile.random_weights:
        result["note"] = "tiny profile: randomly initialised models, the images are noise"
    (spec.output_dir / "result.json").write_text(json.dumps(result, indent=2))
    return result
