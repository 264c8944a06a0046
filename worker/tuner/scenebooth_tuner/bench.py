"""`bench`: time the training and sampling steps on randomly initialised models of SD 2.1's shapes (GPU) or
the tiny profile's (CPU), switching speed-ups on one at a time to report each one's effect, then turn the
times into products per GPU-hour (throughput.py).

Measurements, per variant: a full UNet step (batch 2 = instance + prior, text embeddings cached), a
UNet + text-encoder step, a LoRA step (r16 on to_q/k/v/out, as docs/recipe.md's step costs), 25 DPM-Solver++ steps
for 4 images with CFG plus the VAE decode, and peak memory. The training steps are train.py's own
`diffusion_loss`; the sampler is sampling.py's pipeline. Then, with the last variant's switches: generation
per image at several batch sizes, class images (PNGs written as the cache writes them), the LoRA
text-encoder phase step, loading the three models from a diffusers folder, and a full-mode checkpoint's
write and CPU snapshot. `--results-dir` writes `gpu-<card>.json` and a markdown table of the model.

Variants form a ladder: each one adds a switch to the previous. Switches that do not apply to the
device (bf16 and fused AdamW need CUDA here) are skipped, not faked. CPU threads: the tiny profile's
(1) for the tiny shapes, one per core otherwise; SCENEBOOTH_THREADS overrides.
"""

from __future__ import annotations

import copy
import json
import platform
import re
import resource
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch

from . import architectures, throughput
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
    """One optimizer step of `kind` ("unet", "unet+te", "lora", "lora+te") on a batch of 2 (instance + prior);
    "+te" is the text-encoder phase: the text encoder (its LoRA adapters in LoRA mode) trains too."""
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

    te_phase = kind.endswith("+te")
    if kind.startswith("lora"):
        unet_lora, te_lora = lora_configs(LoraSpec(rank=16, alpha=16.0))
        _cast(unet, rt.dtype)
        inject_adapter_in_model(unet_lora, unet)
        cast_training_params(unet, torch.float32)
        _cast(text_encoder, rt.dtype)
        if te_phase:
            inject_adapter_in_model(te_lora, text_encoder)
            cast_training_params(text_encoder, torch.float32)
    else:
        unet.requires_grad_(True)
        if te_phase:
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
        if te_phase:
            with rt.autocast_ctx():
                embeddings = text_encoder(ids)[0]
        else:
            embeddings = cached_embeddings
        loss = diffusion_loss(unet, noise_scheduler, latents, embeddings, generator, rt, 1, 1.0)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return run


def _generate_fn(models: Models, sw: Switches, device: torch.device, batch: int = 4, save_dir: Path | None = None):
    """`batch` images, 25 DPM-Solver++ steps with CFG (UNet batch 2 x `batch`), VAE decode; prompt embeddings
    precomputed. `save_dir`: also write each image as the class-image cache does (PNG with its metadata)."""
    from .images import save_png
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
    prompt_embeds, negative_embeds = embeddings[:1].expand(batch, -1, -1), embeddings[1:].expand(batch, -1, -1)

    def run() -> None:
        with torch.inference_mode(), rt.autocast_ctx():
            out = pipe(
                prompt_embeds=prompt_embeds,
                negative_prompt_embeds=negative_embeds,
                height=models.resolution,
                width=models.resolution,
                num_inference_steps=25,
                guidance_scale=7.5,
                generator=[seeded(i, device) for i in range(batch)],
                output_type="pil" if save_dir else "np",
            )
        if save_dir:
            for i, image in enumerate(out.images):
                save_png(image, save_dir / f"{i:04d}.png", models.resolution, {"prompt": "a thing", "seed": i})

    return run


def _vae_encode_fn(models: Models, sw: Switches, device: torch.device):
    """Exact mode's once-per-scene cost: one layer VAE-encoded at the model's resolution (sampling.encode_product)."""
    _unet, _text_encoder, vae, rt = _prepare(models, sw, device)
    res = models.resolution
    pixels = (torch.rand(1, 3, res, res, generator=torch.Generator().manual_seed(3)) * 2 - 1).to(device, vae.dtype)

    def run() -> None:
        with torch.inference_mode(), rt.autocast_ctx():
            vae.encode(pixels).latent_dist.mode()

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


def _load_fn(models: Models, sw: Switches, device: torch.device, folder: Path):
    """Loading the UNet, VAE and text encoder from a diffusers folder onto the device, as load_diffusion does
    (the folder is written once first; a tuner host's weights are usually in the page cache, as here)."""
    from diffusers import AutoencoderKL, UNet2DConditionModel
    from transformers import CLIPTextModel

    dtype = torch.bfloat16 if sw.bf16 else torch.float32
    if not (folder / "unet").is_dir():
        for model, name in ((models.unet, "unet"), (models.vae, "vae"), (models.text_encoder, "text_encoder")):
            model.save_pretrained(folder / name)

    def run() -> None:
        parts = (
            UNet2DConditionModel.from_pretrained(folder / "unet", torch_dtype=dtype),
            AutoencoderKL.from_pretrained(folder / "vae", torch_dtype=dtype),
            CLIPTextModel.from_pretrained(folder / "text_encoder", dtype=dtype),
        )
        for part in parts:
            part.requires_grad_(False).eval().to(device)
        del parts

    return run


def _checkpoint_fns(models: Models, device: torch.device, folder: Path):
    """A full-mode checkpoint's weights (UNet + text encoder, float32): (write them, snapshot them to CPU).
    The snapshot is what the GPU waits for when the write happens in the background (train.py)."""
    from safetensors.torch import save_file

    state = {f"unet.{k}": v.float() for k, v in models.unet.state_dict().items()}
    state.update({f"text_encoder.{k}": v.float() for k, v in models.text_encoder.state_dict().items()})

    def write() -> None:
        save_file({k: v.detach().contiguous().cpu() for k, v in state.items()}, str(folder / "trainable.safetensors"))

    def snapshot() -> None:
        {k: v.detach().to("cpu", copy=True) for k, v in state.items()}

    return write, snapshot, sum(v.numel() * 4 for v in state.values())


def _throughput_measures(
    models: Models, sw: Switches, device: torch.device, iters: int, batches: tuple[int, ...], progress: Progress
) -> dict:
    """What the products-per-GPU-hour model needs beyond the ladder's step times, with one variant's
    switches: generation per image at several batch sizes, class images (PNGs written), model load, the
    LoRA text-encoder phase, an exact-mode layer's VAE encode, checkpoint writes."""
    out: dict = {"generate_ms_per_image": {}}
    gen_iters = max(1, iters // 4)
    with tempfile.TemporaryDirectory(prefix="scenebooth-bench-") as tmp:
        work = Path(tmp)
        jobs = [(f"generate_b{b}", lambda b=b: _generate_fn(models, sw, device, b), gen_iters) for b in batches]
        jobs += [
            ("lora_te_step_ms", lambda: _train_step_fn(models, sw, device, "lora+te"), iters),
            ("class_images_b4", lambda: _generate_fn(models, sw, device, 4, work / "class"), gen_iters),
            ("model_load_ms", lambda: _load_fn(models, sw, device, work / "weights"), 2),
            ("vae_encode_ms", lambda: _vae_encode_fn(models, sw, device), iters),
        ]
        for key, make, n in jobs:
            try:
                ms = _time(make(), n, 1, device) * 1000
            except torch.OutOfMemoryError:
                ms = None  # a batch that does not fit is recorded as such
            free_memory()
            if key.startswith("generate_b"):
                batch = int(key[len("generate_b") :])
                out["generate_ms_per_image"][str(batch)] = None if ms is None else round(ms / batch, 2)
            elif key == "class_images_b4":
                out["class_image_ms"] = None if ms is None else round(ms / 4, 2)
            else:
                out[key] = None if ms is None else round(ms, 2)
            progress.emit({"event": "progress", "stage": "bench", "measure": key, "value": ms})
        write, snapshot, size = _checkpoint_fns(models, device, work)
        out["checkpoint_bytes"] = size
        out["checkpoint_write_ms"] = round(_time(write, 2, 1, device) * 1000, 2)
        out["checkpoint_snapshot_ms"] = round(_time(snapshot, 2, 1, device) * 1000, 2)
    return out


def _timings(row: dict, extra: dict, lora: bool, gen_batch: int, checkpoint_ms: float, caption_s: float):
    per_image = extra["generate_ms_per_image"][str(gen_batch)]
    return throughput.Timings(
        unet_step_s=(row["lora_step_ms"] if lora else row["unet_step_ms"]) / 1000,
        te_step_s=(extra["lora_te_step_ms"] if lora else row["unet_te_step_ms"]) / 1000,
        image_s=per_image / 1000,
        class_image_s=extra["class_image_ms"] / 1000,
        load_s=extra["model_load_ms"] / 1000,
        caption_s=caption_s,
        checkpoint_s=0.0 if lora else checkpoint_ms / 1000,
        gen_batch=gen_batch,
        vae_encode_s=extra["vae_encode_ms"] / 1000,
    )


def throughput_model(rows: list[dict], extra: dict) -> dict:
    """The model's scenarios for sd21-lora and sd21 from this run's measurements. "As built": the ladder's
    last variant without torch.compile, generation batch 4, checkpoints with the Adam state written in the
    loop (estimated as 3x the weights' write: weights and two moments of the same size). "Tuned": the last
    variant measured, the fastest generation batch that fitted, checkpoints as a snapshot written in the
    background. Captioning is not measured here (no BLIP-2 in the bench): 0 s."""
    eager = [r for r in rows if not r["switches"]["compile"]][-1]
    tuned_row = rows[-1]
    fitted = {int(b): ms for b, ms in extra["generate_ms_per_image"].items() if ms is not None}
    needed = [eager[k] for k in ("unet_step_ms", "unet_te_step_ms", "lora_step_ms")]
    needed += [tuned_row[k] for k in ("unet_step_ms", "unet_te_step_ms", "lora_step_ms")]
    needed += [extra[k] for k in ("lora_te_step_ms", "class_image_ms", "model_load_ms", "vae_encode_ms")]
    if not fitted or None in needed:
        return {"error": "a measurement the model needs ran out of memory (null above)"}
    best_batch = min(fitted, key=lambda b: (fitted[b], -b))
    as_built_batch = 4 if 4 in fitted else max(fitted)
    out = {"as_built_row": eager["name"], "tuned_row": tuned_row["name"], "best_gen_batch": best_batch}
    tuned_timings = {}
    for profile, lora in (("sd21-lora", True), ("sd21", False)):
        as_built = _timings(eager, extra, lora, as_built_batch, 3 * extra["checkpoint_write_ms"], 0.0)
        tuned = tuned_timings[profile] = _timings(
            tuned_row, extra, lora, best_batch, extra["checkpoint_snapshot_ms"], 0.0
        )
        out[profile] = [throughput.per_product(s) for s in throughput.scenarios(profile, as_built, tuned)]
    out["exact"] = throughput.exact_rows(tuned_timings, out)
    return out


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


GEN_BATCHES = {"cuda": (1, 4, 8, 16), "cpu": (1, 2, 4)}


def card_slug(result: dict) -> str:
    """`bench/results/gpu-<card>.json`'s card: the GPU's name, or cpu-small for the CPU run at tiny shapes."""
    if result.get("card"):  # named by a figures file
        return result["card"]
    if result["device"] == "cpu":
        return "cpu-small" if result["shapes"] == "tiny" else "cpu"
    return re.sub(r"[^a-z0-9]+", "-", result["device_name"].lower()).strip("-")


def report_markdown(result: dict) -> str:
    """The products-per-GPU-hour tables with the inputs they used."""
    model = result["throughput_model"]
    lines = [
        f"# Products per GPU-hour — {result['device_name']} ({result['shapes']} shapes at {result['resolution']} px)",
        "",
        result.get("source") or "Measured by `python -m scenebooth_tuner bench` (random weights).",
        "",
        f"Model: `scenebooth_tuner/throughput.py`. Goal: ≥ {throughput.GOAL:g} products per GPU-hour.",
        "",
    ]
    notes = result.get("figures", {}).get("notes", {})
    if notes:
        lines += ["Where each input comes from:", ""] + [f"- `{k}`: {v}" for k, v in notes.items()] + [""]
    if "error" in model:
        return "\n".join([*lines, model["error"], ""])
    for profile in ("sd21-lora", "sd21"):
        rows = model[profile]
        lines += [f"## {profile}", "", throughput.table(rows), "Inputs (seconds; recipe counts):", ""]
        seen = set()
        for row in rows:
            key = json.dumps(row["inputs"], sort_keys=True)
            if key not in seen:
                seen.add(key)
                lines.append(f"- {row['name']}: `{json.dumps(row['inputs'], separators=(', ', ': '))}`")
        lines.append("")
    if "exact" in model:
        lines += [
            "## exact product (issue #19)",
            "",
            "The model's figures, not an end-to-end measurement: each exact image is sampled as a tuned image is"
            " (`image_s`), plus the layer's VAE encode once per scene (`vae_encode_s`); the fast lane samples the"
            " base model and does no tuning. Models resident.",
            "",
            throughput.table(model["exact"]),
        ]
    return "\n".join(lines)


def write_results(result: dict, results_dir: str) -> Path:
    folder = Path(results_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"gpu-{card_slug(result)}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    path.with_suffix(".md").write_text(report_markdown(result))
    return path


def model_from_figures(figures_path: str) -> dict:
    """The model from figures measured elsewhere (a JSON file naming its source per figure), no measuring."""
    data = json.loads(Path(figures_path).read_text())
    model: dict = {}
    recipe = throughput.Recipe(**data.get("recipe", {}))
    tuned_timings = {}
    for profile, timings in data["profiles"].items():
        as_built = throughput.Timings(**timings["as_built"])
        tuned = tuned_timings[profile] = throughput.Timings(**timings["tuned"])
        model[profile] = [throughput.per_product(s) for s in throughput.scenarios(profile, as_built, tuned, recipe)]
    model["exact"] = throughput.exact_rows(tuned_timings, model, recipe)
    return {
        "command": "bench",
        "shapes": "sd21",
        "resolution": 768,
        "device": "cuda",
        "device_name": data["device_name"],
        "card": data["card"],
        "source": data["source"],
        "figures": data,
        "throughput_model": model,
    }


def run_bench(
    shapes: str | None = None,
    device: str = "auto",
    out: str | None = None,
    iters: int | None = None,
    variants: list[str] | None = None,
    progress: Progress | None = None,
    results_dir: str | None = None,
    batches: tuple[int, ...] | None = None,
) -> dict:
    progress = progress or Progress()
    dev = torch.device(
        "cuda" if device == "auto" and torch.cuda.is_available() else ("cpu" if device == "auto" else device)
    )
    shapes = shapes or ("sd21" if dev.type == "cuda" else "tiny")
    threads = set_threads(get_profile("tiny") if shapes == "tiny" else None)
    iters = iters or 10
    batches = batches or GEN_BATCHES["cuda" if dev.type == "cuda" else "cpu"]
    plan = ladder(variants, dev)
    models = Models(shapes, dev)
    rows = [_measure(models, name, sw, dev, iters, progress) for name, sw in plan]
    extra = _throughput_measures(models, plan[-1][1], dev, iters, batches, progress)
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
        "throughput_measures": {"variant": plan[-1][0], **extra},
        "throughput_model": throughput_model(rows, extra),
    }
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(result, indent=2))
    if results_dir:
        write_results(result, results_dir)
    return result
