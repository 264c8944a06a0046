"""The resident models of `serve`: a profile's base diffusion parts, loaded once per process and lent to each
job, and the captioner, loaded when a caption job needs it and released when memory is tight.

What a job changes in the lent models is undone when it ends, so no product's weights reach the next job:
LoRA adapters are taken out again (generate does not merge them while the models are shared, see
lora.apply_artifact), the identifier's embedding row is cut off, and every part is put back in eval mode,
frozen, in its dtype, on its device. The tokenizer is lent as a copy. Full fine-tuning changes every weight,
so it trains on a UNet and text encoder read afresh (as does generating from a full fine-tune's folder);
only the VAE is shared then.
"""

from __future__ import annotations

import copy
import hashlib
import os
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
from peft.tuners.tuners_utils import BaseTunerLayer

from .models import Diffusion, read_captioner, read_frozen, read_tunable
from .profiles import Profile
from .runtime import Runtime, free_memory

# Before a diffusion job on a GPU, the captioner (BLIP-2 is ~8 GB in bf16) is released when less than this is free.
MIN_FREE_GB_ENV = "SCENEBOOTH_MIN_FREE_GB"
DEFAULT_MIN_FREE_GB = 24.0


@dataclass
class Resident:
    rt: Runtime
    tokenizer: object
    text_encoder: torch.nn.Module
    unet: torch.nn.Module
    vae: torch.nn.Module
    scheduler_config: dict
    vocab: int = field(init=False)

    def __post_init__(self) -> None:
        self.vocab = self.text_encoder.get_input_embeddings().num_embeddings


def adapter_layers(model: torch.nn.Module) -> int:
    return sum(isinstance(m, BaseTunerLayer) for m in model.modules())


def remove_adapters(model: torch.nn.Module) -> None:
    """Put each PEFT-wrapped module's base layer back in its place (unmerged adapters leave it untouched)."""
    for name, module in list(model.named_modules()):
        if isinstance(module, BaseTunerLayer):
            if module.merged:
                raise RuntimeError(f"{name}: a merged adapter cannot be taken out exactly")
            parent, _, child = name.rpartition(".")
            setattr(model.get_submodule(parent) if parent else model, child, module.get_base_layer())
    if hasattr(model, "peft_config"):
        del model.peft_config


class ModelCache:
    def __init__(self) -> None:
        self._residents: dict[tuple, Resident] = {}
        self._lent: set[tuple] = set()
        self._captioner: tuple[tuple, object, torch.nn.Module] | None = None

    # ------------------------------------------------------------------------------ models.py's provider

    def diffusion(self, profile: Profile, rt: Runtime, tuned_dir: Path | None, float32: bool) -> Diffusion:
        key = self._key(profile, rt)
        resident = self._resident(key, profile, rt)
        if key in self._lent:  # a second attempt in the same job (an OOM retry) starts from the base again
            self._restore(key)
        self._lent.add(key)
        if tuned_dir is not None or float32:
            tokenizer, text_encoder, unet = read_tunable(profile, rt, tuned_dir, float32)
        else:
            tokenizer, text_encoder, unet = copy.deepcopy(resident.tokenizer), resident.text_encoder, resident.unet
        return Diffusion(tokenizer, text_encoder, unet, resident.vae, dict(resident.scheduler_config), shared=True)

    def captioner(self, profile: Profile, rt: Runtime):
        key = (profile.name, profile.captioner, profile.captioner_revision, str(rt.device), str(rt.dtype))
        if self._captioner is None or self._captioner[0] != key:
            self.release_captioner()
            self._captioner = (key, *read_captioner(profile, rt))
        return self._captioner[1], self._captioner[2]

    # ------------------------------------------------------------------------------ serve's side

    def preload(self, profile: Profile, rt: Runtime) -> None:
        """The profile's base model resident now, not at the first job."""
        self._resident(self._key(profile, rt), profile, rt)

    @contextmanager
    def job(self, command: str):
        """Around each job: make room before it, undo its changes after it, whatever way it ends."""
        if command != "caption" and self._captioner is not None and self._memory_tight():
            self.release_captioner()
        try:
            yield
        finally:
            for key in list(self._lent):
                self._restore(key)
            free_memory()

    def release_captioner(self) -> None:
        self._captioner = None
        free_memory()

    def make_room(self, command: str) -> bool:
        """After an out-of-memory error: drop the models the command does not use (the diffusion models
        for a caption job, the captioner for the others). False when there was nothing to drop."""
        if command == "caption":
            dropped = bool(self._residents)
            self._residents.clear()
            self._lent.clear()
        else:
            dropped = self._captioner is not None
            self._captioner = None
        return dropped

    def describe(self, fingerprint: bool = False) -> dict:
        return {
            "residents": [
                {
                    "base": key[0],
                    "device": key[2],
                    "dtype": key[3],
                    "adapter_layers": adapter_layers(r.unet) + adapter_layers(r.text_encoder),
                    "vocab": r.text_encoder.get_input_embeddings().num_embeddings,
                    **({"fingerprint": _fingerprint(r)} if fingerprint else {}),
                }
                for key, r in self._residents.items()
            ],
            "captioner": self._captioner is not None,
        }

    # ------------------------------------------------------------------------------ internals

    @staticmethod
    def _key(profile: Profile, rt: Runtime) -> tuple:
        return (profile.base, profile.base_revision, str(rt.device), str(rt.dtype))

    def _resident(self, key: tuple, profile: Profile, rt: Runtime) -> Resident:
        if key not in self._residents:
            # One base at a time: another profile's models leave the accelerator first.
            self._residents.clear()
            self._lent.clear()
            free_memory()
            vae, scheduler_config = read_frozen(profile, rt)
            tokenizer, text_encoder, unet = read_tunable(profile, rt)
            self._residents[key] = Resident(rt, tokenizer, text_encoder, unet, vae, scheduler_config)
        return self._residents[key]

    def _restore(self, key: tuple) -> None:
        self._lent.discard(key)
        resident = self._residents.get(key)
        if resident is None:
            return
        try:
            _restore(resident)
        except Exception as exc:  # noqa: BLE001 - a base that cannot be restored is read again by the next job
            print(
                f"scenebooth_tuner: dropping the resident models, they could not be restored: {exc!r}", file=sys.stderr
            )
            del self._residents[key]

    def _memory_tight(self) -> bool:
        if not torch.cuda.is_available():
            return False
        try:
            limit = float(os.environ.get(MIN_FREE_GB_ENV, "") or DEFAULT_MIN_FREE_GB)
        except ValueError:
            limit = DEFAULT_MIN_FREE_GB
        free, _total = torch.cuda.mem_get_info()
        return free < limit * 2**30


def _restore(r: Resident) -> None:
    for model in (r.unet, r.text_encoder):
        remove_adapters(model)
    if r.text_encoder.get_input_embeddings().num_embeddings != r.vocab:
        r.text_encoder.resize_token_embeddings(r.vocab, mean_resizing=False)
    if r.unet.is_gradient_checkpointing:
        r.unet.disable_gradient_checkpointing()
    if r.text_encoder.is_activation_checkpointing:
        r.text_encoder.activation_checkpointing_disable()
    for model in (r.unet, r.text_encoder, r.vae):
        for param in model.parameters():
            if param.dtype != r.rt.dtype:  # the training made the trained parameters float32
                param.data = param.data.to(r.rt.dtype)
        model.requires_grad_(False).eval().to(r.rt.device)


def _fingerprint(r: Resident) -> str:
    """A hash of every weight of the resident models (tests: nothing a job did is left in them)."""
    digest = hashlib.sha256()
    for name, model in (("unet", r.unet), ("text_encoder", r.text_encoder), ("vae", r.vae)):
        for key, tensor in sorted(model.state_dict().items()):
            digest.update(f"{name}.{key}".encode())
            digest.update(tensor.detach().to("cpu").contiguous().reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]
