"""The resident process (`serve`): jobs of several products through one process that loads the base model
once, each job's changes undone before the next; cancelling a running job."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from conftest import Capture, make_layer
from PIL import Image
from serve_client import ServeClient

from scenebooth_tuner import lora
from scenebooth_tuner.jobs import run_job
from scenebooth_tuner.model_cache import Resident, _fingerprint
from scenebooth_tuner.models import read_frozen, read_tunable
from scenebooth_tuner.profiles import get_profile
from scenebooth_tuner.progress import Progress
from scenebooth_tuner.runtime import runtime_for

STEPS = {"unet": 6, "text_encoder": 2, "adaptive": False}


def pixels(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def pristine_fingerprint(profile_name: str) -> str:
    """The base weights as a fresh process reads them."""
    profile = get_profile(profile_name)
    rt = runtime_for(profile)
    vae, scheduler_config = read_frozen(profile, rt)
    tokenizer, text_encoder, unet = read_tunable(profile, rt)
    return _fingerprint(Resident(rt, tokenizer, text_encoder, unet, vae, scheduler_config))


def specs(product: str, photos, work) -> dict:
    common = {"profile": "tiny", "class_noun": product, "seed": 5}
    return {
        "caption": {**common, "images": [str(p) for p in photos], "output_dir": str(work / product / "captions")},
        "train": lambda captions: {
            **common,
            "instances": [{"image": c["image"], "caption": c["caption"]} for c in captions],
            "steps": STEPS,
            # The variant that adds a token to the shared tokenizer and text encoder: the one that could leak.
            "identifier_mode": "new_token",
            "prior": {"enabled": False},
            "output_dir": str(work / product / "train"),
        },
        "generate": lambda artifact, out: {
            **common,
            "weights": artifact,
            "scenes": [3],
            "num_images": 1,
            "steps": 3,
            "output_dir": str(work / product / out),
        },
    }


def test_two_products_load_the_base_once_and_leave_nothing_behind(photos, tmp_path, monkeypatch):
    server = ServeClient()
    try:
        results = {}
        for product, shots in (("sneaker", photos[:3]), ("mug", photos[1:])):
            spec = specs(product, shots, tmp_path)
            captions = server.result("caption", spec["caption"])
            trained = server.result("train", spec["train"](captions["captions"]))
            generated = server.result("generate", spec["generate"](trained["artifact"], "generate"))
            results[product] = (captions, trained, generated)
        stats = server.result("stats", fingerprint=True)
    finally:
        assert server.close() == 0

    # Loaded once for the six jobs: the captioner, and each part of the base model.
    assert stats["jobs"] == 6
    assert stats["loads"] == {"captioner": 1, "vae": 1, "text_encoder": 1, "unet": 1}
    [resident] = stats["residents"]
    assert resident["adapter_layers"] == 0 and resident["vocab"] == 49408
    assert resident["fingerprint"] == pristine_fingerprint("tiny")

    # The second product trained and generated exactly as a fresh process's models do (read here, with no
    # resident models): nothing of the first product's weights or identifier reached it.
    _captions, trained, generated = results["mug"]
    spec = specs("mug", photos[1:], tmp_path / "alone")
    alone = run_job("train", spec["train"](_captions["captions"]), Progress(Capture()))
    assert alone["losses"] == trained["losses"]
    assert alone["identifier_token_id"] == trained["identifier_token_id"] == 49408
    # serve samples with the adapters unmerged (they are taken out after the job): so does this run.
    monkeypatch.setattr(lora, "apply_artifact", functools.partial(lora.apply_artifact, merge=False))
    fresh = run_job("generate", spec["generate"](trained["artifact"], "generate"), Progress(Capture()))
    assert np.array_equal(pixels(fresh["images"][0]["path"]), pixels(generated["images"][0]["path"]))


@pytest.fixture(scope="module")
def server():
    client = ServeClient()
    yield client
    assert client.close() == 0


def test_cancel_stops_a_running_train_and_the_process_serves_on(server, photos, tmp_path):
    spec = specs("sneaker", photos[:3], tmp_path)["train"](
        [{"image": str(p), "caption": "a sneaker"} for p in photos[:3]]
    )
    spec["steps"] = {"unet": 2000, "text_encoder": 0, "adaptive": False}
    job = server.submit("train", spec)
    seen = []
    for event in server.events(job):
        if not seen and event["event"] == "progress" and event["stage"] == "train":
            server.send({"cancel": job})
        seen += [event] if seen or event.get("stage") == "train" else []
    last = seen[-1]
    assert last["event"] == "error" and last["code"] == "cancelled", last
    assert max(e["step"] for e in seen if e["event"] == "progress") < 2000
    assert not (tmp_path / "sneaker" / "train" / "lora.safetensors").exists()

    # The process goes on, its models back as they were.
    stats = server.result("stats")
    assert stats["residents"][0]["adapter_layers"] == 0 and stats["residents"][0]["vocab"] == 49408
    spec["steps"] = {"unet": 2, "text_encoder": 1, "adaptive": False}
    spec["output_dir"] = str(tmp_path / "after")
    assert server.result("train", spec)["steps"]["unet"] == 2


def test_lines_that_are_not_jobs_are_answered_and_the_process_serves_on(server):
    server.send({"command": "stats"})  # no id
    error = server._next()
    assert error["event"] == "error" and error["code"] == "bad_spec"
    [error] = server.run("upscale", {})
    assert error["code"] == "bad_spec" and "unknown command" in error["message"]
    [error] = server.run("train", {"profile": "tiny"})
    assert error["code"] == "bad_spec"
    assert server.result("stats")["pid"] == server.ready["pid"]


def test_warm_loads_the_base_before_any_job_and_the_first_job_loads_nothing(photos, tmp_path):
    server = ServeClient()
    try:
        warmed = server.result("warm", profile="tiny")
        assert warmed["residents"][0]["adapter_layers"] == 0
        assert server.result("stats")["loads"] == {"vae": 1, "text_encoder": 1, "unet": 1}
        spec = specs("sneaker", photos[:3], tmp_path)
        trained = server.result(
            "train", spec["train"]([{"image": str(p), "caption": "a sneaker"} for p in photos[:3]])
        )
        assert trained["artifact"]
        assert server.result("stats")["loads"] == {"vae": 1, "text_encoder": 1, "unet": 1}
        [error] = [e for e in server.run("warm", profile="no-such-profile") if e["event"] == "error"]
        assert error["code"] in ("bad_spec", "bad_input")
    finally:
        assert server.close() == 0


def test_an_exact_generate_with_no_weights_goes_through_serve(server, tmp_path):
    """The fast lane's spec, as the worker sends it: the same parser and the base model the process keeps."""
    layer = make_layer(tmp_path / "layer.png")
    spec = {"profile": "tiny", "class_noun": "mug", "seed": 5, "scenes": [3], "layers": [str(layer)]}
    result = server.result("generate", {**spec, "num_images": 1, "steps": 3, "output_dir": str(tmp_path / "out")})
    [image] = result["images"]
    assert (result["weights_kind"], image["mode"], image["layer"]) == ("base", "exact", str(layer.resolve()))
    rgba = np.asarray(Image.open(layer), dtype=np.int16)
    inside = rgba[..., 3] == 255
    assert np.abs(pixels(image["path"]).astype(np.int16) - rgba[..., :3])[inside].max() == 0
    [error] = server.run("generate", {**spec, "layers": [str(tmp_path / "none.png")], "output_dir": str(tmp_path)})
    assert (error["code"], error["field"]) == ("bad_input", "layers")
