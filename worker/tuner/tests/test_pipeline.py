"""End to end through the CLI on the tiny profile: caption -> train (lora and full, with prior preservation,
the text-encoder phase and the adaptive rule) -> generate (a scene of it in exact mode), as the Node worker
runs it."""

from __future__ import annotations

import json
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import make_layer, run_cli
from PIL import Image
from safetensors import safe_open

from scenebooth_tuner.images import png_metadata
from scenebooth_tuner.prompts import SCENES

# The synthetic photos are plain: the adaptive rule finds the subject simple (0.6 x 24 UNet steps, 20 sampling steps).
STEPS = {"unet": 24, "text_encoder": 8, "adaptive": True}


@pytest.fixture(scope="module")
def chain(tmp_path_factory, photos):
    work = tmp_path_factory.mktemp("chain")
    started = time.monotonic()
    common = {"profile": "tiny", "class_noun": "sneaker", "seed": 3}
    caption = run_cli(
        "caption", {**common, "images": [str(p) for p in photos], "output_dir": str(work / "captions")}, work
    )
    instances = [{"image": c["image"], "caption": c["prompt"]} for c in caption.last["captions"]]
    train = {
        mode: run_cli(
            "train",
            {
                **common,
                "mode": mode,
                "instances": instances,
                "steps": STEPS,
                "output_dir": str(work / f"train-{mode}"),
            },
            work,
        )
        for mode in ("lora", "full")
    }
    layer = make_layer(work / "layer.png")
    generate = {
        mode: run_cli(
            "generate",
            {
                **common,
                "weights": train[mode].last["artifact"],
                "scenes": [8, 18, "on a red carpet"],
                "layers": [None, None, str(layer)],  # the last scene around the product's own pixels
                "num_images": 2,
                "output_dir": str(work / f"generate-{mode}"),
            },
            work,
        )
        for mode in ("lora", "full")
    }
    return SimpleNamespace(
        caption=caption, train=train, generate=generate, elapsed=time.monotonic() - started, work=work
    )


def test_chain_runs(chain):
    runs = [chain.caption, *chain.train.values(), *chain.generate.values()]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.last["event"] == "result"
        assert all(e["event"] in ("progress", "checkpoint", "result", "resumed") for e in run.events)
        for e in run.of("progress"):
            assert {"stage", "step", "total", "eta_s"} <= set(e) and 0 <= e["step"] <= e["total"]
    # Its duration (under 2 minutes on 2 cores) is reported, not asserted: timings belong to benchmarks.
    print(f"caption -> train lora + full -> generate lora + full: {chain.elapsed:.1f} s")


def test_captions_start_with_the_class_and_carry_the_identifier(chain, photos):
    result = chain.caption.last
    assert result["question"] == "Question: Based on the image, describe the context starting with 'a sneaker'?"
    assert [c["image"] for c in result["captions"]] == [str(p) for p in photos]
    for c in result["captions"]:
        assert c["caption"].startswith("a sneaker")
        assert c["prompt"].startswith("a sneaker <mysneaker>")
    assert result["random_weights"] and "noise" in result["note"]
    assert json.loads((chain.work / "captions" / "result.json").read_text())["captions"] == result["captions"]


def test_training_has_a_text_encoder_phase_then_a_unet_phase(chain):
    for mode, run in chain.train.items():
        result = run.last
        assert result["mode"] == mode
        assert result["steps"] == {
            "unet": 14,
            "unet_requested": 24,
            "text_encoder": 8,
            "text_encoder_schedule": "separate",
            "total": 22,
        }
        assert result["adaptive"]["simple"] and result["sample_steps"] == 20
        assert len(result["losses"]) == 22
        phases = [e["phase"] for e in run.of("progress") if e["stage"] == "train" and "phase" in e]
        assert phases[0] == "text_encoder" and phases[-1] == "unet"
        assert result["prompts"][0].startswith("a sneaker <mysneaker>")
        assert result["identifier_mode"] == "plain" and result["identifier_token_id"] is None
        assert not list(Path(result["artifact"]).parent.glob("checkpoint-*"))  # cleaned up once saved


def test_prior_preservation_images_are_generated_once_per_class(chain):
    first, second = chain.train["lora"], chain.train["full"]
    for run in (first, second):
        prior = run.last["prior"]
        assert prior["enabled"] and prior["class_prompt"] == "a sneaker" and prior["num_class_images"] == 4
    folder = Path(first.last["prior"]["class_images_dir"])
    assert sorted(p.name for p in folder.glob("*.png")) == ["0000.png", "0001.png", "0002.png", "0003.png"]
    assert png_metadata(folder / "0002.png")["prompt"] == "a sneaker"
    generated = lambda run: [e["total"] for e in run.of("progress") if e["stage"] == "class_images"]  # noqa: E731
    assert generated(first)[0] > 0 and generated(second) == [0]  # the second product reuses the cache


def test_lora_artifact_is_small_and_holds_both_adapters(chain):
    result = chain.train["lora"].last
    path = Path(result["artifact"])
    assert path.name == "lora.safetensors" and result["artifact_bytes"] == path.stat().st_size
    with safe_open(str(path), framework="pt") as f:
        meta, keys = f.metadata(), list(f.keys())
        te_b = [f.get_tensor(k) for k in keys if k.startswith("text_encoder.") and "lora_B" in k]
        unet_b = [f.get_tensor(k) for k in keys if k.startswith("unet.") and "lora_B" in k]
    assert meta["format"] == "scenebooth-lora/1" and meta["identifier"] == "<mysneaker>" and meta["rank"] == "8"
    assert (meta["identifier_mode"], meta["sample_steps"]) == ("plain", "20")
    # lora_B starts at zero: non-zero means its phase trained it
    assert te_b and any(t.abs().sum() > 0 for t in te_b)
    assert unet_b and any(t.abs().sum() > 0 for t in unet_b)
    assert "identifier_embedding" not in keys  # a plain identifier has no embedding row of its own


def test_full_weights_folder(chain):
    folder = Path(chain.train["full"].last["artifact"])
    assert {p.name for p in folder.iterdir()} >= {"unet", "text_encoder", "tokenizer", "scenebooth.json"}
    added = json.loads((folder / "tokenizer" / "tokenizer.json").read_text())["added_tokens"]
    assert "<mysneaker>" not in [t["content"] for t in added]  # plain text: the base vocabulary spells it
    assert json.loads((folder / "scenebooth.json").read_text())["sample_steps"] == 20


def test_generated_pngs_record_prompt_and_seed(chain):
    for mode, run in chain.generate.items():
        result = run.last
        assert result["weights_kind"] == mode and result["steps"] == 20  # the simple subject's, from its weights
        assert result["scheduler"] == "DPMSolverMultistepScheduler"
        assert len(result["images"]) == 6
        prompts = [img["prompt"] for img in result["images"]]
        assert prompts[0] == "a sneaker <mysneaker> on a cobblestone street"
        assert prompts[2] == f"a sneaker <mysneaker> {SCENES[18]}"
        assert prompts[4] == "a sneaker <mysneaker> on a red carpet"  # exact on tuned weights: the same template
        assert [img["mode"] for img in result["images"]] == ["tuned"] * 4 + ["exact"] * 2
        assert [img["seed"] for img in result["images"]] == [3, 4, 3, 4, 3, 4]
        for img in result["images"]:
            with Image.open(img["path"]) as png:
                assert png.size == (768, 768) and png.format == "PNG"
            meta = png_metadata(Path(img["path"]))
            assert (meta["prompt"], meta["seed"], meta["steps"]) == (img["prompt"], img["seed"], 20)
        assert "noise" in result["note"]


def test_an_exact_scene_on_tuned_weights_keeps_the_products_pixels(chain):
    for run in chain.generate.values():
        for img in run.last["images"][4:]:
            layer = np.asarray(Image.open(img["layer"]), dtype=np.int16)
            image = np.asarray(Image.open(img["path"]).convert("RGB"), dtype=np.int16)
            diff = np.abs(image - layer[..., :3]).mean(-1)
            assert diff[layer[..., 3] == 255].max() == 0 and diff[layer[..., 3] == 0].mean() > 20
            assert png_metadata(Path(img["path"]))["mode"] == "exact"


def conformance_problems(description: dict, value, where: str = "result") -> list[str]:
    """Where `value` differs from a contract description (scenebooth_tuner.spec.describe)."""
    kind = description["kind"]
    if kind == "nullable":
        return [] if value is None else conformance_problems(description["of"], value, where)
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where} is not an object"]
        fields = description["fields"]
        problems = [f"{where}.{k} is not in the contract" for k in value if k not in fields]
        for name, f in fields.items():
            if name in value:
                problems += conformance_problems(f["type"], value[name], f"{where}.{name}")
            elif f["required"]:
                problems.append(f"{where}.{name} is missing")
        return problems
    if kind == "list":
        if not isinstance(value, list):
            return [f"{where} is not a list"]
        return [p for i, v in enumerate(value) for p in conformance_problems(description["of"], v, f"{where}[{i}]")]
    ok = {
        "string": lambda v: isinstance(v, str),
        "path": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "enum": lambda v: v in description.get("values", ()),
    }[kind](value)
    return [] if ok else [f"{where} = {value!r} is not a {kind}"]


def test_results_match_the_contract(chain):
    from scenebooth_tuner.spec import contract

    described = contract()
    for run in [chain.caption, *chain.train.values(), *chain.generate.values()]:
        result = {k: v for k, v in run.last.items() if k != "event"}
        assert conformance_problems(described[result["command"]]["result"], result) == []


def test_conformance_check_sees_a_wrong_result(chain):
    from scenebooth_tuner.spec import contract

    result = {k: v for k, v in chain.generate["lora"].last.items() if k != "event"}
    del result["images"][0]["seed"]
    result["steps"] = "25"
    result["extra"] = 1
    assert sorted(conformance_problems(contract()["generate"]["result"], result)) == [
        "result.extra is not in the contract",
        "result.images[0].seed is missing",
        "result.steps = '25' is not a integer",
    ]
