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


def runtime_for(profile: Profile, device: str | None = None) -> Runtime:
    """`device`: "cpu", "cuda" or None/"auto" (the profile's choice: CUDA when present, unless it says cpu)."""
    wanted = device or profile.device
    if wanted == "auto":
        wanted = "cuda" if torch.cuda.is_available() else "cpu"
    dev = torch.device(wanted)
    if dev.type == "cuda":
        dtype = getattr(torch, profile.dtype)
        return Runtime(dev, dtype, autocast=dtype != torch.float32)
    return Runtime(dev, torch.float32, autocast=False)


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
