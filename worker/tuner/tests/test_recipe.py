"""The paper's recipe as the tuner runs it (docs/recipe.md): the identifier is plain text, the text encoder
trains alone before the UNet, and the variants (a new-token identifier, the joint schedule) stay options."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import torch
from conftest import Capture
from safetensors.torch import load_file

from scenebooth_tuner.lora import apply_artifact, read_artifact
from scenebooth_tuner.models import load_diffusion
from scenebooth_tuner.profiles import get_profile
from scenebooth_tuner.progress import Progress
from scenebooth_tuner.prompts import class_prompt, training_prompt
from scenebooth_tuner.runtime import runtime_for
from scenebooth_tuner.spec import parse_train
from scenebooth_tuner.train import identifier_token, run_train

TINY = get_profile("tiny")


def spec_for(photos, out, **extra) -> dict:
    return {
        "profile": "tiny",
        "class_noun": "vase",
        "instances": [{"image": str(p)} for p in photos],
        "output_dir": str(out),
        "prior": {"enabled": False},
        **extra,
    }


def fresh_models(float32: bool = False):
    return load_diffusion(TINY, runtime_for(TINY), float32=float32)


def input_embeddings(diffusion, text: str) -> torch.Tensor:
    ids = diffusion.tokenizer(text, return_tensors="pt").input_ids
    return diffusion.text_encoder.get_input_embeddings()(ids)[0]


@pytest.mark.parametrize("identifier_mode", ["plain", "new_token"])
def test_the_default_identifier_is_text_of_its_own_not_a_copy_of_the_class_noun(photos, tmp_path, identifier_mode):
    """The paper's identifier is a plain string: "a vase <myvase>" is a token sequence of its own from the
    first step. A new token whose row starts as the class noun's makes it "a vase vase" until trained."""
    default = parse_train(spec_for(photos, tmp_path))
    assert default.identifier_mode == "plain"
    spec = parse_train(spec_for(photos, tmp_path, identifier_mode=identifier_mode))
    diffusion = fresh_models()
    base_vocabulary = len(diffusion.tokenizer)
    token_id = identifier_token(spec, diffusion.tokenizer, diffusion.text_encoder)

    instance = training_prompt(None, "vase", spec.identifier)
    assert instance == "a vase <myvase>"
    instance_ids = diffusion.tokenizer(instance).input_ids
    assert instance_ids != diffusion.tokenizer(class_prompt("vase")).input_ids
    seen = input_embeddings(diffusion, instance)
    class_noun_twice = input_embeddings(diffusion, "a vase vase")
    copies_the_class = seen.shape == class_noun_twice.shape and torch.equal(seen, class_noun_twice)
    if identifier_mode == "plain":
        assert token_id is None and max(instance_ids) < base_vocabulary  # ordinary pieces of the vocabulary
        assert not copies_the_class
    else:
        assert token_id == base_vocabulary and copies_the_class


class KeepCheckpoints(Capture):
    """A progress stream that copies each checkpoint as it is reported (a job keeps only its latest)."""

    def __init__(self, into: Path) -> None:
        super().__init__()
        self.into = into

    def write(self, text: str) -> int:
        if '"event":"checkpoint"' in text:
            path = Path(json.loads(text)["path"])
            shutil.copytree(path, self.into / path.name)
        return super().write(text)


def weights_of(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    assert a.keys() == b.keys()
    return all(torch.equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("schedule", ["separate", "joint"])
def test_the_text_encoder_trains_alone_first_then_the_unet_alone(photos, tmp_path, schedule):
    """Full mode, 4 text-encoder steps and 6 UNet steps, a checkpoint at the end of the text-encoder phase:
    in the separate schedule (the default) the UNet there is still the base model's, and the text encoder
    there is already the final one. The joint schedule trains the UNet from the first step."""
    kept = tmp_path / "kept"
    kept.mkdir()
    data = spec_for(
        photos,
        tmp_path / "job",
        mode="full",
        steps={"unet": 6, "text_encoder": 4, "text_encoder_schedule": schedule, "adaptive": False},
        lr={"unet": 1e-4, "text_encoder": 1e-4},
        checkpoint_every=4,
    )
    if schedule == "separate":
        assert parse_train({k: v for k, v in data.items() if k != "steps"}).steps.text_encoder_schedule == schedule
    stream = KeepCheckpoints(kept)
    result = run_train(parse_train(data), Progress(stream))
    phases = [e.get("phase") for e in stream.events if e["event"] == "progress" and e["stage"] == "train"]
    total = 10 if schedule == "separate" else 6
    assert result["steps"]["total"] == total and len(result["losses"]) == total

    base = fresh_models(float32=True)
    base_unet, base_te = base.unet.state_dict(), base.text_encoder.state_dict()
    at_phase_end = load_file(str(kept / "checkpoint-000004" / "trainable.safetensors"))
    weights = Path(result["artifact"])
    final_unet = load_file(str(weights / "unet" / "diffusion_pytorch_model.safetensors"))
    final_te = load_file(str(weights / "text_encoder" / "model.safetensors"))

    assert not same(weights_of(at_phase_end, "text_encoder."), base_te)  # the text-encoder phase trained it
    assert same(weights_of(at_phase_end, "text_encoder."), final_te)  # and nothing changed it afterwards
    assert not same(final_unet, base_unet)
    if schedule == "separate":
        assert same(weights_of(at_phase_end, "unet."), base_unet)  # frozen during the text-encoder phase
        assert phases[1] == "text_encoder" and phases[-1] == "unet"
    else:
        assert not same(weights_of(at_phase_end, "unet."), base_unet)
        assert phases[1] == "unet+text_encoder" and phases[-1] == "unet"


def test_a_new_token_identifier_trains_its_row_at_its_own_rate_and_loads_again(photos, tmp_path):
    spec = parse_train(
        spec_for(
            photos, tmp_path, identifier_mode="new_token", steps={"unet": 1, "text_encoder": 3, "adaptive": False}
        )
    )
    result = run_train(spec, Progress(io.StringIO()))
    assert result["identifier_mode"] == "new_token" and result["lr"]["identifier"] == 5e-4
    state, meta = read_artifact(Path(result["artifact"]))
    assert meta["identifier_mode"] == "new_token"

    base = fresh_models()
    class_row = input_embeddings(base, "vase")[1]  # [bos, vase, eos]
    moved = (state["identifier_embedding"][0].float() - class_row).abs().max().item()
    # Adam moves a coordinate by about its lr per step: 3 steps at 5e-4, where the text encoder's 5e-5 would
    # give 1.5e-4 at most.
    assert moved > 5e-4

    apply_artifact(Path(result["artifact"]), base, "vase", "<myvase>")
    token_id = base.tokenizer.convert_tokens_to_ids("<myvase>")
    assert token_id == result["identifier_token_id"]
    loaded = base.text_encoder.get_input_embeddings().weight[token_id]
    assert torch.equal(loaded, state["identifier_embedding"][0].to(loaded.dtype))
