"""DPM-Solver++ sampling with classifier-free guidance, batched, one seeded generator per image."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import torch

from .models import Diffusion
from .runtime import Runtime, seeded


def make_pipeline(diffusion: Diffusion):
    from diffusers import DPMSolverMultistepScheduler, StableDiffusionPipeline

    scheduler = DPMSolverMultistepScheduler.from_config(diffusion.scheduler_config)
    pipe = StableDiffusionPipeline(
        vae=diffusion.vae,
        text_encoder=diffusion.text_encoder,
        tokenizer=diffusion.tokenizer,
        unet=diffusion.unet,
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def render(
    pipe,
    rt: Runtime,
    prompts: list[str],
    seeds: list[int],
    *,
    resolution: int,
    steps: int,
    guidance_scale: float,
    negative_prompt: str = "",
    batch_size: int = 4,
    on_step: Callable[[], None] | None = None,
) -> Iterator[tuple[int, object]]:
    """Yield (index, PIL image) for each (prompt, seed). An image depends only on its prompt and seed:
    its starting noise comes from its own generator, whatever batch it lands in."""
    callback = None
    if on_step is not None:

        def callback(_pipe, _i, _t, kwargs):
            on_step()
            return kwargs

    for start in range(0, len(prompts), batch_size):
        idx = list(range(start, min(start + batch_size, len(prompts))))
        with torch.inference_mode(), rt.autocast_ctx():
            out = pipe(
                prompt=[prompts[i] for i in idx],
                negative_prompt=[negative_prompt] * len(idx) if negative_prompt else None,
                height=resolution,
                width=resolution,
                num_inference_steps=steps,
                guidance_scale=guidance_scale,
                generator=[seeded(seeds[i], rt.device) for i in idx],
                callback_on_step_end=callback,
            )
        yield from zip(idx, out.images, strict=True)
