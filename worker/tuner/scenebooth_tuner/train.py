"""`train`: DreamBooth fine-tuning of Stable Diffusion 2.1 (v-prediction) on captioned product photos.

Built like diffusers' examples/dreambooth scripts, with what they lack for BLIP2Booth: a caption per
photo and a separate text-encoder schedule. The default ("separate", the paper's numbers) trains the
text encoder alone for text_encoder steps (UNet frozen), then the UNet alone for unet steps on prompt
embeddings computed once; "joint" trains both in the first text_encoder of the unet steps. Each step
draws `batch_size` photos and as many class images (prior preservation: loss = instance loss + weight *
prior loss). VAE latents are encoded once (their mean and std are kept; each step samples from them).
Every random draw of step s comes from a generator seeded with (seed, s), so a resumed job continues
exactly as an uninterrupted one.

mode "lora": PEFT adapters on the UNet and the text encoder (each trained in its phase), saved as one
small safetensors file. mode "full": every UNet and text-encoder weight, saved as a diffusers folder.
The identifier is plain text by default; identifier_mode "new_token" adds it as one token whose
embedding row trains at its own learning rate (and is saved with the LoRA adapters).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import threading
import time
from dataclasses import asdict
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

from . import __version__
from .adaptive import adaptive_steps
from .class_images import class_image_dir, ensure_class_images
from .generate import FULL_WEIGHTS_META
from .images import load_rgb, to_model_tensor
from .lora import adapter_state, add_adapters, identifier_row, load_adapter_state, save_artifact
from .models import add_identifier_token, load_diffusion
from .profiles import SAMPLE_STEPS, models_dir
from .progress import Progress
from .prompts import class_prompt, training_prompt
from .runtime import Runtime, free_memory, generation_batch, retry_on_oom, runtime_for, seeded, set_threads
from .spec import TrainResult, TrainSpec

MAX_GRAD_NORM = 1.0
WEIGHT_DECAY = 1e-2
LORA_FILE = "lora.safetensors"
FULL_DIR = "weights"
RESULT_FILE = "result.json"
# What a training step trains: the text encoder alone, the UNet alone, or both (the joint schedule).
TEXT_ENCODER_PHASE, UNET_PHASE, JOINT_PHASE = "text_encoder", "unet", "unet+text_encoder"
OPTIMIZER_FILE = "optimizer.pt"


# ------------------------------------------------------------------------------------- building blocks


@torch.no_grad()
def encode_latent_dist(
    vae, pixels: torch.Tensor, rt: Runtime, batch_size: int = 8
) -> tuple[torch.Tensor, torch.Tensor]:
    """VAE posterior (mean, std) of each image, float32, computed once for the whole job."""
    means, stds = [], []
    for start in range(0, len(pixels), batch_size):
        chunk = pixels[start : start + batch_size].to(rt.device, vae.dtype)
        dist = vae.encode(chunk).latent_dist
        means.append(dist.mean.float())
        stds.append(dist.std.float())
    return torch.cat(means), torch.cat(stds)


def tokenize(tokenizer, prompts: list[str], device: torch.device) -> torch.Tensor:
    return tokenizer(
        prompts, padding="max_length", max_length=tokenizer.model_max_length, truncation=True, return_tensors="pt"
    ).input_ids.to(device)


def diffusion_loss(
    unet, noise_scheduler, latents, encoder_hidden_states, generator, rt: Runtime, n_prior: int, prior_weight: float
):
    """The DreamBooth objective on one batch whose last `n_prior` rows are class images."""
    noise = torch.randn(latents.shape, generator=generator, device=latents.device, dtype=latents.dtype)
    timesteps = torch.randint(
        0, noise_scheduler.config.num_train_timesteps, (latents.shape[0],), generator=generator, device=latents.device
    )
    noisy = noise_scheduler.add_noise(latents, noise, timesteps)
    if noise_scheduler.config.prediction_type == "v_prediction":
        target = noise_scheduler.get_velocity(latents, noise, timesteps)
    else:
        target = noise
    with rt.autocast_ctx():
        pred = unet(noisy, timesteps, encoder_hidden_states).sample
    pred, target = pred.float(), target.float()
    n = latents.shape[0] - n_prior
    loss = F.mse_loss(pred[:n], target[:n])
    if n_prior:
        loss = loss + prior_weight * F.mse_loss(pred[n:], target[n:])
    return loss


def step_generators(seed: int, step: int, device: torch.device) -> tuple[torch.Generator, torch.Generator]:
    """(CPU generator for picking images, device generator for noise and timesteps) of one step."""
    step_seed = (seed * 1_000_003 + step) % (2**63)
    return torch.Generator().manual_seed(step_seed), seeded(step_seed, device)


def identifier_token(spec: TrainSpec, tokenizer, text_encoder) -> int | None:
    """identifier_mode "new_token": the identifier added as one token, its id. "plain" (the paper's): None,
    the tokenizer splits the identifier into ordinary pieces of its vocabulary."""
    if spec.identifier_mode != "new_token":
        return None
    return add_identifier_token(tokenizer, text_encoder, spec.identifier, spec.class_noun)


def keep_rows_hook(vocab_size: int, rows: list[int], device: torch.device):
    """A gradient hook that trains only `rows` of an embedding matrix (the identifier's)."""
    mask = torch.zeros(vocab_size, 1, device=device)
    mask[rows] = 1.0
    return lambda grad: grad * mask.to(grad.dtype)


# ------------------------------------------------------------------------------------- checkpoints


def fingerprint(spec: TrainSpec) -> str:
    """What makes two runs the same training: the spec minus where/how it runs, and the photos' bytes."""
    data = asdict(spec)
    for key in ("output_dir", "checkpoint_every", "gradient_checkpointing", "device", "cache_dir"):
        data.pop(key)
    data["profile"] = spec.profile.name
    data["photos"] = [hashlib.sha256(inst.image.read_bytes()).hexdigest() for inst in spec.instances]
    data["version"] = __version__
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]


def phase_at(step: int, text_encoder_steps: int, schedule: str) -> str:
    if step >= text_encoder_steps:
        return UNET_PHASE
    return TEXT_ENCODER_PHASE if schedule == "separate" else JOINT_PHASE


def trainable_state(mode: str, unet, text_encoder, token_id: int | None) -> dict[str, torch.Tensor]:
    if mode == "lora":
        return adapter_state(unet, text_encoder, identifier_row(text_encoder, token_id))
    state = {f"unet.{k}": v for k, v in unet.state_dict().items()}
    state.update({f"text_encoder.{k}": v for k, v in text_encoder.state_dict().items()})
    return state


def load_trainable_state(mode: str, unet, text_encoder, token_id: int | None, state: dict[str, torch.Tensor]) -> None:
    if mode == "lora":
        load_adapter_state(unet, text_encoder, token_id, state)
        return
    for prefix, model in (("unet.", unet), ("text_encoder.", text_encoder)):
        model.load_state_dict({k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)})


def save_checkpoint(
    out: Path, step: int, print_: str, losses: list[float], state: dict, optimizer_state: dict | None
) -> Path:
    """Write `checkpoint-<step>` atomically (a temp folder renamed), then drop older checkpoints: only the
    latest is kept. `optimizer_state` None: the checkpoint has none (full mode, see `_train`)."""
    final = out / f"checkpoint-{step:06d}"
    tmp = out / f".checkpoint-{step:06d}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    save_file({k: v.detach().contiguous() for k, v in state.items()}, str(tmp / "trainable.safetensors"))
    if optimizer_state is not None:
        torch.save(optimizer_state, tmp / OPTIMIZER_FILE)
    (tmp / "state.json").write_text(json.dumps({"step": step, "fingerprint": print_, "losses": losses}))
    shutil.rmtree(final, ignore_errors=True)
    tmp.rename(final)
    for old in checkpoints(out):
        if old != final:
            shutil.rmtree(old, ignore_errors=True)
    return final


class BackgroundWriter:
    """Checkpoint writes off the training loop: the loop waits only for a CPU copy of the weights, the
    disk write runs in a thread (one at a time). A write's error is raised at the next `submit`/`wait`."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None
        self._done: list[tuple[int, Path]] = []
        self._error: BaseException | None = None

    def submit(self, step: int, write) -> None:
        self.wait()

        def target() -> None:
            try:
                path = write()
                self._done.append((step, path))  # looked up after the write: finished() swaps the list
            except BaseException as exc:  # noqa: BLE001 - re-raised in the training thread
                self._error = exc

        self._thread = threading.Thread(target=target, name="checkpoint-writer", daemon=True)
        self._thread.start()

    def finished(self) -> list[tuple[int, Path]]:
        """The writes completed since the last call, as (step, path)."""
        done, self._done = self._done, []
        return done

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            raise error


def checkpoints(out: Path) -> list[Path]:
    return sorted(p for p in out.glob("checkpoint-*") if re.fullmatch(r"checkpoint-\d{6}", p.name))


def latest_checkpoint(out: Path, print_: str) -> tuple[Path, dict] | None:
    for path in reversed(checkpoints(out)):
        try:
            state = json.loads((path / "state.json").read_text())
        except (OSError, ValueError):
            continue
        if state.get("fingerprint") == print_:
            return path, state
    return None


# ------------------------------------------------------------------------------------- the job


def run_train(spec: TrainSpec, progress: Progress) -> TrainResult:
    set_threads(spec.profile)
    rt = runtime_for(spec.profile, spec.device)
    spec.output_dir.mkdir(parents=True, exist_ok=True)
    print_ = fingerprint(spec)
    done = spec.output_dir / RESULT_FILE
    if done.is_file():
        previous = json.loads(done.read_text())
        if previous.get("fingerprint") == print_:
            return {**previous, "reused": True}  # a retry of a finished job: nothing to redo
    return retry_on_oom(
        lambda checkpointing: _train(spec, rt, progress, print_, checkpointing),
        spec.gradient_checkpointing,
        None if spec.gradient_checkpointing else True,
        progress,
        "out of memory; resuming with gradient checkpointing",
    )


def _train(spec: TrainSpec, rt: Runtime, progress: Progress, print_: str, gradient_checkpointing: bool) -> TrainResult:
    started = time.monotonic()
    profile, out = spec.profile, spec.output_dir
    photos = [load_rgb(inst.image) for inst in spec.instances]
    te_steps, schedule = spec.steps.text_encoder, spec.steps.text_encoder_schedule
    unet_steps, sample_steps, subject = spec.steps.unet, SAMPLE_STEPS, None
    if spec.steps.adaptive:
        unet_steps, sample_steps, subject = adaptive_steps(
            photos, spec.steps.unet, at_least=te_steps if schedule == "joint" else 1
        )
    total = te_steps + unet_steps if schedule == "separate" else unet_steps

    progress.start("load", 1)
    diffusion = load_diffusion(profile, rt, float32=spec.mode == "full")
    tokenizer, text_encoder, unet, vae = diffusion.tokenizer, diffusion.text_encoder, diffusion.unet, diffusion.vae
    progress.step(1)

    # Prior preservation: the base model's "a <class>" images, made before anything is changed.
    cache_root = spec.cache_dir or models_dir()
    class_paths, class_generated = [], 0
    if spec.prior.enabled:
        class_paths, class_generated = ensure_class_images(
            diffusion,
            rt,
            profile,
            spec.class_noun,
            spec.prior.num_class_images,
            cache_root,
            progress,
            generation_batch(profile, rt),
        )

    # Latents and token ids, once.
    progress.start("encode", 1)
    inst_mean, inst_std = encode_latent_dist(vae, to_model_tensor(photos, profile.resolution), rt)
    if class_paths:
        cls_mean, cls_std = encode_latent_dist(
            vae, to_model_tensor([load_rgb(p) for p in class_paths], profile.resolution), rt
        )
    scaling = vae.config.scaling_factor
    vae.to("cpu")  # not needed any more
    free_memory()
    token_id = identifier_token(spec, tokenizer, text_encoder)
    prompts = [training_prompt(inst.caption, spec.class_noun, spec.identifier) for inst in spec.instances]
    inst_ids = tokenize(tokenizer, prompts, rt.device)
    cls_ids = tokenize(tokenizer, [class_prompt(spec.class_noun)], rt.device)
    progress.step(1)

    # What trains: in LoRA mode the adapters, in full mode every weight; a new-token identifier's
    # embedding row with its own learning rate (no weight decay pulling it to zero, every other row frozen).
    from diffusers import DDPMScheduler
    from diffusers.training_utils import cast_training_params

    embeddings = text_encoder.get_input_embeddings()
    if spec.mode == "lora":
        with torch.random.fork_rng(devices=[rt.device] if rt.device.type == "cuda" else []):
            torch.manual_seed(spec.seed)  # the adapters' random start, the same in every run of the job
            add_adapters(unet, text_encoder, spec.lora)
    else:
        unet.requires_grad_(True)
        text_encoder.requires_grad_(True)
    embeddings.weight.requires_grad_(token_id is not None or spec.mode == "full")
    if token_id is not None:
        embeddings.weight.register_hook(keep_rows_hook(embeddings.weight.shape[0], [token_id], rt.device))
    cast_training_params([unet, text_encoder], torch.float32)
    if gradient_checkpointing:
        unet.enable_gradient_checkpointing()
        text_encoder.activation_checkpointing_enable()
    unet.train()
    unet_params = [p for p in unet.parameters() if p.requires_grad]
    te_params = [p for p in text_encoder.parameters() if p.requires_grad]
    groups = [{"params": unet_params, "lr": spec.lr.unet}]
    if token_id is None:
        groups.append({"params": te_params, "lr": spec.lr.text_encoder})
    else:
        rest = [p for p in te_params if p is not embeddings.weight]
        groups.append({"params": rest, "lr": spec.lr.text_encoder})
        groups.append({"params": [embeddings.weight], "lr": spec.lr.identifier, "weight_decay": 0.0})
    optimizer = torch.optim.AdamW(groups, weight_decay=WEIGHT_DECAY, fused=rt.device.type == "cuda")
    noise_scheduler = DDPMScheduler.from_config(diffusion.scheduler_config)

    # Resume.
    start_step, losses, resumed = 0, [], None
    found = latest_checkpoint(out, print_)
    if found is not None:
        path, state = found
        load_trainable_state(
            spec.mode,
            unet,
            text_encoder,
            token_id,
            load_file(str(path / "trainable.safetensors"), device=str(rt.device)),
        )
        if (path / OPTIMIZER_FILE).is_file():
            optimizer.load_state_dict(torch.load(path / OPTIMIZER_FILE, map_location=rt.device, weights_only=True))
        # else a full-mode checkpoint: AdamW's moments restart from zero at the resumed step (and its bias
        # correction with them). The accepted trade-off for not writing 2x the weights' size (≈ 10 GB for
        # SD 2.1) at every checkpoint: a resumed full-mode job is close to, not exactly, an uninterrupted one.
        start_step, losses, resumed = state["step"], list(state["losses"]), state["step"]
        progress.emit({"event": "resumed", "step": start_step, "path": str(path)})

    pending: list[torch.Tensor] = []  # losses of the steps not read back yet

    def read_losses() -> None:
        if pending:
            losses.extend(round(v, 6) for v in torch.stack(pending).tolist())
            pending.clear()

    writer = BackgroundWriter()
    n, n_prior = spec.batch_size, spec.batch_size if class_paths else 0
    phase, cached, training = None, None, []
    progress.start("train", total, step=start_step)
    for step in range(start_step, total):
        if phase_at(step, te_steps, schedule) != phase:
            # A phase starts (or a resumed job re-enters one): the other model's weights are frozen. A
            # frozen text encoder's prompt embeddings are computed now, once, from its final weights.
            phase = phase_at(step, te_steps, schedule)
            trains_te, trains_unet = phase != UNET_PHASE, phase != TEXT_ENCODER_PHASE
            for p in unet_params:
                p.requires_grad_(trains_unet)
            for p in te_params:
                p.requires_grad_(trains_te)
            training = (unet_params if trains_unet else []) + (te_params if trains_te else [])
            text_encoder.train(trains_te)
            if not trains_te:
                with torch.no_grad(), rt.autocast_ctx():
                    cached = (text_encoder(inst_ids)[0].float(), text_encoder(cls_ids)[0].float())

        pick, generator = step_generators(spec.seed, step, rt.device)
        # non_blocking: a blocking host-to-device copy would wait for the GPU's queue every step.
        ii = torch.randint(len(photos), (n,), generator=pick).to(rt.device, non_blocking=True)
        ci = (
            torch.randint(len(class_paths), (n_prior,), generator=pick).to(rt.device, non_blocking=True)
            if n_prior
            else None
        )
        mean, std = inst_mean[ii], inst_std[ii]
        if n_prior:
            mean, std = torch.cat([mean, cls_mean[ci]]), torch.cat([std, cls_std[ci]])
        latents = (mean + std * torch.randn(mean.shape, generator=generator, device=rt.device)) * scaling

        if cached is None:
            ids = torch.cat([inst_ids[ii], cls_ids[torch.zeros_like(ci)]]) if n_prior else inst_ids[ii]
            with rt.autocast_ctx():
                encoder_hidden_states = text_encoder(ids)[0]
        else:
            encoder_hidden_states = cached[0][ii]
            if n_prior:
                encoder_hidden_states = torch.cat([encoder_hidden_states, cached[1].expand(n_prior, -1, -1)])

        loss = diffusion_loss(
            unet, noise_scheduler, latents, encoder_hidden_states, generator, rt, n_prior, spec.prior.weight
        )
        loss.backward()
        torch.nn.utils.clip_grad_norm_(training, MAX_GRAD_NORM)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        pending.append(loss.detach())  # read back in bulk: a read per step would wait for the GPU every step

        done = step + 1
        if done % spec.checkpoint_every == 0 and done < total:
            read_losses()
            state = trainable_state(spec.mode, unet, text_encoder, token_id)
            if spec.mode == "lora":  # a few MB: written here, with the optimizer's state
                path = save_checkpoint(out, done, print_, losses, state, optimizer.state_dict())
                progress.emit({"event": "checkpoint", "step": done, "path": str(path)})
            else:  # gigabytes: a CPU copy now, the write in the background, no optimizer state (see Resume)
                snapshot = {k: v.detach().to("cpu", copy=True) for k, v in state.items()}
                args = (out, done, print_, list(losses), snapshot, None)
                writer.submit(done, lambda args=args: save_checkpoint(*args))
        for written, path in writer.finished():
            progress.emit({"event": "checkpoint", "step": written, "path": str(path)})
        # The first step of each phase is always reported, so the worker sees the phase change.
        force = step in (start_step, te_steps)
        if progress.due(done, force):
            read_losses()
            progress.step(done, force=True, loss=losses[-1], phase=phase)
    read_losses()
    writer.wait()
    for written, path in writer.finished():
        progress.emit({"event": "checkpoint", "step": written, "path": str(path)})

    # Save the product's weights.
    progress.start("save", 1)
    meta = {
        "identifier": spec.identifier,
        "class_noun": spec.class_noun,
        "profile": profile.name,
        "base": profile.base,
        "mode": spec.mode,
        "identifier_mode": spec.identifier_mode,
        "sample_steps": sample_steps,  # generate's default for these weights (weights_meta.py)
    }
    if spec.mode == "lora":
        artifact = out / LORA_FILE
        size = save_artifact(artifact, unet, text_encoder, token_id, spec.lora, meta)
    else:
        artifact = out / FULL_DIR
        shutil.rmtree(artifact, ignore_errors=True)
        for model, name in ((unet, "unet"), (text_encoder, "text_encoder")):
            if model.dtype != rt.dtype:  # float32 master weights -> the profile's dtype (bf16 on CUDA)
                model.to(rt.dtype)
            model.save_pretrained(artifact / name)
        tokenizer.save_pretrained(artifact / "tokenizer")
        (artifact / FULL_WEIGHTS_META).write_text(json.dumps(meta))
        size = sum(f.stat().st_size for f in artifact.rglob("*") if f.is_file())
    progress.step(1)

    result: TrainResult = {
        "command": "train",
        "profile": profile.name,
        "random_weights": profile.random_weights,
        "mode": spec.mode,
        "artifact": str(artifact),
        "artifact_bytes": size,
        "class_noun": spec.class_noun,
        "identifier": spec.identifier,
        "identifier_mode": spec.identifier_mode,
        "identifier_token_id": token_id,
        "prompts": prompts,
        "steps": {
            "unet": unet_steps,
            "unet_requested": spec.steps.unet,
            "text_encoder": te_steps,
            "text_encoder_schedule": schedule,
            "total": total,
        },
        "adaptive": subject,
        "sample_steps": sample_steps,
        "lr": {"unet": spec.lr.unet, "text_encoder": spec.lr.text_encoder, "identifier": spec.lr.identifier},
        "prior": {
            "enabled": spec.prior.enabled,
            "class_prompt": class_prompt(spec.class_noun),
            "num_class_images": len(class_paths),
            "weight": spec.prior.weight,
            "class_images_dir": str(class_image_dir(cache_root, profile, spec.class_noun))
            if spec.prior.enabled
            else None,
            "class_images_generated": class_generated,
        },
        "lora": asdict(spec.lora) if spec.mode == "lora" else None,
        "seed": spec.seed,
        "device": str(rt.device),
        "gradient_checkpointing": gradient_checkpointing,
        "losses": losses,
        "resumed_from_step": resumed,
        "fingerprint": print_,
        "elapsed_s": round(time.monotonic() - started, 2),
    }
    if profile.random_weights:
        result["note"] = "tiny profile: randomly initialised models, the weights learn nothing useful"
    (out / RESULT_FILE).write_text(json.dumps(result, indent=2))
    for old in checkpoints(out):
        shutil.rmtree(old, ignore_errors=True)
    return result
