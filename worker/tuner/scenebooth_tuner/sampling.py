"""DPM-Solver++ sampling with classifier-free guidance, batched, one seeded generator per image; exact mode's
blended latents (the product's own latents kept under its matte, the scene painted around them)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .images import to_model_tensor
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


@dataclass(frozen=True)
class Product:
    """An exact-mode layer in latent space: its clean latents [1, C, h, w] and its matte [1, 1, h, w] in 0-1."""

    latents: torch.Tensor
    mask: torch.Tensor


def encode_product(pipe, rt: Runtime, layer, resolution: int) -> Product:
    """An RGBA layer (PIL, the output size) -> its VAE latents at the model's resolution, and its alpha averaged
    over each latent pixel's area. The RGB under alpha 0 means nothing in a PNG: it is encoded as mid-grey,
    so the latents at the matte's edge hold the product and a neutral tone, not what the file kept there."""
    from PIL import Image

    grey = Image.new("RGBA", layer.size, (128, 128, 128, 255))
    rgb = to_model_tensor([Image.alpha_composite(grey, layer).convert("RGB")], resolution)
    with torch.inference_mode(), rt.autocast_ctx():
        dist = pipe.vae.encode(rgb.to(rt.device, pipe.vae.dtype)).latent_dist
        latents = dist.mode() * pipe.vae.config.scaling_factor
    # Area average, no dilation: a latent pixel half over the product is kept half, so the model still paints
    # the background share of its 8x8 patch; the paste after decoding restores the edge pixels exactly.
    alpha = torch.from_numpy(np.asarray(layer.getchannel("A"), dtype=np.float32) / 255)[None, None]
    mask = F.interpolate(alpha, size=latents.shape[-2:], mode="area").to(rt.device)
    return Product(latents.float(), mask)


class BlendLatents:
    """`callback_on_step_end` for a batch with exact-mode items (blended latent diffusion): after each step the
    product region of the latents becomes the product's latents noised to the next step's level with the
    image's own starting noise, and after the last step its clean latents, so the model paints only the
    surroundings, seeing the product at every step. A tuned item's mask is all zeros: its latents pass
    through unchanged. The pipeline's CFG doubling is inside the UNet call; these latents are the batch's."""

    def __init__(self, products: list[Product | None], noise: torch.Tensor) -> None:
        zeros = torch.zeros_like(noise[:1])
        self.latents = torch.cat([p.latents.to(noise) if p else zeros for p in products])
        self.mask = torch.cat([p.mask.to(noise) if p else zeros[:, :1] for p in products])
        self.noise = noise

    def __call__(self, pipe, i: int, _t, kwargs: dict) -> dict:
        timesteps = pipe.scheduler.timesteps
        latents = kwargs["latents"]
        if i + 1 < len(timesteps):
            target = pipe.scheduler.add_noise(self.latents, self.noise, timesteps[i + 1 : i + 2])
        else:
            target = self.latents
        mask = self.mask.to(latents.dtype)
        kwargs["latents"] = mask * target.to(latents.dtype) + (1 - mask) * latents  # exact at 0 and 1
        return kwargs


def starting_noise(pipe, rt: Runtime, generators: list[torch.Generator], resolution: int) -> torch.Tensor:
    """The noise the pipeline would start from (prepare_latents' own draw), drawn here so the blend reuses it."""
    from diffusers.utils.torch_utils import randn_tensor

    side = resolution // pipe.vae_scale_factor
    shape = (len(generators), pipe.unet.config.in_channels, side, side)
    return randn_tensor(shape, generator=generators, device=rt.device, dtype=pipe.text_encoder.dtype)


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
    products: list[Product | None] | None = None,
    output_type: str = "pil",
) -> Iterator[tuple[int, object]]:
    """Yield (index, PIL image) for each (prompt, seed). An image depends only on its prompt and seed (and its
    product, in exact mode): its starting noise comes from its own generator, whatever batch it lands in.
    `products`: per image, an exact-mode product (`encode_product`) or None."""
    products = products or [None] * len(prompts)
    for start in range(0, len(prompts), batch_size):
        idx = list(range(start, min(start + batch_size, len(prompts))))
        generators = [seeded(seeds[i], rt.device) for i in idx]
        noise, blend = None, None
        if any(products[i] for i in idx):
            noise = starting_noise(pipe, rt, generators, resolution)
            blend = BlendLatents([products[i] for i in idx], noise)

        def callback(pipe, i, t, kwargs, blend=blend):
            if on_step is not None:
                on_step()
            return blend(pipe, i, t, kwargs) if blend is not None else kwargs

        with torch.inference_mode(), rt.autocast_ctx():
            out = pipe(
                prompt=[prompts[i] for i in idx],
                negative_prompt=[negative_prompt] * len(idx) if negative_prompt else None,
                height=resolution,
                width=resolution,
                num_inference_steps=steps,
                guidance_scale=guidance_scale,
                generator=generators,
                latents=noise,  # None: the pipeline draws the same from the generators
                callback_on_step_end=callback if on_step is not None or blend is not None else None,
                output_type=output_type,
            )
        yield from zip(idx, out.images, strict=True)
