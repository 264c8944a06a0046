"""The LoRA artifact: saved, reloaded and re-saved, it gives the same images for the same seed."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file

from scenebooth_tuner.generate import run_generate
from scenebooth_tuner.lora import apply_artifact, read_artifact, save_artifact
from scenebooth_tuner.models import load_diffusion
from scenebooth_tuner.profiles import get_profile
from scenebooth_tuner.progress import Progress
from scenebooth_tuner.runtime import runtime_for
from scenebooth_tuner.spec import LoraSpec, parse_generate, parse_train
from scenebooth_tuner.train import run_train


@pytest.fixture(scope="module")
def artifact(photos, tmp_path_factory):
    out = tmp_path_factory.mktemp("lora")
    spec = parse_train(
        {
            "profile": "tiny",
            "class_noun": "teapot",
            "instances": [{"image": str(p)} for p in photos],
            "steps": {"unet": 10, "text_encoder": 4, "adaptive": False},
            "lr": {"unet": 1e-2, "text_encoder": 1e-2},  # large, so the adapters visibly change the images
            "prior": {"enabled": False},
            "output_dir": str(out),
        }
    )
    return run_train(spec, Progress(io.StringIO()))["artifact"]


def render(weights, out, seed=11) -> list[np.ndarray]:
    spec = parse_generate(
        {
            "profile": "tiny",
            "class_noun": "teapot",
            "weights": weights,
            "scenes": [5],
            "num_images": 2,
            "steps": 8,
            "seed": seed,
            "output_dir": str(out),
        }
    )
    result = run_generate(spec, Progress(io.StringIO()))
    return [np.asarray(Image.open(img["path"])) for img in result["images"]]


def test_reloaded_artifact_gives_identical_images(artifact, tmp_path):
    first = render(artifact, tmp_path / "a")
    second = render(artifact, tmp_path / "b")  # a fresh load of base + artifact
    for x, y in zip(first, second, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], first[1])  # two seeds, two images

    # Load it into a model, save it again: same tensors, same images.
    rt = runtime_for(get_profile("tiny"))
    diffusion = load_diffusion(get_profile("tiny"), rt)
    meta = apply_artifact(artifact, diffusion, "teapot", "<myteapot>", merge=False)
    assert meta["identifier_mode"] == "plain"  # no token of its own (test_recipe.py has the new-token variant)
    copy = tmp_path / "copy.safetensors"
    spec = LoraSpec(rank=int(meta["rank"]), alpha=float(meta["alpha"]))
    save_artifact(
        copy,
        diffusion.unet,
        diffusion.text_encoder,
        None,
        spec,
        {k: meta[k] for k in ("identifier", "class_noun", "profile", "base", "mode", "identifier_mode")},
    )
    original, resaved = load_file(str(artifact)), load_file(str(copy))
    assert original.keys() == resaved.keys()
    for key in original:
        assert torch.equal(original[key], resaved[key]), key
    for x, y in zip(first, render(str(copy), tmp_path / "c"), strict=True):
        np.testing.assert_array_equal(x, y)


def test_the_adapters_change_the_images(artifact, tmp_path):
    tuned = render(artifact, tmp_path / "tuned")
    # The base model does not know <myteapot>: add nothing, just compare with the plain base model.
    base = render(None, tmp_path / "base")
    assert not np.array_equal(tuned[0], base[0])


def test_artifact_metadata_and_foreign_files(artifact, tmp_path):
    state, meta = read_artifact(artifact)
    assert meta["format"] == "scenebooth-lora/1" and meta["class_noun"] == "teapot" and meta["base"] == "tiny"
    assert all(v.dtype == torch.float16 for v in state.values())
    from scenebooth_tuner.errors import TunerError

    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not safetensors")
    with pytest.raises(TunerError) as info:
        read_artifact(junk)
    assert info.value.code == "bad_input"


def test_identifier_must_match_the_artifact(artifact, tmp_path):
    from scenebooth_tuner.errors import TunerError

    spec = parse_generate(
        {
            "profile": "tiny",
            "class_noun": "teapot",
            "identifier": "<sks>",
            "weights": artifact,
            "scenes": [5],
            "num_images": 1,
            "output_dir": str(tmp_path),
        }
    )
    with pytest.raises(TunerError) as info:
        run_generate(spec, Progress(io.StringIO()))
    assert info.value.code == "bad_spec" and info.value.details["field"] == "identifier"
