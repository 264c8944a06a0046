"""Loading the diffusion parts and the captioner of a profile; absent weights become `model_missing`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch

from .errors import TunerError
from .profiles import Profile, Source, base_source, captioner_source
from .runtime import Runtime


@dataclass
class Diffusion:
    tokenizer: object
    text_encoder: torch.nn.Module
    unet: torch.nn.Module
    vae: torch.nn.Module
    scheduler_config: dict
    # Resident models lent by serve's model cache for one job: changes must be undoable (LoRA adapters are
    # not merged into their weights), and the cache undoes them when the job ends.
    shared: bool = False


# Model parts read from disk (or built, for random weights) by this process, by part: what `serve`'s
# `stats` command reports, and what the tests count.
LOADS: Counter[str] = Counter()

# Set by serve.py: where load_diffusion and load_captioner take their models from instead of the disk.
_provider = None


def set_provider(provider) -> None:
    """`provider.diffusion(profile, rt, tuned_dir, float32)` and `provider.captioner(profile, rt)`, or None."""
    global _provider
    _provider = provider


def _missing(profile: Profile, what: str, source: Source, exc: Exception) -> TunerError:
    return TunerError(
        "model_missing",
        f"{what} weights for profile {profile.name!r} not found at {source.path!r}"
        + (" (offline: downloads are off)" if source.local_files_only else "")
        + f": {type(exc).__name__}",
        profile=profile.name,
        model=source.path,
    )


def quiet_loading() -> None:
    """No tqdm bars from transformers/diffusers loaders: stderr is a log file for the worker."""
    from diffusers.utils import logging as diffusers_logging
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    diffusers_logging.disable_progress_bar()


def load_diffusion(profile: Profile, rt: Runtime, tuned_dir: Path | None = None, float32: bool = False) -> Diffusion:
    """Tokenizer, text encoder, UNet and VAE in eval mode with no gradients, on `rt.device` in `rt.dtype`.
    `tuned_dir`: a full fine-tune's folder, whose tokenizer, text encoder and UNet replace the base ones.
    `float32`: the UNet and text encoder in float32 (full fine-tuning: no bf16 rounding of the start).
    In `serve`, the resident models of the model cache (model_cache.py)."""
    if _provider is not None:
        return _provider.diffusion(profile, rt, tuned_dir, float32)
    vae, scheduler_config = read_frozen(profile, rt)
    tokenizer, text_encoder, unet = read_tunable(profile, rt, tuned_dir, float32)
    return Diffusion(tokenizer, text_encoder, unet, vae, scheduler_config)


def read_frozen(profile: Profile, rt: Runtime) -> tuple[torch.nn.Module, dict]:
    """The base's VAE (eval, no gradients, on the device) and scheduler config."""
    from diffusers import AutoencoderKL, DDPMScheduler

    if profile.base.startswith("random:"):
        from .stand_in import random_frozen

        vae, scheduler_config = random_frozen(profile, rt)
    else:
        quiet_loading()
        src = base_source(profile)
        base = _where(src)
        try:
            vae = AutoencoderKL.from_pretrained(**base, subfolder="vae", torch_dtype=rt.dtype)
            scheduler_config = dict(DDPMScheduler.load_config(**base, subfolder="scheduler"))
        except (OSError, ValueError) as exc:
            raise _missing(profile, "Stable Diffusion", src, exc) from exc
    LOADS["vae"] += 1
    vae.requires_grad_(False).eval().to(rt.device)
    if rt.channels_last:
        vae.to(memory_format=torch.channels_last)
    return vae, scheduler_config


def read_tunable(profile: Profile, rt: Runtime, tuned_dir: Path | None = None, float32: bool = False):
    """(tokenizer, text encoder, UNet) of the base, or of a full fine-tune's folder `tuned_dir`."""
    dtype = torch.float32 if float32 else rt.dtype
    if tuned_dir is not None:
        try:
            parts = _load_tunable(dict(pretrained_model_name_or_path=str(tuned_dir), local_files_only=True), dtype)
        except (OSError, ValueError) as exc:
            raise TunerError(
                "bad_input", f"weights: {str(tuned_dir)!r} is not a full-weights folder ({exc})", field="weights"
            ) from exc
    elif profile.base.startswith("random:"):
        from .stand_in import random_tunable

        parts = random_tunable(profile, rt, dtype)
    else:
        quiet_loading()
        src = base_source(profile)
        try:
            parts = _load_tunable(_where(src), dtype)
        except (OSError, ValueError) as exc:
            raise _missing(profile, "Stable Diffusion", src, exc) from exc
    LOADS.update(("text_encoder", "unet") if tuned_dir is None else ("tuned_weights",))
    tokenizer, text_encoder, unet = parts
    for model in (text_encoder, unet):
        model.requires_grad_(False).eval().to(rt.device)
    if rt.channels_last:
        unet.to(memory_format=torch.channels_last)
    if rt.compile:
        unet.compile()  # in place: state_dict keys and save_pretrained stay as they are
    return tokenizer, text_encoder, unet


def _where(src: Source) -> dict:
    return dict(pretrained_model_name_or_path=src.path, local_files_only=src.local_files_only, revision=src.revision)


def _load_tunable(where: dict, dtype: torch.dtype):
    from diffusers import UNet2DConditionModel
    from transformers import CLIPTextModel, CLIPTokenizer

    tokenizer = CLIPTokenizer.from_pretrained(**where, subfolder="tokenizer")
    text_encoder = CLIPTextModel.from_pretrained(**where, subfolder="text_encoder", dtype=dtype)
    unet = UNet2DConditionModel.from_pretrained(**where, subfolder="unet", torch_dtype=dtype)
    return tokenizer, text_encoder, unet


def load_captioner(profile: Profile, rt: Runtime):
    if _provider is not None:
        return _provider.captioner(profile, rt)
    return read_captioner(profile, rt)


def read_captioner(profile: Profile, rt: Runtime):
    from transformers import Blip2ForConditionalGeneration, Blip2Processor

    quiet_loading()
    src, subfolder = captioner_source(profile)
    kw = dict(local_files_only=src.local_files_only, revision=src.revision)
    if subfolder:
        kw["subfolder"] = subfolder
    try:
        processor = Blip2Processor.from_pretrained(src.path, **kw)
        model = Blip2ForConditionalGeneration.from_pretrained(src.path, dtype=rt.dtype, **kw)
    except (OSError, ValueError) as exc:
        raise _missing(profile, "BLIP-2", src, exc) from exc
    LOADS["captioner"] += 1
    return processor, model.requires_grad_(False).eval().to(rt.device)


def add_identifier_token(tokenizer, text_encoder: torch.nn.Module, identifier: str, class_noun: str) -> int:
    """Add `identifier` as one new token whose embedding starts as the mean of the class noun's token
    embeddings ("teddy bear" is two tokens). Returns the new token id; a no-op if it already exists."""
    existing = tokenizer.convert_tokens_to_ids(identifier)
    if identifier in tokenizer.get_added_vocab():
        return existing
    class_ids = tokenizer(class_noun, add_special_tokens=False).input_ids
    tokenizer.add_tokens([identifier])
    token_id = tokenizer.convert_tokens_to_ids(identifier)
    text_encoder.resize_token_embeddings(len(tokenizer), mean_resizing=False)
    weight = text_encoder.get_input_embeddings().weight
    with torch.no_grad():
        weight[token_id] = weight[class_ids].float().mean(0).to(weight.dtype)
    return token_id
