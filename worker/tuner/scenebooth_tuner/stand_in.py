"""TEST STAND-IN, not a model: the `sd21-random` profile is Stable Diffusion 2.1's architecture (the committed
configs in architectures/sd21) with random weights, built in memory, at a 64 px working resolution. The
real-architecture tests run LoRA training, sampling and resuming through it on a CPU with SD 2.1's real
module shapes (1.3 B weights), where the `tiny` profile's miniature shapes would hide shape and memory bugs.

get_profile offers it only when SCENEBOOTH_STAND_IN_PROFILES=1, so no job spec from the worker can name it,
and the contract's profile list does not show it. It has no captioner.
"""

from __future__ import annotations

import os

import torch

from . import architectures
from .profiles import Profile
from .runtime import Runtime

ENV = "SCENEBOOTH_STAND_IN_PROFILES"
SEED = 0  # every process builds the same weights (a resumed job continues on the same model)

PROFILES = {
    "sd21-random": Profile(
        name="sd21-random",
        base="random:sd21",
        base_revision="",
        captioner="none",
        captioner_revision="",
        mode="lora",
        resolution=64,
        image_size=64,
        device="cpu",
        dtype="float32",
        num_class_images=2,
        random_weights=True,
        cpu_threads=0,
    )
}


def stand_in(name: object) -> Profile | None:
    if os.environ.get(ENV, "").strip() != "1" or not isinstance(name, str):
        return None
    return PROFILES.get(name)


def _arch(profile: Profile) -> str:
    return profile.base.removeprefix("random:")


def random_frozen(profile: Profile, rt: Runtime) -> tuple[torch.nn.Module, dict]:
    from diffusers import AutoencoderKL, DDPMScheduler

    from .tiny_models import SCHEDULER

    with torch.random.fork_rng(devices=[]), torch.device(rt.device):  # built where it runs: faster on a GPU
        torch.manual_seed(SEED)
        vae = AutoencoderKL(**architectures.config(_arch(profile), "vae"))
    return vae.to(rt.dtype), dict(DDPMScheduler(**SCHEDULER).config)


def random_tunable(profile: Profile, rt: Runtime, dtype: torch.dtype):
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    from .clip_bpe import build_clip_tokenizer

    arch = _arch(profile)
    # A random state of their own: building them leaves the job's (jobs.run_job) as it was.
    with torch.random.fork_rng(devices=[]), torch.device(rt.device):
        torch.manual_seed(SEED)
        text_encoder = CLIPTextModel(CLIPTextConfig(**architectures.config(arch, "text_encoder")))
        torch.manual_seed(SEED + 1)
        unet = UNet2DConditionModel(**architectures.config(arch, "unet"))
    return build_clip_tokenizer(), text_encoder.to(dtype), unet.to(dtype)
