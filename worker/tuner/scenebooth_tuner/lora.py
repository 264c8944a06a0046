"""The LoRA artifact: UNet and text-encoder adapters (plus, for a new-token identifier, its embedding), one
safetensors file.

Keys: `unet.<peft key>` and `text_encoder.<peft key>` (diffusers' naming for PEFT LoRA weights) and, in
identifier mode "new_token" only, `identifier_embedding` ([1, hidden]). The header metadata names the
format, class noun, identifier, identifier mode, rank, alpha and target modules, so the file is loaded
with nothing else but the base model.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from peft import LoraConfig, inject_adapter_in_model
from peft.tuners.tuners_utils import BaseTunerLayer
from peft.utils import get_peft_model_state_dict, set_peft_model_state_dict
from safetensors.torch import load_file, safe_open, save_file

from .errors import TunerError
from .models import Diffusion, add_identifier_token
from .spec import LoraSpec

FORMAT = "scenebooth-lora/1"


def lora_configs(spec: LoraSpec) -> tuple[LoraConfig, LoraConfig]:
    def config(targets):
        return LoraConfig(
            r=spec.rank, lora_alpha=spec.alpha, init_lora_weights="gaussian", target_modules=list(targets)
        )

    return config(spec.unet_targets), config(spec.text_encoder_targets)


def add_adapters(unet: torch.nn.Module, text_encoder: torch.nn.Module, spec: LoraSpec) -> None:
    """Inject trainable LoRA layers (adapter "default") next to the frozen target modules."""
    unet_config, text_config = lora_configs(spec)
    inject_adapter_in_model(unet_config, unet)
    inject_adapter_in_model(text_config, text_encoder)


def adapter_state(unet, text_encoder, identifier_row: torch.Tensor | None) -> dict[str, torch.Tensor]:
    state = {f"unet.{k}": v for k, v in get_peft_model_state_dict(unet).items()}
    state.update({f"text_encoder.{k}": v for k, v in get_peft_model_state_dict(text_encoder).items()})
    if identifier_row is not None:
        state["identifier_embedding"] = identifier_row.reshape(1, -1)
    return state


def identifier_row(text_encoder, token_id: int | None) -> torch.Tensor | None:
    return None if token_id is None else text_encoder.get_input_embeddings().weight[token_id]


def load_adapter_state(unet, text_encoder, token_id: int | None, state: dict[str, torch.Tensor]) -> None:
    for prefix, model in (("unet.", unet), ("text_encoder.", text_encoder)):
        part = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
        result = set_peft_model_state_dict(model, part)
        if getattr(result, "unexpected_keys", None):
            raise TunerError("bad_input", f"LoRA weights do not fit the model: {result.unexpected_keys[:3]}")
    if token_id is None:
        return
    weight = text_encoder.get_input_embeddings().weight
    with torch.no_grad():
        weight[token_id] = state["identifier_embedding"][0].to(weight.device, weight.dtype)


def save_artifact(
    path: Path, unet, text_encoder, token_id: int | None, spec: LoraSpec, meta: dict, dtype=torch.float16
) -> int:
    """Write the artifact atomically; returns its size in bytes. `token_id`: the new-token identifier's, or None."""
    row = identifier_row(text_encoder, token_id)
    state = {k: v.detach().to("cpu", dtype).contiguous() for k, v in adapter_state(unet, text_encoder, row).items()}
    header = {
        "format": FORMAT,
        "rank": str(spec.rank),
        "alpha": str(spec.alpha),
        "unet_targets": json.dumps(list(spec.unet_targets)),
        "text_encoder_targets": json.dumps(list(spec.text_encoder_targets)),
        **{k: str(v) for k, v in meta.items()},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    save_file(state, str(tmp), metadata=header)
    tmp.replace(path)
    return path.stat().st_size


def read_artifact(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        state = load_file(str(path))
    except Exception as exc:  # safetensors raises its own error types for bad headers
        raise TunerError(
            "bad_input", f"weights: {str(path)!r} is not a safetensors file ({exc})", field="weights"
        ) from exc
    if meta.get("format") != FORMAT:
        raise TunerError("bad_input", f"weights: {str(path)!r} is not a SceneBooth LoRA artifact", field="weights")
    return state, meta


def apply_artifact(path: Path, diffusion: Diffusion, class_noun: str, identifier: str, merge: bool = True) -> dict:
    """Add the artifact's adapters (and a new-token identifier's token) to the base `diffusion`; merge them
    into the weights (faster sampling) unless `merge` is False or the models are shared (serve's resident
    models: the adapters are taken out again after the job, which merged weights would not allow exactly).
    Returns the artifact's metadata."""
    state, meta = read_artifact(path)
    if meta.get("identifier") and meta["identifier"] != identifier:
        raise TunerError(
            "bad_spec",
            f"identifier {identifier!r} does not match the weights' {meta['identifier']!r}",
            field="identifier",
        )
    spec = LoraSpec(
        rank=int(meta["rank"]),
        alpha=float(meta["alpha"]),
        unet_targets=tuple(json.loads(meta["unet_targets"])),
        text_encoder_targets=tuple(json.loads(meta["text_encoder_targets"])),
    )
    token_id = None
    if artifact_identifier_mode(state, meta) == "new_token":
        token_id = add_identifier_token(diffusion.tokenizer, diffusion.text_encoder, identifier, class_noun)
    add_adapters(diffusion.unet, diffusion.text_encoder, spec)
    load_adapter_state(diffusion.unet, diffusion.text_encoder, token_id, state)
    for model in (diffusion.unet, diffusion.text_encoder):
        model.requires_grad_(False)
        if merge and not diffusion.shared:
            for module in model.modules():
                if isinstance(module, BaseTunerLayer):
                    module.merge()
    return meta


def artifact_identifier_mode(state: dict, meta: dict) -> str:
    """The metadata's `identifier_mode`; artifacts from before it was recorded all used a new token."""
    return meta.get("identifier_mode") or ("new_token" if "identifier_embedding" in state else "plain")
