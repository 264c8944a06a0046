"""Device, dtype and CPU threads for a job, and recognising out-of-memory errors."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

import torch

from .profiles import Profile

if TYPE_CHECKING:
    from .progress import Progress

S = TypeVar("S")
R = TypeVar("R")


@dataclass(frozen=True)
class Runtime:
    device: torch.device
    dtype: torch.dtype  # frozen weights; trainable weights stay float32
    autocast: bool  # mixed precision (CUDA + a half dtype)
    channels_last: bool = False  # models.load_diffusion puts the UNet and VAE in NHWC
    compile: bool = False  # models.load_diffusion compiles the UNet

    def autocast_ctx(self):
        if not self.autocast:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.dtype)


def set_threads(profile: Profile | None = None) -> int:
    """SCENEBOOTH_THREADS, else the profile's count, else one intra-op thread per core; inter-op
    parallelism only oversubscribes."""
    raw = os.environ.get("SCENEBOOTH_THREADS", "").strip()
    if raw.isdigit() and int(raw) > 0:
        threads = int(raw)
    elif profile is not None and profile.cpu_threads > 0:
        threads = profile.cpu_threads
    else:
        threads = len(os.sched_getaffinity(0)) or 1
    torch.set_num_threads(threads)
    with contextlib.suppress(RuntimeError):  # only settable before the first parallel region
        torch.set_num_interop_threads(1)
    return threads


GEN_BATCH_ENV = "SCENEBOOTH_GEN_BATCH"
COMPILE_ENV = "SCENEBOOTH_COMPILE"
CHANNELS_LAST_ENV = "SCENEBOOTH_CHANNELS_LAST"
TF32_ENV = "SCENEBOOTH_TF32"
# Sampling memory per image at 768 px in bf16 (the UNet with CFG, then the VAE decoding the whole batch) and
# what the weights and CUDA keep: estimates, not measured here (the GPU bench measures the batches); an
# out-of-memory error halves the batch (generate.py).
GIB_PER_IMAGE, GIB_RESERVED, MAX_GEN_BATCH = 3, 10, 16


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    return default


def runtime_for(profile: Profile, device: str | None = None) -> Runtime:
    """`device`: "cpu", "cuda" or None/"auto" (the profile's choice: CUDA when present, unless it says cpu).
    The profile's speed switches, or their SCENEBOOTH_* overrides, come with it; TF32 is set process-wide."""
    wanted = device or profile.device
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(wanted)
    switches = dict(
        channels_last=_flag(CHANNELS_LAST_ENV, profile.channels_last), compile=_flag(COMPILE_ENV, profile.compile)
    )
    if dev.type == "cuda":
        tf32 = _flag(TF32_ENV, profile.tf32)
        torch.backends.cuda.matmul.allow_tf32 = tf32
        torch.backends.cudnn.allow_tf32 = tf32
        dtype = getattr(torch, profile.dtype)
        return Runtime(dev, dtype, autocast=dtype != torch.float32, **switches)
    return Runtime(dev, torch.float32, autocast=False, **switches)


def generation_batch(profile: Profile, rt: Runtime) -> int:
    """Images per sampling call: SCENEBOOTH_GEN_BATCH, else the profile's, else what fits the card."""
    raw = os.environ.get(GEN_BATCH_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    if profile.gen_batch > 0:
        return profile.gen_batch
    if rt.device.type == "cuda":
        total_gib = torch.cuda.get_device_properties(rt.device).total_memory / 2**30
        return max(1, min(MAX_GEN_BATCH, int((total_gib - GIB_RESERVED) // GIB_PER_IMAGE)))
    return 4


def is_oom(exc: BaseException) -> bool:
    return isinstance(exc, torch.OutOfMemoryError) or "out of memory" in str(exc).lower()


def free_memory() -> None:
    import gc

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def retry_on_oom(attempt: Callable[[S], R], setting: S, fallback: S | None, progress: Progress, message: str) -> R:
    """`attempt(setting)`; when it runs out of memory, once more with `fallback` (a memory saver: a
    smaller batch, gradient checkpointing), after an `oom_retry` warning. No fallback: no retry."""
    try:
        return attempt(setting)
    except Exception as exc:
        if fallback is None or not is_oom(exc):
            raise
    # Retried outside the except block, so the failed attempt's tensors (held by the traceback) are freed.
    free_memory()
    progress.emit({"event": "warning", "code": "oom_retry", "message": message})
    return attempt(fallback)


def seeded(seed: int, device: torch.device) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)
