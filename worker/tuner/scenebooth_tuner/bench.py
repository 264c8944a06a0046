"""`bench`: time the training and sampling steps on randomly initialised models of SD 2.1's shapes (GPU) or
the tiny profile's (CPU), switching speed-ups on one at a time to report each one's effect.

Measurements, per variant: a full UNet step (batch 2 = instance + prior, text embeddings cached), a
UNet + text-encoder step, a LoRA step (r16 on to_q/k/v/out, as docs/recipe.md's step costs), 25 DPM-Solver++ steps
for 4 images with CFG plus the VAE decode, and peak memory. The training steps are train.py's own
`diffusion_loss`; the sampler is sampling.py's pipeline.

Variants form a ladder: each one adds a switch to the previous. Switches that do not apply to the
device (bf16 and fused AdamW need CUDA here) are skipped, not faked. CPU threads: the tiny profile's
(1) for the tiny shapes, one per core otherwise; SCENEBOOTH_THREADS overrides.
"""

from __future__ import annotations

import copy
import json
import platform
import resource
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from . import architectures
from .profiles import get_profile
from .progress import Progress
from .runtime import Runtime, free_memory, seeded, set_threads


@dataclass(frozen=True)
class Switches:
    sdpa: bool = False  # fused scaled-dot-product attention instead of explicit softmax(QK^T)V
    bf16: bool = False  # bf16 autocast, frozen weights in bf16 (CUDA only)
    channels_last: bool = False  # NHWC memory format for the convolutions
    fused_adamw: bool = False  # one fused AdamW kernel (CUDA only)
    cached_latents: bool = False  # VAE latents computed once instead of per training step
    compile: bool = False  # torch.compile on the UNet


LADDER = ("baseline", "+sdpa", "+bf16", "+channels_last", "+fused_adamw", "+cached_latents", "+compile")
CUDA_ONLY = {"+bf16", "+fused_adamw"}


def _applies(name: str, device: torch.device) -> bool:
    return not (name in CUDA_ONLY and device.type != "cuda")


def ladder(names: list[str] | None, device: torch.device) -> list[tuple[str, Switches]]:
    """The cumulative variants; `names` picks a subset (each still includes every earlier switch), "all" is
    every one. The default leaves out +compile: its four compilations take minutes."""
    if names is None:
        names = [n for n in LADDER if n != "+compile"]
    elif names == ["all"]:
        names = list(LADDER)
    unknown = set(names) - set(LADDER)
    if unknown:
        raise ValueError(f"unknown variants {sorted(unknown)}; known: {', '.join(LADDER)}")
    out, sw = [], Switches()
    for name in LADDER:
        if name != "baseline" and _applies(name, device):
            sw = replace(sw, **{name[1:]: True})
        if name in names and _applies(name, device):
            out.append((name, sw))
    return out


class Models:
    """Random models of one shape set, built once in float32 and copied per measurement."""

    def __init__(self, shapes: str, device: torch.device) -> None:
        from diffusers import AutoencoderKL, DDPMScheduler, UNet2DConditionModel
        from transformers import CLIPTextConfig, CLIPTextModel

        from . import tiny_models

        unet_cfg, vae_cfg, text_cfg, self.resolution = {
            "tiny": (tiny_models.UNET, tiny_models.VAE, tiny_models.TEXT_ENCODER, 64),
            "sd21": (*(architectures.config("sd21", part) for part in architectures.PARTS), 768),
        }[shapes]
        torch.manual_seed(0)
        with torch.device(device):  # initialised where they run: SD 2.1's 1.3 B weights init slowly on a CPU
            self.unet = UNet2DConditionModel(**unet_cfg).requires_grad_(False)
            self.vae = AutoencoderKL(**vae_cfg).requires_grad_(False)
            self.text_encoder = CLIPTextModel(CLIPTextConfig(**text_cfg)).requires_grad_(False)
        self.scheduler_config = dict(DDPMScheduler(**tiny_models.SCHEDULER).config)
        self.device = device


def _cast(model: torch.nn.Module, dtype: torch.dtype) -> torch.nn.Module:
    """`model.to(dtype)` unless it already is (diffusers warns about every cast)."""
    return model if next(model.parameters()).dtype == dtype else model.to(dtype)


def _prepare(models: Models, sw: Switches, device: torch.device):
    """Per-variant copies: (unet, text_encoder, vae, runtime)."""
    from diffusers.models.attention_processor import AttnProcessor, AttnProcessor2_0

    dtype = torch.bfloat16 if sw.bf16 else torch.float32
    rt = Runtime(device, dtype, autocast=sw.bf16)
    unet = copy.deepcopy(models.unet)
    unet.set_attn_processor(AttnProcessor2_0() if sw.sdpa else AttnProcessor())
    text_encoder = copy.deepcopy(models.text_encoder)
    text_encoder.set_attn_implementation("sdpa" if sw.sdpa else "eager")
    vae = _cast(copy.deepcopy(models.vae), dtype)
    vae.set_attn_processor(AttnProcessor2_0() if sw.sdpa else AttnProcessor())
    if sw.channels_last:
        unet.to(memory_format=torch.channels_last)
        vae.to(memory_format=torch.channels_last)
    return unet, text_encoder, vae, rt


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _time(fn, iters: int, warmup: int, device: torch.device) -> float:
    """Median seconds per call after `warmup` calls."""
    for _ in range(warmup):
        fn()
    _sync(device)
    times = []
    for _ in range(iters):
        start = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def _train_step_fn(models: Models, sw: Switches, device: torch.device, kind: str):
    """One optimizer step of `kind` ("unet", "unet+te", "lora") on a batch of 2 (instance + prior)."""
    from diffusers import DDPMScheduler
    from diffusers.training_utils import cast_training_params
    from peft import inject_adapter_in_model

    from .lora import lora_configs
    from .spec import LoraSpec
    from .train import diffusion_loss, encode_latent_dist

    unet, text_encoder, vae, rt = _prepare(models, sw, device)
    noise_scheduler = DDPMScheduler.from_config(models.scheduler_config)
    res = models.resolution
    pixels = torch.rand(2, 3, res, res, generator=torch.Generator().manual_seed(0)) * 2 - 1
    ids = torch.randint(0, 49406, (2, 77), generator=torch.Generator().manual_seed(1)).to(device)
    mean, std = encode_latent_dist(vae, pixels, rt) if sw.cached_latents else (None, None)
    scaling = vae.config.scaling_factor

    if kind == "lora":
        _cast(unet, rt.dtype)
        inject_adapter_in_model(lora_configs(LoraSpec(rank=16, alpha=16.0))[0], unet)
        cast_training_params(unet, torch.float32)
    else:
        unet.requires_grad_(True)
    if kind == "unet+te":
        text_encoder.requires_grad_(True)
    else:
        _cast(text_encoder, rt.dtype)
    if sw.compile:
        unet = torch.compile(unet)
    params = [p for m in (unet, text_encoder) for p in m.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=1e-6, fused=sw.fused_adamw)
    with torch.no_grad(), rt.autocast_ctx():
        cached_embeddings = text_encoder(ids)[0]
    step = [0]

    def run() -> None:
        generator = seeded(step[0], device)
        step[0] += 1
        if sw.cached_latents:
            latents = (mean + std * torch.randn(mean.shape, generator=generator, device=device)) * scaling
        else:
            with torch.no_grad():
                dist = vae.encode(pixels.to(device, vae.dtype)).latent_dist
                latents = dist.sample(generator).float() * scaling
        if kind == "unet+te":
            with rt.autocast_ctx():
                embeddings = text_encoder(ids)[0]
        else:
            embeddings = cached_embeddings
        loss = diffusion_loss(unet, noise_scheduler, latents, embeddings, generator, rt, 1, 1.0)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return run


def _generate_fn(models: Models, sw: Switches, device: torch.device):
    """4 images, 25 DPM-Solver++ steps with CFG (UNet batch 8), VAE decode; prompt embeddings precomputed."""
    from .models import Diffusion
    from .sampling import make_pipeline

    unet, text_encoder, vae, rt = _prepare(models, sw, device)
    _cast(unet, rt.dtype)
    _cast(text_encoder, rt.dtype)
    if sw.compile:
        unet = torch.compile(unet)
    pipe = make_pipeline(Diffusion(None, text_encoder, unet, vae, models.scheduler_config))
    ids = torch.randint(0, 49406, (2, 77), generator=torch.Generator().manual_seed(2)).to(device)
    with torch.no_grad(), rt.autocast_ctx():
        embeddings = text_encoder(ids)[0]
    prompt_embeds, negative_embeds = embeddings[:1].expand(4, -1, -1), embeddings[1:].expand(4, -1, -1)

    def run() -> None:
        with torch.inference_mode(), rt.autocast_ctx():
            pipe(
                prompt_embeds=prompt_embeds,
                negative_prompt_embeds=negative_embeds,
                height=models.resolution,
                width=models.resolution,
                num_inference_steps=25,
                guidance_scale=7.5,
                generator=[seeded(i, device) for i in range(4)],
                output_type="np",
            )

    return run


def _peak_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB; process peak so far


def _measure(models: Models, name: str, sw: Switches, device: torch.device, iters: int, progress: Progress) -> dict:
    warmup = 3 if sw.compile else 2
    row: dict = {"name": name, "switches": asdict(sw)}
    for key, make, n in (
        ("unet_step_ms", lambda: _train_step_fn(models, sw, device, "unet"), iters),
        ("unet_te_step_ms", lambda: _train_step_fn(models, sw, device, "unet+te"), iters),
        ("lora_step_ms", lambda: _train_step_fn(models, sw, device, "lora"), iters),
        ("generate_4x25_ms", lambda: _generate_fn(models, sw, device), max(1, iters // 4)),
    ):
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        try:
            fn = make()
            row[key] = round(_time(fn, n, 1 if key.startswith("generate") else warmup, device) * 1000, 2)
            oom = False
        except torch.OutOfMemoryError:
            oom = True  # recorded, and the ladder goes on (the fp32 eager baseline may not fit)
        fn = None
        if oom:
            row[key] = None
            row.setdefault("oom", []).append(key)
        row[key.replace("_ms", "_peak_mb")] = round(_peak_mb(device), 1)
        free_memory()
        progress.emit({"event": "progress", "stage": "bench", "variant": name, "measure": key, "value": row[key]})
    return row


def effects(rows: list[dict]) -> list[dict]:
    """Each variant's change against the one before it, in percent of time (negative = faster)."""
    out = []
    for prev, cur in zip(rows, rows[1:], strict=False):
        change = {"change": cur["name"]}
        for key in ("unet_step_ms", "unet_te_step_ms", "lora_step_ms", "generate_4x25_ms"):
            ok = cur[key] is not None and prev[key] is not None
            change[key.replace("_ms", "_pct")] = round((cur[key] / prev[key] - 1) * 100, 1) if ok else None
        out.append(change)
    return out


def run_bench(
    shapes: str | None = None,
    device: str = "auto",
    out: str | None = None,
    iters: int | None = None,
    variants: list[str] | None = None,
    progress: Progress | None = None,
) -> dict:
    progress = progress or Progress()
    dev = torch.device(
        "cuda" if device == "auto" and torch.cuda.is_available() else ("cpu" if device == "auto" else device)
    )
    shapes = shapes or ("sd21" if dev.type == "cuda" else "tiny")
    threads = set_threads(get_profile("tiny") if shapes == "tiny" else None)
    iters = iters or 10
    plan = ladder(variants, dev)
    models = Models(shapes, dev)
    rows = [_measure(models, name, sw, dev, iters, progress) for name, sw in plan]
    requested = list(LADDER) if variants in (None, ["all"]) else variants
    skipped = {n: "needs CUDA" for n in requested if not _applies(n, dev)}
    result = {
        "command": "bench",
        "shapes": shapes,
        "resolution": models.resolution,
        "device": str(dev),
        "device_name": torch.cuda.get_device_name(dev)
        if dev.type == "cuda"
        else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "threads": threads,
        "iters": iters,
        "batch": {"train": 2, "generate_images": 4, "generate_steps": 25, "cfg": True},
        "peak_memory": "CUDA max allocated per measurement" if dev.type == "cuda" else "process peak RSS so far",
        "variants": rows,
        "effects": effects(rows),
        "skipped": skipped,
    }
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2))
    return result
